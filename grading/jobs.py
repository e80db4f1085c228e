"""Run independent jobs on Dask distributed: a local cluster by default, or an existing one.

    results = run_jobs(autograde_job, jobs, workers=2)                         # this machine
    results = run_jobs(autograde_job, jobs, scheduler="tcp://host:8786")       # a cluster of many

One code path for both: without a scheduler address, :func:`run_jobs` starts a local
cluster of ``workers`` single-threaded worker processes on 127.0.0.1 and stops it at the
end. Each job is a top-level function applied to one item; it must not depend on which
worker runs it. A worker that dies mid-job (killed, out of memory) is replaced, and Dask
runs the job again elsewhere; a job that raises is tried ``retries`` more times, then
reported as failed with a one-line reason. Results are handed to ``on_result`` as they
come, in the calling process, so the caller can record each one at once (one writer),
and a Ctrl-C loses only the jobs still running.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DASK_SETTINGS", "JobResult", "dask_settings", "run_jobs", "one_line"]

#: Dask's settings for grading (a YAML file; `DASK_CONFIG` of `dask scheduler` and `dask worker` on a cluster).
DASK_SETTINGS = Path(__file__).with_name("dask.yaml")


def dask_settings() -> dict[str, Any]:
    """:data:`DASK_SETTINGS` as dotted keys, for ``dask.config.set``."""
    import yaml

    def dotted(tree: dict, prefix: str = ""):
        for key, value in tree.items():
            if isinstance(value, dict):
                yield from dotted(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}", value

    return dict(dotted(yaml.safe_load(DASK_SETTINGS.read_text())))


@dataclass
class JobResult:
    """What became of one job: its ``value``, or ``error`` (one line) when it failed on every try."""

    item: Any
    value: Any = None
    error: str | None = None
    seconds: float = 0.0


def one_line(error: BaseException) -> str:
    """``Type: message`` of an exception, on one line, at most 300 characters."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}"[:300] if text else type(error).__name__


def _timed(function: Callable, item: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = function(item)
    return value, time.perf_counter() - start


def run_jobs(function: Callable, items: Iterable, *, workers: int = 1, scheduler: str | None = None,
             description: str = "jobs", retries: int = 2, progress: bool = True,
             on_result: Callable[[JobResult], None] | None = None) -> list[JobResult]:
    """``function(item)`` for every item on a Dask cluster; results in the order of ``items``.

    Args:
        function: a picklable top-level function.
        workers: worker processes of the local cluster (ignored with ``scheduler``).
        scheduler: the address of an existing Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
        retries: how many more times a job that raised is tried.
        on_result: called in this process with each result as it arrives.
    """
    import dask
    from distributed import Client, LocalCluster, as_completed
    from tqdm.auto import tqdm

    items = list(items)
    if not items:
        return []
    if scheduler is None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    cluster = None
    settings = contextlib.ExitStack()
    if scheduler is None:
        # For the cluster's whole life: a nanny keeps a shallow copy of Dask's settings and hands it to each
        # worker it starts, replacements included; restoring them earlier would reach into that copy.
        settings.enter_context(dask.config.set(dask_settings()))
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=logging.ERROR)
    client = None
    results: list[JobResult | None] = [None] * len(items)
    futures = {}
    try:
        client = Client(cluster or scheduler, timeout="60s")
        for index, item in enumerate(items):
            futures[client.submit(_timed, function, item, retries=retries, pure=False,
                                  key=f"{description.replace(' ', '-')}-{index}-{time.time_ns()}")] = index
        with tqdm(total=len(items), desc=description, unit="job", disable=not progress) as bar:
            for future in as_completed(futures):
                index = futures[future]
                try:
                    value, seconds = future.result()
                    result = JobResult(items[index], value, None, seconds)
                except Exception as error:  # noqa: BLE001 - failed on every try, or its worker kept dying
                    result = JobResult(items[index], None, one_line(error))
                results[index] = result
                if on_result is not None:
                    on_result(result)
                bar.update()
    finally:
        for future in futures:
            future.cancel()
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        settings.close()
    return results
