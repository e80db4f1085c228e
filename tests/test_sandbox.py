"""Autograding runs every submission in a sandbox (grading/sandbox.py): attacks on the course fail.

One cohort, graded by ONE run of `scripts/grade.py 01_environment` in a throw-away copy of the
course: an honest student, and one attacker per property of the sandbox, whose attack runs at
the top of the `run_episode` cell. For each attack: it fails, the attacker is still graded,
`submitted/` is unchanged, and the batch finishes. The honest student is also graded alone, in a
second copy, and gets the same grades, notebook and feedback. Fast unit tests check the bwrap
command line and that grade.py refuses to run without bubblewrap.
"""

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from release import copy_course, nbgrader_environment
from solution_code import finished_notebook

from grading import sandbox

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "01_environment"
pytestmark = pytest.mark.notebooks

# Each attack is the top of the attacker's `run_episode` cell. It reports what it managed with
# `report(...)`; an exception (the attack failing) is printed, and the rest of the cell runs.
ATTACKS = {
    "delete_classmate": """
for target in [COURSE / "submitted" / "honest", COURSE / "autograded" / "honest", Path("../../honest")]:
    shutil.rmtree(target)
    report(f"deleted {target}")
""",
    "read_solution": """
solution = (COURSE / "solutions" / "01_environment" / "01_environment.ipynb").read_text()
report("read the solution")
(COURSE / "stolen_solution.ipynb").write_text(solution)
report("wrote the solution to the course root")
""",
    # The kernel imports utils/ from the instructor's real course folder (the editable install): the folder
    # above it must stay out of reach, whatever the throw-away copy's path is.
    "read_real_course": """
import utils
REAL = Path(utils.__file__).resolve().parent.parent
for target in [REAL / "solutions" / "01_environment" / "01_environment.ipynb", REAL / "nbgrader_config.py",
               REAL / "tests" / "cheats.py", REAL / ".git" / "HEAD"]:
    try:
        target.read_bytes()
        report(f"read {target}")
    except OSError as error:
        print(f"could not read {target.name}: {type(error).__name__}")
for target in [REAL / "written_by_attacker.txt", REAL / "utils" / "checks.py"]:
    try:
        target.write_text("pwned")
        report(f"wrote {target}")
    except OSError as error:
        print(f"could not write {target.name}: {type(error).__name__}")
print("utils is readable:", (REAL / "utils" / "checks.py").is_file())
""",
    "write_outside": """
for target in [COURSE / "written_by_attacker.txt", COURSE / "utils" / "checks.py", Path("../../../escaped.txt"),
               Path(sys.prefix) / "escaped.txt", Path("/root/escaped.txt")]:
    try:
        target.write_text("pwned")
        report(f"wrote {target}")
    except OSError as error:
        print(f"could not write {target}: {type(error).__name__}")
Path("scratch_is_writable.txt").write_text("fine")
print("wrote in its own folder")
""",
    "overwrite_gradebook": """
(COURSE / "gradebook.db").write_bytes(b"not a gradebook any more")
report("overwrote the gradebook")
""",
    "connect_loopback": """
connection = socket.create_connection(("127.0.0.1", LISTENER_PORT), timeout=5)
connection.sendall(b"hello from the sandbox")
report("connected to the listener")
""",
    "fork_bomb": """
children, stopped = 0, None
deadline = time.time() + 15  # a loaded machine forks slowly: the limit, not the clock, must end it (cell: 20 s)
while time.time() < deadline and stopped is None:
    try:
        if os.fork() == 0:  # every child forks as fast as it can too, until the bomb is over, then leaves quietly
            while time.time() < deadline and not os.path.exists("bomb-over"):
                try:
                    os.fork()
                except OSError:
                    time.sleep(0.01)
            os._exit(0)
        children += 1
    except OSError as error:
        stopped = type(error).__name__
open("bomb-over", "w").close()
while True:
    try:
        if os.waitpid(-1, 0)[0] == 0:
            break
    except ChildProcessError:
        break
print(f"forked {children} children, stopped by {stopped}")
if stopped is None:
    report("forked without limit")
""",
    "allocate_20_gb": """
import numpy as np
memory = np.ones(20 * 10**9, dtype=np.uint8)
report(f"allocated {memory.nbytes} bytes")
""",
    "write_5_gb": """
chunk = b"x" * (64 << 20)
with open("big.bin", "wb") as f:
    for _ in range(80):
        f.write(chunk)
report("wrote 5 GB")
""",
    "kill_grader": """
import signal
for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
    if pid != os.getpid():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError as error:
            print(f"could not kill {pid}: {type(error).__name__}")
os.kill(-1, signal.SIGKILL)
os.kill(os.getppid(), signal.SIGKILL)
print("killed every process it could see")
""",
    "sleep_forever": """
time.sleep(10**9)
""",
    "disable_tests": """
import utils.checks
utils.checks.check = lambda *args, **kwargs: None
utils.checks.passed = lambda *args, **kwargs: print("passed: trust me")
""",
}
PRELUDE = """import os, shutil, socket, sys, time
from pathlib import Path
COURSE = Path({course!r})  # the instructor's course folder: a job grades in a private copy, elsewhere
LISTENER_PORT = {port}
def report(what):
    print("ATTACK SUCCEEDED:", what)
"""
SHORT_TIMEOUT = 20  # seconds per cell in the throw-away copy: `sleep_forever` costs one of them


