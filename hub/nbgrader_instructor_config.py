"""The instructor's nbgrader: the course folder and the class's exchange, whatever folder or shell a command runs from.

hub/setup.sh installs this file as ~INSTRUCTOR/.jupyter/nbgrader_config.py, with the exchange it made
in place of @EXCHANGE@. nbgrader reads it before the course folder's own nbgrader_config.py, which
takes the exchange from DQN_EXCHANGE_ROOT: setting it here means that `nbgrader release_assignment`
releases where students fetch even in a shell that did not set it (cron, `sudo -u`, a plain `bash`).
"""

import os

EXCHANGE = "@EXCHANGE@"

c = get_config()  # noqa: F821 (provided by nbgrader)
c.CourseDirectory.root = os.path.expanduser("~/dqn-lunar-lander")
os.environ.setdefault("DQN_EXCHANGE_ROOT", EXCHANGE)
c.Exchange.root = os.environ["DQN_EXCHANGE_ROOT"]
