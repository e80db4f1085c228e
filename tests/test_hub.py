"""A class on a real JupyterHub: release, fetch, validate, submit, collect, grade, feedback, in a real browser.

hub/setup.sh prepares this machine as root from a roster (an instructor and two students, ann and
bob), into a fresh prefix, and the test starts the hub it made on 127.0.0.1. Then, as a class would:

1. the instructor releases 01_environment (scripts/release.py, nbgrader release_assignment);
2. in headless Chromium, ann logs in (PAM), fetches it in the Assignments tab, types a correct
   run_episode into its cell, runs Validate and submits; bob submits the untouched notebook;
3. the instructor collects (nbgrader collect) and grades (scripts/grade.py, sandboxed);
4. feedback is released; ann fetches it in the same tab and sees her score.

The instructor's commands run as the README writes them: in a login shell of the instructor's own
(`su -`, as a JupyterLab terminal or SSH starts one), with nothing set by the test; and in a shell
that set nothing at all, the instructor's nbgrader still finds the class's exchange.

Beside the loop: what ann's own uid cannot read (bob's home, the exchange's inbound folder, the
instructor's course, the hub's secrets) or write (the shared environment); that students get no
Formgrader while the instructor does; that an account outside the class's group cannot log in;
and a notebook of hers that allocates past the memory limit fails alone, its kernel at nice 10
with the limit in its /proc limits, while the hub and bob's server run on. The class has a name
of its own (setup.sh --name), so a live class on the same machine is never touched. At the end the
hub and every server it started are stopped and the accounts, group and files it made are removed.
Screenshots go to artifacts/hub/. It needs root (accounts, PAM), Chromium, npm and bubblewrap, and
is skipped, saying which, without (a failure in CI, tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser import CHROMIUM, TYPED_RUN_EPISODE, chromium, free_port, open_notebook_in, type_code, wait_until_up

pytestmark = pytest.mark.notebooks

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts" / "hub"
ASSIGNMENT = "01_environment"
INSTRUCTOR, STUDENTS = "dqnteach", {"ann": "ann-Lander-42", "bob": "bob-Lander-42"}
OUTSIDER = ("dqnoutsider", "out-Lander-42")  # an account of the machine, not of the class
LATECOMER = "dqncarol"  # a student added mid-term with hub/users.sh
LATE_PASSWORD: list[str] = []  # the one users.sh printed for her
CLASS = "dqn-hubtest"  # the class's name and group: never a live class's
MEM_LIMIT_GIB = 6


#: The test's hub serves HTTPS with a certificate of its own (setup.sh --https-self-signed): no one vouches for it.
UNVERIFIED = ssl._create_unverified_context()


def missing() -> str | None:
    if os.geteuid() != 0:
        return "the hub test makes Linux accounts and logs in through PAM: run it as root (CI does)"
    if CHROMIUM is None:
        return "no Chromium (apt-get install chromium)"
    for tool in ("npm", "bwrap", "useradd"):
        if shutil.which(tool) is None:
            return f"no {tool} on this machine (hub/setup.sh installs it with apt-get on a fresh one)"
    if shutil.which("systemd-analyze") is None:
        return "no systemd-analyze, which checks the hub's unit (apt-get install systemd, as .ci/run does)"
    return None


def as_user(user: str, command: str, check: bool = True, login: bool = True) -> subprocess.CompletedProcess:
    """`command` as `user`: in a login shell (`su -`, as the README's terminal), or with `login=False` in a
    plain shell that sets nothing (no /etc/profile, an environment of PATH=/usr/bin:/bin and HOME alone)."""
    if login:
        argv = ["su", "-", user, "-c", command]
    else:
        home = pwd.getpwnam(user).pw_dir
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "env", "-i", f"HOME={home}",
                "PATH=/usr/bin:/bin", "bash", "--norc", "--noprofile", "-c", f"cd && {command}"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
    if check and result.returncode != 0:
        raise AssertionError(f"as {user}: {command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def remove_accounts(users=(INSTRUCTOR, *STUDENTS, OUTSIDER[0], LATECOMER), group: str = CLASS) -> None:
    """The accounts, group and login profile a class of this test made: names no live class uses."""
    for user in users:
        subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
        subprocess.run(["userdel", "--remove", user], capture_output=True)
    subprocess.run(["groupdel", group], capture_output=True)
    Path(f"/etc/profile.d/{group}.sh").unlink(missing_ok=True)


@contextlib.contextmanager
def running_class(name: str, accounts: dict[str, tuple[str, str]], options: list[str], env: dict | None = None):
    """A class made by setup.sh --name `name` from a roster of `accounts` (user -> (password, role)), in a fresh
    prefix, its hub started with start.sh; everything stopped and removed on the way out, whatever happened."""
    remove_accounts(accounts, name)  # a run that was killed may have left them
    prefix = Path(tempfile.mkdtemp(prefix=f"{name}-", dir="/tmp"))
    prefix.chmod(0o755)  # students must reach the shared environment inside it
    roster = prefix / "roster.csv"
    roster.write_text("username,password,role\n" + "".join(f"{user},{password},{role}\n"
                                                           for user, (password, role) in accounts.items()))
    roster.chmod(0o600)  # it holds passwords: setup.sh refuses a roster anyone can read
    opt = prefix / "opt"
    hub_process = None
    try:
        command = ["bash", str(REPO / "hub" / "setup.sh"), "--roster", str(roster), "--name", name,
                   "--prefix", str(opt), "--ip", "127.0.0.1", *options, "--https-self-signed", "--no-start"]
        env = {**os.environ, **(env or {})}
        setup = subprocess.run(command, capture_output=True, text=True, timeout=2400, env=env)
        assert setup.returncode == 0, setup.stdout[-4000:] + setup.stderr[-4000:]
        settings = dict(line.split("=", 1) for line in (opt / "hub" / "hub.env").read_text().split())
        log = open(prefix / "hub.log", "w")
        hub_process = subprocess.Popen([str(opt / "hub" / "start.sh")], stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        base = f"https://127.0.0.1:{settings['DQN_HUB_PORT']}"
        wait_until_up(f"{base}/hub/api", hub_process, log, f"the hub of {name}", seconds=120)
        yield {"base": base, "prefix": opt, "process": hub_process, "log": prefix / "hub.log", "setup": command,
               "setup_env": env, "settings": settings}
    finally:
        if hub_process is not None:
            try:
                os.killpg(hub_process.pid, signal.SIGTERM)
                hub_process.wait(timeout=60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(hub_process.pid, signal.SIGKILL)
        subprocess.run(["pkill", "-KILL", "-f", str(prefix)], capture_output=True)  # the proxy, if orphaned
        remove_accounts(accounts, name)
        shutil.rmtree(prefix, ignore_errors=True)


@pytest.fixture(scope="module")
def hub():
    reason = missing()
    if reason:
        pytest.skip(reason)
    remove_accounts()  # a run that was killed may have left them
    accounts = {INSTRUCTOR: ("teach-Lander-42", "instructor"),
                **{name: (password, "student") for name, password in STUDENTS.items()}}
    ports = {"DQN_HUB_INTERNAL_PORT": str(free_port()), "DQN_HUB_PROXY_API_PORT": str(free_port())}
    options = ["--port", str(free_port()), "--mem-limit", f"{MEM_LIMIT_GIB}G"]
    try:
        with running_class(CLASS, accounts, options, ports) as made:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", OUTSIDER[0]], check=True)
            subprocess.run(["chpasswd"], input=f"{OUTSIDER[0]}:{OUTSIDER[1]}\n", text=True, check=True)
            yield {**made, "course": Path(pwd.getpwnam(INSTRUCTOR).pw_dir) / "dqn-lunar-lander"}
    finally:  # the outsider and the latecomer too
        remove_accounts()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def submit_login(browser, hub, user: str, password: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(180_000)
    page.goto(f"{hub['base']}/hub/login")
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(password)
    page.locator("#login_submit").click()
    return context, page


def log_in(browser, hub, user: str):
    context, page = submit_login(browser, hub, user, STUDENTS.get(user, "teach-Lander-42"))
    page.wait_for_url(f"**/user/{user}/lab**", timeout=180_000)
    page.locator("#jp-main-dock-panel").wait_for()
    return context, page


def nbgrader_menu(page) -> list[str]:
    """The items of JupyterLab's Nbgrader menu, read while it is open (a closed menu leaves the page)."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    items = page.locator(".lm-Menu-content .lm-Menu-itemLabel")
    items.first.wait_for()
    labels = items.all_inner_texts()
    page.keyboard.press("Escape")
    return labels


def open_assignments(page):
    """nbgrader's Assignments tab, from its menu."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    page.locator(".lm-TabBar-tab", has_text="Assignments").first.wait_for()


def open_notebook(page, hub, user: str, path: str):
    open_notebook_in(page, f"{hub['base']}/user/{user}/lab", path)


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def saved_cell(notebook: Path, grade_id: str) -> str:
    """The source of a cell as saved; "" while JupyterLab is still writing the file."""
    try:
        cells = json.loads(notebook.read_text())["cells"]
    except json.JSONDecodeError:
        return ""
    return "".join(next(c["source"] for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id))


def grades(course: Path, student: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: (g.score, g.max_score) for g in submission.grades if g.cell.cell_type == "code"}


@pytest.fixture(scope="module")
def released(hub):
    """The instructor releases 01_environment as the README writes it: in their own login shell, in the
    course folder, with nothing set by the test (PATH and the exchange come from the class's profile)."""
    started = time.monotonic()
    as_user(INSTRUCTOR, f"cd ~/dqn-lunar-lander && python scripts/release.py {ASSIGNMENT} "
                        f"&& nbgrader release_assignment {ASSIGNMENT} --force")
    exchange = hub["prefix"] / "exchange" / "dqn-lunar-lander"
    assert (exchange / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").is_file(), "not released to the exchange"
    return {"started": started, "exchange": exchange}


def test_the_instructors_nbgrader_finds_the_class_exchange_from_a_shell_that_set_nothing(hub, released):
    plain = as_user(INSTRUCTOR, f"cd ~/dqn-lunar-lander && {hub['prefix'] / 'venv' / 'bin' / 'nbgrader'} list",
                    login=False)
    assert f"dqn-lunar-lander {ASSIGNMENT}" in plain.stdout + plain.stderr, plain
    assert not (hub["course"] / "exchange" / "dqn-lunar-lander").exists(), "released into the course's own exchange"
    terminal = as_user(INSTRUCTOR, "command -v python nbgrader")
    assert terminal.stdout.split() == [str(hub["prefix"] / "venv" / "bin" / name) for name in ("python", "nbgrader")]


def test_the_nbgrader_loop_on_the_hub(hub, released):
    course = hub["course"]
    started = released["started"]
    exchange = released["exchange"]
    ann_home = Path(pwd.getpwnam("ann").pw_dir)
    with chromium() as browser:
        context, page = log_in(browser, hub, "ann")
        open_assignments(page)
        page.get_by_role("button", name="Fetch", exact=True).first.click()
        page.get_by_role("button", name="Submit", exact=True).first.wait_for()
        shot(page, "1_ann_fetched")
        menu = nbgrader_menu(page)
        assert "Assignment List" in menu and not [item for item in menu if "Formgrader" in item], menu
        notebook = ann_home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert notebook.is_file(), "the fetch put no notebook in ann's home"

        open_notebook(page, hub, "ann", f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb")
        cell = page.locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text="def run_episode(")).first
        cell.locator(".jp-InputArea-editor").click()
        type_code(page, TYPED_RUN_EPISODE)
        page.keyboard.press("ControlOrMeta+S")
        wait_for(lambda: TYPED_RUN_EPISODE in saved_cell(notebook, "run_episode"), "ann's run_episode saved")
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button").click()
        dialog = page.locator(".jp-Dialog", has=page.locator("#validation-message"))
        dialog.wait_for(timeout=300_000)
        shown = dialog.inner_text()
        shot(page, "2_ann_validated")
        assert "run_episode is not implemented yet" not in shown and "heuristic_policy" in shown, shown
        dialog.get_by_role("button").first.click()

        open_assignments(page)
        page.get_by_role("button", name="Submit", exact=True).first.click()
        wait_for(lambda: any((exchange / "inbound").iterdir()) if (exchange / "inbound").is_dir() else False,
                 "ann's submission in the exchange")
        shot(page, "3_ann_submitted")
        as_user("bob", f"nbgrader fetch_assignment {ASSIGNMENT} && nbgrader submit {ASSIGNMENT}")

        as_user(INSTRUCTOR, f"cd ~/dqn-lunar-lander && nbgrader collect {ASSIGNMENT} "
                            f"&& python scripts/grade.py {ASSIGNMENT} --no-report "
                            f"&& nbgrader release_feedback {ASSIGNMENT}")
        ann, bob = grades(course, "ann"), grades(course, "bob")
        for test in ("test_run_episode_basics", "test_run_episode_limits"):
            assert ann[test][0] == ann[test][1] > 0 and bob[test][0] == 0, (ann, bob)

        page.reload()
        page.locator("#jp-main-dock-panel").wait_for()
        open_assignments(page)
        page.get_by_role("button", name="Fetch Feedback", exact=True).first.click()
        page.get_by_text("(view feedback)").first.click()  # the file browser goes to the feedback's folder
        (fetched,) = (ann_home / ASSIGNMENT / "feedback").glob(f"*/{ASSIGNMENT}.html")
        shot(page, "4_ann_feedback_fetched")
        feedback = context.new_page()
        feedback.goto(f"{hub['base']}/user/ann/files/{urllib.parse.quote(fetched.relative_to(ann_home).as_posix())}")
        seconds = time.monotonic() - started
        text = feedback.locator("body").inner_text()
        shot(feedback, "5_ann_feedback")
        total = sum(score for score, _ in ann.values())
        assert f"(Score: {round(total, 2)} / " in text, text[:2000]
        print(f"release_assignment to feedback in ann's hands: {seconds:.0f} s")
        context.close()


def test_the_instructor_gets_formgrader_and_an_outsider_cannot_log_in(hub):
    with chromium() as browser:
        context, page = log_in(browser, hub, INSTRUCTOR)
        menu = nbgrader_menu(page)
        assert "Formgrader" in menu and "Assignment List" in menu, menu
        context.close()
        context, page = submit_login(browser, hub, *OUTSIDER)
        page.get_by_text("Invalid username or password").wait_for(timeout=60_000)
        assert f"/user/{OUTSIDER[0]}/" not in page.url, page.url
        context.close()


def denied_to_ann(action: str, commands: dict[str, str]) -> None:
    """Each command, run as ann, must fail with "Permission denied"."""
    for what, command in commands.items():
        result = as_user("ann", command, check=False)
        assert result.returncode != 0 and "ermission denied" in result.stderr, f"ann could {action} {what}: {result}"


def test_a_student_cannot_read_what_is_not_hers(hub, released):
    prefix, course = hub["prefix"], hub["course"]
    bob_home = Path(pwd.getpwnam("bob").pw_dir)
    denied_to_ann("read", {
        "bob's home": f"ls {bob_home}",
        "the exchange's inbound folder": f"ls {prefix / 'exchange' / 'dqn-lunar-lander' / 'inbound'}",
        "the instructor's solutions": f"cat {course / 'solutions' / ASSIGNMENT / (ASSIGNMENT + '.ipynb')}",
        "the instructor's gradebook": f"cat {course / 'gradebook.db'}",
        "the hub's secrets": f"cat {prefix / 'hub' / 'jupyterhub_cookie_secret'}",
    })
    assert not (prefix / "course" / "solutions").exists() and not (prefix / "course" / "tests").exists()
    shared = as_user("ann", "cd /tmp && python -c 'import utils; print(utils.data_dir())'")
    assert str(prefix / "course" / "data") in shared.stdout
    exchange = prefix / "exchange" / "dqn-lunar-lander"
    assert exchange.stat().st_uid == pwd.getpwnam(INSTRUCTOR).pw_uid, "setup.sh made the course's exchange folder"
    taken = as_user("ann", f"mv {exchange} {exchange}-mine", check=False)
    assert taken.returncode != 0 and exchange.is_dir(), f"ann could take the course's exchange folder: {taken}"
    denied_to_ann("write", {
        "the course's outbound folder": f"mkdir {exchange / 'outbound' / 'mine'}",
        "the course's exchange folder": f"rm -rf {exchange}",
        "the course's utils": f"touch {prefix / 'course' / 'utils' / '__init__.py'}",
        "the class's exchange settings": f"touch {prefix / 'venv' / 'etc' / 'jupyter' / 'nbgrader_config.py'}",
    })


def test_a_notebook_past_the_memory_limit_fails_alone(hub):
    with chromium() as browser:
        bob_context, bob_page = log_in(browser, hub, "bob")
        context, page = log_in(browser, hub, "ann")
        ann = pwd.getpwnam("ann")
        notebook = Path(ann.pw_dir) / "too_big.ipynb"
        notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": "big",
                                                   "metadata": {}, "outputs": [],
                                                   # just past the limit: a machine with this much free
                                                   # memory allocates it, so only the limit can refuse it
                                                   "source": f"block = bytearray({MEM_LIMIT_GIB + 1} * 2**30)"}],
                                        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                    "language": "python"}},
                                        "nbformat": 4, "nbformat_minor": 5}))
        os.chown(notebook, ann.pw_uid, ann.pw_gid)
        open_notebook(page, hub, "ann", "too_big.ipynb")
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-editor").first.click()
        page.keyboard.press("Shift+Enter")
        page.get_by_text("MemoryError").first.wait_for(timeout=120_000)
        shot(page, "6_ann_memory_limit")
        kernels = subprocess.run(["pgrep", "-u", "ann", "-f", "ipykernel_launcher"], capture_output=True,
                                 text=True).stdout.split()
        assert kernels, "no kernel of ann's is running"
        for kernel in kernels:
            limits = Path(f"/proc/{kernel}/limits").read_text()
            soft = next(line.split()[3] for line in limits.splitlines() if line.startswith("Max address space"))
            assert int(soft) == MEM_LIMIT_GIB * 2**30, limits
            assert os.getpriority(os.PRIO_PROCESS, int(kernel)) == 10, "ann's kernel does not run at nice 10"
        urllib.request.urlopen(f"{hub['base']}/hub/api", timeout=10, context=UNVERIFIED)  # the hub runs on
        bob_page.reload()
        bob_page.locator("#jp-main-dock-panel").wait_for()  # and so does bob's server
        assert hub["process"].poll() is None
        context.close()
        bob_context.close()


