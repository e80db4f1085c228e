"""A throw-away nbgrader course built from this repo, for tests that validate.

`Course(tmp_path, assignments)` copies nbgrader_config.py and solutions/ into a
scratch folder and releases the assignments there with nbgrader. Nothing in the
repo is written.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from release import nbgrader_environment

REPO = Path(__file__).resolve().parent.parent


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
        result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=self.root,
                                env=nbgrader_environment(), capture_output=True, text=True)
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

