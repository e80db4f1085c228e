"""Benchmark: env steps per second of DQN training loops on this machine.

    python scripts/bench_training.py [--steps 4000]
    python scripts/bench_training.py --solve [--against previous|plain|reference] [--seeds ...] [--workers 2]

Speed (default): these loops, each for the same number of env steps, learning
from the first full batch on, all in one run:

* the floor: ``env.step`` with random actions and nothing else;
* a baseline written the way the common tutorials do it: an eager
  ``q_network(state)`` call every step, a deque of namedtuples sampled with
  ``random.sample`` and converted to tensors per batch, the usual
  hyperparameters (64-64 network, Adam 1e-3, gamma 0.995, batch 64, learn
  every 4 steps, soft update tau 1e-3, epsilon x0.995 per episode to 0.01);
* the course's ``train_agent`` from ``solutions/04_training`` with its default
  config, and again with the baseline's hyperparameters (like for like).

``--solve`` runs the course's ``train_agent`` (the solution notebook's code,
not a copy) on each seed until the solved rule holds, twice per seed, each run
in a new process: today's default ``DQNConfig`` and a config to compare it with
(``--against``). That is ``previous``, the defaults before the worst-seed search
and Double DQN (``PREVIOUS``, run with today's code), ``plain``, today's defaults
with plain DQN targets (what Double DQN changes), or ``reference``: the config the course
had before issue 23 with the learning step it had then (``REFERENCE``: plain
``tf.function``, an actor that syncs through ``variable.numpy()``,
TensorFlow's default threads). By default it runs on the 16 held-out seeds
(``HELD_OUT_SEEDS``), which no tuning and no other script of the course uses.
Per seed and run it prints env steps, seconds and the greedy mean return of the
trained network on the leaderboard's 100 held-out seeds; then, per config, the
distribution over the seeds (median, 90th percentile, worst), how many solved,
and the ratios of the medians. It writes the runs as JSON and a strip plot of
them as PNG (``--out``). With ``--workers 2`` the two configs of a seed train at
the same time, one per core, so both meet the same load. Seconds drift by 2x from
one machine to the next: compare the two configs of one invocation, not figures
from elsewhere.

``--learning-step`` times one learning step (sample a batch, ``train_step``,
``actor.sync()``, the loss as a float), the reference's and today's, each in a
process of its own, for the reference's network and batch and for today's
default's, part by part.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections import deque, namedtuple
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from solution_code import graded_cells, load_solution  # noqa: E402

import utils  # noqa: E402,F401  (quiet start-up before TensorFlow)

Experience = namedtuple("Experience", ["state", "action", "reward", "next_state", "done"])


def env_floor(steps: int, seed: int = 0) -> float:
    """Seconds for `steps` random env steps (resets included)."""
    env = utils.make_env(seed=seed)
    env.reset(seed=seed)
    start = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    return time.perf_counter() - start


def baseline(steps: int, seed: int = 0) -> float:
    """Seconds for `steps` env steps of the tutorial-style loop."""
    import keras
    import tensorflow as tf

    utils.seed_everything(seed)

    def network():
        return keras.Sequential([keras.Input((8,)), keras.layers.Dense(64, activation="relu"),
                                 keras.layers.Dense(64, activation="relu"), keras.layers.Dense(4)])

    q_network, target_network = network(), network()
    target_network.set_weights(q_network.get_weights())
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    memory = deque(maxlen=100_000)
    gamma, tau, batch_size, learn_every = 0.995, 1e-3, 64, 4

    @tf.function
    def agent_learn(states, actions, rewards, next_states, dones):
        max_next = tf.reduce_max(target_network(next_states), axis=-1)
        y = rewards + gamma * max_next * (1 - dones)
        with tf.GradientTape() as tape:
            q_values = q_network(states)
            indices = tf.stack([tf.range(q_values.shape[0]), tf.cast(actions, tf.int32)], axis=1)
            q_values = tf.gather_nd(q_values, indices)
            loss = keras.losses.MeanSquaredError()(y, q_values)
        grads = tape.gradient(loss, q_network.trainable_variables)
        optimizer.apply_gradients(zip(grads, q_network.trainable_variables, strict=True))
        for target_weights, q_weights in zip(target_network.weights, q_network.weights, strict=True):
            target_weights.assign(tau * q_weights + (1.0 - tau) * target_weights)

    env = utils.make_env(seed=seed)
    state, _ = env.reset(seed=seed)
    epsilon = 1.0
    start = time.perf_counter()
    for step in range(1, steps + 1):
        q_values = q_network(np.expand_dims(state, axis=0))  # eager, every step
        action = random.randrange(4) if random.random() < epsilon else int(np.argmax(q_values.numpy()[0]))
        next_state, reward, terminated, truncated, _ = env.step(action)
        memory.append(Experience(state, action, reward, next_state, terminated))
        state = next_state
        if step % learn_every == 0 and len(memory) >= batch_size:
            experiences = random.sample(memory, k=batch_size)
            agent_learn(
                tf.convert_to_tensor(np.array([e.state for e in experiences]), dtype=tf.float32),
                tf.convert_to_tensor(np.array([e.action for e in experiences]), dtype=tf.float32),
                tf.convert_to_tensor(np.array([e.reward for e in experiences]), dtype=tf.float32),
                tf.convert_to_tensor(np.array([e.next_state for e in experiences]), dtype=tf.float32),
                tf.convert_to_tensor(np.array([e.done for e in experiences]).astype(np.uint8), dtype=tf.float32),
            )
        if terminated or truncated:
            state, _ = env.reset()
            epsilon = max(0.01, 0.995 * epsilon)
    return time.perf_counter() - start


BASELINE_HYPERPARAMETERS = dict(hidden_units=(64, 64), learning_rate=1e-3, gamma=0.995, batch_size=64,
                                learn_every=4, tau=1e-3, epsilon_decay=0.995, epsilon_min=0.01)


def course(steps: int, seed: int = 0, **hyperparameters) -> float:
    """Seconds for `steps` env steps of the course's train_agent (its default config unless told, no plots)."""
    solution = load_solution("04_training")
    config = solution["DQNConfig"](seed=seed, max_env_steps=steps, progress=False, live_plot=False,
                                   stop_when_solved=False, **hyperparameters)
    history = solution["train_agent"](utils.make_env(), config)
    assert history.env_steps == steps, history.env_steps
    return history.wall_time