def test_the_hub_is_a_service_that_starts_on_boot_and_again_after_a_failure(hub):
    """setup.sh writes the systemd unit it installs where systemd runs (PID 1 is not systemd here, so it is
    checked, not started): systemd-analyze verify finds nothing to say of it."""
    unit = hub["prefix"] / "hub" / f"{CLASS}-hub.service"
    verified = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0 and not (verified.stdout + verified.stderr).strip(), verified
    text = unit.read_text()
    for line in ("Restart=on-failure", "WantedBy=multi-user.target", f"EnvironmentFile={hub['prefix']}/hub/hub.env",
                 f"ExecStart={hub['prefix']}/venv/bin/jupyterhub -f {hub['prefix']}/hub/jupyterhub_config.py"):
        assert line in text, f"{line} is not in the unit:\n{text}"


def test_the_hub_serves_https_only(hub):
    """setup.sh --https-self-signed: the hub's port speaks TLS with a certificate of its own, whose key only
    root reads, and plain HTTP gets no page."""
    host, port = "127.0.0.1", int(hub["base"].rsplit(":", 1)[1])
    assert "BEGIN CERTIFICATE" in ssl.get_server_certificate((host, port), timeout=10)
    key = hub["prefix"] / "hub" / "tls" / "key.pem"
    assert key.stat().st_uid == 0 and key.stat().st_mode & 0o077 == 0, oct(key.stat().st_mode)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://{host}:{port}/hub/login", timeout=10)


