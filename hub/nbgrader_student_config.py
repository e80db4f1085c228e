"""nbgrader for every user of the class's shared environment: the course and the exchange.

hub/setup.sh installs this file as PREFIX/venv/etc/jupyter/nbgrader_config.py. The hub gives
every server DQN_EXCHANGE_ROOT (hub/jupyterhub_config.py), so fetch, submit and feedback use
the exchange setup.sh made.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader)
c.CourseDirectory.course_id = "dqn-lunar-lander"
c.Exchange.root = os.environ.get("DQN_EXCHANGE_ROOT", "/opt/dqn-course/exchange")
# Validate as in jupyter-config/nbgrader_config.py, which this file replaces: its whole output is its verdict.
c.ValidateApp.log_level = "WARN"
c.Execute.shutdown_kernel = "immediate"
