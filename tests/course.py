"""A throw-away nbgrader course built from this repo, for tests that grade.

`Course(tmp_path)` copies nbgrader_config.py and solutions/ into a scratch
folder, releases the assignments there with nbgrader, and lets a test submit
notebooks as students, autograde, and read the gradebook. Nothing in the repo
is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class CellGrade:
    name: str
    score: float | None
    max_score: float
    manual: bool


class Course:
    def __init__(self, root: Path, assignments: list[str]):
        self.root = Path(root)
        self.assignments = assignments
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "nbgrader_config.py", self.root / "nbgrader_config.py")
        for name in assignments:
            shutil.copytree(REPO / "solutions" / name, self.root / "solutions" / name)
        for name in assignments:
            self.nbgrader("generate_assignment", name, "--force")

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def nbgrader(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("NBGRADER_EXECUTION", "DQN_COURSE_FAST")}
        # nbgrader runs `alembic` and kernels from the environment's bin/: put it first on PATH.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        result = subprocess.run(
            [sys.executable, "-m", "nbgrader", *args], cwd=self.root, env=env, capture_output=True, text=True
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"nbgrader {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result

    def notebook_name(self, assignment: str) -> str:
        (path,) = (self.root / "solutions" / assignment).glob("*.ipynb")
        return path.stem

    def source_notebook(self, assignment: str) -> Path:
        return self.root / "solutions" / assignment / f"{self.notebook_name(assignment)}.ipynb"

    def release_notebook(self, assignment: str) -> Path:
        return self.root / "notebooks" / assignment / f"{self.notebook_name(assignment)}.ipynb"

    def submit(self, student: str, assignment: str, notebook: Path | str | bytes | None) -> Path:
        """Place a submission; `notebook` is a path to copy, the bytes to write, or None (nothing submitted)."""
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{self.notebook_name(assignment)}.ipynb"
        if isinstance(notebook, bytes):
            target.write_bytes(notebook)
        elif notebook is not None:
            shutil.copy(notebook, target)
        (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
        return target

    def add_student(self, student: str) -> None:
        self.nbgrader("db", "student", "add", student, check=False)

    def autograde(self, assignment: str, student: str | None = None) -> subprocess.CompletedProcess:
        """Autograde one student's submission, or every submission of the assignment."""
        args = ["autograde", assignment, "--force"] + ([f"--student={student}"] if student else [])
        return self.nbgrader(*args, check=False)

    def grades(self, assignment: str, student: str) -> list[CellGrade]:
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url) as gradebook:
            submission = gradebook.find_submission_notebook(self.notebook_name(assignment), assignment, student)
            return [
                CellGrade(g.name, g.score, g.max_score, g.cell.cell_type == "markdown")
                for g in sorted(submission.grades, key=lambda g: g.name)
            ]

    def autograded_notebook(self, assignment: str, student: str) -> Path:
        return self.root / "autograded" / student / assignment / f"{self.notebook_name(assignment)}.ipynb"
