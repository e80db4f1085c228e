"""Benchmark: how long nbgrader takes to autograde one complete submission of all five notebooks.

    python scripts/bench_autograde.py [--assignments 01_environment ...]

In a throw-away copy of the course, one student submits every notebook with
every exercise done; each assignment is autograded with nbgrader's own command,
timed on its own. Prints seconds per notebook and in total (target: under 90 s
on a 2-core machine).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from release import assignments, copy_course, nbgrader_environment  # noqa: E402
from solution_code import finished_notebook  # noqa: E402


def nbgrader(root: Path, *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=nbgrader_environment(),
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", nargs="+", default=assignments(), help="default: all five")
    names = parser.parse_args(argv).assignments
    with tempfile.TemporaryDirectory() as scratch:
        root = copy_course(Path(scratch) / "course")
        for name in names:
            nbgrader(root, "generate_assignment", name, "--force")
            folder = root / "submitted" / "student" / name
            folder.mkdir(parents=True)
            (folder / f"{name}.ipynb").write_text(json.dumps(finished_notebook(name), indent=1))
        nbgrader(root, "db", "student", "add", "student")
        seconds = {}
        for name in names:
            start = time.perf_counter()
            nbgrader(root, "autograde", name, "--force")
            seconds[name] = time.perf_counter() - start
    print("autograding one complete submission:")
    for name, value in seconds.items():
        print(f"  {name:20} {value:6.1f} s")
    total = sum(seconds.values())
    print(f"  {'total':20} {total:6.1f} s (target: under 90 s for all five)")
    return seconds


if __name__ == "__main__":
    main()
