"""nbgrader's commands run inside this process: its start-up (about 3 s a command) is paid once.

    run_app(AutogradeApp, ["01_environment", "--student", "alice"], cwd=course)

The app reads ``nbgrader_config.py`` from ``cwd``, as the command would; its log is
returned, and a failure raises :class:`AppFailed` with the log's last error lines. The
course's Python's ``bin/`` is put first on PATH while it runs (nbgrader runs ``alembic``
from there when it creates a gradebook).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import warnings
from pathlib import Path

__all__ = ["AppFailed", "course_config", "run_app", "quiet_sqlalchemy"]


class AppFailed(RuntimeError):
    """An nbgrader command failed; the message holds its last error lines."""


@contextlib.contextmanager
def quiet_sqlalchemy():
    """Hide SQLAlchemy's SAWarning, which nbgrader's own API raises on every new submission (harmless)."""
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        yield


@contextlib.contextmanager
def _inside(cwd: Path):
    here, path, search = os.getcwd(), os.environ.get("PATH", ""), list(sys.path)
    os.chdir(cwd)
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), path])
    try:
        yield
    finally:
        os.chdir(here)
        os.environ["PATH"] = path
        sys.path[:] = search


def run_app(app_class, argv: list[str], cwd: Path) -> str:
    """Run one nbgrader app like its command would, in this process; return its log."""
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("[%(name)s | %(levelname)s] %(message)s"))
    app = app_class()
    with _inside(Path(cwd)):
        try:
            app.initialize(argv)
            app.log.addHandler(handler)
            app.start()
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                errors = [line for line in log.getvalue().splitlines() if "ERROR" in line or "Error" in line]
                raise AppFailed(" | ".join(errors[-3:]) or f"{app_class.__name__} exited with {exit_.code}") from None
        finally:
            app.log.removeHandler(handler)
            with contextlib.suppress(Exception):
                app.clear_instance()
    return log.getvalue()


def course_config(root: Path):
    """The settings the course's ``nbgrader_config.py`` makes (a traitlets Config), or None when it does not run."""
    import runpy

    from traitlets.config import Config

    config = Config()
    try:
        runpy.run_path(str(Path(root) / "nbgrader_config.py"), init_globals={"get_config": lambda: config})
    except Exception:  # noqa: BLE001 - a config that does not run here: the caller says what it does without
        return None
    return config
