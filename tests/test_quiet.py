"""utils.quiet and utils.budget: no library chatter on stderr; seeding; the fast switch."""

import os
import random
import subprocess
import sys

import numpy as np
import pytest

import utils
from utils import fastmode

NOISY_SCRIPT = """
import utils
import tensorflow as tf, keras, gymnasium as gym
import numpy as np
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])
@tf.function
def forward(x):
    return model(x)
for n in range(1, 8):  # retracing warnings
    forward(np.zeros((n, 8), np.float32))
env = gym.make("LunarLander-v3", render_mode="rgb_array")
env.reset(seed=0)
env.render()
print("ok")
"""


def run_python(code, cwd, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "CUDA_VISIBLE_DEVICES")}
    environment.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=environment, capture_output=True, text=True)


def test_importing_utils_first_keeps_stderr_empty(tmp_path):
    result = run_python(NOISY_SCRIPT, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert result.stderr == "", f"library messages reached stderr:\n{result.stderr}"


def test_utils_imports_from_outside_the_repo(tmp_path, repo):
    result = run_python("import utils, pathlib; print(pathlib.Path(utils.__file__).parent.parent)", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(repo)


def test_seed_everything_repeats_python_numpy_and_tensorflow():
    import tensorflow as tf

    def draws():
        utils.seed_everything(5)
        return random.random(), np.random.rand(), float(tf.random.uniform(()))

    assert draws() == draws()


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (1.5, TypeError), ("1", TypeError), (True, TypeError)])
def test_seed_everything_rejects_bad_seeds(seed, error):
    with pytest.raises(error, match="seed must be"):
        utils.seed_everything(seed)


@pytest.mark.parametrize(
    "nbgrader, switch, expected",
    [
        ("", "", False),
        ("autograde", "", True),
        ("validate", "0", True),
        ("", "1", True),
        ("", "yes", True),
        ("", "0", False),
    ],
)
def test_fast_mode(monkeypatch, nbgrader, switch, expected):
    monkeypatch.setenv("NBGRADER_EXECUTION", nbgrader)
    monkeypatch.setenv(fastmode.FAST_ENV_VAR, switch)
    assert fastmode.fast_mode() is expected
    assert fastmode.budget(100, 5) == (5 if expected else 100)
