"""Search DQNConfig for training that solves LunarLander on every seed, fast, with Optuna.

    python scripts/tune_training.py [--minutes 75] [--workers 2]   # search, then print the best trials
    python scripts/tune_training.py --show                          # print the best trials of the study so far
    python scripts/tune_training.py --validate N [N ...]            # run trials' configs on validation seeds
    python scripts/tune_training.py --choose N                      # record trial N as DQNConfig's defaults

Each trial trains the course's ``train_agent`` (the solution notebook's code) with
one sampled config on each tuning seed, until the solved rule holds or the cap of
env steps is spent. Its value is the worst over the seeds of the env steps to
solve (``--objective``: or the median): what a student cares about is whether
*their* run solves, whatever seed their code's order of random draws gives it.
A seed that does not solve within ``--cap`` (150,000 env steps, half the
notebook's budget) counts as between 1 and 2 times the cap, by how close it
came: the best mean of 100 consecutive returns it reached, 200 (almost solved)
giving 1x and -200 or worse 2x, so the search
can tell a near miss from a crash. A seed is given up early when it is clearly
too slow (see ``give_up_early``), and a trial whose worst seed so far is already
worse than the median trial's at that point is pruned.

Time goes to learning steps (a millisecond or two each) more than to env steps. So
before the first trial the script times a learning step of each network size and
batch size in the search space, on this machine, and a config is feasible only if
its learning costs at most ``--time-share`` of the previous config's per env step
(a learning step's cost / ``learn_every``): a config that solves in fewer env
steps then also solves in fewer seconds. Optuna's TPE sampler takes that as a
constraint. The first trial of a new study is the previous config itself
(``PREVIOUS``), the next ones the configs of ``STARTING_POINTS``.

The study lives in a journal file (``--study``): stop the search at any time and
run the script again to resume it; several worker processes share the file.
Tune on seeds the benchmark does not use (100 to 105 by default). ``--validate``
runs the best trials' configs (rounded as ``--choose`` rounds them) to the end on
other seeds (106 to 111): the worst of those, then their median, pick the config.
The search trains with the targets notebook 04 has at the time: the committed studies ran
with plain DQN targets, before Double DQN became its default. Then check the config on the
benchmark's held-out seeds with ``bench_training.py --solve``
(``bench_training.HELD_OUT_SEEDS``), and record it with ``--choose``: notebook 04's
defaults are that trial's values, rounded to three significant digits
(``chosen_config``), and a test holds them to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_STUDY = REPO / "data" / "tuning" / "dqn_worst_seed.journal"
STUDY_NAME = "dqn_config"
TUNING_SEEDS = [100, 101, 102, 103, 104, 105]
VALIDATION_SEEDS = [106, 107, 108, 109, 110, 111]

sys.path.insert(0, str(REPO / "scripts"))
from bench_training import PREVIOUS  # noqa: E402  (DQNConfig's defaults before this search)

#: Configs tried right after PREVIOUS: the earlier median search's best trials (62 and 80), and PREVIOUS
#: learning more gently. One over the learning-time budget of the machine that runs the search is skipped.
STARTING_POINTS = [
    dict(hidden_units=(128, 128), learning_rate=0.00444, gamma=0.995, buffer_size=50_000, batch_size=512,
         learn_every=14, tau=0.0189, epsilon_decay=0.964, epsilon_min=0.01),
    dict(hidden_units=(128, 128), learning_rate=0.00591, gamma=0.995, buffer_size=50_000, batch_size=512,
         learn_every=16, tau=0.0182, epsilon_decay=0.968, epsilon_min=0.01),
    dict(PREVIOUS, learning_rate=0.001),
    dict(PREVIOUS, learning_rate=0.001, epsilon_decay=0.98, tau=0.01),
    dict(PREVIOUS, hidden_units=(64, 64), batch_size=128, learn_every=5, learning_rate=0.001),
]
HIDDEN = {"64x64": (64, 64), "128x128": (128, 128), "256x256": (256, 256)}
BATCHES = [64, 128, 256, 512]
ONE_THREAD = dict(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")  # one core per worker process


def suggest(trial) -> dict:
    """One point of the search space, as DQNConfig fields."""
    return dict(
        hidden_units=HIDDEN[trial.suggest_categorical("hidden", list(HIDDEN))],
        learning_rate=trial.suggest_float("learning_rate", 2e-4, 6e-3, log=True),
        gamma=trial.suggest_categorical("gamma", [0.98, 0.99, 0.995]),
        buffer_size=trial.suggest_categorical("buffer_size", [25_000, 50_000, 100_000]),
        batch_size=trial.suggest_categorical("batch_size", BATCHES),
        learn_every=trial.suggest_int("learn_every", 2, 24),
        tau=trial.suggest_float("tau", 0.005, 0.1, log=True),
        epsilon_decay=trial.suggest_float("epsilon_decay", 0.85, 0.99),
        epsilon_min=trial.suggest_categorical("epsilon_min", [0.0, 0.01, 0.02, 0.05]),
    )


def as_params(config: dict) -> dict:
    """DQNConfig fields as the study's parameters (the inverse of suggest)."""
    params = {key: value for key, value in config.items()
              if key not in ("epsilon_start", "double_dqn")}  # not searched: 1.0, and notebook 04's targets
    params["buffer_size"] = int(params["buffer_size"])
    params["hidden"] = next(name for name, units in HIDDEN.items() if units == tuple(config["hidden_units"]))
    del params["hidden_units"]
    return params


