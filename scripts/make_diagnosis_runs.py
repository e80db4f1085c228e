"""Training runs with one classic bug each, for notebook 05's "what went wrong?" exercise.

    python scripts/make_diagnosis_runs.py              # every run: data/05_evaluation/runs/, and data/SHA256SUMS
    python scripts/make_diagnosis_runs.py --only A B   # these runs only

Each run trains notebook 04's own solution code (scripts/solution_code.py) with one bug planted in
it, as the planted-mistake bank does, on LunarLander for BUDGET env steps, and keeps what a
practitioner looks at after each episode: the return, the epsilon it was played with, the mean loss
of its learning steps, and the mean greedy Q-value, max_a Q(s, a), over a fixed set of probe states.
The bugs:

- ``healthy``: no bug; some of these seeds are slow, and look worse than they are;
- ``epsilon_not_decayed``: train_agent never decays epsilon, so the agent acts at random for ever;
- ``actor_not_synced``: play_episode never calls agent.actor.sync(): the network learns, but the agent
  acts with its first weights;
- ``state_not_updated``: play_episode forgets state = next_state: the agent acts on the first state of
  every episode, and stores transitions that start there;
- ``never_learns``: play_episode asks should_learn for a full buffer instead of a batch: with 100,000
  transitions to wait for, not one learning step happens.

A run is a folder of .npy files (returns, epsilons, losses, q_values: one value per episode, NaN for a
loss where no learning step happened yet), read by ``utils.load_run``. Its name is a letter that says
nothing of its bug: the notebook shows runs A to E, one of each bug, and its hidden tests diagnose the
other ten (other seeds), whose bugs only RUNS below and the hidden tests name. The script also
rewrites data/SHA256SUMS.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import PREVIOUS  # noqa: E402
from solution_code import REPO, graded_cells, load_solution  # noqa: E402

OUT = REPO / "data" / "05_evaluation" / "runs"
BUDGET = 40_000  # env steps: a healthy run is well on its way by then, a broken one plainly is not
PROBE_STATES = 256

#: grade_id of notebook 04's cell -> (text in it, its replacement), per bug.
BUGS: dict[str, list[tuple[str, str, str]]] = {
    "healthy": [],
    "epsilon_not_decayed": [("train_agent", "        epsilon = decay_epsilon(epsilon, config.epsilon_decay, "
                                            "config.epsilon_min)\n", "")],
    "actor_not_synced": [("play_episode", "            agent.actor.sync()\n", "")],
    "state_not_updated": [("play_episode", "        state = next_state  # easy to forget\n", "")],
    "never_learns": [("play_episode", "if should_learn(step, config.learn_every, agent.buffer, config.batch_size)",
                      "if should_learn(step, config.learn_every, agent.buffer, config.buffer_size)")],
}


def probe_states(namespace: dict, count: int = PROBE_STATES) -> np.ndarray:
    """States of random-policy episodes on fixed seeds: the same for every run."""
    env = namespace["make_env"]()
    rng = np.random.default_rng(12345)
    states, seed = [], 500
    while len(states) < count:
        state, _ = env.reset(seed=seed)
        done = False
        while not done and len(states) < count:
            states.append(state)
            state, _, terminated, truncated, _ = env.step(int(rng.integers(4)))
            done = terminated or truncated
        seed += 1
    env.close()
    return np.asarray(states, dtype=np.float32)


def planted(bug: str) -> dict:
    """Notebook 04's solution, set-up and solution cells, with `bug` planted."""
    sources = {}
    for grade_id, old, new in BUGS[bug]:
        cell = next(c for c in graded_cells("04_training") if c.metadata.nbgrader["grade_id"] == grade_id)
        source = sources.get(grade_id, cell.source)
        if old not in source:
            raise SystemExit(f"{bug}: {old.strip()!r} is not in notebook 04's {grade_id} cell any more")
        sources[grade_id] = source.replace(old, new)
    return load_solution("04_training", sources)


def train(bug: str, seed: int) -> dict[str, np.ndarray]:
    """One run of the solution's own train_agent, with the bug planted; its curves, episode by episode."""
    ns = planted(bug)
    probes = probe_states(ns)
    agents, curves = [], {"returns": [], "epsilons": [], "losses": [], "q_values": []}
    make_agent, monitor = ns["make_agent"], ns["TrainingMonitor"]

    def watched_make_agent(env, config):
        agents.append(make_agent(env, config))
        return agents[-1]

    class WatchingMonitor(monitor):
        def end_episode(self, episode_return, episode_length, epsilon, losses):
            super().end_episode(episode_return, episode_length, epsilon, losses)
            curves["returns"].append(float(episode_return))
            curves["epsilons"].append(float(epsilon))
            curves["losses"].append(float(np.mean([float(loss) for loss in losses])) if losses else np.nan)
            q_values = agents[-1].q_network(probes).numpy()
            curves["q_values"].append(float(np.mean(np.max(q_values, axis=1))))

    ns["make_agent"], ns["TrainingMonitor"] = watched_make_agent, WatchingMonitor
    config = ns["DQNConfig"](seed=seed, max_env_steps=BUDGET, progress=False, live_plot=False,
                             stop_when_solved=False, **PREVIOUS)  # the defaults the committed runs were made with
    env = ns["make_env"]()
    ns["train_agent"](env, config)
    env.close()
    return {name: np.asarray(values, dtype=np.float64) for name, values in curves.items()}


#: (name, bug, seed) of every run. A to E are shown in notebook 05, one of each bug, the healthy one on a seed
#: that learns slowly; F to O are its hidden tests' (two seeds of each bug), in an order that says nothing.
RUNS = [
    ("A", "actor_not_synced", 1), ("B", "healthy", 3), ("C", "never_learns", 1), ("D", "state_not_updated", 1),
    ("E", "epsilon_not_decayed", 1),
    ("F", "epsilon_not_decayed", 2), ("G", "healthy", 2), ("H", "state_not_updated", 2), ("I", "never_learns", 2),
    ("J", "actor_not_synced", 2), ("K", "healthy", 4), ("L", "actor_not_synced", 3), ("M", "never_learns", 3),
    ("N", "epsilon_not_decayed", 3), ("O", "state_not_updated", 3),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="names of runs to make (default: all)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    for name, bug, seed in RUNS:
        if args.only and name not in args.only:
            continue
        started = time.perf_counter()
        curves = train(bug, seed)
        folder = args.out / name
        folder.mkdir(parents=True, exist_ok=True)
        for key, values in curves.items():
            np.save(folder / f"{key}.npy", values)
        r, q = curves["returns"], curves["q_values"]
        print(f"{name} ({bug}, seed {seed}): {len(r):4d} episodes in {time.perf_counter() - started:5.1f} s; "
              f"returns first 20 {np.mean(r[:20]):7.1f}, last 20 {np.mean(r[-20:]):7.1f}; "
              f"q {q[0]:7.1f} -> {q[-1]:7.1f}; "
              f"epsilon {curves['epsilons'][-1]:.2f}; loss {np.nanmean(curves['losses'][-20:]):.3f}", flush=True)
    if args.out == OUT:
        from utils.fixtures import write_manifest

        write_manifest()
    return 0


if __name__ == "__main__":
    sys.exit(main())
