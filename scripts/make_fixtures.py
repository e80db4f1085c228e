"""Make every fixture in data/ from a NumPy reference, and data/SHA256SUMS.

    python scripts/make_fixtures.py          # write data/
    python scripts/make_fixtures.py --check  # regenerate in a temporary folder and compare

Expected values are computed here in float64 NumPy, never with TensorFlow, so
they do not depend on its version. The script is deterministic: the same
inputs give the same bytes, which tests/test_fixtures.py checks.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import utils  # noqa: E402  (quiet start-up before anything else)
from utils.fixtures import MANIFEST_NAME, file_sha256  # noqa: E402

# ---------------------------------------------------------------- 01_environment


def random_returns(num_episodes: int = 100) -> np.ndarray:
    """Returns of the uniformly random agent on seeds 0..99 (episode seed = action seed)."""
    env = utils.make_env()
    returns = []
    for seed in range(num_episodes):
        rng = np.random.default_rng(seed)
        env.reset(seed=seed)
        total = 0.0
        for _ in range(1000):
            _, reward, terminated, truncated, _ = env.step(int(rng.integers(4)))
            total += float(reward)
            if terminated or truncated:
                break
        returns.append(total)
    env.close()
    return np.array(returns, dtype=np.float64)


# ------------------------------------------------------------- 02_epsilon_greedy


def q_value_table() -> np.ndarray:
    """Rows of Q-values with one clear maximum each (ties are tested separately)."""
    rng = np.random.default_rng(20202)
    table = rng.normal(0.0, 10.0, size=(12, 4))
    table[3] = [-5.0, -1.0, -7.5, -3.0]  # all negative
    table[4] = [0.0, 0.0, 0.0, 1e-3]  # a tiny margin
    return table


def decay_sequence(epsilon: float = 1.0, decay: float = 0.995, epsilon_min: float = 0.01, episodes: int = 1000):
    """epsilon after 0, 1, ..., episodes calls of decay_epsilon."""
    values = [epsilon]
    for _ in range(episodes):
        epsilon = max(epsilon_min, epsilon * decay)
        values.append(epsilon)
    return np.array(values, dtype=np.float64)


LINEAR_STEPS = np.array([0, 1, 250, 500, 999, 1000, 1001, 5000], dtype=np.int64)


def linear_schedule(steps=LINEAR_STEPS, start: float = 1.0, end: float = 0.05, duration: int = 1000):
    fraction = np.minimum(steps / duration, 1.0)
    return start + fraction * (end - start)


def fixtures() -> dict[str, np.ndarray]:
    """Every fixture by its path relative to data/ (without .npy)."""
    table = q_value_table()
    return {
        "01_environment/random_returns": random_returns(),
        "02_epsilon_greedy/q_values": table,
        "02_epsilon_greedy/greedy_actions": np.argmax(table, axis=1).astype(np.int64),
        "02_epsilon_greedy/decay_sequence": decay_sequence(),
        "02_epsilon_greedy/linear_steps": LINEAR_STEPS,
        "02_epsilon_greedy/linear_values": linear_schedule(),
    }


def write(directory: Path) -> list[str]:
    names = []
    for name, array in fixtures().items():
        path = directory / f"{name}.npy"
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, np.ascontiguousarray(array), allow_pickle=False)
        names.append(f"{name}.npy")
    extra = sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and p.name != MANIFEST_NAME and p.suffix != ".npy"
    )
    lines = [f"{file_sha256(directory / n)}  {n}" for n in sorted(names + extra)]
    (directory / MANIFEST_NAME).write_text("\n".join(lines) + "\n")
    return sorted(names)


def check(directory: Path) -> list[str]:
    """Regenerate into a temporary folder; return the fixtures that differ from ``directory``."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        names = write(scratch)
        different = []
        for name in names:
            committed = directory / name
            if not committed.is_file() or committed.read_bytes() != (scratch / name).read_bytes():
                different.append(name)
        return different


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with data/ instead of writing it")
    parser.add_argument("--data", type=Path, default=REPO / "data")
    args = parser.parse_args(argv)
    if args.check:
        different = check(args.data)
        if different:
            print("fixtures that differ from a fresh run:", *different, sep="\n  ")
            return 1
        print("all fixtures reproduce byte for byte")
        return 0
    names = write(args.data)
    print(f"wrote {len(names)} fixtures and {MANIFEST_NAME} to {args.data}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
