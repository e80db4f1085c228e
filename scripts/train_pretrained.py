"""Train the pretrained agent that notebook 05 evaluates, with the solution's own code.

    python scripts/train_pretrained.py [--seed 0] [--max-env-steps 600000]

It runs ``train_agent`` of ``solutions/04_training`` (not a copy) without
stopping when solved, with the defaults notebook 04 had when the committed agent
was trained (``bench_training.PREVIOUS``), so that the script remakes that agent.
Every ``--eval-every`` episodes the current network plays
``--selection-episodes`` greedy episodes on selection seeds (from 50,000), and
the best network so far is kept. At the end the kept network plays 100 greedy
episodes on the held-out seeds ``utils.EVALUATION_SEED + i``, which neither
training nor selection used, and the script writes into ``data/pretrained/``:

* ``kernel_<i>.npy``, ``bias_<i>.npy``: the weights (``utils.networks.load_network("pretrained")``);
* ``config.json``: the training config, the selection and the result;
* ``learning_curve.npy``: the return of every training episode;
* ``evaluation.npy``: the 100 held-out returns;

then rewrites ``data/SHA256SUMS``. It prints the held-out mean return and the
share of episodes scoring 200 or more (targets: a mean of at least 250, and at
least 90% of episodes).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import PREVIOUS  # noqa: E402
from make_fixtures import seeded_returns  # noqa: E402
from solution_code import load_solution  # noqa: E402

import utils  # noqa: E402  (quiet start-up before TensorFlow)
from utils.fixtures import write_manifest  # noqa: E402
from utils.networks import NumpyQNetwork, save_network  # noqa: E402

SELECTION_SEED = 50_000


def greedy_returns(q_network, first_seed: int, episodes: int) -> np.ndarray:
    """Returns of greedy episodes reset with seeds first_seed, first_seed + 1, ..."""
    q_values = NumpyQNetwork(q_network)
    return seeded_returns(lambda observation: int(np.argmax(q_values(observation))), first_seed, episodes)


class SelectOnReset(gym.Wrapper):
    """Before every `every`-th episode, evaluate the network being trained and keep the best weights."""

    def __init__(self, env, networks: list, every: int, episodes: int):
        super().__init__(env)
        self.networks, self.every, self.episodes = networks, every, episodes
        self.resets = 0
        self.best = (-np.inf, None, 0)  # (mean selection return, weights, episode)

    def reset(self, **kwargs):
        if self.resets and self.resets % self.every == 0:
            q_network = self.networks[0]
            score = float(greedy_returns(q_network, SELECTION_SEED, self.episodes).mean())
            if score > self.best[0]:
                self.best = (score, q_network.get_weights(), self.resets)
            print(f"  after episode {self.resets}: greedy selection mean {score:7.1f} (best {self.best[0]:.1f} "
                  f"after episode {self.best[2]})", flush=True)
        self.resets += 1
        return self.env.reset(**kwargs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-env-steps", type=int, default=600_000)
    parser.add_argument("--eval-every", type=int, default=10, help="episodes between selection evaluations")
    parser.add_argument("--selection-episodes", type=int, default=20)
    parser.add_argument("--evaluation-episodes", type=int, default=utils.EVALUATION_EPISODES,
                        help="held-out episodes (the course's figure uses 100)")
    parser.add_argument("--out", type=Path, default=utils.data_dir() / "pretrained")
    args = parser.parse_args(argv)

    solution = load_solution("04_training")
    networks = []
    build = solution["build_q_network"]

    def build_and_remember(*a, **k):  # train_agent builds the online network first
        model = build(*a, **k)
        networks.append(model)
        return model

    solution["build_q_network"] = build_and_remember
    config = solution["DQNConfig"](seed=args.seed, max_env_steps=args.max_env_steps, stop_when_solved=False,
                                   progress=False, live_plot=False, **PREVIOUS)  # the defaults it was trained with
    env = SelectOnReset(utils.make_env(), networks, args.eval_every, args.selection_episodes)
    start = time.perf_counter()
    history = solution["train_agent"](env, config)
    score, weights, episode = env.best
    if weights is None:  # a budget too small for any selection round: keep the final network
        weights, episode = networks[0].get_weights(), len(history.returns)
    print(f"trained {history.env_steps:,} env steps, {len(history.returns)} episodes in {history.wall_time:.0f} s; "
          f"kept the network after episode {episode} (selection mean {score:.1f})")

    final = networks[0]
    final.set_weights(weights)
    held_out = greedy_returns(final, utils.EVALUATION_SEED, args.evaluation_episodes)
    mean, std, success = float(held_out.mean()), float(held_out.std()), float(np.mean(held_out >= 200.0))
    last_seed = utils.EVALUATION_SEED + args.evaluation_episodes - 1
    print(f"held-out evaluation, seeds {utils.EVALUATION_SEED}..{last_seed}: "
          f"mean return {mean:.1f}, std {std:.1f}, {success:.0%} of episodes scored 200 or more "
          f"(targets: mean >= 250, >= 90%)")

    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*"):
        old.unlink()
    save_network(weights, args.out)
    np.save(args.out / "learning_curve.npy", np.array(history.returns, dtype=np.float64))
    np.save(args.out / "evaluation.npy", held_out.astype(np.float64))
    summary = {
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(config).items()},
        "env_steps": history.env_steps,
        "episodes": len(history.returns),
        "training_seconds": round(history.wall_time, 1),
        "solved_episode": history.solved_episode,
        "selected_after_episode": episode,
        "selection": {"first_seed": SELECTION_SEED, "episodes": args.selection_episodes, "mean": round(score, 2)},
        "evaluation": {"first_seed": utils.EVALUATION_SEED, "episodes": args.evaluation_episodes,
                       "mean": round(mean, 2), "std": round(std, 2), "success_rate": success},
        "seconds_in_all": round(time.perf_counter() - start, 1),
    }
    (args.out / "config.json").write_text(json.dumps(summary, indent=2) + "\n")
    if args.out.parent == utils.data_dir():
        write_manifest()
    print(f"wrote {args.out}")
    return 0 if mean >= 250 and success >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
