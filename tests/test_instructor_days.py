"""An instructor's everyday actions on a throw-away course: nothing is lost, no failed step passes as a grade.

One course, notebook 01, graded step by step as an instructor would, each step with
scripts/grade.py as the README says:

1. a class of three is graded; a written answer is graded by hand (points and a comment);
2. ``--force`` regrades: the hand grading is still in the gradebook, grades.csv and the feedback page;
3. a rerun with nothing new releases nothing, grades nothing, plays no agent;
4. ``make clean``, then a regrade: submissions and hand grading are still there, the grades are right;
5. an LMS-renamed notebook is graded under the release's name, with a warning;
6. a resubmission whose hand-graded answer changed keeps its grade, named for a look;
7. notebook 02 is released too, and nobody hands it in: grades.csv leaves it out;
8. ``--reset`` copies the gradebook and the ledger aside, and grading starts afresh.

And LMS downloads: a zip of each layout (Canvas, Moodle, Blackboard, plain folders) is
collected by ``--zip --lms NAME``; a download the pattern does not match stops the run.
"""

import csv
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from release import copy_course, nbgrader_environment
from solution_code import finished_notebook

pytestmark = pytest.mark.notebooks

ASSIGNMENT = "01_environment"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
ANSWER = "reward_answer"  # the written answer, 2 points by hand
COMMENT = "Well argued: the shaping term rewards getting closer to the pad."
REPO = Path(__file__).resolve().parent.parent


def run_grade(root: Path, *args: str, timeout: int = 1500) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "scripts/grade.py", *args], cwd=root, env=nbgrader_environment(),
                          capture_output=True, text=True, timeout=timeout)


def release_notebook(assignment: str = ASSIGNMENT) -> dict:
    return json.loads((REPO / "notebooks" / assignment / f"{assignment}.ipynb").read_text())


def hand_in(root: Path, student: str, notebook: dict, name: str = NOTEBOOK, assignment: str = ASSIGNMENT) -> None:
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.ipynb"):
        old.unlink()
    (folder / name).write_text(json.dumps(notebook, indent=1))


def grades_csv(root: Path) -> dict[str, float]:
    with open(root / "grades.csv", newline="") as f:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(f) if row["assignment"] == ASSIGNMENT}


def manual(root: Path, student: str) -> tuple:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade(ANSWER, ASSIGNMENT, ASSIGNMENT, student)
        comment = gradebook.find_comment(ANSWER, ASSIGNMENT, ASSIGNMENT, student)
        return grade.manual_score, comment.manual_comment, grade.needs_manual_grade


