"""An instructor's everyday actions on a throw-away course: nothing is lost, no failed step passes as a grade.

One course, notebook 01, graded step by step as an instructor would, each step with
scripts/grade.py as the README says:

1. a class of three is graded; a written answer is graded by hand (points and a comment);
2. ``--force`` regrades: the hand grading is still in the gradebook, grades.csv and the feedback page;
   so does a ``--force`` stopped by Ctrl-C and the rerun that finishes it;
3. a rerun with nothing new releases nothing, grades nothing, plays no agent;
4. ``make clean``, then a regrade: submissions and hand grading are still there, the grades are right;
5. an LMS-renamed notebook is graded under the release's name, with a warning;
6. a resubmission whose hand-graded answer changed keeps its grade, named for a look, and a plain rerun
   names it again until it is graded by hand;
7. notebook 02 is released too, and nobody hands it in: grades.csv leaves it out;
8. ``--reset`` copies the gradebook and the ledger aside, and grading starts afresh.

And LMS downloads, each test in a course of its own: a zip of each layout (Canvas, Moodle,
Blackboard, plain folders) is collected by ``--zip --lms NAME``; the submitted folders a collection
replaces are copied to backups/ first; a download the pattern does not match stops the run and
gradebook.db is restored; two downloads holding one student's notebook stop it, with an LMS's
pattern or the instructor's own.
"""

import csv
import io
import json
import shutil
import signal
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