def speed(steps: int) -> dict:
    floor = env_floor(steps)
    base = baseline(steps)
    ours = course(steps)
    like_for_like = course(steps, **BASELINE_HYPERPARAMETERS)
    print(f"training speed over {steps:,} env steps (learning from the first full batch on, compilation included)")
    print(f"  env.step alone (the floor):                        {steps / floor:8.0f} steps/s")
    print(f"  tutorial-style baseline:                           {steps / base:8.0f} steps/s")
    print(f"  the course's train_agent, its own config:          {steps / ours:8.0f} steps/s")
    print(f"  the course's train_agent, the baseline's settings: {steps / like_for_like:8.0f} steps/s")
    print(f"speed-up over the baseline: {base / ours:.1f}x (target >= 5x); "
          f"with the baseline's settings {base / like_for_like:.1f}x")
    return {"floor": steps / floor, "baseline": steps / base, "course": steps / ours,
            "like_for_like": steps / like_for_like, "speedup": base / ours}


#: The course's DQNConfig before it was tuned (issue 23's reference), and its learning step: plain tf.function,
#: plain DQN targets.
REFERENCE = dict(hidden_units=(128, 128), learning_rate=0.002, gamma=0.99, buffer_size=100_000, batch_size=256,
                 learn_every=8, tau=0.02, epsilon_start=1.0, epsilon_decay=0.97, epsilon_min=0.01, double_dqn=False)
#: DQNConfig's defaults before the worst-seed search of tune_training.py and Double DQN: REFERENCE's values, run
#: with today's code.
PREVIOUS = dict(REFERENCE)
#: The DQNConfig fields of each side of --solve beyond the defaults.
SIDE_FIELDS = {"reference": REFERENCE, "previous": PREVIOUS, "plain": {"double_dqn": False}, "today": {}}
#: The seeds of --solve: no tuning used them, nor any other script of the course (which use 0 to 2, 11 to 18,
#: 20 to 31 and 100 to 111; the choice of Double DQN, 120 to 135).
HELD_OUT_SEEDS = list(range(200, 216))
GRAPH_DECORATOR = "@graph_function(jit_compile=True)"


