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
or handed in again; ``graded_answers.json`` remembers a fingerprint of each graded cell's
answer as it was recorded, so a hand-graded answer that changed is told apart from one
that did not, even after ``make clean`` removed autograded/.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .apps import quiet_sqlalchemy

__all__ = ["URL_VARIABLE", "gradebook_url", "template_gradebook", "add_students", "Ledger", "Recorded", "record",
           "uninterrupted", "graded_submissions", "hand_given", "assignment_names"]

URL_VARIABLE = "DQN_GRADEBOOK_URL"
LEDGER = "graded_jobs.json"
ANSWERS = "graded_answers.json"
#: What an instructor gives by hand in Formgrader: a regrade keeps it.
MANUAL_GRADE = ("manual_score", "extra_credit")


def hand_given(grade) -> set[str]:
    """The fields of MANUAL_GRADE the instructor set on this grade.

    Autograding never writes a manual score, so any manual score is the instructor's, 0 included
    (a hand-given 0 is a grade). An extra credit of 0 adds nothing: only a non-zero one counts on its own.
    """
    given = set()
    if grade.manual_score is not None:
        given.add("manual_score")
    if grade.extra_credit not in (None, 0):
        given.add("extra_credit")
    return given


def hand_grading_to_check(db_url: str, assignments: list[str]) -> list[tuple[str, str, str]]:
    """(student, assignment, "notebook: cell") of every hand-graded answer of `assignments` still marked as
    needing a manual grade: one that changed after it was graded by hand, until it is graded by hand again."""
    from nbgrader.api import Grade, Gradebook

    with quiet_sqlalchemy(), Gradebook(db_url) as gradebook:
        marked = gradebook.db.query(Grade).filter(Grade.needs_manual_grade.is_(True)).all()
        found = [(g.student.id, g.assignment.name, f"{g.notebook.name}: {g.name}") for g in marked
                 if hand_given(g) and g.assignment.name in assignments]
    return sorted(found)


def gradebook_url(root: Path) -> str:
    """``$DQN_GRADEBOOK_URL``, or the SQLite file ``gradebook.db`` of the course folder."""
    return os.environ.get(URL_VARIABLE) or f"sqlite:///{Path(root) / 'gradebook.db'}"


def add_students(db_url: str, students: list[str]) -> None:
    """Make sure every student is in the gradebook (one transaction; no nbgrader process per student)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gradebook:
        known = {student.id for student in gradebook.students}
        for student in students:
            if student not in known:  # the gradebook is written only when a student is new
                gradebook.update_or_create_student(student)


def template_gradebook(assignments: list[str], students: list[str]) -> bytes:
    """A fresh SQLite gradebook holding the released assignments and the students: what a job grades against."""
    from .release import generate

    with tempfile.TemporaryDirectory(prefix="dqn-template-") as scratch:
        path = Path(scratch) / "gradebook.db"
        generate(assignments, Path(scratch) / "release", path)
        add_students(f"sqlite:///{path}", students)
        return path.read_bytes()


def graded_submissions(db_url: str) -> set[tuple[str, str]]:
    """(student, assignment) of every submission the gradebook holds."""
    from nbgrader.api import Gradebook

    with quiet_sqlalchemy(), Gradebook(db_url) as gradebook:
        return {(submission.student.id, assignment.name) for assignment in gradebook.assignments
                for submission in assignment.submissions}


def _write_json(path: Path, entries: dict) -> None:
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(entries, indent=1, sort_keys=True))
    os.replace(scratch, path)  # atomic: a Ctrl-C leaves the old file or the new one


def assignment_names(db_url: str) -> set[str]:
    """The assignments the gradebook holds (every one released into it)."""
    from nbgrader.api import Gradebook

    with quiet_sqlalchemy(), Gradebook(db_url) as gradebook:
        return {assignment.name for assignment in gradebook.assignments}


class Ledger:
    """``student/assignment -> fingerprint`` of the submissions whose outcome is recorded, and
    ``student/assignment -> {"notebook: cell": fingerprint}`` of their graded answers (ANSWERS)."""

    def __init__(self, root: Path):
        self.path = Path(root) / LEDGER
        self.entries = json.loads(self.path.read_text()) if self.path.is_file() else {}
        self.answers_path = Path(root) / ANSWERS
        self.answers = json.loads(self.answers_path.read_text()) if self.answers_path.is_file() else {}

    def done(self, student: str, assignment: str, fingerprint: str) -> bool:
        return self.entries.get(f"{student}/{assignment}") == fingerprint

    def mark(self, student: str, assignment: str, fingerprint: str, answers: dict[str, str] | None = None) -> None:
        if answers is not None:
            self.answers[f"{student}/{assignment}"] = answers
            _write_json(self.answers_path, self.answers)
        self.entries[f"{student}/{assignment}"] = fingerprint
        _write_json(self.path, self.entries)

    def recorded_answers(self, student: str, assignment: str) -> dict[str, str] | None:
        """The graded answers' fingerprints as last recorded, or None when this course never recorded them."""
        return self.answers.get(f"{student}/{assignment}")


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