class Hopeless(Exception):
    """Raised by GiveUpEarly: this seed will not solve within the cap."""


def give_up_early(env, cap: int):
    """Wrap env so that a reset raises Hopeless once training is clearly too slow to solve within the cap.

    The solved rule needs the mean of the last 100 returns to reach 200. A run whose last 50 episodes
    average below 0 after half the cap, or below 100 after three quarters of it, would have to average
    well over 200 in nearly every episode left to get there: the search counts it as unsolved and saves
    a quarter to a half of a failing seed's time. (A rule of thumb: it may give up on a rare late solver.)
    """
    import gymnasium as gym

    class GiveUpEarly(gym.Wrapper):
        def __init__(self, env):
            super().__init__(env)
            self.steps, self.returns, self.current = 0, [], 0.0
            self.best_mean = -float("inf")  # the best mean of the last 100 returns, once 20 episodes are played

        def step(self, action):
            result = self.env.step(action)
            self.steps += 1
            self.current += float(result[1])
            return result

        def reset(self, **kwargs):
            if self.steps:
                self.returns.append(self.current)
                if len(self.returns) >= 20:
                    self.best_mean = max(self.best_mean, sum(self.returns[-100:]) / len(self.returns[-100:]))
            self.current = 0.0
            recent = sum(self.returns[-50:]) / max(1, len(self.returns[-50:]))
            if (self.steps >= cap // 2 and recent < 0) or (self.steps >= 3 * cap // 4 and recent < 100):
                raise Hopeless(f"mean of the last 50 returns {recent:.0f} after {self.steps:,} env steps")
            return self.env.reset(**kwargs)

    return GiveUpEarly(env)


def cost_key(hidden_units, batch_size) -> str:
    return f"{'x'.join(map(str, hidden_units))}/{batch_size}"


def time_learning_steps(repeats: int = 300) -> dict[str, float]:
    """Milliseconds per learning step (sample, train_step, actor.sync) of each network and batch size."""
    from bench_training import learning_setup, load_loop, time_learning

    loop = load_loop()
    costs = {}
    for hidden_units in HIDDEN.values():
        for batch_size in BATCHES:
            key = cost_key(hidden_units, batch_size)
            setup = learning_setup(loop, transitions=2 * batch_size, hidden_units=hidden_units, batch_size=batch_size)
            time_learning(*setup, steps=30)  # tracing and compiling
            costs[key] = sum(time_learning(*setup, steps=repeats).values())
    return costs


def unsolved_value(cap: int, best_mean: float) -> int:
    """The value of a seed that did not solve: cap x 1 at a best mean return of 200, up to cap x 2 at -200."""
    closeness = min(max(best_mean, -200.0), 200.0) / 200.0
    return int(cap * (1.5 - 0.5 * closeness))


def learning_ms_per_env_step(params: dict, costs: dict) -> float:
    """Milliseconds of learning per env step of a config: a learning step's cost over learn_every."""
    return costs[cost_key(HIDDEN[params["hidden"]], params["batch_size"])] / params["learn_every"]


def over_budget(params: dict, study_attrs: dict) -> float:
    """Optuna's constraint (<= 0: feasible): microseconds of learning per env step beyond the budget."""
    return 1000 * (learning_ms_per_env_step(params, study_attrs["ms_per_learning_step"])
                   - study_attrs["budget_ms_per_env_step"])


def feasible(trial, study_attrs: dict) -> bool:
    return over_budget(trial.params, study_attrs) <= 0


def open_study(path: Path, seed: int | None = None):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    path.parent.mkdir(parents=True, exist_ok=True)
    storage = JournalStorage(JournalFileBackend(str(path)))
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, n_startup_trials=10)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=1)  # from the second seed on
    if any(summary.study_name == STUDY_NAME for summary in optuna.get_all_study_summaries(storage)):
        # load, not create_study(load_if_exists=True): that appends a record to the journal at every read
        return optuna.load_study(study_name=STUDY_NAME, storage=storage, sampler=sampler, pruner=pruner)
    return optuna.create_study(study_name=STUDY_NAME, storage=storage, sampler=sampler, pruner=pruner,
                               direction="minimize")


