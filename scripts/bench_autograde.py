"""Benchmark: how long nbgrader takes to autograde one complete submission of all five notebooks,
in the sandbox (grading/sandbox.py) and without it.

    python scripts/bench_autograde.py [--assignments 01_environment ...] [--repeats 2]

In a throw-away copy of the course, one student submits every notebook with
every exercise done; each assignment is autograded with nbgrader's own command,
timed on its own, with and without the sandbox, alternately (sandbox first, then
last), keeping the fastest of each. Prints seconds per notebook and in total
(target: under 90 s on a 2-core machine) and what the sandbox costs (target: under 10%).
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

NO_SANDBOX = "--ExecuteUntilTheKernelDies.sandbox=False"


def nbgrader(root: Path, *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=nbgrader_environment(),
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"nbgrader {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", nargs="+", default=assignments(), help="default: all five")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each mode; the fastest counts (default 2)")
    args = parser.parse_args(argv)
    names = args.assignments
    with tempfile.TemporaryDirectory() as scratch:
        root = copy_course(Path(scratch) / "course")
        for name in names:
            nbgrader(root, "generate_assignment", name, "--force")
            folder = root / "submitted" / "student" / name
            folder.mkdir(parents=True)
            (folder / f"{name}.ipynb").write_text(json.dumps(finished_notebook(name), indent=1))
        nbgrader(root, "db", "student", "add", "student")
        seconds = {name: float("inf") for name in names}
        unsandboxed = {name: float("inf") for name in names}
        for repeat in range(args.repeats):
            for sandboxed in ((True, False) if repeat % 2 == 0 else (False, True)):
                for name in names:
                    start = time.perf_counter()
                    nbgrader(root, "autograde", name, "--force", *([] if sandboxed else [NO_SANDBOX]))
                    elapsed = time.perf_counter() - start
                    times = seconds if sandboxed else unsandboxed
                    times[name] = min(times[name], elapsed)
    print(f"autograding one complete submission (fastest of {args.repeats}):")
    print(f"  {'':20} {'sandbox':>9} {'no sandbox':>11} {'ratio':>7}")
    for name in names:
        print(f"  {name:20} {seconds[name]:7.1f} s {unsandboxed[name]:9.1f} s {seconds[name] / unsandboxed[name]:7.3f}")
    total, total_plain = sum(seconds.values()), sum(unsandboxed.values())
    print(f"  {'total':20} {total:7.1f} s {total_plain:9.1f} s {total / total_plain:7.3f}")
    print(f"the sandbox costs {100 * (total / total_plain - 1):+.1f}% (target: under 10%); "
          "sandboxed total target: under 90 s for all five")
    return seconds


if __name__ == "__main__":
    main()
