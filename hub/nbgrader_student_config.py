"""nbgrader for every user of the class's shared environment: the class's exchange.

hub/setup.sh installs jupyter-config/nbgrader_config.py (the course id, a quiet Validate) with this file
appended, as PREFIX/venv/etc/jupyter/nbgrader_config.py. The hub gives every server DQN_EXCHANGE_ROOT
(hub/jupyterhub_config.py), so fetch, submit and feedback use the exchange setup.sh made.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader)
c.Exchange.root = os.environ.get("DQN_EXCHANGE_ROOT", "/opt/dqn-course/exchange")
