"""JupyterHub for one class on one machine: each student a Linux user, the course in one shared environment.

Started by hub/setup.sh (which writes the settings below into hub.env next to the hub's state):

    DQN_HUB_PREFIX      where setup.sh installed everything: venv/, course/, exchange/, hub/ (the hub's state)
    DQN_HUB_IP, DQN_HUB_PORT   where the hub listens (default 0.0.0.0:8000; tests use 127.0.0.1)
    DQN_HUB_INTERNAL_PORT, DQN_HUB_PROXY_API_PORT   the hub's and the proxy's own ports on 127.0.0.1 (8081, 8001)
    DQN_HUB_INSTRUCTOR  the instructor's user name (an admin of the hub)
    DQN_HUB_GROUP       the class's Linux group: its members, and no one else, may log in (default dqn-course)
    DQN_HUB_MEM_LIMIT   address space per process of a student's server, e.g. "8G"
    DQN_HUB_SSL_CERT, DQN_HUB_SSL_KEY   the certificate and key the hub serves HTTPS with (empty: plain HTTP)

Logins go through PAM: the machine's own accounts and passwords (hub/setup.sh makes them from a
roster). For a university login, replace the authenticator (see the README's hub section):
``c.JupyterHub.authenticator_class = "generic-oauth"`` (oauthenticator) or ``"ltiauthenticator.lti13"``.

Each student's server runs as that student (LocalProcessSpawner, as The Littlest JupyterHub does, without
systemd), in their private home. Limits, and how they are enforced with this spawner:
- memory: every process of a student's server (the server and each kernel) gets RLIMIT_AS =
  DQN_HUB_MEM_LIMIT; an allocation past it fails in that process alone (a MemoryError, or the kernel dies);
- CPU: student servers run at nice 10, so the hub and the proxy stay responsive; there is no hard CPU
  quota without cgroups. Where systemd runs, jupyterhub-systemdspawner gives hard quotas (cgroups): set
  ``c.JupyterHub.spawner_class = "systemdspawner"`` with ``c.SystemdSpawner.mem_limit``/``cpu_limit``.
"""

import os
import resource

from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821 (provided by JupyterHub)

PREFIX = os.environ.get("DQN_HUB_PREFIX", "/opt/dqn-course")
VENV = os.path.join(PREFIX, "venv")
EXCHANGE = os.path.join(PREFIX, "exchange")
STATE = os.path.join(PREFIX, "hub")
INSTRUCTOR = os.environ.get("DQN_HUB_INSTRUCTOR", "instructor")
if os.environ.get("DQN_HUB_SSL_CERT") and os.environ.get("DQN_HUB_SSL_KEY"):
    c.JupyterHub.ssl_cert = os.environ["DQN_HUB_SSL_CERT"]
    c.JupyterHub.ssl_key = os.environ["DQN_HUB_SSL_KEY"]


def _bytes(size: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    size = size.strip().upper()
    return int(float(size[:-1]) * units[size[-1]]) if size[-1] in units else int(size)


class LimitedLocalProcessSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose servers run with an address-space limit per process and at a lower priority."""

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        limit = _bytes(os.environ.get("DQN_HUB_MEM_LIMIT", "8G"))

        def preexec():
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            os.nice(10)
            become_user()

        return preexec


c.JupyterHub.ip = os.environ.get("DQN_HUB_IP", "0.0.0.0")
c.JupyterHub.port = int(os.environ.get("DQN_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("DQN_HUB_INTERNAL_PORT", "8081"))  # the hub's own API, behind the proxy
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ.get('DQN_HUB_PROXY_API_PORT', '8001')}"
c.JupyterHub.db_url = f"sqlite:///{os.path.join(STATE, 'jupyterhub.sqlite')}"
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")  # root-only (0600)
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.command = [os.path.join(PREFIX, "proxy", "node_modules", ".bin", "configurable-http-proxy")]

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.admin_users = {INSTRUCTOR}
# the roster's accounts (hub/setup.sh), no one else
c.PAMAuthenticator.allowed_groups = {os.environ.get("DQN_HUB_GROUP", "dqn-course")}
c.PAMAuthenticator.open_sessions = False  # no login session bookkeeping in a container without systemd-logind

c.JupyterHub.spawner_class = LimitedLocalProcessSpawner
c.Spawner.cmd = [os.path.join(VENV, "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.mem_limit = os.environ.get("DQN_HUB_MEM_LIMIT", "8G")  # shown to the server as MEM_LIMIT
c.Spawner.environment = {"DQN_EXCHANGE_ROOT": EXCHANGE, "PATH": f"{os.path.join(VENV, 'bin')}:/usr/bin:/bin"}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