def reference_actor():
    """NumpyQNetwork as the reference had it: reading each weight through Keras (variable.numpy())."""
    from utils.networks import NumpyQNetwork

    class KerasReadingQNetwork(NumpyQNetwork):
        raw_reads = False

    return KerasReadingQNetwork


def load_loop(reference: bool = False) -> dict:
    """The solution of notebook 04; for the reference, with the learning step the course had before issue 23.

    That is: train_step decorated with plain ``tf.function`` and an actor that syncs through ``variable.numpy()``.
    (The reference also ran on TensorFlow's default thread pools: see REFERENCE_THREADS.)
    """
    if not reference:
        return load_solution("04_training")
    loop = load_plain_tf_function_loop()
    loop["NumpyQNetwork"] = reference_actor()  # make_agent looks the name up when it runs
    return loop


def load_plain_tf_function_loop() -> dict:
    """The solution of notebook 04 with its train_step decorated with plain tf.function instead."""
    (cell,) = [c for c in graded_cells("04_training") if c.metadata.nbgrader["grade_id"] == "train_step"]
    if GRAPH_DECORATOR not in cell.source:
        raise RuntimeError(f"train_step of solutions/04_training is no longer decorated with {GRAPH_DECORATOR}")
    plain = cell.source.replace(GRAPH_DECORATOR, "@tf.function(jit_compile=True)")
    return load_solution("04_training", {"train_step": plain})


def held_out_mean(q_network, episodes: int) -> float:
    """The greedy mean return on the leaderboard's held-out seeds (LEADERBOARD_SEED + i)."""
    from train_pretrained import greedy_returns

    from grading.leaderboard import LEADERBOARD_SEED

    return float(greedy_returns(q_network, LEADERBOARD_SEED, episodes).mean())


def solve_one(loop: dict, seed: int, max_env_steps: int, evaluation_episodes: int, **fields) -> dict:
    config = loop["DQNConfig"](seed=seed, max_env_steps=max_env_steps, progress=False, live_plot=False, **fields)
    history = loop["train_agent"](utils.make_env(), config)
    solved = history.solved_episode is not None
    return {"seed": seed, "solved": solved, "steps": history.env_steps, "episodes": len(history.returns),
            "learning_steps": len(history.losses), "seconds": history.wall_time,
            "held_out": held_out_mean(history.q_network, evaluation_episodes) if evaluation_episodes else None}


def describe(run: dict) -> str:
    held_out = "" if run["held_out"] is None else f", held-out mean {run['held_out']:6.1f}"
    return (f"{'solved' if run['solved'] else 'NOT solved'} after {run['steps']:>7,} env steps "
            f"({run['episodes']} episodes, {run['learning_steps']:,} learning steps) "
            f"in {run['seconds']:5.1f} s{held_out}")


#: TensorFlow's default thread pools (a thread per core), on which the reference ran; today utils asks for one.
REFERENCE_THREADS = {"TF_NUM_INTRAOP_THREADS": "0", "TF_NUM_INTEROP_THREADS": "0"}
SIDES = tuple(SIDE_FIELDS)


def side_command(side: str, *arguments: str) -> tuple[list[str], dict]:
    """The command and environment that run this script with `arguments` in a new process set up as `side`.

    Thread pools are set when TensorFlow starts, once per process, so each side gets a process of its own.
    """
    environment = dict(os.environ, **(REFERENCE_THREADS if side == "reference" else {}))
    return [sys.executable, __file__, *arguments, "--side", side], environment


def result_of(side: str, arguments: tuple, returncode: int, stdout: str, stderr: str) -> dict:
    if returncode != 0:
        raise RuntimeError(f"the {side} run of {' '.join(arguments)} failed:\n{stderr[-3000:]}")
    return json.loads(stdout.strip().splitlines()[-1])


def in_own_process(side: str, *arguments: str) -> dict:
    """Run this script with `arguments` in a new Python process set up as `side` ran; its JSON result."""
    return in_own_processes_at_once([(side, arguments)])[0]


