"""One grading job: autograde one student's notebook of one assignment, on any worker.

A job carries everything it reads (:class:`AutogradeJob`): the course's
``nbgrader_config.py``, a template gradebook (the assignments and students, no grades),
and the student's submitted files. On the worker, :func:`autograde` builds a private
course folder in a temporary directory, runs nbgrader's own ``autograde`` and
``generate_feedback`` there (inside the worker process: no nbgrader start-up per
job), each kernel in the sandbox of :mod:`grading.sandbox`, and sends back what the
instructor keeps (:class:`AutogradeOutcome`): scores and comments read from the
private gradebook, the autograded notebook and the feedback page. Nothing of the
instructor's course is written by a job: :mod:`grading.gradebook` records outcomes,
one at a time. A worker needs the course's pinned environment (``pip install -r
requirements.txt -e .`` of the same commit) and bubblewrap, nothing else.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .apps import AppFailed, quiet_sqlalchemy, run_app
from .feedback import polish_pages

__all__ = ["AutogradeJob", "AutogradeOutcome", "JobFailed", "autograde", "fingerprint", "read_files"]

#: nbgrader's switch that turns the sandbox off (``scripts/grade.py --no-sandbox``).
NO_SANDBOX = "--ExecuteUntilTheKernelDies.sandbox=False"

#: One job, one core: the kernel's TensorFlow and BLAS thread pools get one thread each, so that N
#: workers on N cores do not fight over them (spinning pools of one job slow the job beside it).
#: A worker's own setting of any of these wins.
ONE_CORE = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class JobFailed(RuntimeError):
    """nbgrader could not grade the submission (say, a file that is not a notebook)."""


def _run(app_class, argv: list[str], root: Path) -> None:
    try:
        run_app(app_class, argv, cwd=root)  # a worker runs one job at a time: its working folder is free
    except AppFailed as error:
        raise JobFailed(str(error)) from None


@dataclass(frozen=True)
class AutogradeJob:
    student: str
    assignment: str
    config: bytes  # nbgrader_config.py of the course
    gradebook: bytes  # a SQLite gradebook with the assignments and the students, and no grades
    files: dict = field(default_factory=dict)  # the student's submitted files: relative path -> bytes
    sandbox: bool = True
    fingerprint: str = ""  # of the submitted assignment folder: a rerun skips a job already recorded


@dataclass
class AutogradeOutcome:
    student: str
    assignment: str
    fingerprint: str
    timestamp: object  # the submission's datetime, or None
    notebooks: dict  # notebook name -> {"grades": {cell: {...}}, "comments": {cell: {...}}, "flagged": bool}
    autograded: dict  # relative path -> bytes, under autograded/<student>/<assignment>/
    feedback: dict  # relative path -> bytes, under feedback/<student>/<assignment>/


def read_files(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` (no symbolic links), by relative path."""
    files = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def fingerprint(folder: Path) -> str:
    """A SHA-256 of a folder's files and their paths: it changes when a student hands in again."""
    digest = hashlib.sha256()
    for relative, content in read_files(folder).items():
        digest.update(relative.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def _write_files(folder: Path, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        target = folder / relative
        if folder.resolve() not in target.resolve().parents:
            raise JobFailed(f"refusing a file outside the submission: {relative}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def _scores(root: Path, job: AutogradeJob) -> tuple[object, dict]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(job.assignment, job.student)
        notebooks = {}
        for notebook in submission.notebooks:
            notebooks[notebook.name] = {
                "flagged": bool(notebook.flagged),
                "grades": {g.name: {"auto_score": g.auto_score, "manual_score": g.manual_score,
                                    "extra_credit": g.extra_credit, "needs_manual_grade": g.needs_manual_grade}
                           for g in notebook.grades},
                "comments": {c.name: {"auto_comment": c.auto_comment, "manual_comment": c.manual_comment}
                             for c in notebook.comments},
            }
        return submission.timestamp, notebooks


@contextlib.contextmanager
def _one_core():
    """ONE_CORE in this process's environment, which the kernels inherit, for the time of one job."""
    added = {name: value for name, value in ONE_CORE.items() if name not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def autograde(job: AutogradeJob) -> AutogradeOutcome:
    """Grade one job in a private course folder; runs on a Dask worker (one job at a time)."""
    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.apps.generatefeedbackapp import GenerateFeedbackApp

    with quiet_sqlalchemy(), _one_core(), tempfile.TemporaryDirectory(prefix="dqn-job-") as scratch:
        root = Path(scratch) / "course"
        root.mkdir()
        (root / "nbgrader_config.py").write_bytes(job.config)
        (root / "gradebook.db").write_bytes(job.gradebook)
        _write_files(root / "submitted" / job.student, job.files)
        common = ["--student", job.student, "--force", f"--CourseDirectory.root={root}",
                  f"--CourseDirectory.db_url=sqlite:///{root / 'gradebook.db'}", "--log-level=ERROR"]
        _run(AutogradeApp, [job.assignment, *common, *([] if job.sandbox else [NO_SANDBOX])], root)
        _run(GenerateFeedbackApp, [job.assignment, *common], root)
        timestamp, notebooks = _scores(root, job)
        autograded = read_files(root / "autograded" / job.student / job.assignment)
        return AutogradeOutcome(
            student=job.student, assignment=job.assignment, fingerprint=job.fingerprint, timestamp=timestamp,
            notebooks=notebooks, autograded=autograded,
            feedback=polish_pages(read_files(root / "feedback" / job.student / job.assignment), autograded))

