# The class's accounts, as hub/setup.sh and hub/users.sh make and change them (sourced by both; run as root).
# HERE (this repository) and NAME (the class's Linux group) are set by the script that sources it.

# A password to hand out: 16 letters and digits, printed once, never stored.
new_password() {
    tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 16 || true
}

# add_account NAME ROLE PASSWORD: the account, if it is new, with PASSWORD (a generated one when empty, printed
# once as "NAME: PASSWORD"); in the group NAME; its home private; a student's Jupyter settings. An account
# that exists keeps its password and its home.
add_account() {
    local name="$1" role="$2" password="$3" home
    if ! id "$name" >/dev/null 2>&1; then
        useradd --create-home --shell /bin/bash "$name"
        if [ -z "$password" ]; then
            password="$(new_password)"
            echo "$name: $password"
        fi
        echo "$name:$password" | chpasswd
    fi
    usermod -a -G "$NAME" "$name"
    usermod -U "$name" 2>/dev/null || true   # an account removed from the class earlier comes back
    home="$(getent passwd "$name" | cut -d: -f6)"
    chmod 700 "$home"
    if [ "$role" = student ]; then  # no Formgrader, no "create assignment" toolbar: the instructor's tools
        mkdir -p "$home/.jupyter"
        cp -r "$HERE/hub/student_jupyter/." "$home/.jupyter/"
        chown -R "$name:$name" "$home/.jupyter"
    fi
}

# The roster holds passwords: refuse one that anyone can read.
private_roster() {
    if [ -n "$(find "$1" -maxdepth 0 -perm /o+r 2>/dev/null)" ]; then
        echo "$(basename "$0"): $1 can be read by anyone, and it holds passwords: chmod 600 $1, then run this again" >&2
        exit 1
    fi
}
