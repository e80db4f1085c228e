"""The written answer of notebook 01, graded by hand in nbgrader's Formgrader inside a real JupyterLab.

Two students hand in notebook 01 with a written answer; scripts/grade.py autogrades them in a
throw-away copy of the course. The instructor then opens Formgrader from JupyterLab's Nbgrader
menu in headless Chromium, finds alice's submission, gives the written answer its points and a
comment, and generates the feedback from Formgrader. `scripts/grade.py` run again grades nothing
twice and exports grades.csv: alice's total has gone up by exactly those points, in the gradebook
and in grades.csv, and her feedback page shows the comment. The screenshot of the grading page
is the README's (docs/formgrader.png is a crop of it).
"""

import csv
import json
import re
import subprocess
import sys
import time

import pytest
from browser import ARTIFACTS, CHROMIUM, NO_CHROMIUM, chromium, jupyter_lab, new_page
from release import copy_course, nbgrader_environment
from solution_code import finished_notebook

pytestmark = pytest.mark.notebooks

ASSIGNMENT = "01_environment"
ANSWER = "reward_answer"  # the written answer's grade_id (2 points)
POINTS, COMMENT = 2, "Right: the shaping terms reward a slow, upright approach to the pad. Well argued."


def answered(text: str) -> dict:
    notebook = finished_notebook(ASSIGNMENT)
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == ANSWER)
    cell["source"] = text
    return notebook


def grade(root):
    result = subprocess.run([sys.executable, "scripts/grade.py", ASSIGNMENT, "--workers", "2", "--no-report"], cwd=root,
                            env=nbgrader_environment(), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def exported(root) -> dict[str, float]:
    with open(root / "grades.csv") as f:
        return {r["student_id"]: float(r["score"]) for r in csv.DictReader(f) if r["assignment"] == ASSIGNMENT}


def gradebook_total(root, student: str) -> tuple[float, object, object]:
    """The student's total, and the written answer's manual score and comment, in the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        answer = gradebook.find_grade(ANSWER, ASSIGNMENT, ASSIGNMENT, student)
        comment = gradebook.find_comment(ANSWER, ASSIGNMENT, ASSIGNMENT, student)
        return gradebook.find_submission(ASSIGNMENT, student).score, answer.manual_score, comment.manual_comment


def type_until_saved(field, value, saved, tries: int = 6) -> None:
    """Type `value` into a Formgrader field and leave it; Formgrader saves a field when it changes. Typed again
    if the gradebook does not have it within 10 s (a change made while the page was still loading goes unheard)."""
    for _ in range(tries):
        field.fill("")
        field.fill(str(value))
        field.press("Tab")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if saved():
                return
            time.sleep(0.5)
    raise AssertionError(f"Formgrader did not save {value!r} in {tries} tries")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    root = copy_course(tmp_path_factory.mktemp("formgrader") / "course")
    for student, text in {"alice": "Landing on the pad slowly and upright earns the most: shaping rewards.",
                          "bob": "The reward is higher when the lander lands."}.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(answered(text), indent=1))
    grade(root)
    return root


def test_a_written_answer_graded_in_formgrader_counts_and_shows_in_the_feedback(course, tmp_path):
    before_csv = exported(course)["alice"]
    before, manual, _ = gradebook_total(course, "alice")
    assert manual is None and before == before_csv, "the written answer waits for a person"
    with jupyter_lab(course, tmp_path) as lab, chromium() as browser, new_page(browser) as page:
        page.goto(f"{lab['base']}/lab?token={lab['token']}&reset")
        page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Nbgrader$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Formgrader$")).click()
        formgrader = page.frame_locator("iframe[src*='formgrader']")
        formgrader.get_by_role("link", name="Manual Grading").click()  # the assignments, then the notebooks
        formgrader.get_by_role("link", name=ASSIGNMENT, exact=True).click()
        formgrader.locator("table").get_by_role("link", name=ASSIGNMENT, exact=True).click()
        formgrader.get_by_role("link", name="Submission #1").wait_for()  # anonymous at first
        formgrader.locator("#toggle_names").click()  # "Show All Names"
        formgrader.get_by_role("link", name="alice", exact=True).click()
        score = formgrader.locator(f"input.score#{ANSWER}")
        score.wait_for()
        # Formgrader binds its save handlers when the page has loaded: what is typed before then is never saved.
        page.locator("iframe[src*='formgrader']").element_handle().content_frame().wait_for_function(
            "() => document.readyState === 'complete'")
        type_until_saved(score, POINTS, lambda: gradebook_total(course, "alice")[1] == POINTS)
        type_until_saved(formgrader.locator(f"textarea#{ANSWER}-comment"), COMMENT,
                         lambda: gradebook_total(course, "alice")[2] == COMMENT)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        formgrader.locator(f"#{ANSWER}-comment").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "formgrader_written_answer.png"))
        formgrader.get_by_role("link", name="Manual Grading").first.click()  # the breadcrumb, then the sidebar
        formgrader.get_by_role("link", name="Manage Assignments").click()
        row = formgrader.locator("tr", has=formgrader.get_by_role("link", name=ASSIGNMENT, exact=True))
        row.wait_for()
        assert formgrader.locator("#warning-exchange").count() == 0, "Formgrader warns about the exchange"
        row.locator(".generate-feedback a").click()
        formgrader.get_by_text(f"Successfully generated feedback of '{ASSIGNMENT}'").wait_for(timeout=180_000)
    after, manual, _ = gradebook_total(course, "alice")
    assert manual == POINTS and after == pytest.approx(before + POINTS), (before, after)
    grade(course)  # again: grades nothing twice, exports grades.csv
    assert exported(course)["alice"] == pytest.approx(before_csv + POINTS)
    assert exported(course)["bob"] == pytest.approx(gradebook_total(course, "bob")[0])
    feedback = (course / "feedback" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert COMMENT in feedback.replace("&#39;", "'")