def grade_by_hand(root: Path, student: str, points: float, comment: str) -> None:
    """What Formgrader writes when the instructor types points and a comment."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade(ANSWER, ASSIGNMENT, ASSIGNMENT, student)
        grade.manual_score = points
        grade.needs_manual_grade = False
        gradebook.find_comment(ANSWER, ASSIGNMENT, ASSIGNMENT, student).manual_comment = comment
        gradebook.db.commit()


def feedback_text(root: Path, student: str) -> str:
    return (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def tree(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """The steps of the module docstring, in order; each step's result is kept for the tests."""
    root = copy_course(tmp_path_factory.mktemp("instructor") / "course")
    wrong = finished_notebook(ASSIGNMENT)
    cell = next(c for c in wrong["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "run_episode")
    cell["source"] = cell["source"].replace("if terminated or truncated:", "if terminated:")
    hand_in(root, "alice", finished_notebook(ASSIGNMENT))
    hand_in(root, "bob", release_notebook())
    hand_in(root, "carol", wrong)
    steps = {"first": run_grade(root, ASSIGNMENT, "--workers", "2")}
    grade_by_hand(root, "alice", 2.0, COMMENT)
    steps["force"] = run_grade(root, ASSIGNMENT, "--force", "--workers", "2", "--no-report")
    steps["force_grades"], steps["force_manual"] = grades_csv(root), manual(root, "alice")
    steps["force_feedback"] = feedback_text(root, "alice")
    steps["nothing_new"] = run_grade(root, ASSIGNMENT)
    submitted_before = tree(root / "submitted")
    steps["clean"] = subprocess.run(["make", "clean"], cwd=root, capture_output=True, text=True, timeout=300)
    steps["after_clean_submitted"] = tree(root / "submitted") == submitted_before
    steps["after_clean_gradebook"] = (root / "gradebook.db").is_file()
    steps["regrade"] = run_grade(root, ASSIGNMENT, "--workers", "2", "--no-report")
    steps["regrade_grades"], steps["regrade_manual"] = grades_csv(root), manual(root, "alice")
    steps["regrade_feedback"] = feedback_text(root, "alice")
    renamed = root / "submitted" / "dave" / ASSIGNMENT
    hand_in(root, "dave", finished_notebook(ASSIGNMENT), name=f"{ASSIGNMENT} (1).ipynb")
    steps["renamed"] = run_grade(root, ASSIGNMENT, "--no-report")
    steps["renamed_files"] = sorted(p.name for p in renamed.iterdir())
    steps["renamed_grades"] = grades_csv(root)
    resubmitted = finished_notebook(ASSIGNMENT)
    answer = next(c for c in resubmitted["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == ANSWER)
    answer["source"] += "\n\nI added a second thought after the deadline."
    hand_in(root, "alice", resubmitted)
    steps["resubmitted"] = run_grade(root, ASSIGNMENT, "--no-report")
    steps["resubmitted_manual"] = manual(root, "alice")
    steps["not_handed_in"] = run_grade(root, ASSIGNMENT, "02_epsilon_greedy", "--no-report")
    with open(root / "grades.csv", newline="") as f:
        steps["not_handed_in_rows"] = {row["assignment"] for row in csv.DictReader(f)}
    steps["reset"] = run_grade(root, "--reset")
    return {"root": root, **steps}


def test_the_first_grading_gives_the_right_grades(day):
    assert day["first"].returncode == 0, day["first"].stdout[-3000:] + day["first"].stderr[-3000:]
    grades = day["force_grades"]
    assert grades["bob"] == 0 and 0 < grades["carol"] < grades["alice"], grades


def test_force_keeps_the_hand_grading_in_the_gradebook_the_export_and_the_feedback(day):
    assert day["force"].returncode == 0, day["force"].stdout[-3000:] + day["force"].stderr[-3000:]
    assert "grading 3 submission(s)" in day["force"].stdout
    assert day["force_manual"] == (2.0, COMMENT, False)
    assert "hand grading to check" not in day["force"].stdout
    assert day["force_grades"]["alice"] == pytest.approx(14.0), "12 automatic points and 2 by hand"
    assert "Well argued" in day["force_feedback"] and "kept the hand grading of 1" in day["force"].stdout


def test_a_rerun_with_nothing_new_does_nothing_it_need_not(day):
    out = day["nothing_new"].stdout
    assert day["nothing_new"].returncode == 0, out[-3000:] + day["nothing_new"].stderr[-3000:]
    assert "release: solutions/ unchanged since the last release, skipped" in out
    assert "grading 0 submission(s)" in out and "3 already graded" in out
    assert "export: nothing changed since grades.csv was written, skipped" in out
    assert "leaderboard: no new agent" in out


def test_make_clean_keeps_the_class_work_and_a_regrade_gives_the_same_grades(day):
    assert day["clean"].returncode == 0, day["clean"].stderr
    assert day["after_clean_submitted"] and day["after_clean_gradebook"]
    regrade = day["regrade"]
    assert regrade.returncode == 0, regrade.stdout[-3000:] + regrade.stderr[-3000:]
    assert "3 the ledger called graded but the gradebook or autograded/ did not have, graded again" in regrade.stdout
    assert day["regrade_grades"] == day["force_grades"]
    assert day["regrade_manual"] == (2.0, COMMENT, False)
    assert "hand grading to check" not in regrade.stdout, "an unchanged answer is no alarm after make clean"
    assert "Well argued" in day["regrade_feedback"], "the feedback made again shows the hand grading"


def test_a_notebook_an_lms_renamed_is_graded_under_the_release_name_with_a_warning(day):
    out = day["renamed"].stdout
    assert day["renamed"].returncode == 0, out[-3000:] + day["renamed"].stderr[-3000:]
    assert f"dave: {ASSIGNMENT}: graded under the release's name: graded '{ASSIGNMENT} (1).ipynb' as '{NOTEBOOK}'" \
        in out, out[-2000:]
    assert day["renamed_files"] == [f"{ASSIGNMENT} (1).ipynb"], "the submission itself is not touched"
    assert day["renamed_grades"]["dave"] == pytest.approx(12.0), day["renamed_grades"]


def test_a_changed_hand_graded_answer_keeps_its_grade_and_is_named_for_a_look(day):
    out = day["resubmitted"].stdout
    assert day["resubmitted"].returncode == 0, out[-3000:] + day["resubmitted"].stderr[-3000:]
    assert f"alice: {ASSIGNMENT}: hand grading to check: {ASSIGNMENT}: {ANSWER} changed since you graded it" in out
    points, comment, needs_manual = day["resubmitted_manual"]
    assert (points, comment, needs_manual) == (2.0, COMMENT, True)


def test_an_assignment_nobody_handed_in_yet_is_left_out_of_the_export(day):
    out = day["not_handed_in"].stdout
    assert day["not_handed_in"].returncode == 0, out[-3000:] + day["not_handed_in"].stderr[-3000:]
    assert "export: 02_epsilon_greedy left out of grades.csv: nobody has handed in yet" in out, out[-2000:]
    assert day["not_handed_in_rows"] == {ASSIGNMENT}, "no column of zeros for work not set yet"


def test_reset_copies_the_gradebook_and_the_ledger_aside_first(day):
    root = day["root"]
    assert day["reset"].returncode == 0, day["reset"].stderr
    (backup,) = (root / "backups").glob("2*[0-9]")
    ledgers = ("gradebook.db", "graded_jobs.json", "graded_answers.json")
    assert {*ledgers, "grades.csv"} <= {p.name for p in backup.iterdir()}
    assert not any((root / name).exists() for name in ledgers)
    assert not (root / "autograded").exists() and (root / "submitted" / "alice" / ASSIGNMENT / NOTEBOOK).is_file()


# LMS downloads: one zip per layout.

def lms_zip(layout: str, student: str, notebook: dict, name: str = "02_epsilon_greedy.ipynb") -> tuple[str, bytes]:
    """(zip file name, bytes) of an LMS's "download all submissions" with one student's notebook."""
    inner = {
        "canvas": f"{student}_4242_98765_{name}",
        "moodle": f"Ann Student_{student}_assignsubmission_file_/{name}",
        "blackboard": f"02_epsilon_greedy_{student}_attempt_2026-11-20-12-00-00_{name}",
        "plain": f"{student}/{name}",
    }[layout]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(inner, json.dumps(notebook))
        if layout == "blackboard":
            archive.writestr(f"02_epsilon_greedy_{student}_attempt_2026-11-20-12-00-00.txt", "Name: Ann Student\n")
    return f"{layout}_submissions.zip", buffer.getvalue()


@pytest.fixture(scope="module")
def lms(tmp_path_factory):
    """For each layout, a course whose downloaded/02_epsilon_greedy/archive/ holds that LMS's zip."""
    from grading.collect import LMS_PATTERNS

    template = copy_course(tmp_path_factory.mktemp("lms") / "template", "tests", "data")
    courses = {}
    for layout in LMS_PATTERNS:
        root = tmp_path_factory.mktemp(layout) / "course"
        shutil.copytree(template, root)
        student = {"moodle": "31337"}.get(layout, "annstudent")
        name, content = lms_zip(layout, student, finished_notebook("02_epsilon_greedy"))
        (root / "downloaded" / "02_epsilon_greedy" / "archive").mkdir(parents=True)
        (root / "downloaded" / "02_epsilon_greedy" / "archive" / name).write_bytes(content)
        courses[layout] = (root, student)
    return courses


@pytest.mark.parametrize("layout", ["canvas", "moodle", "blackboard", "plain"])
def test_an_lms_zip_of_each_layout_is_collected(lms, layout):
    from grading.collect import collect_zips

    root, student = lms[layout]
    collected = collect_zips(root, "02_epsilon_greedy", layout)
    assert collected.notebooks == 1 and not collected.skipped
    assert (root / "submitted" / student / "02_epsilon_greedy" / "02_epsilon_greedy.ipynb").is_file()


@pytest.mark.parametrize("layout", ["canvas", "moodle", "blackboard", "plain"])
def test_two_downloads_holding_one_students_notebook_stop_before_collecting_and_say_which(tmp_path, layout):
    from grading.collect import LMS_PATTERNS, CollectFailed, collect_zips, duplicates

    archive = tmp_path / "downloaded" / "02_epsilon_greedy" / "archive"
    archive.mkdir(parents=True)
    student = {"moodle": "31337"}.get(layout, "annstudent")
    _, old = lms_zip(layout, student, release_notebook("02_epsilon_greedy"))
    _, new = lms_zip(layout, student, finished_notebook("02_epsilon_greedy"))
    _, other = lms_zip(layout, {"moodle": "4711"}.get(layout, "bobstudent"), finished_notebook("02_epsilon_greedy"))
    (archive / "submissions.zip").write_bytes(old)
    (archive / "others.zip").write_bytes(other)
    assert duplicates(archive, LMS_PATTERNS[layout]) == {}, "different students in two downloads are fine"
    (archive / "submissions (1).zip").write_bytes(new)
    with pytest.raises(CollectFailed) as failed:
        collect_zips(tmp_path, "02_epsilon_greedy", layout)
    message = str(failed.value)
    assert f"{student}'s 02_epsilon_greedy.ipynb is in 2 downloads" in message, message
    assert "'submissions (1).zip', 'submissions.zip'" in message and "Keep only the newest download" in message
    assert not (tmp_path / "submitted").exists() and not (archive.parent / "extracted").exists()


def test_a_download_the_pattern_does_not_match_stops_grading_loudly(lms):
    root, _ = lms["moodle"]
    shutil.rmtree(root / "submitted", ignore_errors=True)
    result = run_grade(root, "02_epsilon_greedy", "--zip", "--lms", "canvas", "--no-report", timeout=600)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "were not collected with --lms canvas" in result.stderr and "--lms {" in result.stderr, result.stderr
    assert not (root / "grades.csv").exists(), "nothing is exported from a collection that failed"


def test_grading_an_lms_download_end_to_end(lms):
    root, student = lms["canvas"]
    shutil.rmtree(root / "submitted", ignore_errors=True)
    result = run_grade(root, "02_epsilon_greedy", "--zip", "--lms", "canvas", "--no-report", timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with open(root / "grades.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["assignment"] == "02_epsilon_greedy"]
    assert [(r["student_id"], float(r["score"]), float(r["max_score"])) for r in rows] == [(student, 12.0, 12.0)]
