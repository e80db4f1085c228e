#!/usr/bin/env bash
# The class's students during the term, as root, without touching anyone else (hub/setup.sh made the class).
#
#   sudo hub/users.sh add carol                 # a new student; prints a generated password, once
#   sudo hub/users.sh add carol --password PW   # ... with a password of yours
#   sudo hub/users.sh remove bob                # bob can no longer log in; his home and submissions stay
#   sudo hub/users.sh reset-password ann        # a new generated password for ann, printed once
#   sudo hub/users.sh list                      # the class's members
#
# Options: --name NAME (the class, default dqn-course), --prefix DIR (default /opt/NAME). A student changes
# their own password with `passwd` in a JupyterLab terminal.
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"   # this repository
. "$HERE/hub/accounts.sh"
NAME=dqn-course
PREFIX=""
PASSWORD=""
COMMAND="${1:-}"
USER_NAME=""
shift || true
if [ "$COMMAND" != list ]; then
    USER_NAME="${1:-}"
    shift || true
fi
while [ $# -gt 0 ]; do
    case "$1" in
        --name) NAME="$2"; shift 2 ;;
        --prefix) PREFIX="$2"; shift 2 ;;
        --password) PASSWORD="$2"; shift 2 ;;
        *) echo "users.sh: unknown option $1 (see the top of hub/users.sh)" >&2; exit 2 ;;
    esac
done
PREFIX="${PREFIX:-/opt/$NAME}"
case "$COMMAND" in
    add|remove|reset-password|list) ;;
    *) echo "users.sh: say add, remove, reset-password or list (see the top of hub/users.sh)" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "users.sh: run it as root (it changes accounts)" >&2; exit 1; }
getent group "$NAME" >/dev/null && [ -f "$PREFIX/hub/hub.env" ] \
    || { echo "users.sh: no class $NAME in $PREFIX (run hub/setup.sh first, or give --name and --prefix)" >&2; exit 1; }
if [ "$COMMAND" = list ]; then
    getent group "$NAME" | cut -d: -f4 | tr ',' '\n'
    exit 0
fi
[[ "$USER_NAME" =~ ^[a-z_][a-z0-9_-]*$ ]] || { echo "users.sh: give a lower-case Linux user name" >&2; exit 2; }
INSTRUCTOR="$(. "$PREFIX/hub/hub.env" && echo "$DQN_HUB_INSTRUCTOR")"
case "$COMMAND" in
    add)
        add_account "$USER_NAME" student "$PASSWORD"
        echo "$USER_NAME is in the class $NAME"
        ;;
    remove)
        [ "$USER_NAME" != "$INSTRUCTOR" ] || { echo "users.sh: $USER_NAME is the instructor" >&2; exit 1; }
        id -nG "$USER_NAME" 2>/dev/null | tr ' ' '\n' | grep -qx "$NAME" \
            || { echo "users.sh: $USER_NAME is not in the class $NAME" >&2; exit 1; }
        gpasswd -d "$USER_NAME" "$NAME" >/dev/null
        usermod -L "$USER_NAME"
        pkill -u "$USER_NAME" 2>/dev/null || true   # their server, if it runs
        echo "$USER_NAME can no longer log in; their home and submissions stay (users.sh add brings them back)"
        ;;
    reset-password)
        id "$USER_NAME" >/dev/null 2>&1 || { echo "users.sh: no user $USER_NAME" >&2; exit 1; }
        password="${PASSWORD:-$(new_password)}"
        echo "$USER_NAME:$password" | chpasswd
        [ -n "$PASSWORD" ] || echo "$USER_NAME: $password"
        ;;
esac
