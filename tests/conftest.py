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
