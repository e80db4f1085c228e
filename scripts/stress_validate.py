"""Validate every finished notebook many times, two at a time, and count what Validate printed besides its verdict.

    python scripts/stress_validate.py                 # each of the five notebooks 20 times, two at a time
    python scripts/stress_validate.py --times 4 --parallel 2 02_epsilon_greedy

Each run is what a student's Validate button does: the release notebook filled in with the
solution's code, alone in an empty folder (no nbgrader_config.py), and `nbgrader validate` run
there. A correct notebook's whole output must be nbgrader's "Success!" line: the script counts
the runs that did not succeed, printed a traceback, or printed a warning, shows the first of each,
and exits 1 if any run was not clean. Races at kernel shutdown show up only now and then, so run it
on a busy machine too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from release import assignments, nbgrader_environment  # noqa: E402
from solution_code import finished_notebook  # noqa: E402

SUCCESS = "Success! Your notebook passes all the tests."


def unclean(output: str) -> list[str]:
    """What in Validate's output is more than its verdict: each kind once."""
    found = []
    if SUCCESS not in output:
        found.append("no success")
    if "Traceback" in output:
        found.append("traceback")
    if "WARNING" in output or "Warning" in output:
        found.append("warning")
    rest = output.replace(SUCCESS, "").strip()
    if rest and not found:
        found.append("other output")
    return found


def alone_in_a_folder(root: Path, assignment: str, notebook: dict) -> Path:
    """The notebook as the only file of an empty folder, as nbgrader's fetch, a download or a hub delivers it."""
    folder = root / assignment
    folder.mkdir(parents=True)
    path = folder / f"{assignment}.ipynb"
    path.write_text(json.dumps(notebook, indent=1))
    return path


def validate(path: Path) -> str:
    """What the Validate button shows: `nbgrader validate` run in the notebook's own folder."""
    result = subprocess.run([sys.executable, "-m", "nbgrader", "validate", path.name], cwd=path.parent,
                            env=nbgrader_environment(), capture_output=True, text=True, timeout=900)
    return result.stdout + result.stderr


def validate_once(root: Path, assignment: str, run: int) -> tuple[str, int, str]:
    path = alone_in_a_folder(root / f"run-{run}", assignment, finished_notebook(assignment))
    return assignment, run, validate(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    course = assignments()
    parser.add_argument("assignments", nargs="*", default=course)
    parser.add_argument("--times", type=int, default=20, help="validations of each notebook (default 20)")
    parser.add_argument("--parallel", type=int, default=2, help="validations at once (default 2)")
    args = parser.parse_args(argv)
    unknown = set(args.assignments) - set(course)
    if unknown:
        parser.error(f"no such assignment: {', '.join(sorted(unknown))} (one of {', '.join(course)})")
    if args.times < 1 or args.parallel < 1:
        parser.error("--times and --parallel must be at least 1")

    jobs = [(a, run) for run in range(args.times) for a in args.assignments]
    counts, first = Counter(), {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="stress-validate-") as tmp, \
            ThreadPoolExecutor(max_workers=args.parallel) as pool:
        for assignment, run, output in pool.map(lambda job: validate_once(Path(tmp), *job), jobs):
            kinds = unclean(output)
            counts.update(kinds)
            counts["runs"] += 1
            counts["clean"] += not kinds
            for kind in kinds:
                first.setdefault(kind, (assignment, run, output))
    seconds = time.monotonic() - started
    print(f"{counts['runs']} validations ({args.times} of each of {len(args.assignments)} notebooks, "
          f"{args.parallel} at a time) in {seconds:.0f} s")
    print(f"clean {counts['clean']}, not successful {counts['no success']}, with a traceback "
          f"{counts['traceback']}, with a warning {counts['warning']}, with other output {counts['other output']}")
    for kind, (assignment, run, output) in first.items():
        print(f"\n--- first run with {kind}: {assignment}, run {run} ---\n{output[-3000:]}")
    return 0 if counts["clean"] == counts["runs"] else 1


if __name__ == "__main__":
    sys.exit(main())
