#!/usr/bin/env bash
# Prepare a Debian/Ubuntu machine for a class on JupyterHub, as root, then start the hub.
#
#   sudo hub/setup.sh --roster roster.csv --cert FILE --key FILE   # install, make the accounts, start the hub
#   sudo hub/setup.sh --roster roster.csv --https-self-signed      # the same with a certificate of its own (a trial)
#   sudo hub/setup.sh --roster roster.csv --http                   # plain HTTP: only behind a proxy that serves HTTPS
#
# roster.csv: a header line "username,password,role", then one account a line; role is "student" or
# "instructor" (exactly one); an empty password is generated and printed once. The roster is read, never copied,
# and must not be readable by others (chmod 600). Run again, setup.sh upgrades the course and adds the roster's
# new accounts: no password or home of an existing one changes. Students added or removed mid-term: hub/users.sh. Options: --name NAME (default dqn-course: the class's Linux group and the
# default prefix), --prefix DIR (default /opt/NAME), --ip IP (0.0.0.0), --port PORT (8000 for dqn-course, a port
# of the class's own for another name), --show (print the class's group, prefix and ports, change nothing),
# --mem-limit SIZE (8G: address space per process of a student's server), --no-start; and how the hub is
# reached, one of: --cert FILE --key FILE (a certificate and its key, PEM), --https-self-signed, --http.
#
# What it does, each step safe to run again:
#   1. Debian packages it needs (the system's python3.11, or else python3.12, and its venv, npm, bubblewrap);
#   2. the course into one shared environment, PREFIX/venv, from PREFIX/course: a copy of this repository
#      WITHOUT solutions/ and tests/, root's and read-only for everyone else (utils and data/ work for any
#      user, from any folder); the hub's proxy (configurable-http-proxy, from npm) in PREFIX/proxy;
#   3. students see no Formgrader: its server and lab extensions are off in each student's own settings
#      (hub/student_jupyter/, copied to ~/.jupyter), on for the instructor (a student who turns them on
#      gets a Formgrader of nothing: the course folder and the gradebook are unreadable to students);
#   4. nbgrader's exchange, PREFIX/exchange, writable by all (sticky, like /tmp), and the course id for all
#      (hub/nbgrader_student_config.py, hub/nbgrader_instructor_config.py); the course's folder in it, with
#      outbound/ and inbound/, made and owned by the instructor, so no student can claim it; nbgrader's own
#      inbound folders let a student write a submission but not list others';
#   5. the accounts of the roster: private homes (0700), in the group NAME (who may log in), the instructor
#      too; their login shells (a JupyterLab terminal, SSH, su -) get the shared environment first on PATH
#      and the exchange (/etc/profile.d/NAME.sh);
#      the instructor's course folder ~INSTRUCTOR/dqn-lunar-lander: the whole repository (solutions/,
#      the gradebook to come), readable by the instructor only;
#   6. the hub's state in PREFIX/hub (its database and cookie secret, root's only), PREFIX/hub/start.sh, and
#      the systemd unit NAME-hub.service, enabled where systemd runs (it starts on boot, again after a failure).
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"   # this repository
. "$HERE/hub/accounts.sh"
NAME=dqn-course
PREFIX=""
ROSTER=""
IP=0.0.0.0
PORT=""
SHOW=0
MEM_LIMIT=8G
START=1
CERT=""
KEY=""
SELF_SIGNED=0
PLAIN_HTTP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --roster) ROSTER="$2"; shift 2 ;;
        --name) NAME="$2"; shift 2 ;;
        --prefix) PREFIX="$2"; shift 2 ;;
        --ip) IP="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --mem-limit) MEM_LIMIT="$2"; shift 2 ;;
        --no-start) START=0; shift ;;
        --show) SHOW=1; shift ;;
        --cert) CERT="$2"; shift 2 ;;
        --key) KEY="$2"; shift 2 ;;
        --https-self-signed) SELF_SIGNED=1; shift ;;
        --http) PLAIN_HTTP=1; shift ;;
        *) echo "setup.sh: unknown option $1 (see the top of hub/setup.sh)" >&2; exit 2 ;;
    esac
done
[[ "$NAME" =~ ^[a-z_][a-z0-9_-]*$ ]] || { echo "setup.sh: --name must be a Linux group name (a-z, 0-9, _ and -)" >&2; exit 2; }
PREFIX="${PREFIX:-/opt/$NAME}"
# The ports follow from the class's name, so that two classes can share a machine: dqn-course keeps 8000 (the
# hub), 8081 (its own API) and 8001 (the proxy's API); any other name gets three ports of its own from 8100 up.
if [ "$NAME" = dqn-course ]; then
    PORTS=(8000 8081 8001)