def interrupted_grade(root: Path, *args: str) -> tuple[int, str]:
    """grade.py stopped by a Ctrl-C (SIGINT) once it has started grading; its exit code and output."""
    process = subprocess.Popen([sys.executable, "scripts/grade.py", *args], cwd=root, env=nbgrader_environment(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said = []
    for line in process.stdout:
        said.append(line)
        if line.startswith("grading ") and "submission(s)" in line:
            process.send_signal(signal.SIGINT)
            break
    said.append(process.communicate(timeout=600)[0])
    return process.returncode, "".join(said)


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
    steps["first_grades"] = grades_csv(root)
    grade_by_hand(root, "alice", 2.0, COMMENT)
    steps["force"] = run_grade(root, ASSIGNMENT, "--force", "--workers", "2", "--no-report")
    steps["force_grades"], steps["force_manual"] = grades_csv(root), manual(root, "alice")
    steps["force_feedback"] = feedback_text(root, "alice")
    steps["interrupted"] = interrupted_grade(root, ASSIGNMENT, "--force", "--no-report")
    steps["after_interrupt"] = run_grade(root, ASSIGNMENT, "--no-report")
    steps["after_interrupt_grades"] = grades_csv(root)
    steps["after_interrupt_manual"] = manual(root, "alice")
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
    steps["plain_rerun"] = run_grade(root, ASSIGNMENT, "--no-report")
    steps["not_handed_in"] = run_grade(root, ASSIGNMENT, "02_epsilon_greedy", "--no-report")
    with open(root / "grades.csv", newline="") as f:
        steps["not_handed_in_rows"] = {row["assignment"] for row in csv.DictReader(f)}
    steps["reset"] = run_grade(root, "--reset")
    return {"root": root, **steps}


def test_the_first_grading_gives_the_right_grades(day):
    assert day["first"].returncode == 0, day["first"].stdout[-3000:] + day["first"].stderr[-3000:]
    grades = day["first_grades"]
    assert grades["bob"] == 0 and 0 < grades["carol"] < grades["alice"], grades
    assert grades["alice"] == pytest.approx(12.0), "every automatic point, the written answer not graded yet"


def test_hand_grading_survives_a_ctrl_c_and_the_rerun_that_finishes(day):
    code, out = day["interrupted"]
    assert code == 130 and "grading interrupted" in out, out[-3000:]
    rerun = day["after_interrupt"]
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert day["after_interrupt_manual"] == (2.0, COMMENT, False)
    assert day["after_interrupt_grades"] == day["force_grades"]


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
    rerun = day["plain_rerun"].stdout
    assert "grading 0 submission(s)" in rerun, rerun[-2000:]
    assert f"alice: {ASSIGNMENT}: hand grading to check: {ASSIGNMENT}: {ANSWER} changed since you graded it" \
        in rerun, "a plain rerun names it again: " + rerun[-2000:]


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
def lms_template(tmp_path_factory) -> Path:
    return copy_course(tmp_path_factory.mktemp("lms") / "template", "tests", "data")


@pytest.fixture
def lms(lms_template, tmp_path):
    """lms(layout): a course of its own whose downloaded/02_epsilon_greedy/archive/ holds that LMS's zip."""

    def course(layout: str) -> tuple[Path, str]:
        root = tmp_path / layout / "course"
        shutil.copytree(lms_template, root)
        student = {"moodle": "31337"}.get(layout, "annstudent")
        name, content = lms_zip(layout, student, finished_notebook("02_epsilon_greedy"))
        (root / "downloaded" / "02_epsilon_greedy" / "archive").mkdir(parents=True)
        (root / "downloaded" / "02_epsilon_greedy" / "archive" / name).write_bytes(content)
        return root, student

    return course


@pytest.mark.parametrize("layout", ["canvas", "moodle", "blackboard", "plain"])
def test_an_lms_zip_of_each_layout_is_collected(lms, layout):
    from grading.collect import collect_zips

    root, student = lms(layout)
    collected = collect_zips(root, "02_epsilon_greedy", layout)
    assert collected.notebooks == 1 and not collected.skipped
    assert (root / "submitted" / student / "02_epsilon_greedy" / "02_epsilon_greedy.ipynb").is_file()


def two_downloads_of_one_student(archive: Path, layout: str) -> str:
    """Three LMS zips in archive/: two hold the same student's notebook; that student."""
    archive.mkdir(parents=True)
    student = {"moodle": "31337"}.get(layout, "annstudent")
    _, old = lms_zip(layout, student, release_notebook("02_epsilon_greedy"))
    _, new = lms_zip(layout, student, finished_notebook("02_epsilon_greedy"))
    _, other = lms_zip(layout, {"moodle": "4711"}.get(layout, "bobstudent"), finished_notebook("02_epsilon_greedy"))
    (archive / "submissions.zip").write_bytes(old)
    (archive / "others.zip").write_bytes(other)
    (archive / "submissions (1).zip").write_bytes(new)
    return student


@pytest.mark.parametrize("layout", ["canvas", "moodle", "blackboard", "plain"])
def test_two_downloads_holding_one_students_notebook_stop_before_collecting_and_say_which(tmp_path, layout):
    from grading.collect import LMS_PATTERNS, CollectFailed, collect_zips, duplicates

    archive = tmp_path / "downloaded" / "02_epsilon_greedy" / "archive"
    student = two_downloads_of_one_student(archive, layout)
    moved = archive.parent / "submissions (1).zip"
    (archive / "submissions (1).zip").rename(moved)
    assert duplicates(archive, LMS_PATTERNS[layout]) == {}, "different students in two downloads are fine"
    moved.rename(archive / "submissions (1).zip")
    with pytest.raises(CollectFailed) as failed:
        collect_zips(tmp_path, "02_epsilon_greedy", layout)
    message = str(failed.value)
    assert f"{student}'s 02_epsilon_greedy.ipynb is in 2 downloads" in message, message
    assert "'submissions (1).zip', 'submissions.zip'" in message and "Keep only the newest download" in message
    assert not (tmp_path / "submitted").exists() and not (archive.parent / "extracted").exists()


def test_two_downloads_stop_grading_with_the_instructors_own_pattern_too(lms_template, tmp_path):
    from grading.collect import LMS_PATTERNS

    root = tmp_path / "course"
    shutil.copytree(lms_template, root)
    with open(root / "nbgrader_config.py", "a") as config:  # as the README says for another LMS
        config.write(f"\nc.FileNameCollectorPlugin.named_regexp = {LMS_PATTERNS['plain']!r}\n")
    student = two_downloads_of_one_student(root / "downloaded" / "02_epsilon_greedy" / "archive", "plain")
    result = run_grade(root, "02_epsilon_greedy", "--zip", "--no-report", timeout=600)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"{student}'s 02_epsilon_greedy.ipynb is in 2 downloads" in result.stderr, result.stderr[-2000:]
    assert not (root / "submitted").exists(), "nothing was collected"


def test_a_download_the_pattern_does_not_match_stops_grading_loudly_and_restores_the_gradebook(lms):
    from grading.gradebook import template_gradebook

    root, _ = lms("moodle")
    before = template_gradebook(["02_epsilon_greedy"], ["earlier"])
    (root / "gradebook.db").write_bytes(before)
    result = run_grade(root, "02_epsilon_greedy", "--zip", "--lms", "canvas", "--no-report", timeout=600)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "were not collected with --lms canvas" in result.stderr and "--lms {" in result.stderr, result.stderr
    assert not (root / "grades.csv").exists(), "nothing is exported from a collection that failed"
    assert "gradebook.db restored from gradebook.db.backup" in result.stderr, result.stderr
    assert (root / "gradebook.db").read_bytes() == before, "the gradebook is as it was before the run"


def test_grading_an_lms_download_end_to_end_keeps_what_it_replaces(lms):
    root, student = lms("canvas")
    earlier = release_notebook("02_epsilon_greedy")
    earlier["metadata"]["handed_in"] = "before the deadline"
    folder = root / "submitted" / student / "02_epsilon_greedy"
    folder.mkdir(parents=True)
    (folder / "02_epsilon_greedy.ipynb").write_text(json.dumps(earlier))
    kept = (folder / "02_epsilon_greedy.ipynb").read_bytes()
    result = run_grade(root, "02_epsilon_greedy", "--zip", "--lms", "canvas", "--no-report", timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with open(root / "grades.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["assignment"] == "02_epsilon_greedy"]
    assert [(r["student_id"], float(r["score"]), float(r["max_score"])) for r in rows] == [(student, 12.0, 12.0)]
    (backup,) = (root / "backups").glob(f"*/submitted/{student}/02_epsilon_greedy/02_epsilon_greedy.ipynb")
    assert backup.read_bytes() == kept, "the folder the collection replaced was copied to backups/ first"
    assert (folder / "02_epsilon_greedy.ipynb").read_bytes() != kept, "and replaced by the download"