def in_own_processes_at_once(jobs: list[tuple[str, tuple]]) -> list[dict]:
    """in_own_process for each (side, arguments) of `jobs`, all started at once; their results in order."""
    started = []
    for side, arguments in jobs:
        command, environment = side_command(side, *arguments)
        started.append((side, arguments, subprocess.Popen(command, env=environment, text=True,
                                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    outputs = [process.communicate() for _, _, process in started]
    return [result_of(side, arguments, process.returncode, *output)
            for (side, arguments, process), output in zip(started, outputs, strict=True)]


def side_fields(side: str) -> dict:
    """Every DQNConfig field a side trains with but the seed and the budget: today's are the defaults."""
    from dataclasses import asdict

    defaults = asdict(load_solution("04_training")["DQNConfig"]())
    fields = dict(defaults, **SIDE_FIELDS[side])
    return {key: list(value) if isinstance(value, tuple) else value for key, value in fields.items()
            if key not in ("seed", "max_env_steps", "progress", "live_plot", "plot_every", "stop_when_solved")}


def spread(values: list[float]) -> dict:
    """Median, 90th percentile (a run's own value, the next above if between two) and worst (largest) of `values`.

    An unsolved run counts as infinite.
    """
    ordered = sorted(values)
    return {"median": statistics.median(ordered), "p90": float(np.percentile(ordered, 90, method="higher")),
            "worst": ordered[-1]}


def ratio_text(value: float) -> str:
    return f"x{value:.2f}" if math.isfinite(value) else "n/a (an unsolved median)"


def finite_or_none(value):
    """JSON has no infinity: an unsolved run's figure is written as null."""
    if isinstance(value, dict):
        return {key: finite_or_none(v) for key, v in value.items()}
    return None if isinstance(value, float) and not math.isfinite(value) else value


def steps_text(value: float) -> str:
    return "unsolved" if math.isinf(value) else f"{value:,.0f}"


def summarise(name: str, runs: list[dict]) -> dict:
    """The distribution of a config's runs over the seeds, printed on one line each for steps and seconds."""
    steps = spread([r["steps"] if r["solved"] else math.inf for r in runs])
    seconds = spread([r["seconds"] for r in runs])
    held_out = [r["held_out"] for r in runs if r["held_out"] is not None]
    solved = sum(r["solved"] for r in runs)
    print(f"{name:9s} env steps to solve: median {steps_text(steps['median'])}, 90th percentile "
          f"{steps_text(steps['p90'])}, worst {steps_text(steps['worst'])}; solved {solved} of {len(runs)} seeds")
    print(f"{name:9s} seconds:            median {seconds['median']:.1f}, 90th percentile {seconds['p90']:.1f}, "
          f"worst {seconds['worst']:.1f}"
          + (f"; held-out means {min(held_out):.1f} to {max(held_out):.1f} (mean {statistics.mean(held_out):.1f})"
             if held_out else ""))
    return {"steps": steps, "seconds": seconds, "solved": solved, "seeds": len(runs),
            "held_out_min": min(held_out) if held_out else None}


def strip_plot(results: dict, max_env_steps: int, path: Path) -> None:
    """Env steps to solve and seconds of each run, one dot per seed, a row per config, medians marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 1 + 0.8 * len(results)), layout="constrained")
    rng = np.random.default_rng(0)
    for row, runs in enumerate(results.values()):
        jitter = row + rng.uniform(-0.12, 0.12, size=len(runs))
        steps = np.array([r["steps"] for r in runs], dtype=float)
        solved = np.array([r["solved"] for r in runs])
        seconds = np.array([r["seconds"] for r in runs])
        axes[0].scatter(steps[solved], jitter[solved], s=18, color=f"C{row}")
        axes[0].scatter(steps[~solved], jitter[~solved], marker="x", color="red", s=30)
        axes[1].scatter(seconds, jitter, s=18, color=f"C{row}")
        for axis, values in ((axes[0], np.where(solved, steps, np.inf)), (axes[1], seconds)):
            median = np.median(values)
            if np.isfinite(median):
                axis.plot([median, median], [row - 0.3, row + 0.3], color="black", linewidth=2)
    axes[0].axvline(max_env_steps, color="red", linestyle=":", linewidth=1)
    axes[0].set_xlabel("env steps to solve (x: not solved)")
    axes[1].set_xlabel("seconds")
    for axis in axes:
        axis.set_yticks(range(len(results)), list(results))
        axis.set_ylim(-0.5, len(results) - 0.5)
        axis.grid(axis="x", alpha=0.3)
    seeds = [r["seed"] for r in next(iter(results.values()))]
    figure.suptitle(f"{len(seeds)} seeds ({seeds[0]} to {seeds[-1]}); a bar marks the median")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def solve(seeds: list[int], max_env_steps: int, evaluation_episodes: int = 100, against: str | None = "previous",
          workers: int = 1, out: Path | None = None) -> dict:
    """Time to solve per seed for today's default and the config `against` (a side of SIDE_FIELDS), side by side.

    Each run trains in a new process; the two runs of a seed one after the other, or at once with workers=2.
    """
    sides = [against, "today"] if against else ["today"]
    results = {side: [] for side in sides}
    for seed in seeds:
        jobs = [(side, ("--solve-run", "--seeds", str(seed), "--max-env-steps", str(max_env_steps),
                        "--evaluation-episodes", str(evaluation_episodes))) for side in sides]
        runs = in_own_processes_at_once(jobs) if workers > 1 else [in_own_process(side, *a) for side, a in jobs]
        for side, run in zip(sides, runs, strict=True):
            results[side].append(run)
            print(f"seed {seed}, {side:9s}: {describe(run)}", flush=True)
    summary = {name: summarise(name, runs) for name, runs in results.items()}
    if against:
        ratios = {}
        for key in ("steps", "seconds"):
            today, before = summary["today"][key]["median"], summary[against][key]["median"]
            ratios[key] = today / before if math.isfinite(today) and math.isfinite(before) else math.nan
        print(f"today / {against}: median env steps {ratio_text(ratios['steps'])}, "
              f"median seconds {ratio_text(ratios['seconds'])}")
        summary["ratios"] = ratios
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        configs = {side: side_fields(side) for side in sides}
        (out / "bench_training_solve.json").write_text(json.dumps(
            {"seeds": seeds, "max_env_steps": max_env_steps, "configs": configs, "runs": results,
             "summary": finite_or_none(summary)}, indent=1, allow_nan=False))
        strip_plot(results, max_env_steps, out / "bench_training_solve.png")
        print(f"runs and strip plot written to {out / 'bench_training_solve.json'} and .png")
    return {"runs": results, "summary": summary}


def learning_setup(loop: dict, transitions: int, **fields) -> tuple:
    """(train_step, config, agent) of the loop's solution, its buffer holding `transitions` random transitions."""
    config = loop["DQNConfig"](progress=False, live_plot=False, **fields)
    agent = loop["make_agent"](utils.make_env(), config)
    rng = np.random.default_rng(0)
    for _ in range(transitions):
        agent.buffer.append(rng.normal(size=8), int(rng.integers(4)), float(rng.normal()), rng.normal(size=8),
                            bool(rng.random() < 0.01))
    return loop["train_step"], config, agent


def time_learning(train_step, config, agent, steps: int) -> dict:
    """Milliseconds per learning step, part by part: sample a batch, train_step, actor.sync(), the loss as a float."""
    parts = dict.fromkeys(("sample", "train_step", "sync", "float"), 0.0)
    for _ in range(steps):
        t0 = time.perf_counter()
        batch = agent.buffer.sample(config.batch_size, agent.rng)
        t1 = time.perf_counter()
        loss = train_step(agent.q_network, agent.target_network, agent.optimizer, batch, config.gamma, config.tau)
        t2 = time.perf_counter()
        agent.actor.sync()
        t3 = time.perf_counter()
        float(loss)
        t4 = time.perf_counter()
        for part, seconds in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            parts[part] += 1000 * seconds / steps
    return parts


def side_learning_step_times(side: str, repeats: int, rounds: int) -> dict:
    """In this process, set up as `side`: ms per learning step, part by part, of REFERENCE's config and today's.

    Both set-ups are built and warmed up first, then timed in turns, `repeats` steps per round for `rounds`
    rounds; each figure is the median over the rounds, so a busy moment of the machine counts once.
    """
    loop = load_loop(reference=side == "reference")
    setups = {name: learning_setup(loop, transitions=20_000, **fields)  # half a run's buffer
              for name, fields in (("reference", REFERENCE), ("today", {}))}
    if side == "today":  # what graph_function alone saves: today's step through plain tf.function
        setups["today, tf.function"] = learning_setup(load_plain_tf_function_loop(), transitions=20_000)
    for setup in setups.values():  # tracing and compiling
        time_learning(*setup, steps=50)
    measured = {name: [] for name in setups}
    for _ in range(rounds):
        for name, setup in setups.items():
            measured[name].append(time_learning(*setup, steps=repeats))
    times = {}
    for name, per_round in measured.items():
        ms = {part: statistics.median(r[part] for r in per_round) for part in per_round[0]}
        ms["total"] = statistics.median(sum(r.values()) for r in per_round)
        config = setups[name][1]
        ms["size"] = f"{'x'.join(map(str, config.hidden_units))}, batch {config.batch_size}"
        times[name] = ms
    return times


def learning_step_times(repeats: int = 500, rounds: int = 5) -> dict:
    """Milliseconds per learning step, part by part: the reference's learning step and today's, for both configs.

    The reference's: train_step through plain tf.function, the actor syncing through variable.numpy(),
    TensorFlow's default threads. Today's: the notebook's graph_function, utils' actor and threads.
    Each side runs in a process of its own (thread pools are per process), one after the other.
    """
    times = {}
    for side in ("reference", "today"):
        per_config = in_own_process(side, "--learning-step-run", "--repeats", str(repeats), "--rounds", str(rounds))
        for name, ms in per_config.items():
            times[(side, name)] = ms
            print(f"{side:9s} learning step, {name:19s} config ({ms['size']:18s}): {ms['total']:.2f} ms = "
                  + " + ".join(f"{part} {ms[part]:.2f}" for part in ("sample", "train_step", "sync", "float")))
    for name in ("reference", "today"):
        before, after = times[("reference", name)]["total"], times[("today", name)]["total"]
        print(f"{name} config: today's learning step takes {after / before:.2f} of the reference's time")
    plain, graph = times[("today", "today, tf.function")]["total"], times[("today", "today")]["total"]
    print(f"today's config and set-up: graph_function takes {graph / plain:.2f} of plain tf.function's time")
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000, help="env steps per loop for the speed figures")
    parser.add_argument("--solve", action="store_true", help="time to solve instead of speed")
    parser.add_argument("--learning-step", action="store_true", help="milliseconds per learning step instead")
    parser.add_argument("--seeds", type=int, nargs="+", default=HELD_OUT_SEEDS)
    parser.add_argument("--max-env-steps", type=int, default=300_000)
    parser.add_argument("--evaluation-episodes", type=int, default=100, help="held-out episodes per trained agent")
    parser.add_argument("--against", choices=[side for side in SIDES if side != "today"] + ["none"], default="previous",
                        help="--solve: the config beside today's default")
    parser.add_argument("--workers", type=int, choices=(1, 2), default=1,
                        help="--solve: 2 trains both configs of a seed at once")
    parser.add_argument("--out", type=Path, default=Path("artifacts") / "bench",
                        help="--solve: the folder of the runs' JSON and strip plot")
    parser.add_argument("--repeats", type=int, default=500, help="--learning-step: learning steps per round")
    parser.add_argument("--rounds", type=int, default=5, help="--learning-step: rounds, timed in turns")
    # one side's part, in a process of its own (see in_own_process):
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--solve-run", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--learning-step-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.solve_run or args.learning_step_run:
        if args.side is None:
            parser.error("--solve-run and --learning-step-run need --side")
        if args.solve_run:
            (seed,) = args.seeds
            result = solve_one(load_loop(reference=args.side == "reference"), seed, args.max_env_steps,
                               args.evaluation_episodes, **SIDE_FIELDS[args.side])
        else:
            result = side_learning_step_times(args.side, args.repeats, args.rounds)
        print(json.dumps(result))
    elif args.solve:
        solve(args.seeds, args.max_env_steps, args.evaluation_episodes,
              against=None if args.against == "none" else args.against, workers=args.workers, out=args.out)
    elif args.learning_step:
        learning_step_times(args.repeats, args.rounds)
    else:
        speed(args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