def attacked_notebook(name: str, port: int, course: Path) -> dict:
    notebook = finished_notebook(ASSIGNMENT)
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "run_episode")
    attack = "\n".join("    " + line for line in ATTACKS[name].strip().splitlines())
    prelude = PRELUDE.format(port=port, course=str(course))
    cell["source"] = (prelude + "try:\n" + attack + "\nexcept Exception as error:\n"
                      "    print(f'attack failed: {type(error).__name__}: {error}')\n\n" + "".join(cell["source"]))
    return notebook


def submit(root: Path, student: str, notebook: dict) -> None:
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
    (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(notebook, indent=1))


def tree(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def grade(root: Path) -> subprocess.CompletedProcess:
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text().replace("c.Execute.timeout = 60", f"c.Execute.timeout = {SHORT_TIMEOUT}"))
    command = [sys.executable, str(root / "scripts" / "grade.py"), ASSIGNMENT, "--workers", "2", "--no-report"]
    return subprocess.run(command, cwd=root, env=nbgrader_environment(), capture_output=True, text=True, timeout=1800)


class Listener:
    """A TCP server on 127.0.0.1 that records every connection it accepts."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, address = self.server.accept()
            except OSError:
                return
            self.accepted.append(address)
            connection.close()


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    listener = Listener()
    root = copy_course(tmp_path_factory.mktemp("attacked") / "course")
    submit(root, "honest", finished_notebook(ASSIGNMENT))
    for name in ATTACKS:
        submit(root, name, attacked_notebook(name, listener.port, root))
    course_before = {folder: tree(root / folder) for folder in ("solutions", "notebooks", "utils", "data")}
    submitted_before = tree(root / "submitted")
    result = grade(root)
    listener.server.close()

    alone = copy_course(tmp_path_factory.mktemp("alone") / "course")
    submit(alone, "honest", finished_notebook(ASSIGNMENT))
    alone_result = grade(alone)
    return {"root": root, "result": result, "listener": listener, "course_before": course_before,
            "submitted_before": submitted_before, "alone": alone, "alone_result": alone_result}


def scores(root: Path, student: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: (g.score, g.max_score) for g in submission.grades if g.cell.cell_type == "code"}


def attack_output(root: Path, student: str) -> str:
    """What the attacker's `run_episode` cell printed, and the names of its errors (not the tracebacks,
    which quote the attack's own source)."""
    notebook = json.loads((root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "run_episode")
    return "\n".join("".join(o.get("text", "")) + o.get("ename", "") for o in cell.get("outputs", []))


def normalized(notebook_path: Path) -> dict:
    """A graded notebook without what differs from run to run whoever else is graded: timestamps, and
    how a cell's printed text happened to be cut into stream messages."""
    notebook = json.loads(notebook_path.read_text())
    for cell in notebook["cells"]:
        cell["metadata"].pop("execution", None)
        outputs = cell.get("outputs", [])
        streams = {}
        for output in outputs:
            if output["output_type"] == "stream":
                streams[output["name"]] = streams.get(output["name"], "") + "".join(output["text"])
        cell["outputs"] = [o for o in outputs if o["output_type"] != "stream"] + sorted(streams.items())
    return notebook


def feedback_content(path: Path) -> tuple:
    """The feedback page's text (tags and spacing left out) and its images."""
    html = path.read_text()
    return re.sub(r"\s+|<[^>]*>", "", html), re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)


