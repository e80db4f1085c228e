"""Env steps to solve LunarLander, config against config, on many seeds: notebook 05's "Seeds decide" data.

    python scripts/make_seed_study.py              # data/05_evaluation/seeds/, and data/SHA256SUMS
    python scripts/make_seed_study.py --seeds 20 21 --out /tmp/study

Two configs of notebook 04's own train_agent (scripts/solution_code.py): ``course``, DQNConfig's
defaults when the study was made (``bench_training.PREVIOUS``), and ``searched``, trial 80 of the
course's first Optuna study (``MEDIAN_STUDY``, a search for the median seed), which solved that
study's tuning seeds in far fewer steps. Each trains on every seed until solved or MAX_ENV_STEPS;
what is kept is the env steps it took (MAX_ENV_STEPS where it did not solve) and whether it solved.
The seeds, 20 to 31, are used nowhere else in the course. About 30 minutes on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from solution_code import REPO, load_solution  # noqa: E402

OUT = REPO / "data" / "05_evaluation" / "seeds"
SEEDS = tuple(range(20, 32))
MAX_ENV_STEPS = 300_000  # notebook 04's budget
SEARCHED_TRIAL = 80
MEDIAN_STUDY = REPO / "data" / "tuning" / "dqn_config.journal"  # the first search: the median of five seeds


def configs() -> dict[str, dict]:
    """The DQNConfig fields of each side: the course's defaults of the time, and the searched trial as --choose
    rounds it."""
    from bench_training import PREVIOUS
    from tune_training import open_study, trial_config

    course = {key: value for key, value in PREVIOUS.items() if key != "epsilon_start"}
    searched = dict(trial_config(open_study(MEDIAN_STUDY), SEARCHED_TRIAL), double_dqn=False)  # as it was searched
    return {"course": course, "searched": searched}


def steps_to_solve(fields: dict, seed: int) -> tuple[int, bool, float]:
    """(env steps, solved, seconds) of one run of the solution's train_agent."""
    import utils

    solution = load_solution("04_training")
    config = solution["DQNConfig"](seed=seed, max_env_steps=MAX_ENV_STEPS, progress=False, live_plot=False, **fields)
    history = solution["train_agent"](utils.make_env(), config)
    return history.env_steps, history.solved_episode is not None, history.wall_time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    sides = configs()
    for name, fields in sides.items():
        print(f"{name}: {fields}", flush=True)
    steps = {name: [] for name in sides}
    solved = {name: [] for name in sides}
    for seed in args.seeds:
        for name, fields in sides.items():
            started = time.perf_counter()
            taken, done, seconds = steps_to_solve(fields, seed)
            steps[name].append(taken)
            solved[name].append(done)
            print(f"seed {seed}, {name:8s}: {'solved' if done else 'NOT solved'} after {taken:>7,} env steps "
                  f"({seconds:.0f} s of training, {time.perf_counter() - started:.0f} s in all)", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / "seeds.npy", np.asarray(args.seeds, dtype=np.int64))
    for name in sides:
        np.save(args.out / f"{name}_steps.npy", np.asarray(steps[name], dtype=np.float64))
        np.save(args.out / f"{name}_solved.npy", np.asarray(solved[name], dtype=bool))
        print(f"{name:8s}: median {np.median(steps[name]):,.0f} env steps, mean {np.mean(steps[name]):,.0f}; "
              f"solved {sum(solved[name])} of {len(args.seeds)}")
    if args.out == OUT:
        from utils.fixtures import write_manifest

        write_manifest()
    return 0


if __name__ == "__main__":
    sys.exit(main())
