"""grading.jobs: independent jobs on a real local Dask cluster; failures and dead workers handled."""

import os
from pathlib import Path

import pytest

from grading.jobs import dask_settings, run_jobs


def square(number: int) -> int:
    if number < 0:
        raise ValueError(f"no square for {number} here")
    return number * number


def dies_once(marker: str) -> int:
    """Kills its worker process the first time it runs (writing that worker's pid); succeeds on the retry."""
    if not Path(marker).exists():
        Path(marker).write_text(str(os.getpid()))
        os._exit(1)
    return os.getpid()


def test_results_come_back_in_order_and_failures_are_named():
    seen = []
    results = run_jobs(square, [3, -1, 2], workers=2, retries=1, progress=False, on_result=seen.append)
    assert [r.value for r in results] == [9, None, 4]
    assert results[1].error == "ValueError: no square for -1 here"
    assert sorted(r.item for r in seen) == [-1, 2, 3] and all(r.seconds >= 0 for r in results if not r.error)


def test_a_job_whose_worker_dies_runs_again_and_counts_once(tmp_path):
    results = run_jobs(dies_once, [str(tmp_path / "marker")], workers=1, progress=False)
    assert results[0].error is None and isinstance(results[0].value, int)


def worker_settings(marker: str) -> dict:
    """grading/dask.yaml's settings as this worker sees them; a marker path that does not exist yet kills it once."""
    import dask
    from distributed import get_worker

    if marker:
        dies_once(marker)
    return {"pid": os.getpid(), "profiler": "profile" in get_worker().periodic_callbacks,
            **{key: dask.config.get(key) for key in dask_settings()}}


def test_local_workers_and_their_replacements_take_the_grading_settings(tmp_path):
    # One worker: the job that kills it can only be retried on its replacement.
    results = run_jobs(worker_settings, ["", str(tmp_path / "marker")], workers=1, progress=False)
    assert (tmp_path / "marker").exists(), "the second job did not kill its worker"
    first, retried = results[0].value, results[1].value
    died = int((tmp_path / "marker").read_text())
    assert retried["pid"] != died, "the retry did not run on a replacement worker"
    expected = {"profiler": False, **dask_settings()}
    for value in (first, retried):
        settings = {k: v for k, v in value.items() if k != "pid"}
        assert settings == expected, "a worker runs with Dask's interactive settings"
    assert dask_settings()["distributed.worker.profile.enabled"] is False


def test_no_jobs_and_bad_worker_counts():
    assert run_jobs(square, [], workers=1) == []
    with pytest.raises(ValueError, match="workers must be at least 1"):
        run_jobs(square, [1], workers=0)


def test_a_grading_job_gives_its_kernels_one_core_and_leaves_the_worker_as_it_was(monkeypatch):
    from grading import autograde, sandbox

    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # a worker's own setting wins
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    with autograde._one_core():
        inside = dict(os.environ)
        kernel = sandbox.sandbox_environment(inside)
    assert inside["TF_NUM_INTRAOP_THREADS"] == inside["TF_NUM_INTEROP_THREADS"] == "1"
    assert inside["OMP_NUM_THREADS"] == "3"
    assert {name: kernel[name] for name in autograde.ONE_CORE} == {**autograde.ONE_CORE, "OMP_NUM_THREADS": "3"}
    assert "TF_NUM_INTRAOP_THREADS" not in os.environ and os.environ["OMP_NUM_THREADS"] == "3"