def test_the_batch_finishes_and_grades_everyone(cohort):
    result = cohort["result"]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    with open(cohort["root"] / "grades.csv") as f:
        graded = {r["student_id"] for r in csv.DictReader(f) if r["assignment"] == ASSIGNMENT}
    assert graded == {"honest", *ATTACKS}


@pytest.mark.parametrize("attack", sorted(set(ATTACKS) - {"disable_tests"}))
def test_the_attack_fails_and_the_attacker_is_graded(cohort, attack):
    output = attack_output(cohort["root"], attack)
    assert "ATTACK SUCCEEDED" not in output, output
    got = scores(cohort["root"], attack)
    assert got, f"{attack} was not graded"
    if attack == "sleep_forever":  # interrupted: run_episode was never defined, its tests score 0
        assert got["test_run_episode_basics"][0] == 0 and got["test_heuristic_actions"][0] > 0, got
    else:  # the attack caught its own failure: the rest of the notebook earns its marks
        assert all(score == maximum for score, maximum in got.values()), got


def test_each_attack_fails_the_way_the_sandbox_says(cohort):
    root = cohort["root"]
    out = {name: attack_output(root, name) for name in ATTACKS}
    assert "attack failed: FileNotFoundError" in out["delete_classmate"], out["delete_classmate"]
    assert "attack failed: FileNotFoundError" in out["read_solution"], out["read_solution"]
    assert "wrote in its own folder" in out["write_outside"] and "wrote " + str(root) not in out["write_outside"]
    assert "attack failed" in out["overwrite_gradebook"], out["overwrite_gradebook"]
    assert "attack failed" in out["connect_loopback"], out["connect_loopback"]
    assert "stopped by BlockingIOError" in out["fork_bomb"], out["fork_bomb"]
    assert "attack failed: MemoryError" in out["allocate_20_gb"], out["allocate_20_gb"]
    assert re.search(r"attack failed: OSError: \[Errno 27\] File too large", out["write_5_gb"]), out["write_5_gb"]
    assert "CellTimeoutError" in out["sleep_forever"], out["sleep_forever"]
    real = out["read_real_course"]
    for name in ("01_environment.ipynb", "nbgrader_config.py", "cheats.py", "HEAD"):
        assert f"could not read {name}: FileNotFoundError" in real, real
    assert "could not write checks.py" in real and "utils is readable: True" in real, real


def test_nothing_of_the_course_changed(cohort):
    root = cohort["root"]
    for folder, before in cohort["course_before"].items():
        assert tree(root / folder) == before, f"{folder}/ changed"
    assert tree(root / "submitted") == cohort["submitted_before"], "submitted/ changed"
    for leaked in ("stolen_solution.ipynb", "written_by_attacker.txt", "escaped.txt"):
        assert not (root / leaked).exists(), leaked
    assert not (Path(sys.prefix) / "escaped.txt").exists()
    assert not (Path(__file__).resolve().parent.parent / "written_by_attacker.txt").exists(), "the real course"
    assert not list(root.glob("autograded/*/*/big.bin")) and not list(root.glob("autograded/*/*/scratch_is*"))


def test_no_connection_reached_the_listener(cohort):
    assert cohort["listener"].accepted == []


