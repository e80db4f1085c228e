"""Benchmark: how long one complete submission (all five notebooks) takes to autograde, as
`scripts/grade.py` grades it, in the sandbox (grading/sandbox.py) and without it; or, with
`--compare clean-kernel`, in the sandbox with the clean kernel (grading/kernel.py) and without it.

    python scripts/bench_autograde.py [--assignments 01_environment ...] [--repeats 3] [--compare clean-kernel]

One student hands in every notebook with every exercise done. Each notebook is one
grading job (grading/autograde.py: nbgrader's autograde and feedback, inside this
process, as a worker runs them), timed on its own, with and without the sandbox,
alternately, keeping the fastest of each. Every test cell must pass, or the
figures would time a failure. Prints seconds per notebook and in total (goal: at
most 45 s for the five, sandboxed, on a 2-core machine) and what the sandbox costs
(goal: under 10%), or what the clean kernel costs (goal: at most 15%).
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


COMPARED = {"sandbox": ("sandbox", "no sandbox", 10), "clean-kernel": ("clean", "not clean", 15)}


def jobs_for(names: list[str], compare: str = "sandbox") -> dict[bool, list[AutogradeJob]]:
    """The jobs of one complete submission, with what is compared (True) and without it (False)."""
    config = (REPO / "nbgrader_config.py").read_bytes()
    template = template_gradebook(names, [STUDENT])
    files = {name: {f"{name}/{name}.ipynb": json.dumps(finished_notebook(name)).encode()} for name in names}
    configs = {True: config, False: config}
    if compare == "clean-kernel":
        configs[False] = config + b"\nc.ExecuteUntilTheKernelDies.clean_kernel = False\n"
    return {on: [AutogradeJob(student=STUDENT, assignment=name, config=configs[on], gradebook=template,
                              sandbox=on or compare != "sandbox", files=files[name]) for name in names]
            for on in (True, False)}


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
    parser.add_argument("--compare", choices=sorted(COMPARED), default="sandbox",
                        help="what is timed with and without (default: the sandbox)")
    args = parser.parse_args(argv)
    names = args.assignments
    jobs = jobs_for(names, args.compare)
    on, off, goal = COMPARED[args.compare]
    best = {mode: {name: float("inf") for name in names} for mode in jobs}
    for repeat in range(args.repeats):
        for with_it in ((True, False) if repeat % 2 == 0 else (False, True)):
            run = {job.assignment: timed(job) for job in jobs[with_it]}
            print(f"  run {repeat + 1}, {on if with_it else off}: {sum(run.values()):.1f} s", flush=True)
            for name, seconds in run.items():
                best[with_it][name] = min(best[with_it][name], seconds)
    seconds, without = best[True], best[False]
    print(f"autograding one complete submission, one job per notebook (fastest of {args.repeats}):")
    print(f"  {'':20} {on:>9} {off:>11} {'ratio':>7}")
    for name in names:
        print(f"  {name:20} {seconds[name]:7.1f} s {without[name]:9.1f} s {seconds[name] / without[name]:7.3f}")
    total, total_without = sum(seconds.values()), sum(without.values())
    print(f"  {'total':20} {total:7.1f} s {total_without:9.1f} s {total / total_without:7.3f}")
    print(f"the {args.compare.replace('-', ' ')} costs {100 * (total / total_without - 1):+.1f}% (goal: at most "
          f"{goal}%); sandboxed total goal: at most {GOAL_SECONDS} s for all five")
    return seconds


if __name__ == "__main__":
    main()