def summarise(steps: list, how: str) -> float:
    """A trial's value from its seeds' env steps: the worst, or the median."""
    return max(steps) if how == "worst" else statistics.median(steps)


def objective(trial, seeds: list[int], cap: int, how: str = "worst") -> float:
    import optuna
    from solution_code import load_solution

    import utils

    solution = load_solution("04_training")
    fields = suggest(trial)
    costs = trial.study.user_attrs["ms_per_learning_step"]
    ms = costs[cost_key(fields["hidden_units"], fields["batch_size"])]
    steps, learning, seconds = [], [], 0.0
    for i, seed in enumerate(seeds):
        config = solution["DQNConfig"](seed=seed, max_env_steps=cap, progress=False, live_plot=False, **fields)
        started = time.perf_counter()
        env = give_up_early(utils.make_env(), cap)
        try:
            history = solution["train_agent"](env, config)
            solved = history.solved_episode is not None
        except Hopeless:
            history, solved = None, False
        steps.append(history.env_steps if solved else unsolved_value(cap, env.best_mean))
        learning.append(len(history.losses) if solved else steps[-1] // fields["learn_every"])
        seconds += time.perf_counter() - started
        trial.set_user_attr("steps", steps)
        trial.set_user_attr("learning_steps", statistics.median(learning))
        trial.set_user_attr("learning_ms", round(statistics.median(learning) * ms))
        trial.set_user_attr("seconds", round(seconds, 1))
        trial.report(summarise(steps, how), i)
        if i < len(seeds) - 1 and trial.should_prune():
            trial.set_constraint("learning_time", over_budget(trial.params, trial.study.user_attrs))  # set once
            raise optuna.TrialPruned()
    trial.set_constraint("learning_time", over_budget(trial.params, trial.study.user_attrs))
    return summarise(steps, how)


def calibrate(args) -> None:
    """Time the learning steps of the search space and store them, with the budget, in the study."""
    study = open_study(args.study)
    costs = time_learning_steps(args.timing_repeats)
    study.set_user_attr("ms_per_learning_step", costs)
    previous = learning_ms_per_env_step(as_params(PREVIOUS), costs)
    study.set_user_attr("budget_ms_per_env_step", args.time_share * previous)
    print("ms per learning step (network/batch):", ", ".join(f"{k} {v:.2f}" for k, v in costs.items()), flush=True)


def work(args) -> None:
    """One worker: run trials until the time or the trial budget is spent."""
    study = open_study(args.study, seed=args.sampler_seed)
    deadline = time.monotonic() + args.minutes * 60

    def stop_in_time(study, trial):
        if time.monotonic() > deadline:
            study.stop()

    def say(study, trial):
        value = "pruned" if trial.value is None else f"{trial.value:,.0f}"
        print(f"trial {trial.number}: {value} env steps, {trial.user_attrs.get('seconds', 0):.0f} s, "
              f"seeds {trial.user_attrs.get('steps')}", flush=True)

    study.optimize(lambda trial: objective(trial, args.seeds, args.cap, args.objective),
                   n_trials=args.trials, callbacks=[say, stop_in_time])


def rounded(value):
    """Three significant digits for a float; other values as they are."""
    return float(f"{value:.3g}") if isinstance(value, float) else value


def trial_config(study, number: int) -> dict:
    """The DQNConfig fields of a trial, floats rounded to three significant digits."""
    params = study.trials[number].params
    fields = {key: rounded(value) for key, value in params.items() if key != "hidden"}
    fields["hidden_units"] = HIDDEN[params["hidden"]]
    return fields


def chosen_config(path: Path = DEFAULT_STUDY) -> dict:
    """The DQNConfig fields of the trial recorded with --choose, floats rounded to three significant digits."""
    study = open_study(path)
    number = study.user_attrs.get("chosen_trial")
    if number is None:
        raise LookupError(f"no trial of {path.name} is chosen yet: run tune_training.py --choose N")
    return trial_config(study, number)


def validate_trial(path: Path, number: int, seeds: list[int], max_env_steps: int) -> dict:
    """Train a trial's rounded config on each seed to the end; store env steps per seed in the study."""
    from solution_code import load_solution

    import utils

    study = open_study(path)
    solution = load_solution("04_training")
    fields = trial_config(study, number)
    steps = []
    for seed in seeds:
        config = solution["DQNConfig"](seed=seed, max_env_steps=max_env_steps, progress=False, live_plot=False,
                                       **fields)
        history = solution["train_agent"](utils.make_env(), config)
        steps.append(history.env_steps if history.solved_episode is not None else None)
        print(f"trial {number}, seed {seed}: " + (f"solved after {steps[-1]:,} env steps" if steps[-1] else
              f"not solved in {max_env_steps:,} env steps"), flush=True)
    result = {"seeds": seeds, "steps": steps, "max_env_steps": max_env_steps,
              "median": statistics.median(s if s is not None else float("inf") for s in steps),
              "worst": max(s if s is not None else float("inf") for s in steps)}
    study.set_user_attr(f"validation:{number}", result)
    return result


def close_interrupted(path: Path) -> int:
    """Mark the trials a stopped search left running as failed (no worker runs when a search starts)."""
    import optuna

    study = open_study(path)
    running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    for trial in running:
        study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
    if running:
        print(f"{len(running)} trials of an interrupted search marked as failed: {[t.number for t in running]}")
    return len(running)


def best_trials(study, count: int = 5) -> list:
    """The complete trials of feasible configs, fewest env steps first."""
    import optuna

    done = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.COMPLETE]
    within = [t for t in done if feasible(t, study.user_attrs)]
    return sorted(within, key=lambda t: (t.value, t.user_attrs.get("seconds", 0)))[:count]