def test_the_honest_student_is_graded_as_if_alone(cohort):
    root, alone = cohort["root"], cohort["alone"]
    assert cohort["alone_result"].returncode == 0, cohort["alone_result"].stderr[-3000:]
    honest = scores(root, "honest")
    assert honest == scores(alone, "honest")
    assert all(score == maximum for score, maximum in honest.values()), honest
    notebook = Path("autograded") / "honest" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert normalized(root / notebook) == normalized(alone / notebook)
    feedback = Path("feedback") / "honest" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    assert feedback_content(root / feedback) == feedback_content(alone / feedback)
    assert tree(root / "submitted" / "honest") == tree(alone / "submitted" / "honest")


def test_tampering_with_the_test_helpers_is_listed_for_review(cohort):
    result = cohort["result"]
    review = result.stdout[result.stdout.find("for review"):]
    assert "for review" in result.stdout, result.stdout[-3000:]
    assert "disable_tests" in review and "utils.checks.check" in review, review
    for honest in ("honest", "sleep_forever", "allocate_20_gb"):
        assert f" {honest} " not in review and f" {honest}:" not in review, review


GRADER = """
import asyncio, sys
from grading.sandbox import SandboxedKernelManager

async def main():
    km = SandboxedKernelManager(kernel_name="python3")
    await km.start_kernel(cwd=sys.argv[1])
    client = km.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    print(km.connection_file, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


@pytest.fixture
def kernel_folder(tmp_path):
    """An empty folder for a sandboxed kernel to start in (skips without bubblewrap)."""
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    (tmp_path / "work").mkdir()
    return tmp_path / "work"


def test_the_sandbox_dies_with_the_grader(kernel_folder):
    grader = subprocess.Popen([sys.executable, "-c", GRADER, str(kernel_folder)], cwd=REPO,
                              env=nbgrader_environment(), stdout=subprocess.PIPE, text=True)
    try:
        connection_file = grader.stdout.readline().strip()  # the kernel's own output goes nowhere
        assert connection_file.endswith("kernel.json"), "the kernel did not start"
        assert kernel_processes(connection_file), "no sandboxed kernel found"
    finally:
        grader.kill()
        grader.wait()
    deadline = time.time() + 10
    while kernel_processes(connection_file) and time.time() < deadline:
        time.sleep(0.2)
    assert not kernel_processes(connection_file), "the kernel outlived the grader"
    shutil.rmtree(Path(connection_file).parent.parent, ignore_errors=True)  # what a killed grader leaves behind


def kernel_processes(connection_file: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and connection_file in (entry / "cmdline").read_text():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


# ---- fast unit tests: the command line, the refusal without bubblewrap ----

def test_the_command_line_hides_the_course_and_isolates_the_kernel(tmp_path):
    workdir = tmp_path / "course" / "autograded" / "alice" / ASSIGNMENT
    box = sandbox.Sandbox(workdir=workdir, runtime=tmp_path / "run", read_only=[Path(sys.prefix)], drop_to=65534)
    command = box.command(["python", "-m", "ipykernel_launcher", "-f", "k.json"], [("videos", None)],
                          {"/etc/passwd": 7})
    joined = " ".join(command)
    assert command[0] == "bwrap" and "--die-with-parent" in command and "--unshare-net" in command
    assert "--unshare-pid" in command and "--share-net" not in command
    assert command[command.index("--chdir") + 1] == str(workdir)
    assert command[-7:] == ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--",
                            "python"] or command[-11:-5] == ["setpriv", "--reuid=65534", "--regid=65534",
                                                             "--clear-groups", "--inh-caps=-all", "--"]
    binds = [(command[i], command[i + 1], command[i + 2]) for i, a in enumerate(command) if "bind" in a]
    writable = [dest for option, _, dest in binds if option == "--bind"]
    assert writable == [str(tmp_path / "run")], "only the IPC folder is bound writable"
    assert f"--tmpfs {workdir}" in joined, "the submission folder is a private tmpfs"
    assert ("--ro-bind", str(Path(sys.prefix)), str(Path(sys.prefix))) in binds or Path(sys.prefix).is_symlink()
    for hidden in ("solutions", "notebooks", "gradebook.db", "submitted", "feedback", "/root "):
        assert hidden not in joined.replace(str(Path(sys.base_prefix)), ""), hidden
    assert "--ro-bind-data 7 /etc/passwd" in joined


def test_an_unprivileged_grader_gets_a_user_namespace(tmp_path):
    box = sandbox.Sandbox(workdir=tmp_path / "w", runtime=tmp_path / "r", drop_to=None)
    command = box.command(["python"])
    assert "--unshare-all" in command and "--unshare-user" in command and "setpriv" not in command
    assert "--cap-add" not in command


def test_the_kernel_sees_only_the_course_switches(monkeypatch):
    env = sandbox.sandbox_environment({"NBGRADER_EXECUTION": "autograde", "SECRET_TOKEN": "x", "JPY_PARENT_PID": "1",
                                       "HOME": "/root", "DQN_COURSE_FAST": "1"})
    assert env["NBGRADER_EXECUTION"] == "autograde" and env["DQN_COURSE_FAST"] == "1" and env["HOME"] == "/tmp"
    assert "SECRET_TOKEN" not in env and "JPY_PARENT_PID" not in env


def test_limits_cover_memory_processes_files_and_cpu():
    import resource

    limits = sandbox.Limits().rlimits(processes_in_use=10)
    assert limits[resource.RLIMIT_NPROC] == 10 + sandbox.Limits().processes
    assert limits[resource.RLIMIT_AS] < 20 * 10**9 and limits[resource.RLIMIT_FSIZE] < 5 * 10**9
    assert 0 < limits[resource.RLIMIT_CPU] < 3600


def test_grading_refuses_without_bubblewrap(tmp_path):
    root = copy_course(tmp_path / "course", "data", "figures", "tests")
    env = nbgrader_environment()
    bin_dir = tmp_path / "bin"  # a PATH with this Python's tools but no bwrap
    bin_dir.mkdir()
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), str(bin_dir)])
    result = subprocess.run([sys.executable, str(root / "scripts" / "grade.py"), ASSIGNMENT, "--no-report"], cwd=root,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "bubblewrap" in result.stderr and "apt-get install bubblewrap" in result.stderr, result.stderr
    assert "--no-sandbox" in result.stderr
    assert not (root / "autograded").exists() and not (root / "gradebook.db").exists()


def test_the_kernel_manager_refuses_without_bubblewrap(monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    with pytest.raises(sandbox.SandboxUnavailable, match="bubblewrap"):
        sandbox.require_bwrap()



FONT_CHECK = """
import asyncio, json, sys
from grading.sandbox import SandboxedKernelManager

