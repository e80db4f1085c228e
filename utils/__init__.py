"""Helpers for the Deep Q-Learning course: import this before TensorFlow.

One module per concern:

* :mod:`utils.quiet`    - keeps library messages off stderr; ``seed_everything``
* :mod:`utils.fastmode` - the fast switch used under nbgrader
* :mod:`utils.envs`     - ``make_env`` and the facts of LunarLander-v3
* :mod:`utils.buffer`   - ``ExperienceBuffer``, the replay buffer (notebook 04)
* :mod:`utils.display`  - frames, videos, learning curves, tables
* :mod:`utils.fixtures` - ``data/`` and its checked ``.npy`` fixtures
* :mod:`utils.checks`   - the notebooks' test helpers
* :mod:`utils.exercises` - names the unfinished function when a stub raises NotImplementedError
* :mod:`utils.lander`   - the live lander widget (imported on its own: it loads anywidget)
"""

from .quiet import seed_everything, silence_libraries

silence_libraries()  # before anything imports TensorFlow

from .buffer import ExperienceBuffer  # noqa: E402
from .envs import (  # noqa: E402
    ACTION_NAMES,
    EVALUATION_EPISODES,
    EVALUATION_SEED,
    NUM_ACTIONS,
    OBSERVATION_NAMES,
    SOLVED_THRESHOLD,
    SOLVED_WINDOW,
    STATE_SIZE,
    make_env,
)
from .exercises import explain_unfinished_exercises  # noqa: E402
from .fastmode import budget, fast_mode  # noqa: E402
from .fixtures import FixtureError, data_dir, load_fixture, load_run, verify_fixtures  # noqa: E402

explain_unfinished_exercises()  # in a notebook: "soft_update is not implemented yet", not a bare error

from .display import describe_figures  # noqa: E402

describe_figures()  # in a notebook: every figure is shown with its alt text (screen readers, feedback pages)

__all__ = [
    "ACTION_NAMES",
    "EVALUATION_EPISODES",
    "EVALUATION_SEED",
    "NUM_ACTIONS",
    "OBSERVATION_NAMES",
    "SOLVED_THRESHOLD",
    "SOLVED_WINDOW",
    "STATE_SIZE",
    "ExperienceBuffer",
    "FixtureError",
    "budget",
    "data_dir",
    "explain_unfinished_exercises",
    "fast_mode",
    "load_fixture",
    "load_run",
    "make_env",
    "seed_everything",
    "silence_libraries",
    "verify_fixtures",
]
