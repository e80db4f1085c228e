"""Benchmark: how long one complete submission (all five notebooks) takes to autograde, as
`scripts/grade.py` grades it, in the sandbox (grading/sandbox.py) and without it.

    python scripts/bench_autograde.py [--assignments 01_environment ...] [--repeats 3]

One student hands in every notebook with every exercise done. Each notebook is one
grading job (grading/autograde.py: nbgrader's autograde and feedback, inside this
process, as a worker runs them), timed on its own, with and without the sandbox,
alternately, keeping the fastest of each. Every test cell must pass, or the
figures would time a failure. Prints seconds per notebook and in total (goal: at
most 45 s for the five, sandboxed, on a 2-core machine) and what the sandbox costs
(goal: under 10%).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from release import REPO, assignments  # noqa: E402
from solution_code import finished_notebook  # noqa: E402

sys.path.insert(0, str(REPO))
from grading.autograde import AutogradeJob, autograde  # noqa: E402
from grading.gradebook import template_gradebook  # noqa: E402

STUDENT = "student"
GOAL_SECONDS = 45


def jobs_for(names: list[str]) -> dict[bool, list[AutogradeJob]]:
    """The jobs of one complete submission, sandboxed (True) and not (False)."""
    config = (REPO / "nbgrader_config.py").read_bytes()
    template = template_gradebook(names, [STUDENT])
    files = {name: {f"{name}/{name}.ipynb": json.dumps(finished_notebook(name)).encode()} for name in names}
    return {sandboxed: [AutogradeJob(student=STUDENT, assignment=name, config=config, gradebook=template,
                                     sandbox=sandboxed, files=files[name]) for name in names]
            for sandboxed in (True, False)}


def timed(job: AutogradeJob) -> float:
    start = time.perf_counter()
    outcome = autograde(job)
    seconds = time.perf_counter() - start
    lost = [cell for notebook in outcome.notebooks.values() for cell, grade in notebook["grades"].items()
            if cell.startswith("test_") and not grade["auto_score"]]  # the written answers are left blank
    if lost:
        raise SystemExit(f"{job.assignment}: the finished notebook lost the marks of {', '.join(lost)}; "
                         "the benchmark would time a failure")
    return seconds


def main(argv=None) -> dict[str, float]:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", nargs="+", default=assignments(), help="default: all five")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each mode; the fastest counts (default 3)")
    args = parser.parse_args(argv)
    names = args.assignments
    jobs = jobs_for(names)
    best = {mode: {name: float("inf") for name in names} for mode in jobs}
    for repeat in range(args.repeats):
        for sandboxed in ((True, False) if repeat % 2 == 0 else (False, True)):
            run = {job.assignment: timed(job) for job in jobs[sandboxed]}
            label = "sandbox" if sandboxed else "no sandbox"
            print(f"  run {repeat + 1}, {label}: {sum(run.values()):.1f} s", flush=True)
            for name, seconds in run.items():
                best[sandboxed][name] = min(best[sandboxed][name], seconds)
    seconds, unsandboxed = best[True], best[False]
    print(f"autograding one complete submission, one job per notebook (fastest of {args.repeats}):")
    print(f"  {'':20} {'sandbox':>9} {'no sandbox':>11} {'ratio':>7}")
    for name in names:
        print(f"  {name:20} {seconds[name]:7.1f} s {unsandboxed[name]:9.1f} s {seconds[name] / unsandboxed[name]:7.3f}")
    total, total_plain = sum(seconds.values()), sum(unsandboxed.values())
    print(f"  {'total':20} {total:7.1f} s {total_plain:9.1f} s {total / total_plain:7.3f}")
    print(f"the sandbox costs {100 * (total / total_plain - 1):+.1f}% (goal: under 10%); "
          f"sandboxed total goal: at most {GOAL_SECONDS} s for all five")
    return seconds


if __name__ == "__main__":
    main()
