"""A handed-in agent, read as plain arrays and checked, then played greedily: what runs inside the sandbox.

    python grading/agent.py AGENT_FOLDER --episodes 100 --first-seed 70000
    python grading/agent.py --random --episodes 100 --first-seed 70000

Notebook 04 saves a student's Q-network in ``my_agent/`` as ``kernel_0.npy, bias_0.npy,
kernel_1.npy, ...`` (``utils.networks.save_network``). Those files are untrusted: they are
read with ``np.load(allow_pickle=False)``, so nothing in them is ever executed, and
:func:`read_agent` checks every array before it is used (a float dtype, kernels and
biases that chain from 8 inputs to 4 outputs, finite values, a size cap).
:func:`play` acts greedily with a NumPy forward pass, no Keras, one seed per episode.

The leaderboard (``grading/leaderboard.py``) runs this file as a script in the bubblewrap
sandbox of ``grading/sandbox.py``, with the agent's folder read-only; it prints one line
of JSON, ``{"returns": [...]}``, or ``{"error": "..."}`` and exits with 1. It imports only
NumPy and the course's ``utils.envs``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

__all__ = ["AgentError", "MAX_FILE_BYTES", "MAX_LAYERS", "MAX_PARAMETERS", "agent_files", "read_agent", "play"]

STATE_SIZE, NUM_ACTIONS = 8, 4  # LunarLander-v3 (utils.envs); checked against it in play()
MAX_LAYERS = 16  # Dense layers in one agent
MAX_PARAMETERS = 4_000_000  # weights and biases in all (the course's networks have about 20,000)
MAX_FILE_BYTES = 64 << 20  # one .npy file
WEIGHT_FILE = re.compile(r"(kernel|bias)_(\d+)\.npy")


class AgentError(ValueError):
    """The folder does not hold an agent this course can play: says what is wrong, in one line."""


def agent_files(folder: Path) -> list[Path]:
    """``[kernel_0.npy, bias_0.npy, kernel_1.npy, ...]`` of ``folder``, checked without reading them:
    regular files (no symbolic links), numbered without gaps, each under MAX_FILE_BYTES."""
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        raise AgentError(f"{folder.name}/ is not a folder")
    found = {}
    for path in folder.iterdir():
        match = WEIGHT_FILE.fullmatch(path.name)
        if match is None:
            continue  # returns.npy, notes: not part of the network
        if path.is_symlink() or not path.is_file():
            raise AgentError(f"{path.name} is not a regular file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise AgentError(f"{path.name} is {path.stat().st_size >> 20} MiB, more than {MAX_FILE_BYTES >> 20} MiB")
        found[(match.group(1), int(match.group(2)))] = path
    layers = len({index for _, index in found})
    if layers == 0:
        raise AgentError("no kernel_0.npy: not a network saved by save_network")
    if layers > MAX_LAYERS:
        raise AgentError(f"{layers} layers, more than {MAX_LAYERS}")
    missing = [f"{kind}_{i}.npy" for i in range(layers) for kind in ("kernel", "bias") if (kind, i) not in found]
    if missing:
        raise AgentError(f"missing {', '.join(missing)}")
    return [found[(kind, i)] for i in range(layers) for kind in ("kernel", "bias")]


def read_agent(folder: Path) -> list[np.ndarray]:
    """The checked weights ``[kernel_0, bias_0, ...]`` as float32 arrays; AgentError says what is wrong."""
    weights, parameters = [], 0
    for path in agent_files(folder):
        try:
            array = np.load(path, allow_pickle=False)  # never unpickles: an object array is refused
        except Exception as error:  # noqa: BLE001 - not an .npy file, truncated, pickled objects
            raise AgentError(f"{path.name} is not a plain .npy array ({type(error).__name__}: {error})") from None
        if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
            raise AgentError(f"{path.name} holds {getattr(array, 'dtype', type(array).__name__)}, not floats")
        parameters += array.size
        if parameters > MAX_PARAMETERS:
            raise AgentError(f"more than {MAX_PARAMETERS:,} parameters")
        weights.append(array)
    inputs = STATE_SIZE
    for layer, (kernel, bias) in enumerate(zip(weights[0::2], weights[1::2], strict=True)):
        if kernel.ndim != 2 or kernel.shape[0] != inputs:
            raise AgentError(f"kernel_{layer}.npy has shape {kernel.shape}, expected ({inputs}, units)")
        if bias.shape != (kernel.shape[1],):
            raise AgentError(f"bias_{layer}.npy has shape {bias.shape}, expected ({kernel.shape[1]},)")
        inputs = kernel.shape[1]
    if inputs != NUM_ACTIONS:
        raise AgentError(f"the last layer gives {inputs} outputs, expected {NUM_ACTIONS} (one Q-value per action)")
    for name, array in zip((p.name for p in agent_files(folder)), weights, strict=True):
        if not np.all(np.isfinite(array)):
            raise AgentError(f"{name} holds NaN or infinite values")
    return [np.ascontiguousarray(w, dtype=np.float32) for w in weights]


def greedy_policy(weights: list[np.ndarray]):
    """``policy(observation) -> argmax_a Q(observation, a)`` of a ReLU network with a linear output."""
    kernels, biases = weights[0::2], weights[1::2]
    last = len(kernels) - 1

    def policy(observation) -> int:
        x = np.asarray(observation, dtype=np.float32)
        for i, (kernel, bias) in enumerate(zip(kernels, biases, strict=True)):
            x = x @ kernel + bias  # (units,)
            if i < last:
                x = np.maximum(x, 0.0)
        return int(np.argmax(x))

    return policy


def random_policy(seed: int):
    rng = np.random.default_rng(seed)
    return lambda observation: int(rng.integers(NUM_ACTIONS))


def play(policy, episodes: int, first_seed: int, max_steps: int = 1000) -> list[float]:
    """Returns of ``episodes`` episodes; episode i is reset with seed ``first_seed + i``."""
    from utils.envs import NUM_ACTIONS as ACTIONS
    from utils.envs import STATE_SIZE as STATES
    from utils.envs import make_env

    assert (STATES, ACTIONS) == (STATE_SIZE, NUM_ACTIONS), "the checks above must match LunarLander"
    env = make_env(max_episode_steps=max_steps)
    returns = []
    for i in range(episodes):
        observation, _ = env.reset(seed=first_seed + i)
        total, done = 0.0, False
        while not done:
            observation, reward, terminated, truncated, _ = env.step(policy(observation))
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    env.close()
    return returns


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, help="the agent's folder (kernel_0.npy, bias_0.npy, ...)")
    parser.add_argument("--random", action="store_true", help="the random agent instead (uniform actions)")
    parser.add_argument("--episodes", type=int, required=True)
    parser.add_argument("--first-seed", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        if args.random:
            policy = random_policy(args.first_seed)
        elif args.folder is None:
            parser.error("give an agent's folder, or --random")
        else:
            policy = greedy_policy(read_agent(args.folder))
        returns = play(policy, args.episodes, args.first_seed)
    except AgentError as error:
        print(json.dumps({"error": str(error)}))
        return 1
    print(json.dumps({"returns": returns, "init": _init_process()}))
    return 0


def _init_process() -> str:
    """The name of process 1 as this player sees it: ``bwrap`` inside the sandbox's own PID namespace."""
    try:
        return Path("/proc/1/comm").read_text().strip()
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
