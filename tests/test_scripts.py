"""The benchmark scripts run and print their figures (their speed is not tested here)."""

import json
import math

import bench_buffer
import pytest
from course import REPO

from utils.stubs import ScriptedEnv


def test_buffer_benchmark_prints_ratios(capsys):
    figures = bench_buffer.main(["--capacity", "2000", "--batches", "50"])
    out = capsys.readouterr().out
    assert "sampling speed-up:" in out and "memory ratio:" in out and "append all (s)" in out
    assert figures["sample_speedup"] > 0 and 0 < figures["memory_ratio"] < 1


def test_training_benchmark_prints_its_figures(capsys):
    import bench_training

    figures = bench_training.speed(400)
    out = capsys.readouterr().out
    for words in ("env.step alone (the floor)", "tutorial-style baseline", "the course's train_agent",
                  "speed-up over the baseline"):
        assert words in out
    assert figures["floor"] > figures["course"] > 0 and figures["baseline"] > 0


def test_time_to_solve_compares_today_with_the_previous_config(capsys, tmp_path):
    import bench_training

    results = bench_training.solve([0, 1], max_env_steps=300, evaluation_episodes=2, workers=2, out=tmp_path)
    out = capsys.readouterr().out
    for name in ("previous", "today"):
        assert [run["seed"] for run in results["runs"][name]] == [0, 1]
        for run in results["runs"][name]:
            assert run["steps"] == 300 and not run["solved"] and run["held_out"] < 0
        assert f"seed 1, {name:9s}: NOT solved after     300 env steps" in out
        assert f"{name:9s} env steps to solve: median unsolved, 90th percentile unsolved, worst unsolved; " \
               "solved 0 of 2 seeds" in out
    previous = results["runs"]["previous"][0]
    assert previous["learning_steps"] == (300 - 256) // 8 + 1  # PREVIOUS: batch 256, learn_every 8
    assert "today / previous: median env steps n/a (an unsolved median), median seconds x" in out
    written = json.loads((tmp_path / "bench_training_solve.json").read_text())
    assert written["seeds"] == [0, 1] and written["summary"]["today"]["steps"]["worst"] is None
    assert (tmp_path / "bench_training_solve.png").read_bytes().startswith(b"\x89PNG")


def test_time_to_solve_against_the_reference_runs_its_learning_step(capsys):
    import bench_training

    results = bench_training.solve([0], max_env_steps=300, evaluation_episodes=0, against="reference")
    (reference,) = results["runs"]["reference"]
    assert reference["learning_steps"] == (300 - 256) // 8 + 1 and reference["held_out"] is None
    assert "today / reference:" in capsys.readouterr().out


