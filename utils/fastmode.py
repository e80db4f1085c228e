"""The fast switch: small budgets under nbgrader and in the course's own tests.

nbgrader sets ``NBGRADER_EXECUTION`` while it validates or autogrades, and the
course's tests set ``DQN_COURSE_FAST=1``. In either case the notebooks run their
long parts (training, many evaluation episodes, videos) on a tiny budget, so a
whole submission autogrades in well under two minutes. Graded tests never
depend on these budgets.
"""

from __future__ import annotations

import os

__all__ = ["FAST_ENV_VAR", "fast_mode", "budget"]

FAST_ENV_VAR = "DQN_COURSE_FAST"


def fast_mode() -> bool:
    """True under nbgrader or when ``DQN_COURSE_FAST`` is set to 1/true/yes."""
    if os.environ.get("NBGRADER_EXECUTION"):
        return True
    return os.environ.get(FAST_ENV_VAR, "").strip().lower() in ("1", "true", "yes")


def budget(full, fast):
    """``fast`` in fast mode, else ``full``: ``num_episodes = budget(100, 5)``."""
    return fast if fast_mode() else full
