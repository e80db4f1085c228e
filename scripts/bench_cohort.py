"""Benchmark: grade a synthetic cohort with 1 and with 2 workers, in one run; project larger classes.

    python scripts/bench_cohort.py [--students 8] [--assignments 01_environment ...] [--repeats 2]

Each run is `scripts/grade.py --workers N` on its own throw-away copy of the course, with
the cohort in submitted/: every student hands in every notebook, complete, and every test
must pass (or the figures would time a failure). Two times per run: the grading phase (the
jobs, as grade.py's summary reports it: what the workers share) and the whole command (also
the release, the template gradebook and the export, paid once per run). A shared machine's
speed drifts from minute to minute, so the runs alternate (1, 2, 2, 1 workers, ...) and the
fastest of each counts. Prints students per hour for each, the speed-up of the grading phase,
the seconds per complete submission, and the projected time for 200 and 2,000 students on one
64-core machine and on ten, assuming the measured per-worker efficiency holds (one worker per
core, memory permitting: a job peaks under 3 GiB).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from release import REPO, assignments, copy_course, nbgrader_environment  # noqa: E402
from solution_code import finished_notebook  # noqa: E402

sys.path.insert(0, str(REPO))
from grading.gradebook import gradebook_url  # noqa: E402
from grading.report import read_cohort  # noqa: E402


def grade_cohort(names: list[str], students: int, workers: int) -> tuple[float, float]:
    """(seconds of the grading phase, seconds of the whole grade.py command)."""
    with tempfile.TemporaryDirectory(prefix="dqn-bench-") as scratch:
        root = copy_course(Path(scratch) / "course")
        for number in range(students):
            for name in names:
                folder = root / "submitted" / f"student{number:03d}" / name
                folder.mkdir(parents=True)
                (folder / f"{name}.ipynb").write_text(json.dumps(finished_notebook(name)))
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(root / "scripts" / "grade.py"), *names, "--workers", str(workers),
                                 "--no-report"],
                                cwd=root, env=nbgrader_environment(), capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(f"grade.py --workers {workers} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
        summary = re.search(r"graded (\d+), failed 0, .* in ([0-9.]+) s", result.stdout)
        if summary is None or int(summary[1]) != students * len(names):
            raise SystemExit(f"grade.py --workers {workers} did not grade every job:\n{result.stdout[-3000:]}")
        lost = [f"{test.assignment} {test.test}" for test in read_cohort(root, gradebook_url(root), flagged={},
                                                                         assignments=names).tests
                if test.passed < test.graded]
        if lost:
            raise SystemExit(f"grade.py --workers {workers}: finished notebooks lost the marks of {', '.join(lost)}; "
                             "the benchmark would time a failure")
        return float(summary[2]), seconds


def hours(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def main(argv=None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--assignments", nargs="+", default=assignments(), help="default: all five")
    parser.add_argument("--repeats", type=int, default=2, help="runs with 1 and with 2 workers; the fastest counts")
    args = parser.parse_args(argv)
    runs = {1: [], 2: []}
    for repeat in range(args.repeats):
        for workers in ((1, 2) if repeat % 2 == 0 else (2, 1)):
            runs[workers].append(grade_cohort(args.assignments, args.students, workers))
            print(f"  run {repeat + 1}, {workers} worker(s): grading phase {runs[workers][-1][0]:.1f} s", flush=True)
    (one, one_total), (two, two_total) = min(runs[1]), min(runs[2])
    per_hour = {1: args.students * 3600 / one, 2: args.students * 3600 / two}
    speedup = one / two
    efficiency = min(speedup / 2, 1.0)  # above 1 only when the machine was busier during the 1-worker run
    per_student = one / args.students
    print(f"a cohort of {args.students} students x {len(args.assignments)} notebooks, grading phase "
          f"(whole grade.py command in brackets), fastest of {args.repeats}:")
    print(f"  1 worker : {one:7.1f} s ({one_total:.1f} s)  {per_hour[1]:6.1f} students/hour  "
          f"({per_student:.1f} s per complete submission; goal: 45 s at most)")
    print(f"  2 workers: {two:7.1f} s ({two_total:.1f} s)  {per_hour[2]:6.1f} students/hour")
    print(f"  speed-up : {speedup:.2f}x on 2 cores (goal: at least 1.7x); efficiency per worker {efficiency:.0%}")
    print("projected, one worker per core at that efficiency:")
    for cohort in (200, 2000):
        for machines in (1, 10):
            cores = 64 * machines
            print(f"  {cohort:5d} students on {machines:2d} x 64 cores: "
                  f"{hours(cohort * per_student / (cores * efficiency))}")
    return {"one_worker": one, "two_workers": two, "speedup": speedup, "per_submission": per_student}


if __name__ == "__main__":
    main()
