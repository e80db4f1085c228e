"""The gradebook: which database, the template a job carries, and recording outcomes, one writer.

SQLite (``gradebook.db`` in the course folder) is the default, for one instructor on
one machine. PostgreSQL is for shared and multi-machine setups: set
``DQN_GRADEBOOK_URL=postgresql+psycopg://user@host:5432/dbname`` and every nbgrader
command and script of the course uses it (``nbgrader_config.py`` reads it).

Jobs never write to the gradebook: each autogrades against a private SQLite copy of
:func:`template_gradebook`, and :func:`record` writes its outcome here, in the one
grading process, one transaction per job, so SQLite is never written by two processes
at once. ``graded_jobs.json`` in the course folder remembers which submission (by
fingerprint) each recorded outcome came from, so a rerun grades only what is missing
or handed in again.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path

from .apps import quiet_sqlalchemy

__all__ = ["URL_VARIABLE", "gradebook_url", "template_gradebook", "add_students", "Ledger", "record", "uninterrupted"]

URL_VARIABLE = "DQN_GRADEBOOK_URL"
LEDGER = "graded_jobs.json"


def gradebook_url(root: Path) -> str:
    """``$DQN_GRADEBOOK_URL``, or the SQLite file ``gradebook.db`` of the course folder."""
    return os.environ.get(URL_VARIABLE) or f"sqlite:///{Path(root) / 'gradebook.db'}"


def add_students(db_url: str, students: list[str]) -> None:
    """Make sure every student is in the gradebook (one transaction; no nbgrader process per student)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gradebook:
        for student in students:
            gradebook.update_or_create_student(student)


def template_gradebook(assignments: list[str], students: list[str]) -> bytes:
    """A fresh SQLite gradebook holding the released assignments and the students: what a job grades against."""
    from .release import generate

    with tempfile.TemporaryDirectory(prefix="dqn-template-") as scratch:
        path = Path(scratch) / "gradebook.db"
        generate(assignments, Path(scratch) / "release", path)
        add_students(f"sqlite:///{path}", students)
        return path.read_bytes()


class Ledger:
    """``student/assignment -> fingerprint`` of the submissions whose outcome is recorded."""

    def __init__(self, root: Path):
        self.path = Path(root) / LEDGER
        self.entries = json.loads(self.path.read_text()) if self.path.is_file() else {}

    def done(self, student: str, assignment: str, fingerprint: str) -> bool:
        return self.entries.get(f"{student}/{assignment}") == fingerprint

    def mark(self, student: str, assignment: str, fingerprint: str) -> None:
        self.entries[f"{student}/{assignment}"] = fingerprint
        scratch = self.path.with_suffix(".tmp")
        scratch.write_text(json.dumps(self.entries, indent=1, sort_keys=True))
        os.replace(scratch, self.path)  # atomic: a Ctrl-C leaves the old ledger or the new one


def _replace_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Put ``files`` in ``folder``, replacing what was there, without a half-written state."""
    staging = folder.with_name(f".{folder.name}.incoming")
    shutil.rmtree(staging, ignore_errors=True)
    for relative, content in files.items():
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    staging.mkdir(parents=True, exist_ok=True)
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def uninterrupted():
    """Hold a Ctrl-C until the block is done, so that one outcome is recorded whole or not at all."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: held.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held:
            raise KeyboardInterrupt


def record(root: Path, db_url: str, outcome, ledger: Ledger) -> None:
    """Write one job's outcome: its autograded notebook and feedback, its scores, then the ledger.

    A Ctrl-C waits until all of it is written (:func:`uninterrupted`).
    """
    with uninterrupted():
        _record(Path(root), db_url, outcome, ledger)


def _record(root: Path, db_url: str, outcome, ledger: Ledger) -> None:
    from nbgrader.api import Gradebook

    _replace_folder(root / "autograded" / outcome.student / outcome.assignment, outcome.autograded)
    _replace_folder(root / "feedback" / outcome.student / outcome.assignment, outcome.feedback)
    with quiet_sqlalchemy(), Gradebook(db_url) as gradebook:
        try:
            extra = {"timestamp": outcome.timestamp} if outcome.timestamp is not None else {}
            gradebook.update_or_create_submission(outcome.assignment, outcome.student, **extra)
            for name, notebook in outcome.notebooks.items():
                submitted = gradebook.find_submission_notebook(name, outcome.assignment, outcome.student)
                submitted.flagged = notebook["flagged"]
                for cell, values in notebook["grades"].items():
                    grade = gradebook.find_grade(cell, name, outcome.assignment, outcome.student)
                    for key, value in values.items():
                        setattr(grade, key, value)
                for cell, values in notebook["comments"].items():
                    comment = gradebook.find_comment(cell, name, outcome.assignment, outcome.student)
                    for key, value in values.items():
                        setattr(comment, key, value)
            gradebook.db.commit()
        except BaseException:
            gradebook.db.rollback()
            raise
    ledger.mark(outcome.student, outcome.assignment, outcome.fingerprint)