CODE = '''
import glob, json, logging, os
cached = sorted(glob.glob(os.path.expanduser("~/.cache/matplotlib/fontlist-*.json")))
before = [os.stat(path).st_mtime_ns for path in cached]
logging.basicConfig(level=logging.INFO)  # matplotlib logs "generated new fontManager" when it scans the fonts
import matplotlib.font_manager
print(json.dumps({"home": os.path.expanduser("~"), "cached": [os.path.basename(p) for p in cached],
                  "unchanged": before == [os.stat(path).st_mtime_ns for path in cached]}))
'''

async def main():
    km = SandboxedKernelManager(kernel_name="python3")
    await km.start_kernel(cwd=sys.argv[1])
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        seen = []
        await client.execute_interactive(CODE, timeout=60, output_hook=lambda m: seen.append(m))
        print(json.dumps([m["content"].get("text", "") for m in seen if m["msg_type"] == "stream"]))
    finally:
        client.stop_channels()
        await km.shutdown_kernel(now=True)

asyncio.run(main())
"""


def test_each_kernel_starts_with_the_font_list_built_once(kernel_folder):
    result = subprocess.run([sys.executable, "-c", FONT_CHECK, str(kernel_folder)], cwd=REPO,
                            env=nbgrader_environment(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    streams = "".join(json.loads(result.stdout.strip().splitlines()[-1]))
    report = json.loads(next(line for line in streams.splitlines() if line.startswith("{")))
    assert report["home"] == sandbox.HOME and report["cached"], f"no font list in the kernel's home: {streams}"
    assert report["unchanged"] and "generated new fontManager" not in streams, f"the kernel scanned fonts: {streams}"