def show(path: Path, count: int = 5) -> None:
    import optuna

    study = open_study(path)
    trials = study.get_trials(deepcopy=False)
    states = {state.name.lower(): sum(t.state == state for t in trials) for state in optuna.trial.TrialState}
    started = [t.datetime_start for t in trials if t.datetime_start]
    finished = [t.datetime_complete for t in trials if t.datetime_complete]
    hours = (max(finished) - min(started)).total_seconds() / 3600 if started and finished else 0.0
    print(f"study {path.name}: {len(trials)} trials ({', '.join(f'{n} {s}' for s, n in states.items() if n)}) "
          f"over {hours:.1f} h")
    budget = study.user_attrs.get("budget_ms_per_env_step", 0)
    print(f"learning-time budget: {budget:.3f} ms per env step; ms per learning step: "
          + ", ".join(f"{k} {v:.2f}" for k, v in study.user_attrs.get("ms_per_learning_step", {}).items()))
    best = best_trials(study, count)
    if not best:
        print("no complete trial is within the learning-time budget yet")
    validated = {int(k.split(":")[1]): v for k, v in study.user_attrs.items() if k.startswith("validation:")}
    for number, result in sorted(validated.items(), key=lambda item: (item[1]["worst"], item[1]["median"])):
        steps = ", ".join(f"{s:,}" if s else "unsolved" for s in result["steps"])
        print(f"validation of trial {number} on seeds {result['seeds']}: worst {result['worst']:,.0f}, "
              f"median {result['median']:,.0f} env steps ({steps})")
    if "chosen_trial" in study.user_attrs:
        print(f"chosen: trial {study.user_attrs['chosen_trial']}")
    for rank, trial in enumerate(best, 1):
        params = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in trial.params.items())
        print(f"{rank}. trial {trial.number}: {trial.value:,.0f} env steps (seeds {trial.user_attrs['steps']}), "
              f"median {trial.user_attrs['learning_steps']:,.0f} learning steps "
              f"({trial.user_attrs['learning_ms'] / 1000:.1f} s of learning), {trial.user_attrs['seconds']:.0f} s "
              "for all seeds\n"
              f"   {params}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=DEFAULT_STUDY, help="the journal file of the study")
    parser.add_argument("--minutes", type=float, default=75.0, help="stop starting trials after this long")
    parser.add_argument("--trials", type=int, default=None, help="at most this many trials per worker")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (one per core)")
    parser.add_argument("--seeds", type=int, nargs="+", default=TUNING_SEEDS, help="the tuning seeds")
    parser.add_argument("--cap", type=int, default=150_000, help="env steps after which a seed counts as unsolved")
    parser.add_argument("--objective", choices=("worst", "median"), default="worst",
                        help="a trial's value: the worst of its seeds' env steps to solve, or their median")
    parser.add_argument("--time-share", type=float, default=1.0,
                        help="a feasible trial's learning time per env step, as a share of PREVIOUS's")
    parser.add_argument("--show", action="store_true", help="only print the best trials so far")
    parser.add_argument("--top", type=int, default=5, help="how many trials to print")
    parser.add_argument("--choose", type=int, metavar="N", help="record trial N as the defaults of DQNConfig")
    parser.add_argument("--validate", type=int, nargs="+", metavar="N", help="run these trials on validation seeds")
    parser.add_argument("--validation-seeds", type=int, nargs="+", default=VALIDATION_SEEDS)
    parser.add_argument("--validation-steps", type=int, default=200_000, help="the budget of a validation run")
    parser.add_argument("--timing-repeats", type=int, default=300, help="learning steps timed per network and batch")
    parser.add_argument("--calibrate", action="store_true", help=argparse.SUPPRESS)  # time the learning steps
    parser.add_argument("--sampler-seed", type=int, default=None, help=argparse.SUPPRESS)  # set for each worker
    args = parser.parse_args(argv)
    args.study = args.study.resolve()
    if args.choose is not None:
        study = open_study(args.study)
        if not 0 <= args.choose < len(study.trials) or study.trials[args.choose].state.name != "COMPLETE":
            parser.error(f"trial {args.choose} is not a complete trial of {args.study.name}")
        study.set_user_attr("chosen_trial", args.choose)
        fields = ", ".join(f"{k}={v!r}" for k, v in chosen_config(args.study).items())
        print(f"chose trial {args.choose}: DQNConfig({fields})")
        return 0
    if args.show:
        show(args.study, args.top)
        return 0
    if args.validate and len(args.validate) == 1:
        validate_trial(args.study, args.validate[0], args.validation_seeds, args.validation_steps)
        return 0
    if args.validate:  # one process per trial, --workers at a time
        env = dict(os.environ, **ONE_THREAD)
        pending, running, failed = list(args.validate), [], 0
        while pending or running:
            while pending and len(running) < args.workers:
                number = pending.pop(0)
                running.append(subprocess.Popen([sys.executable, __file__, "--study", str(args.study), "--validate",
                                                 str(number), "--validation-steps", str(args.validation_steps),
                                                 "--validation-seeds", *map(str, args.validation_seeds)], env=env))
            time.sleep(1)
            for process in [p for p in running if p.poll() is not None]:
                running.remove(process)
                failed += process.returncode != 0
        show(args.study, args.top)
        return 1 if failed else 0
    if args.calibrate:
        calibrate(args)
        return 0
    if args.sampler_seed is not None:
        work(args)
        return 0
    close_interrupted(args.study)
    env = dict(os.environ, **ONE_THREAD)
    if "ms_per_learning_step" not in open_study(args.study).user_attrs:  # timed as the workers run: one thread
        subprocess.run([sys.executable, __file__, "--study", str(args.study), "--time-share", str(args.time_share),
                        "--timing-repeats", str(args.timing_repeats), "--calibrate"], env=env, check=True)
    study = open_study(args.study)
    if not study.trials:
        for config in [PREVIOUS, *STARTING_POINTS]:
            if over_budget(as_params(config), study.user_attrs) > 0:  # on this machine's timings
                print(f"a starting point over the learning-time budget, skipped: {config}")
                continue
            study.enqueue_trial(as_params(config))
    base = [sys.executable, __file__, "--study", str(args.study), "--minutes", str(args.minutes), "--cap",
            str(args.cap), "--objective", args.objective, "--seeds", *map(str, args.seeds)]
    if args.trials is not None:
        base += ["--trials", str(args.trials)]
    workers = [subprocess.Popen([*base, "--sampler-seed", str(i)], env=env) for i in range(args.workers)]
    failed = [w.args for w in workers if w.wait() != 0]
    show(args.study, args.top)
    if failed:
        print(f"{len(failed)} of {len(workers)} workers failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
