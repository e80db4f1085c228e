"""Make notebooks/ (the student release) from solutions/ with nbgrader; the course's nbgrader set-up.

    python scripts/release.py                  # clean solutions/, regenerate every assignment
    python scripts/release.py 03_targets       # only these assignments
    python scripts/release.py --check          # change nothing; fail on drift or unclean notebooks

The release is nbgrader's own `generate_assignment` output, never edited after.
Before it runs, the solution notebooks are cleaned: no outputs, no execution
counts, no metadata but nbgrader's, so diffs stay readable and checksums valid.
`--check` regenerates into a scratch folder (with a scratch gradebook) and
compares byte for byte with notebooks/.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import runpy
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent  # the course folder
#: What a throw-away copy of the course leaves out: environments, caches, grading and run output.
COPY_IGNORE = (".git", ".venv", "submitted", "autograded", "feedback", "downloaded", "gradebook.db*", "grades.csv",
               "graded_jobs.json", "report", "backups", ".release_stamp.json", "exchange",
               "__pycache__", ".pytest_cache", ".ruff_cache", "videos", "my_agent", "artifacts")
NOTEBOOK_METADATA = {"kernelspec", "language_info"}
CELL_METADATA = {"nbgrader"}


def assignments() -> list[str]:
    """The assignments listed in nbgrader_config.py, in course order."""
    config = runpy.run_path(str(REPO / "nbgrader_config.py"), init_globals={"get_config": _FakeConfig})
    return list(config["ASSIGNMENTS"])


def nbgrader_environment() -> dict[str, str]:
    """The environment to run nbgrader or Jupyter in: this Python's bin/ first on PATH (nbgrader runs
    `alembic` from it, and `make test` does not activate .venv), and none of the switches the course's
    own tests set (NBGRADER_EXECUTION, DQN_COURSE_FAST, MPLBACKEND)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NBGRADER_EXECUTION", "DQN_COURSE_FAST", "MPLBACKEND")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def copy_course(destination: Path, *also_ignore: str) -> Path:
    """A throw-away copy of the course at `destination`, without COPY_IGNORE (and `also_ignore`)."""
    shutil.copytree(REPO, destination, ignore=shutil.ignore_patterns(*COPY_IGNORE, *also_ignore))
    return Path(destination)


class _FakeConfig:
    """Stands in for traitlets' config object when reading ASSIGNMENTS."""

    def __getattr__(self, name):
        return self

    def __setattr__(self, name, value):
        pass


def unclean_parts(notebook) -> list[str]:
    """What keeps a notebook from being committed as it is."""
    problems = []
    extra = set(notebook.metadata) - NOTEBOOK_METADATA
    if extra:
        problems.append(f"notebook metadata {sorted(extra)}")
    for index, cell in enumerate(notebook.cells):
        name = cell.get("id", index)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            problems.append(f"cell {name}: outputs or an execution count")
        extra = set(cell.metadata) - CELL_METADATA
        if extra:
            problems.append(f"cell {name}: metadata {sorted(extra)}")
        unused = _unused_attachments(cell)
        if unused:
            problems.append(f"cell {name}: attachments it does not show {unused}")
    return problems


def _unused_attachments(cell) -> list[str]:
    """Attachments a cell carries but never shows as ``attachment:NAME`` (the course's figures are shown;
    scripts/make_figures.py attaches them, so a notebook carries its images wherever it travels)."""
    return sorted(name for name in cell.get("attachments") or {} if f"attachment:{name}" not in cell.source)


def clean(notebook) -> None:
    for key in set(notebook.metadata) - NOTEBOOK_METADATA:
        del notebook.metadata[key]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in set(cell.metadata) - CELL_METADATA:
            del cell.metadata[key]
        for name in _unused_attachments(cell):
            del cell.attachments[name]
        if "attachments" in cell and not cell.attachments:
            del cell["attachments"]


def solution_notebooks(names: list[str]) -> list[Path]:
    return sorted(p for name in names for p in (REPO / "solutions" / name).glob("*.ipynb"))


def generate(names: list[str], release_dir: Path, db_path: Path | None = None) -> None:
    """nbgrader's `generate_assignment` for each assignment into release_dir (in this process: one start-up)."""
    from nbgrader.apps.generateassignmentapp import GenerateAssignmentApp

    from .apps import AppFailed, run_app

    for name in names:
        argv = [name, "--force", f"--CourseDirectory.root={REPO}", f"--CourseDirectory.release_directory={release_dir}",
                "--log-level=WARN"]
        if db_path is not None:
            argv.append(f"--CourseDirectory.db_url=sqlite:///{db_path}")
        try:
            run_app(GenerateAssignmentApp, argv, cwd=REPO)
        except AppFailed as error:
            raise SystemExit(f"nbgrader generate_assignment {name} failed: {error}") from None


def compare(names: list[str], expected_root: Path, actual_root: Path) -> list[str]:
    """Files that differ between two release folders, or exist in only one."""
    differences = []
    for name in names:
        expected, actual = expected_root / name, actual_root / name
        expected_files = {p.relative_to(expected) for p in expected.rglob("*") if p.is_file()}
        actual_files = {p.relative_to(actual) for p in actual.rglob("*") if p.is_file()} if actual.is_dir() else set()
        for missing in sorted(expected_files - actual_files):
            differences.append(f"notebooks/{name}/{missing} is missing")
        for extra in sorted(actual_files - expected_files):
            differences.append(f"notebooks/{name}/{extra} is not in the fresh release")
        for common in sorted(expected_files & actual_files):
            if not filecmp.cmp(expected / common, actual / common, shallow=False):
                differences.append(f"notebooks/{name}/{common} differs from the fresh release")
    return differences


def assignment_parser(description: str) -> argparse.ArgumentParser:
    """A parser whose positional arguments are assignments (default: all of nbgrader_config.py)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("assignments", nargs="*", help=f"default: {' '.join(assignments())}")
    return parser


def chosen_assignments(parser: argparse.ArgumentParser, args) -> list[str]:
    """The assignments named on the command line, or all; an unknown name is an error."""
    known = assignments()
    unknown = sorted(set(args.assignments) - set(known))
    if unknown:
        parser.error(f"unknown assignments {unknown}; nbgrader_config.py lists {known}")
    return args.assignments or known


def main(argv=None) -> int:
    parser = assignment_parser(__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report drift and unclean notebooks, change nothing")
    args = parser.parse_args(argv)
    names = [n for n in chosen_assignments(parser, args) if (REPO / "solutions" / n).is_dir()]

    if args.check:
        problems = []
        for path in solution_notebooks(names):
            problems += [f"{path.relative_to(REPO)}: {p}" for p in unclean_parts(nbformat.read(path, 4))]
        with tempfile.TemporaryDirectory() as scratch:
            scratch = Path(scratch)
            generate(names, scratch / "release", scratch / "gradebook.db")
            problems += compare(names, scratch / "release", REPO / "notebooks")
        if problems:
            print("release check failed (run `python scripts/release.py` and commit):", *problems, sep="\n  ")
            return 1
        print(f"notebooks/ is nbgrader's release of solutions/ for {', '.join(names)}")
        return 0

    for path in solution_notebooks(names):
        notebook = nbformat.read(path, 4)
        if unclean_parts(notebook):
            clean(notebook)
            nbformat.write(notebook, path)
            print(f"cleaned {path.relative_to(REPO)}")
    generate(names, REPO / "notebooks")
    print(f"released {', '.join(names)} into notebooks/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
