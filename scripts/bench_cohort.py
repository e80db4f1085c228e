"""Benchmark: grade a synthetic cohort with 1 and with 2 workers, in one run; project larger classes.

    python scripts/bench_cohort.py [--students 8] [--assignments 01_environment ...]

Each run is `scripts/grade.py --workers N` on its own throw-away copy of the course, with
the cohort in submitted/: every student hands in every notebook, complete. Two times per run:
the grading phase (the jobs, as grade.py's summary reports it: what the workers share) and the
whole command (also the release, the template gradebook and the export, paid once per run).
Prints students per hour for each run, the speed-up of the grading phase, the seconds per
complete submission, and the projected time for 200 and 2,000 students on one 64-core machine
and on ten, assuming the measured per-worker efficiency holds (one worker per core, memory
permitting: a job peaks under 3 GiB).
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
from release import assignments, copy_course, nbgrader_environment  # noqa: E402
from solution_code import finished_notebook  # noqa: E402


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
        return float(summary[2]), seconds


def hours(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--assignments", nargs="+", default=assignments(), help="default: all five")
    args = parser.parse_args(argv)
    one, one_total = grade_cohort(args.assignments, args.students, 1)
    two, two_total = grade_cohort(args.assignments, args.students, 2)
    per_hour = {1: args.students * 3600 / one, 2: args.students * 3600 / two}
    speedup = one / two
    efficiency = min(speedup / 2, 1.0)  # above 1 only when the machine was busier during the 1-worker run
    per_student = one / args.students
    print(f"a cohort of {args.students} students x {len(args.assignments)} notebooks, grading phase "
          "(whole grade.py command in brackets):")
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


if __name__ == "__main__":
    main()
