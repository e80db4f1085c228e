"""The benchmark scripts run and print their figures (their speed is not tested here)."""

import json

import bench_buffer
import pytest
from course import REPO


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


def test_time_to_solve_reports_each_seed(capsys):
    import bench_training

    results = bench_training.solve([0], max_env_steps=300)
    out = capsys.readouterr().out
    assert results[0]["steps"] == 300 and not results[0]["solved"]
    assert "seed 0: NOT solved after 300 env steps" in out and "median:" in out


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


def test_autograde_benchmark_times_each_notebook(capsys):
    import bench_autograde

    seconds = bench_autograde.main(["--assignments", "01_environment", "--repeats", "1"])
    assert list(seconds) == ["01_environment"] and seconds["01_environment"] > 0
    assert "01_environment" in capsys.readouterr().out


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