def test_the_distribution_of_solves_counts_an_unsolved_seed_as_the_worst(capsys, tmp_path):
    import bench_training

    def run(seed, steps, solved=True):
        return {"seed": seed, "steps": steps, "solved": solved, "seconds": steps / 4000, "held_out": 210.0 + seed}

    steps = [90_000, 60_000, 120_000, 80_000, 70_000, 100_000, 110_000, 75_000, 85_000, 95_000]
    runs = {"previous": [run(i, s) for i, s in enumerate(steps[:-1])] + [run(9, 300_000, solved=False)],
            "today": [run(i, s // 2) for i, s in enumerate(steps)]}
    previous = bench_training.summarise("previous", runs["previous"])
    today = bench_training.summarise("today", runs["today"])
    assert previous["steps"] == {"median": 87_500, "p90": math.inf, "worst": math.inf} and previous["solved"] == 9
    assert today["steps"] == {"median": 43_750, "p90": 60_000, "worst": 60_000} and today["solved"] == 10
    assert today["held_out_min"] == 210.0 and previous["seconds"]["worst"] == 75.0  # the unsolved run's seconds
    out = capsys.readouterr().out
    assert "previous  env steps to solve: median 87,500, 90th percentile unsolved, worst unsolved; solved 9 of" in out
    assert "today     env steps to solve: median 43,750, 90th percentile 60,000, worst 60,000; solved 10 of" in out
    bench_training.strip_plot(runs, 300_000, tmp_path / "plot.png")
    assert (tmp_path / "plot.png").stat().st_size > 5_000


def test_the_reference_learns_as_the_course_did_before_it_was_tuned():
    import bench_training

    from utils.networks import NumpyQNetwork

    reference, today = bench_training.load_loop(reference=True), bench_training.load_loop()
    assert type(reference["train_step"]).__name__ == "Function"  # tf.function's
    assert type(today["train_step"]).__name__ == "GraphFunction"
    config = reference["DQNConfig"](hidden_units=(8,), progress=False, live_plot=False)
    actor = reference["make_agent"](ScriptedEnv(), config).actor
    assert isinstance(actor, NumpyQNetwork) and not actor.raw_reads  # weights read through variable.numpy()
    assert today["make_agent"](ScriptedEnv(), config).actor.raw_reads
    assert bench_training.REFERENCE_THREADS == {"TF_NUM_INTRAOP_THREADS": "0", "TF_NUM_INTEROP_THREADS": "0"}


def test_learning_step_timing_prints_each_part_of_each_side(capsys):
    import bench_training

    times = bench_training.learning_step_times(repeats=5, rounds=2)
    out = capsys.readouterr().out
    assert set(times) == {(side, config) for side in ("reference", "today") for config in ("reference", "today")} | {
        ("today", "today, tf.function")}
    assert all(ms["total"] > ms["train_step"] > 0 for ms in times.values())
    assert "today's learning step takes" in out and "sample" in out and "sync" in out
    assert "graph_function takes" in out


def test_tuning_stores_a_study_that_resumes_and_prints_its_best(tmp_path, capfd):
    import tune_training

    study = tmp_path / "study.journal"
    common = ["--study", str(study), "--workers", "1", "--trials", "1", "--cap", "400", "--seeds", "0",
              "--timing-repeats", "3", "--time-share", "10"]  # a budget every trial meets
    assert tune_training.main(common) == 0
    assert tune_training.main(common) == 0  # resumes the same study: a second trial
    trials = tune_training.open_study(study).trials
    starting = [tune_training.PREVIOUS, *tune_training.STARTING_POINTS]
    assert len(trials) == len(starting) and study.is_file()  # two run, the other starting points wait
    assert [t.state.name for t in trials[:2]] == ["COMPLETE", "COMPLETE"]
    assert [t.params for t in trials[:2]] == [tune_training.as_params(c) for c in starting[:2]]  # PREVIOUS first
    assert trials[0].value == 800 and trials[0].user_attrs["steps"] == [800]  # unsolved, never near: 2 x the cap
    assert tune_training.main(["--study", str(study), "--show"]) == 0
    out = capfd.readouterr().out  # the workers are processes of their own
    assert "ms per learning step" in out and "study study.journal: 6 trials (2 complete, 4 waiting)" in out
    assert "1. trial" in out and "learning steps" in out
    assert tune_training.main(["--study", str(study), "--validate", "0", "--validation-seeds", "3",
                               "--validation-steps", "300"]) == 0
    assert tune_training.open_study(study).user_attrs["validation:0"]["steps"] == [None]  # not solved in 300
    assert tune_training.main(["--study", str(study), "--choose", "0"]) == 0
    chosen = tune_training.chosen_config(study)
    assert chosen == {k: v for k, v in tune_training.PREVIOUS.items() if k not in ("epsilon_start", "double_dqn")}
    interrupted = tune_training.open_study(study).ask()  # a trial a stopped search left running
    assert tune_training.close_interrupted(study) == 1
    assert tune_training.open_study(study).trials[interrupted.number].state.name == "FAIL"


def test_tuning_judges_a_trial_by_its_worst_seed():
    import tune_training

    assert tune_training.summarise([70_000, 160_000, 80_000], "worst") == 160_000
    assert tune_training.summarise([70_000, 160_000, 80_000], "median") == 80_000
    assert tune_training.unsolved_value(150_000, best_mean=200.0) == 150_000  # a near miss: the cap
    assert tune_training.unsolved_value(150_000, best_mean=-500.0) == 300_000  # a crash: twice the cap


def test_the_starting_points_of_the_search_are_within_its_space_and_budget():
    """Each config the search starts from is a point of its search space. In the committed study (its budget as
    timed on the machine that ran it), the previous defaults are exactly at the budget, and no config over it is
    ever a candidate or the chosen one: one starting point was over it (trial 5, before over-budget starting
    points were skipped)."""
    import tune_training

    study = tune_training.open_study(tune_training.DEFAULT_STUDY)
    attrs = study.user_attrs
    assert tune_training.over_budget(tune_training.as_params(tune_training.PREVIOUS), attrs) == pytest.approx(0)
    for config in tune_training.STARTING_POINTS:
        params = tune_training.as_params(config)
        assert params["hidden"] in tune_training.HIDDEN and params["batch_size"] in tune_training.BATCHES
        assert 2 <= params["learn_every"] <= 24 and 2e-4 <= params["learning_rate"] <= 6e-3
    over = [t.number for t in study.trials if tune_training.over_budget(t.params, attrs) > 0]
    assert 5 in over, "the over-budget starting point"
    candidates = tune_training.best_trials(study, count=len(study.trials))
    assert candidates and not {t.number for t in candidates} & set(over)
    assert attrs["chosen_trial"] not in over


def test_tuning_gives_up_on_a_hopeless_seed():
    import tune_training

    from utils.stubs import ScriptedEnv

    env = tune_training.give_up_early(ScriptedEnv(rewards=[-1.0], terminate_at=10), cap=100)
    for _ in range(4):  # 40 steps: under half the cap, training goes on
        env.reset()
        for _ in range(10):
            env.step(0)
    env.reset()
    for _ in range(10):
        env.step(0)
    with pytest.raises(tune_training.Hopeless, match="mean of the last 50 returns -10 after 50 env steps"):
        env.reset()


def test_train_pretrained_writes_an_agent(tmp_path, capsys):
    import json

    import train_pretrained

    out_dir = tmp_path / "pretrained"
    code = train_pretrained.main(["--max-env-steps", "400", "--eval-every", "1", "--selection-episodes", "1",
                                  "--evaluation-episodes", "2", "--out", str(out_dir)])
    assert code == 1, "a 400-step agent cannot meet the bar, and the script must say so with its exit code"
    summary = json.loads((out_dir / "config.json").read_text())
    assert summary["evaluation"]["episodes"] == 2 and summary["env_steps"] == 400
    assert (out_dir / "kernel_0.npy").is_file() and (out_dir / "learning_curve.npy").is_file()
    assert "held-out evaluation" in capsys.readouterr().out


def test_figures_are_up_to_date():
    import make_figures

    assert make_figures.main(["--check"]) == 0, "run scripts/make_figures.py and commit figures/"


@pytest.mark.parametrize("compare", ["sandbox", "clean-kernel"])
def test_autograde_benchmark_times_each_notebook(capsys, compare):
    import bench_autograde

    seconds = bench_autograde.main(["--assignments", "01_environment", "--repeats", "1", "--compare", compare])
    assert list(seconds) == ["01_environment"] and seconds["01_environment"] > 0
    out = capsys.readouterr().out
    assert "01_environment" in out and f"the {compare.replace('-', ' ')} costs" in out, out


def test_autograde_benchmark_refuses_to_time_a_failure(monkeypatch):
    import bench_autograde

    untouched = json.loads((REPO / "notebooks" / "01_environment" / "01_environment.ipynb").read_text())
    monkeypatch.setattr(bench_autograde, "finished_notebook", lambda name: untouched)
    with pytest.raises(SystemExit, match="01_environment: the finished notebook lost the marks of test_"):
        bench_autograde.main(["--assignments", "01_environment", "--repeats", "1"])


def test_cohort_benchmark_grades_with_one_and_two_workers(capsys):
    import bench_cohort

    figures = bench_cohort.main(["--students", "2", "--assignments", "01_environment", "--repeats", "1"])
    assert figures["one_worker"] > 0 and figures["two_workers"] > 0 and figures["per_submission"] > 0
    assert figures["speedup"] == pytest.approx(figures["one_worker"] / figures["two_workers"])
    out = capsys.readouterr().out
    assert "speed-up" in out and "2000 students on 10 x 64 cores" in out


def test_cohort_benchmark_refuses_to_time_a_failure(monkeypatch):
    import bench_cohort

    untouched = json.loads((REPO / "notebooks" / "01_environment" / "01_environment.ipynb").read_text())
    monkeypatch.setattr(bench_cohort, "finished_notebook", lambda name: untouched)
    with pytest.raises(SystemExit, match="finished notebooks lost the marks of 01_environment test_"):
        bench_cohort.main(["--students", "1", "--assignments", "01_environment", "--repeats", "1"])