@pytest.mark.parametrize("options, said, code", [
    ([], "say how students reach the hub", 2),
    (["--cert", "/nonexistent.pem", "--key", "/nonexistent.key"], "--cert and --key must both name readable", 2),
    (["--http"], "WARNING: the hub will serve plain HTTP", 1),
])
def test_setup_says_how_students_reach_the_hub(options, said, code, tmp_path):
    """Without --cert/--key, --https-self-signed or --http, setup.sh stops before it changes anything; with
    --http it warns (here it then stops at the missing roster)."""
    result = subprocess.run(["bash", str(REPO / "hub" / "setup.sh"), "--roster", str(tmp_path / "none.csv"),
                             *options], capture_output=True, text=True, timeout=60)
    assert result.returncode == code and said in result.stderr, result.stderr


def users(hub, *arguments: str) -> subprocess.CompletedProcess:
    result = subprocess.run(["bash", str(REPO / "hub" / "users.sh"), *arguments, "--name", CLASS, "--prefix",
                             str(hub["prefix"])], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def logs_in(browser, hub, user: str, password: str) -> bool:
    """Whether `user` gets to their JupyterLab with `password` (False: the hub said the login is invalid)."""
    context, page = submit_login(browser, hub, user, password)
    try:
        page.wait_for_function("() => location.pathname.includes('/lab') || "
                               "(document.body?.innerText || '').includes('Invalid username or password')",
                               timeout=180_000)
        return "/lab" in page.url
    finally:
        context.close()


def test_students_come_and_go_mid_term(hub, released):
    """hub/users.sh: a student added mid-term logs in, fetches and submits; a reset password replaces the old
    one; a removed student can no longer log in, and their submission stays. Nobody else is touched."""
    added = users(hub, "add", LATECOMER).stdout
    password = re.search(rf"^{LATECOMER}: (\S+)$", added, re.MULTILINE).group(1)
    assert len(password) >= 12, added
    LATE_PASSWORD.append(password)
    assert LATECOMER in users(hub, "list").stdout.split()
    inbound = released["exchange"] / "inbound"
    before = {entry.name for entry in inbound.iterdir()}
    with chromium() as browser:
        assert logs_in(browser, hub, LATECOMER, password), "the new student cannot log in"
        as_user(LATECOMER, f"nbgrader fetch_assignment {ASSIGNMENT} && nbgrader submit {ASSIGNMENT}")
        assert any(name.startswith(f"{LATECOMER}+{ASSIGNMENT}+") for name in set(os.listdir(inbound)) - before)

        reset = users(hub, "reset-password", "ann").stdout
        new = re.search(r"^ann: (\S+)$", reset, re.MULTILINE).group(1)
        assert not logs_in(browser, hub, "ann", STUDENTS["ann"]), "the old password still works"
        assert logs_in(browser, hub, "ann", new)
        STUDENTS["ann"] = new

        bobs = [name for name in os.listdir(inbound) if name.startswith(f"bob+{ASSIGNMENT}+")]
        assert bobs, "bob submitted in the loop"
        users(hub, "remove", "bob")
        assert not logs_in(browser, hub, "bob", STUDENTS["bob"]), "a removed student still logs in"
        assert all((inbound / name).is_dir() for name in bobs), "bob's submission went with him"
        assert Path(pwd.getpwnam("bob").pw_dir).is_dir(), "bob's home went with him"
        assert "bob" not in users(hub, "list").stdout.split() and "ann" in users(hub, "list").stdout.split()


def test_setup_run_again_keeps_the_class(hub, released):
    """setup.sh run a second time (to upgrade the course) changes no password, home or certificate."""
    marker = Path(pwd.getpwnam("ann").pw_dir) / "my-notes.txt"
    as_user("ann", f"echo kept > {marker}")
    certificate = (hub["prefix"] / "hub" / "tls" / "cert.pem").read_bytes()
    again = subprocess.run(hub["setup"], capture_output=True, text=True, timeout=1200, env=hub["setup_env"])
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert marker.read_text() == "kept\n"
    assert (hub["prefix"] / "hub" / "tls" / "cert.pem").read_bytes() == certificate
    with chromium() as browser:
        assert logs_in(browser, hub, "ann", STUDENTS["ann"]), "setup.sh reset ann's password"
        assert logs_in(browser, hub, LATECOMER, LATE_PASSWORD[0]), "setup.sh locked out the student added mid-term"
    assert LATECOMER in users(hub, "list").stdout.split(), "setup.sh removed the student added mid-term"


SECOND_CLASS = "dqn-hubtest-b"
SECOND_INSTRUCTOR = ("dqnteachb", "teachb-Lander-42")


def test_a_second_class_runs_beside_the_first(hub):
    """Two classes on one machine: setup.sh --name gives the second its own group, prefix and ports (from its
    name: the test sets none), both hubs serve at once, and each lets in only its own class."""
    instructor, password = SECOND_INSTRUCTOR
    with running_class(SECOND_CLASS, {instructor: (password, "instructor")}, []) as second:
        first = hub["settings"]
        shown = subprocess.run(["bash", str(REPO / "hub" / "setup.sh"), "--name", SECOND_CLASS, "--show"],
                               capture_output=True, text=True, timeout=30).stdout.split()
        assert f"port={second['settings']['DQN_HUB_PORT']}" in shown, "the second hub is not on its name's port"
        assert second["settings"]["DQN_HUB_GROUP"] == SECOND_CLASS != first["DQN_HUB_GROUP"]
        assert second["settings"]["DQN_HUB_PREFIX"] != first["DQN_HUB_PREFIX"]
        ports = [settings[key] for settings in (first, second["settings"])
                 for key in ("DQN_HUB_PORT", "DQN_HUB_INTERNAL_PORT", "DQN_HUB_PROXY_API_PORT")]
        assert len(set(ports)) == 6, ports
        for base in (hub["base"], second["base"]):
            assert json.load(urllib.request.urlopen(f"{base}/hub/api", timeout=10, context=UNVERIFIED))["version"]
        assert hub["process"].poll() is None and second["process"].poll() is None
        with chromium() as browser:
            assert logs_in(browser, second, instructor, password), "the second class's instructor cannot log in"
            assert not logs_in(browser, second, "ann", STUDENTS["ann"]), "a student of the first class got in"
            assert not logs_in(browser, hub, instructor, password), "the second's instructor got into the first"
    assert hub["process"].poll() is None, "stopping the second hub stopped the first"
    assert subprocess.run(["getent", "group", CLASS], capture_output=True).returncode == 0, \
        "removing the second class removed the first's group"


def test_a_roster_anyone_can_read_is_refused(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("setup.sh checks the roster as root")
    roster = tmp_path / "roster.csv"
    roster.write_text("username,password,role\nteacher,pw,instructor\n")
    roster.chmod(0o644)
    result = subprocess.run(["bash", str(REPO / "hub" / "setup.sh"), "--roster", str(roster), "--http"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "can be read by anyone, and it holds passwords" in result.stderr, result


def test_two_classes_get_their_own_group_prefix_and_ports():
    def settings(name):
        shown = subprocess.run(["bash", str(REPO / "hub" / "setup.sh"), "--name", name, "--show"], capture_output=True,
                               text=True, timeout=30)
        assert shown.returncode == 0, shown.stderr
        return dict(field.split("=") for field in shown.stdout.split())

    today = settings("dqn-course")
    assert today == {"group": "dqn-course", "prefix": "/opt/dqn-course", "port": "8000", "internal_port": "8081",
                     "proxy_api_port": "8001"}, "the defaults changed"
    spring, autumn = settings("dqn-spring"), settings("dqn-autumn")
    assert spring == settings("dqn-spring"), "a class's ports must not change from one run to the next"
    for key in today:
        assert len({today[key], spring[key], autumn[key]}) == 3, key
    ports = [int(s[key]) for s in (today, spring, autumn) for key in ("port", "internal_port", "proxy_api_port")]
    assert len(set(ports)) == len(ports), ports
