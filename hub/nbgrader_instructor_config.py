"""The instructor's nbgrader: the course folder, whatever folder a command or Formgrader runs from.

hub/setup.sh installs this file as ~INSTRUCTOR/.jupyter/nbgrader_config.py; the course folder's own
nbgrader_config.py (the repository's) then sets the rest, the exchange included (DQN_EXCHANGE_ROOT).
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader)
c.CourseDirectory.root = os.path.expanduser("~/dqn-lunar-lander")