else
    BASE=$(( 8100 + ($(printf '%s' "$NAME" | cksum | cut -d' ' -f1) % 300) * 10 ))
    PORTS=("$BASE" "$((BASE + 1))" "$((BASE + 2))")
fi
PORT="${PORT:-${PORTS[0]}}"
INTERNAL_PORT="${DQN_HUB_INTERNAL_PORT:-${PORTS[1]}}"
PROXY_API_PORT="${DQN_HUB_PROXY_API_PORT:-${PORTS[2]}}"
if [ "$SHOW" = 1 ]; then   # what this class would be, changing nothing
    echo "group=$NAME prefix=$PREFIX port=$PORT internal_port=$INTERNAL_PORT proxy_api_port=$PROXY_API_PORT"
    exit 0
fi
CHOSEN=$(( (${#CERT} > 0 || ${#KEY} > 0) + SELF_SIGNED + PLAIN_HTTP ))
if [ "$CHOSEN" != 1 ]; then
    echo "setup.sh: say how students reach the hub, one of: --cert FILE --key FILE (your institution's certificate," >&2
    echo "  or Let's Encrypt's, see the README), --https-self-signed (a trial: browsers warn), or --http (plain HTTP:" >&2
    echo "  passwords cross the network readable; only behind a proxy that serves HTTPS)" >&2
    exit 2
fi
if [ -n "$CERT$KEY" ]; then
    [ -f "$CERT" ] && [ -f "$KEY" ] || { echo "setup.sh: --cert and --key must both name readable PEM files" >&2; exit 2; }
fi
if [ "$PLAIN_HTTP" = 1 ]; then
    echo "WARNING: the hub will serve plain HTTP (--http): passwords and notebooks cross the network readable." >&2
    echo "WARNING: use it only behind a proxy that serves HTTPS, or give --cert/--key or --https-self-signed." >&2
fi
[ "$(id -u)" = 0 ] || { echo "setup.sh: run it as root (it makes accounts and installs packages)" >&2; exit 1; }
[ -f "$ROSTER" ] || { echo "setup.sh: give the class with --roster FILE.csv (username,password,role)" >&2; exit 1; }
private_roster "$ROSTER"
head -n 1 "$ROSTER" | grep -q '^username,password,role' \
    || { echo "setup.sh: $ROSTER must start with the header username,password,role" >&2; exit 1; }
INSTRUCTOR="$(awk -F, 'NR > 1 && $3 == "instructor" {print $1}' "$ROSTER")"
[ "$(printf '%s\n' "$INSTRUCTOR" | grep -c .)" = 1 ] \
    || { echo "setup.sh: the roster must name exactly one instructor (role instructor)" >&2; exit 1; }
if awk -F, 'NR > 1 && $1 !~ /^[a-z_][a-z0-9_-]*$/ {bad = 1} END {exit !bad}' "$ROSTER"; then
    echo "setup.sh: user names must be lower-case Linux names (a-z, 0-9, _ and -)" >&2; exit 1
fi

step() { echo "== $*"; }

step "Debian packages"
# The system's own Python, 3.11 (Debian 12, tested) or 3.12 (Ubuntu 24.04: the pins install and run on it):
# every user can run it (a Python in root's home could not start a student's server).
PYTHON=""
for version in 3.11 3.12; do
    if [ -x "/usr/bin/python$version" ]; then PYTHON="/usr/bin/python$version"; break; fi
done
missing=()
if [ -z "$PYTHON" ]; then
    if ! apt-cache show python3.11 >/dev/null 2>&1 && ! apt-cache show python3.12 >/dev/null 2>&1; then
        echo "setup.sh: this system has no Python 3.11 or 3.12 package; the course's pins need one of them" >&2
        exit 1
    fi
    version=3.11
    apt-cache show python3.11 >/dev/null 2>&1 || version=3.12
    PYTHON="/usr/bin/python$version"
    missing+=("python$version")
fi
dpkg -s "python${PYTHON#/usr/bin/python}-venv" >/dev/null 2>&1 || missing+=("python${PYTHON#/usr/bin/python}-venv")
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

step "the course in one shared environment: $PREFIX"
umask 022
mkdir -p "$PREFIX"
chmod 755 "$PREFIX"
rm -rf "$PREFIX/course.new"
mkdir -p "$PREFIX/course.new"
# What students may see: the package, the data, the release. Never solutions/ or tests/.
for part in pyproject.toml requirements.txt README.md utils grading data notebooks; do
    cp -a "$HERE/$part" "$PREFIX/course.new/"
done
rm -rf "$PREFIX/course"
mv "$PREFIX/course.new" "$PREFIX/course"
chown -R root:root "$PREFIX/course"
chmod -R u=rwX,go=rX "$PREFIX/course"
if [ ! -x "$PREFIX/venv/bin/python" ]; then
    "$PYTHON" -m venv "$PREFIX/venv"
fi
"$PREFIX/venv/bin/python" -m pip install --disable-pip-version-check -q -r "$PREFIX/course/requirements.txt" \
    -e "$PREFIX/course" "jupyterhub==6.1.1"
chmod -R go=rX "$PREFIX/venv"

step "the hub's proxy"
if [ ! -x "$PREFIX/proxy/node_modules/.bin/configurable-http-proxy" ]; then
    mkdir -p "$PREFIX/proxy"
    npm install --silent --no-fund --no-audit --prefix "$PREFIX/proxy" configurable-http-proxy@5.3.0
fi

step "nbgrader: the exchange and the course id"
mkdir -p "$PREFIX/exchange"
chmod 1777 "$PREFIX/exchange"
mkdir -p "$PREFIX/venv/etc/jupyter"
# JupyterLab for a class: no "news" prompt, no update checks.
mkdir -p "$PREFIX/venv/share/jupyter/lab/settings"
cat > "$PREFIX/venv/share/jupyter/lab/settings/overrides.json" <<EOF
{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}
EOF
# Jupyter's settings for the environment (jupyter-config/), with the class's exchange added to nbgrader's.
cp "$HERE/jupyter-config/"* "$PREFIX/venv/etc/jupyter/"
cat "$HERE/jupyter-config/nbgrader_config.py" "$HERE/hub/nbgrader_student_config.py" \
    > "$PREFIX/venv/etc/jupyter/nbgrader_config.py"

step "the accounts of $ROSTER (new ones only: an account that exists keeps its password and home)"
getent group "$NAME" >/dev/null || groupadd "$NAME"
tail -n +2 "$ROSTER" | while IFS=, read -r name password role; do
    role="${role%$'\r'}"
    [ -n "$name" ] || continue
    add_account "$name" "$role" "$password"
done

step "the course's folders in the exchange: the instructor's"
# nbgrader's own layout and modes, made here and owned by the instructor. The exchange's root is writable by all
# (sticky, like /tmp): a student who made the course's folder first would own it, and release_assignment would
# stop with "You don't own the directory". Run again, this takes back a folder a student made.
COURSE_EXCHANGE="$PREFIX/exchange/dqn-lunar-lander"
install -d -o "$INSTRUCTOR" -g "$INSTRUCTOR" -m 0755 "$COURSE_EXCHANGE" "$COURSE_EXCHANGE/outbound"
install -d -o "$INSTRUCTOR" -g "$INSTRUCTOR" -m 2733 "$COURSE_EXCHANGE/inbound"

step "login shells of the class: /etc/profile.d/$NAME.sh"
# A JupyterLab terminal starts a login shell, and /etc/profile sets PATH afresh: without this the instructor's
# `python` and `nbgrader` would not be found there, nor over SSH or `su -`.
cat > "/etc/profile.d/$NAME.sh" <<PROFILE
# The class $NAME (hub/setup.sh): its members' login shells use the shared environment and the exchange.
case " \$(id -Gn 2>/dev/null) " in
    *" $NAME "*) PATH="$PREFIX/venv/bin:\$PATH"; DQN_EXCHANGE_ROOT="$PREFIX/exchange"; export PATH DQN_EXCHANGE_ROOT ;;
esac
PROFILE
chmod 644 "/etc/profile.d/$NAME.sh"

step "the instructor's course folder"
HOME_DIR="$(getent passwd "$INSTRUCTOR" | cut -d: -f6)"
COURSE="$HOME_DIR/dqn-lunar-lander"
if [ ! -d "$COURSE" ]; then
    mkdir -p "$COURSE"
    # Never the roster (it holds passwords), wherever it is.
    (cd "$HERE" && tar --exclude="$(basename "$ROSTER")" --exclude=.git --exclude=.venv --exclude=submitted \
        --exclude=autograded \
        --exclude=feedback --exclude=downloaded --exclude='gradebook.db*' --exclude=graded_jobs.json \
        --exclude=exchange --exclude=report --exclude=backups --exclude=artifacts --exclude=__pycache__ -cf - .) \
        | tar -C "$COURSE" -xf -
fi
mkdir -p "$HOME_DIR/.jupyter"
# The exchange is written in: the instructor's nbgrader releases into the class's exchange from any shell.
sed "s|@EXCHANGE@|$PREFIX/exchange|" "$HERE/hub/nbgrader_instructor_config.py" > "$HOME_DIR/.jupyter/nbgrader_config.py"
chown -R "$INSTRUCTOR:$INSTRUCTOR" "$COURSE" "$HOME_DIR/.jupyter"
chmod 700 "$COURSE"

step "the hub's state: $PREFIX/hub"
mkdir -p "$PREFIX/hub"
chmod 700 "$PREFIX/hub"
cp "$HERE/hub/jupyterhub_config.py" "$PREFIX/hub/jupyterhub_config.py"
TLS_CERT=""
TLS_KEY=""
if [ "$PLAIN_HTTP" = 0 ]; then
    mkdir -p "$PREFIX/hub/tls"
    chmod 700 "$PREFIX/hub/tls"
    TLS_CERT="$PREFIX/hub/tls/cert.pem"
    TLS_KEY="$PREFIX/hub/tls/key.pem"
    if [ -n "$CERT" ]; then   # read where they are: a renewed certificate (certbot) is served after a restart
        TLS_CERT="$(realpath "$CERT")"
        TLS_KEY="$(realpath "$KEY")"
    elif [ ! -f "$TLS_CERT" ] || [ ! -f "$TLS_KEY" ]; then   # a certificate of its own, kept when run again
        openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$(hostname -f 2>/dev/null || hostname)" \
            -keyout "$TLS_KEY" -out "$TLS_CERT" 2>/dev/null
        chmod 600 "$TLS_KEY"
    fi
fi
cat > "$PREFIX/hub/hub.env" <<EOF
DQN_HUB_PREFIX=$PREFIX
DQN_HUB_IP=$IP
DQN_HUB_PORT=$PORT
DQN_HUB_INSTRUCTOR=$INSTRUCTOR
DQN_HUB_GROUP=$NAME
DQN_HUB_MEM_LIMIT=$MEM_LIMIT
DQN_HUB_SSL_CERT=$TLS_CERT
DQN_HUB_SSL_KEY=$TLS_KEY
DQN_HUB_INTERNAL_PORT=$INTERNAL_PORT
DQN_HUB_PROXY_API_PORT=$PROXY_API_PORT
EOF
cat > "$PREFIX/hub/start.sh" <<EOF
#!/usr/bin/env bash
# Start the class's hub (made by hub/setup.sh). Stop it with Ctrl-C or SIGTERM: its servers stop with it.
set -euo pipefail
cd "$PREFIX/hub"
set -a; . "$PREFIX/hub/hub.env"; set +a
exec "$PREFIX/venv/bin/jupyterhub" -f "$PREFIX/hub/jupyterhub_config.py"
EOF
chmod 700 "$PREFIX/hub/start.sh"
# The hub as a systemd service: it starts on boot and again after a failure; its proxy is its child and
# stops with it. Installed where systemd runs; written in PREFIX/hub in any case (the tests verify it).
UNIT="$NAME-hub.service"
cat > "$PREFIX/hub/$UNIT" <<EOF
[Unit]
Description=JupyterHub of the class $NAME (hub/setup.sh)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=root
WorkingDirectory=$PREFIX/hub
EnvironmentFile=$PREFIX/hub/hub.env
ExecStart=$PREFIX/venv/bin/jupyterhub -f $PREFIX/hub/jupyterhub_config.py
Restart=on-failure
RestartSec=5
TimeoutStopSec=60

[Install]
WantedBy=multi-user.target
EOF
chmod 644 "$PREFIX/hub/$UNIT"
SYSTEMD=0
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    SYSTEMD=1
    cp "$PREFIX/hub/$UNIT" "/etc/systemd/system/$UNIT"
    systemctl daemon-reload
    systemctl enable "$UNIT" >/dev/null
fi

echo "ready: the hub's state is in $PREFIX/hub; the instructor's course is $COURSE"
if [ "$START" = 1 ]; then
    step "starting the hub on $IP:$PORT"
    if [ "$SYSTEMD" = 1 ]; then
        systemctl restart "$UNIT"
        echo "the hub runs as the service $UNIT: systemctl status $UNIT; its log: journalctl -u $UNIT"
    else
        exec "$PREFIX/hub/start.sh"
    fi
elif [ "$SYSTEMD" = 1 ]; then
    echo "start it with: systemctl start $UNIT (it also starts on boot)"
fi
