"""Shared test set-up: fast budgets, quiet libraries, the repo's paths."""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("DQN_COURSE_FAST", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import utils  # noqa: E402,F401  (silences TensorFlow before any test imports it)

sys.path.insert(0, str(REPO / "scripts"))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


# A test skipped for want of a tool proves nothing. .ci/run installs every tool the tests need and sets
# DQN_COURSE_EVERY_TEST=1, so there a skip is a failure that names what was missing.
EVERY_TEST = os.environ.get("DQN_COURSE_EVERY_TEST") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if EVERY_TEST and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (f"skipped where every test must run (DQN_COURSE_EVERY_TEST=1): {reason}\n"
                           "install what it names (.ci/run does) or run without DQN_COURSE_EVERY_TEST")
