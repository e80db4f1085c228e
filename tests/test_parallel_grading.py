"""A cohort graded in parallel gives the grades of a serial run: on local workers with SQLite, and on a
real Dask cluster (a scheduler and two `dask worker` processes on 127.0.0.1) with the gradebook on a
real PostgreSQL server, one worker killed mid-run.

The cohort: full, partial (one mistake), blank (the untouched release) and broken (not a notebook)
submissions of notebooks 01 and 02. Each grading runs `scripts/grade.py` in its own throw-away copy.
"""

import csv
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dask
import psutil
import pytest
from release import copy_course, nbgrader_environment
from solution_code import finished_notebook

from grading.jobs import DASK_SETTINGS, dask_settings

pytestmark = pytest.mark.notebooks

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ["01_environment", "02_epsilon_greedy"]
WRONG = {"01_environment": ("run_episode", "if terminated or truncated:", "if terminated:"),
         "02_epsilon_greedy": ("decay_epsilon", "return float(max(epsilon_min, epsilon * decay))",
                               "return float(epsilon * decay)")}


def partial(assignment: str) -> dict:
    notebook = finished_notebook(assignment)
    grade_id, old, new = WRONG[assignment]
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    cell["source"] = "".join(cell["source"]).replace(old, new)
    return notebook


def cohort_course(parent: Path) -> Path:
    root = copy_course(parent / "course")
    release = {a: json.loads(next((REPO / "notebooks" / a).glob("*.ipynb")).read_text()) for a in ASSIGNMENTS}
    for student, make in {"full": finished_notebook, "partial": partial, "blank": release.get}.items():
        for assignment in ASSIGNMENTS:
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True)
            (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
            (folder / f"{assignment}.ipynb").write_text(json.dumps(make(assignment), indent=1))
    broken = root / "submitted" / "broken" / ASSIGNMENTS[0]
    broken.mkdir(parents=True)
    (broken / f"{ASSIGNMENTS[0]}.ipynb").write_text('{"cells": [ not json')
    return root


def grade(root: Path, *args: str, env: dict | None = None, wait: bool = True):
    command = [sys.executable, str(root / "scripts" / "grade.py"), *ASSIGNMENTS, "--no-report", *args]
    process = subprocess.Popen(command, cwd=root, env=env or nbgrader_environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    if not wait:
        return process
    output, _ = process.communicate(timeout=1500)
    return process.returncode, output


def grades_of(root: Path) -> dict:
    with open(root / "grades.csv") as f:
        return {(r["assignment"], r["student_id"]): (r["score"], r["max_score"]) for r in csv.DictReader(f)}


def feedback_scores(root: Path) -> dict:
    scores = {}
    for page in sorted((root / "feedback").glob("*/*/*.html")):
        found = re.search(r"Score: ([\d.]+) / ([\d.]+)", page.read_text())
        scores[page.relative_to(root / "feedback").as_posix()] = found.groups() if found else None
    return scores


def cell_scores(db_url: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gradebook:
        return {(a, s.student.id, g.name): g.score for a in ASSIGNMENTS
                for s in gradebook.assignment_submissions(a) for n in s.notebooks for g in n.grades}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    root = cohort_course(tmp_path_factory.mktemp("serial"))
    code, output = grade(root, "--workers", "1")
    return root, code, output


def test_a_serial_run_grades_the_cohort_and_names_the_broken_submission(serial):
    root, code, output = serial
    assert code == 2, output[-3000:]
    assert "01_environment of broken" in output and "graded 6, failed 1" in output, output[-3000:]
    grades = grades_of(root)
    written_answer = 2  # notebook 01's written answer waits for a person (Formgrader)
    assert float(grades[("01_environment", "full")][0]) == float(grades[("01_environment", "full")][1]) - written_answer
    assert grades[("02_epsilon_greedy", "full")][0] == grades[("02_epsilon_greedy", "full")][1]
    assert 0 < float(grades[("02_epsilon_greedy", "partial")][0]) < float(grades[("02_epsilon_greedy", "partial")][1])
    assert float(grades[("01_environment", "blank")][0]) == 0 and float(grades[("01_environment", "broken")][0]) == 0


def test_two_workers_on_sqlite_give_the_same_grades_and_feedback(serial, tmp_path):
    root = cohort_course(tmp_path)
    code, output = grade(root, "--workers", "2")
    assert code == 2 and "database is locked" not in output, output[-3000:]
    assert grades_of(root) == grades_of(serial[0])
    assert feedback_scores(root) == feedback_scores(serial[0]) and len(feedback_scores(root)) == 6
    assert cell_scores(f"sqlite:///{root / 'gradebook.db'}") == cell_scores(f"sqlite:///{serial[0] / 'gradebook.db'}")


def test_ctrl_c_keeps_a_consistent_gradebook_and_a_rerun_grades_nothing_twice(serial, tmp_path):
    root = cohort_course(tmp_path)
    run = grade(root, wait=False)
    ledger = root / "graded_jobs.json"
    deadline = time.time() + 600
    while time.time() < deadline and run.poll() is None and len(json.loads(ledger.read_text() or "{}")
                                                                if ledger.is_file() else {}) < 2:
        time.sleep(0.2)
    run.send_signal(signal.SIGINT)  # Ctrl-C, mid-run
    output, _ = run.communicate(timeout=300)
    assert run.returncode == 130 and "grading interrupted" in output, output[-3000:]
    recorded = json.loads(ledger.read_text())
    assert 2 <= len(recorded) < 6, recorded
    graded_before = cell_scores(f"sqlite:///{root / 'gradebook.db'}")
    assert {(a, s) for a, s, _ in graded_before} == {tuple(key.split("/")[::-1]) for key in recorded}

    code, output = grade(root)
    assert code == 2 and f"graded {6 - len(recorded)}, failed 1, skipped {len(recorded)}" in output, output[-3000:]
    assert grades_of(root) == grades_of(serial[0])

    handed_in_again = root / "submitted" / "blank" / "02_epsilon_greedy" / "02_epsilon_greedy.ipynb"
    handed_in_again.write_text(json.dumps(finished_notebook("02_epsilon_greedy"), indent=1))
    code, output = grade(root)
    assert "graded 1, failed 1, skipped 5 (graded before)" in output, output[-3000:]
    assert grades_of(root)[("02_epsilon_greedy", "blank")] == grades_of(serial[0])[("02_epsilon_greedy", "full")]


# A real PostgreSQL server and a real Dask cluster, on 127.0.0.1, in temporary folders.

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_program(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


@pytest.fixture(scope="module")
def postgres():
    """A PostgreSQL server of its own, run as `nobody` when the tests run as root (PostgreSQL refuses root)."""
    initdb, pg_ctl = postgres_program("initdb"), postgres_program("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL is not installed (Debian package postgresql; .ci/run installs it)")
    folder = Path(tempfile.mkdtemp(prefix="dqn-postgres-"))
    as_user = []
    if os.geteuid() == 0:
        os.chown(folder, 65534, 65534)
        as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    port = free_port()
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(folder)}
    data = folder / "data"
    subprocess.run([*as_user, initdb, "-D", str(data), "-U", "grader", "--auth=trust", "--no-sync"], check=True,
                   capture_output=True, env=env)
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-l", str(folder / "server.log"), "-w", "start", "-o",
                    f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off"], check=True, capture_output=True, env=env)
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=grader dbname=postgres", autocommit=True) as db:
            db.execute("CREATE DATABASE dqn")
        yield f"postgresql+psycopg://grader@127.0.0.1:{port}/dqn"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, env=env)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def dask_cluster():
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1; yields (address, worker processes)."""
    port = free_port()
    dask_command = str(Path(sys.executable).parent / "dask")
    env = {**nbgrader_environment(), "DASK_CONFIG": str(DASK_SETTINGS)}  # grading's settings, as README.md says
    logs = Path(tempfile.mkdtemp(prefix="dqn-dask-"))
    started = [subprocess.Popen([dask_command, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                 "--no-dashboard"], env=env, stdout=open(logs / "scheduler.log", "w"),
                                stderr=subprocess.STDOUT, start_new_session=True)]
    address = f"tcp://127.0.0.1:{port}"
    workers = [subprocess.Popen([dask_command, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                 "--no-dashboard", "--host", "127.0.0.1", "--name", f"grader-{i}"], env=env,
                                stdout=open(logs / f"worker-{i}.log", "w"), stderr=subprocess.STDOUT,
                                start_new_session=True) for i in range(2)]
    started += workers
    try:
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            settings = dask_settings()
            seen = client.run(lambda: {key: dask.config.get(key) for key in settings})
            assert list(seen.values()) == [settings] * 2, f"the workers did not read {DASK_SETTINGS.name}: {seen}"
        yield address, workers
    finally:
        for process in reversed(started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(logs, ignore_errors=True)


def running_a_kernel(process: subprocess.Popen) -> bool:
    try:
        return any("ipykernel" in " ".join(p.cmdline()) for p in psutil.Process(process.pid).children(recursive=True))
    except psutil.Error:
        return False


def test_a_dask_cluster_with_postgres_survives_a_killed_worker(serial, postgres, dask_cluster, tmp_path):
    address, workers = dask_cluster
    root = cohort_course(tmp_path)
    env = {**nbgrader_environment(), "DQN_GRADEBOOK_URL": postgres}
    run = grade(root, "--scheduler", address, env=env, wait=False)
    deadline = time.time() + 600
    while not running_a_kernel(workers[0]) and time.time() < deadline and run.poll() is None:
        time.sleep(0.2)
    assert running_a_kernel(workers[0]), "worker 0 never started a job"
    os.killpg(workers[0].pid, signal.SIGKILL)  # the worker and its nanny, mid-job
    output, _ = run.communicate(timeout=1500)
    assert run.returncode == 2 and "graded 6, failed 1" in output, output[-3000:]
    assert not (root / "gradebook.db").exists(), "the gradebook must be the PostgreSQL one"
    assert grades_of(root) == grades_of(serial[0])
    assert cell_scores(postgres) == cell_scores(f"sqlite:///{serial[0] / 'gradebook.db'}")
    assert feedback_scores(root) == feedback_scores(serial[0])