@dataclass
class Recorded:
    """What recording an outcome found of the instructor's own work on that submission."""

    hand_graded: bool = False  # manual points or comments were there, and are kept
    to_look_at: list[str] = field(default_factory=list)  # hand-graded cells whose answer changed since


def record(root: Path, db_url: str, outcome, ledger: Ledger) -> Recorded:
    """Write one job's outcome: its autograded notebook and feedback, its scores, then the ledger.

    Hand grading survives: a manual score, extra credit or comment already in the gradebook is
    kept, whatever the new run says. When the answer of a hand-graded cell changed since it was
    graded (a resubmission), its grade is kept and marked as needing a manual grade again, and the
    cell is named in :attr:`Recorded.to_look_at`; the mark stays through later regrades until the
    instructor grades it by hand again (Formgrader clears the mark), and :func:`hand_grading_to_check`
    names it at every run. A Ctrl-C waits until all of it is written (:func:`uninterrupted`).
    """
    with uninterrupted():
        return _record(Path(root), db_url, outcome, ledger)


def _answer_fingerprints(sources: dict[tuple[str, str], str]) -> dict[str, str]:
    """{"notebook: cell": a short hash of its source}, as ANSWERS stores them."""
    return {f"{name}: {cell}": hashlib.sha256(source.encode()).hexdigest()[:16]
            for (name, cell), source in sources.items()}


def _cell_sources(folder: Path) -> dict[tuple[str, str], str]:
    """{(notebook name, grade_id): source} of the graded notebooks in an autograded folder."""
    sources = {}
    for path in folder.glob("*.ipynb") if folder.is_dir() else []:
        try:
            cells = json.loads(path.read_text()).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id:
                sources[(path.stem, grade_id)] = "".join(cell.get("source", ""))
    return sources


def _record(root: Path, db_url: str, outcome, ledger: Ledger) -> Recorded:
    from nbgrader.api import Gradebook

    autograded = root / "autograded" / outcome.student / outcome.assignment
    before = ledger.recorded_answers(outcome.student, outcome.assignment)
    if before is None:  # graded before answers were recorded: what autograded/ still holds, if anything
        before = _answer_fingerprints(_cell_sources(autograded))
    _replace_folder(autograded, outcome.autograded)
    after = _answer_fingerprints(_cell_sources(autograded))
    _replace_folder(root / "feedback" / outcome.student / outcome.assignment, outcome.feedback)
    found = Recorded()
    with quiet_sqlalchemy(), Gradebook(db_url) as gradebook:
        try:
            extra = {"timestamp": outcome.timestamp} if outcome.timestamp is not None else {}
            gradebook.update_or_create_submission(outcome.assignment, outcome.student, **extra)
            for name, notebook in outcome.notebooks.items():
                submitted = gradebook.find_submission_notebook(name, outcome.assignment, outcome.student)
                submitted.flagged = notebook["flagged"]
                for cell, values in notebook["grades"].items():
                    grade = gradebook.find_grade(cell, name, outcome.assignment, outcome.student)
                    kept = hand_given(grade)
                    if kept:
                        found.hand_graded = True
                    changed = bool(kept) and before.get(f"{name}: {cell}") != after.get(f"{name}: {cell}")
                    still = bool(kept) and not changed and bool(grade.needs_manual_grade)
                    if changed:
                        found.to_look_at.append(f"{name}: {cell}")
                    for key, value in values.items():
                        if key in kept:
                            continue
                        if key == "needs_manual_grade" and kept:
                            value = changed or still
                        setattr(grade, key, value)
                for cell, values in notebook["comments"].items():
                    comment = gradebook.find_comment(cell, name, outcome.assignment, outcome.student)
                    for key, value in values.items():
                        if key == "manual_comment" and comment.manual_comment:
                            found.hand_graded = True
                            continue
                        setattr(comment, key, value)
            gradebook.db.commit()
        except BaseException:
            gradebook.db.rollback()
            raise
    ledger.mark(outcome.student, outcome.assignment, outcome.fingerprint, after)
    return found
