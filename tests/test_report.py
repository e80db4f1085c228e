"""The cohort report and the agents' leaderboard, on a cohort graded by scripts/grade.py in a throw-away copy.

The cohort hands in notebooks 01, 03 and 04 (graded once for the module): a student who did
everything, one with the terminal mask missing in 03, one who handed in the blank release, and
three who hand in an agent with notebook 04: a broken and malicious one (a pickle where a
kernel should be), a weaker one (the pretrained agent with noise on its output layer), and the
pretrained agent itself, handed in as a student's. They also bring what the report must list
for review: a notebook that is not JSON, a cell that never ends, and a patched test helper.
"""

import csv
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from agents import pretrained_weights, save_weights
from release import copy_course, nbgrader_environment
from solution_code import finished_notebook

from grading import report

pytestmark = pytest.mark.notebooks

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ["01_environment", "03_targets", "04_training"]
EPISODES = 10  # per agent here; the report's default is 100


def release_notebook(assignment: str) -> dict:
    return json.loads((REPO / "notebooks" / assignment / f"{assignment}.ipynb").read_text())


def edited(notebook: dict, grade_id: str, old: str, new: str) -> dict:
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
    source = "".join(cell["source"])
    assert old in source, f"{old!r} not in {grade_id}"
    cell["source"] = source.replace(old, new, 1)
    return notebook


def weaker_weights() -> list:
    weights = pretrained_weights()
    weights[4] = weights[4] + np.random.default_rng(1).normal(0.0, 0.05, weights[4].shape).astype(np.float32)
    return weights


def answered(notebook: dict) -> dict:
    """The written answer of notebook 01 filled in: it waits for a person in Formgrader."""
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "reward_answer")
    cell["source"] = "The reward favours a soft landing on the pad: shaping terms for distance, speed and tilt."
    return notebook


COHORT = {  # student -> {assignment: notebook}
    "full": {**{a: finished_notebook(a) for a in ASSIGNMENTS}, "01_environment": answered(finished_notebook(
        "01_environment"))},
    "one_wrong": {**{a: finished_notebook(a) for a in ASSIGNMENTS},
                  "03_targets": edited(finished_notebook("03_targets"), "compute_td_targets",  # the terminal mask
                                       "gamma * (1.0 - terminated) * best_next", "gamma * best_next")},
    "blank": {a: release_notebook(a) for a in ASSIGNMENTS},
    "broken_agent": {"01_environment": '{"cells": [ not json', "04_training": release_notebook("04_training")},
    "weaker": {"01_environment": edited(finished_notebook("01_environment"), "run_episode", "def run_episode",
                                        "while True:\n    pass\n\ndef run_episode"),
               "04_training": release_notebook("04_training")},
    "copycat": {"01_environment": edited(finished_notebook("01_environment"), "heuristic_policy",
                                         "def heuristic_policy",
                                         "import utils.checks\nutils.checks.check = lambda *a, **k: None\n\n"
                                         "def heuristic_policy"),
                "04_training": release_notebook("04_training")},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The cohort graded by scripts/grade.py (two workers), then the report with a 10-episode leaderboard."""
    root = copy_course(tmp_path_factory.mktemp("report") / "course")
    for student, notebooks in COHORT.items():
        for assignment, notebook in notebooks.items():
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True)
            text = notebook if isinstance(notebook, str) else json.dumps(notebook, indent=1)
            (folder / f"{assignment}.ipynb").write_text(text)
    agents = root / "submitted"
    evil = agents / "broken_agent" / "04_training" / "my_agent"
    save_weights(evil, pretrained_weights())
    np.save(evil / "kernel_1.npy", np.array([{"run": "os.system"}], dtype=object), allow_pickle=True)
    save_weights(agents / "weaker" / "04_training" / "my_agent", weaker_weights())
    save_weights(agents / "copycat" / "04_training" / "my_agent", pretrained_weights())
    config = root / "nbgrader_config.py"  # a shorter timeout keeps the endless loop cheap; the mechanism is the same
    config.write_text(config.read_text().replace("c.Execute.timeout = 60", "c.Execute.timeout = 20"))
    env = nbgrader_environment()
    grading = subprocess.run([sys.executable, "scripts/grade.py", *ASSIGNMENTS, "--workers", "2"], cwd=root, env=env,
                             capture_output=True, text=True, timeout=1800)
    reporting = subprocess.run([sys.executable, "scripts/report.py", "--episodes", str(EPISODES), "--workers", "2"],
                               cwd=root, env=env, capture_output=True, text=True, timeout=900)
    return {"root": root, "grading": grading, "reporting": reporting, "out": root / "report"}


def read_csv(path: Path) -> list[dict]:
    with open(path) as f:
        return list(csv.DictReader(f))


def gradebook_scores(root: Path) -> dict:
    """assignment -> {student: score}, and assignment -> {test: {student: (score, max)}}, read with nbgrader's API."""
    from nbgrader.api import Gradebook

    totals, tests, by_hand = {}, {}, {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for assignment in ASSIGNMENTS:
            submissions = gradebook.assignment_submissions(assignment)
            totals[assignment] = {s.student_id: s.score for s in submissions}
            tests[assignment] = {}
            by_hand[assignment] = 0
            for submission in submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        by_hand[assignment] += bool(grade.needs_manual_grade)
                        if grade.cell_type == "code":
                            tests[assignment].setdefault(grade.name, {})[submission.student_id] = (grade.score,
                                                                                                   grade.max_score)
    return totals, tests, by_hand


def test_the_report_is_written(graded):
    result = graded["reporting"]
    assert result.returncode == 0, graded["grading"].stdout[-2000:] + result.stdout[-2000:] + result.stderr[-3000:]
    for name in ("index.html", "assignments.csv", "tests.csv", "failures.csv", "problems.csv", "leaderboard.csv"):
        assert (graded["out"] / name).is_file(), name


def test_scores_per_assignment_match_the_gradebook(graded):
    totals, _, by_hand = gradebook_scores(graded["root"])
    rows = {r["assignment"]: r for r in read_csv(graded["out"] / "assignments.csv")}
    with open(graded["root"] / "grades.csv") as f:
        exported = [r for r in csv.DictReader(f)]
    for assignment in ASSIGNMENTS:
        scores = list(totals[assignment].values())
        row = rows[assignment]
        assert int(row["graded"]) == len(scores) > 0
        assert float(row["mean"]) == pytest.approx(statistics.fmean(scores), abs=0.01)
        assert float(row["median"]) == pytest.approx(statistics.median(scores), abs=0.01)
        handed_in = sum((graded["root"] / "submitted" / s / assignment).is_dir() for s in COHORT)
        assert int(row["handed_in"]) == handed_in
        csv_scores = {r["student_id"]: float(r["score"]) for r in exported if r["assignment"] == assignment}
        assert all(csv_scores[s] == pytest.approx(v) for s, v in totals[assignment].items())
        assert int(row["to_grade_by_hand"]) == by_hand[assignment]
    assert int(rows["01_environment"]["graded"]) == 5, "the notebook that is not JSON is not graded"
    assert by_hand["01_environment"] >= 1, "a written answer waits for a person"


def test_the_share_passed_per_test_matches_the_gradebook_worst_first(graded):
    _, tests, _ = gradebook_scores(graded["root"])
    rows = read_csv(graded["out"] / "tests.csv")
    assert {(r["assignment"], r["test"]) for r in rows} == {(a, t) for a in ASSIGNMENTS for t in tests[a]}
    for row in rows:
        grades = tests[row["assignment"]][row["test"]]
        assert int(row["graded"]) == len(grades)
        assert int(row["passed"]) == sum(score >= top for score, top in grades.values()), row
    rates = [float(r["pass_rate"]) for r in rows]
    assert rates == sorted(rates), "the most failed tests come first"
    td_targets = next(r for r in rows if r["test"] == "test_td_targets")
    assert (td_targets["passed"], td_targets["graded"]) == ("1", "3"), "only the full solution passes it"
    assert (td_targets["attempted"], td_targets["untouched"]) == ("2", "1"), "the blank notebook did not try"
    assert float(td_targets["pass_rate"]) == 0.5, "the share counts those who tried: one of two"


def test_failure_messages_are_counted_and_name_the_mistake(graded):
    groups = read_csv(graded["out"] / "failures.csv")
    td = [g for g in groups if g["test"] == "test_td_targets"]
    mask = [g for g in td if "terminated" in g["pattern"]]
    assert len(mask) == 1 and mask[0]["who"] == "one_wrong" and mask[0]["students"] == "1", td
    assert not re.search(r"\d\.\d", mask[0]["pattern"]), "numbers are left out of the pattern"
    unfinished = [g for g in td if "not implemented yet" in g["pattern"]]
    assert len(unfinished) == 1 and unfinished[0]["who"] == "blank", td
    for group in groups:  # every failure of a test counted once per student
        assert int(group["students"]) == len(group["who"].split(", "))


def test_submissions_to_look_at(graded):
    problems = {(p["student"], p["assignment"], p["problem"]) for p in read_csv(graded["out"] / "problems.csv")}
    assert ("broken_agent", "01_environment", "not graded") in problems
    assert ("weaker", "01_environment", "timed out") in problems
    assert ("copycat", "01_environment", "flagged for review") in problems
    assert not any(student in ("full", "one_wrong") for student, _, _ in problems), problems


def test_the_leaderboard_ranks_the_agents_and_reports_the_broken_one(graded):
    rows = read_csv(graded["out"] / "leaderboard.csv")
    ranked = [r["agent"] for r in rows if r["rank"]]
    by_rank = sorted((r for r in rows if r["rank"]), key=lambda r: int(r["rank"]))
    assert [int(r["rank"]) for r in by_rank] == list(range(1, len(by_rank) + 1))
    means = [float(r["mean"]) for r in by_rank]
    assert means == sorted(means, reverse=True), f"the ranks do not follow the means: {means}"
    assert set(ranked[:2]) == {"copycat", "pretrained agent"}, ranked
    assert ranked[2:] == ["weaker", "random agent"], ranked
    by_name = {r["agent"]: r for r in rows}
    assert by_name["copycat"]["mean"] == by_name["pretrained agent"]["mean"], "same agent, same seeds, same mean"
    assert float(by_name["pretrained agent"]["success_rate"]) >= 0.8
    assert float(by_name["random agent"]["success_rate"]) == 0.0
    assert all(r["episodes"] == str(EPISODES) for r in rows if r["rank"])
    broken = by_name["broken_agent"]
    assert not broken["rank"] and "kernel_1.npy is not a plain .npy array" in broken["error"], broken


def test_the_report_page_renders_in_chromium(graded):
    from browser import CHROMIUM, NO_CHROMIUM, chromium_page

    page_path = graded["out"] / "index.html"
    html = page_path.read_text()
    assert "<script" not in html and 'src="http' not in html, "one page, nothing to fetch"
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    with chromium_page(screenshot="cohort_report") as page:
        page.goto(page_path.as_uri())
        assert page.locator("h1").inner_text().startswith("Cohort report")
        images = page.evaluate("() => [...document.images].map(i => [i.naturalWidth, i.alt])")
        assert len(images) == len(ASSIGNMENTS) + 1, f"a histogram per assignment and the leaderboard: {images}"
        assert all(width > 100 and alt for width, alt in images), images
        ranked = page.locator("#leaderboard ~ table").first.locator("tr")
        assert ranked.count() == 1 + 4, "a header and four agents ranked"
        heading = page.get_by_role("heading", name="03_targets: test_td_targets", exact=True)
        assert "terminated" in heading.locator("xpath=following-sibling::table[1]").inner_text()


def test_the_same_mistake_with_other_numbers_counts_once():
    first = report.message_pattern("AssertionError", "td_targets[2] is 1.485, expected 0.5\n  expected: [0.5 1.0]\n"
                                                     "  actual:   [1.485 2.0]\n  hint: is `terminated` used?")
    second = report.message_pattern("AssertionError", "td_targets[0] is -3e-2, expected 7\n  expected: [7]\n"
                                                      "  hint: is `terminated` used?")
    assert first == second == "AssertionError: td_targets[#] is #, expected # hint: is `terminated` used?"


def test_feedback_pages_describe_every_image(graded):
    pages = sorted((graded["root"] / "feedback").glob("*/*/*.html"))
    assert len(pages) >= 10
    images = 0
    for page in pages:
        html = page.read_text()
        images += html.count("<img")
        assert "No description has been provided for this image" not in html, f"an image without alt text in {page}"
    assert images >= 5, "the frames and plots of the notebooks are in the feedback"


def test_a_timed_out_cell_is_one_failure_not_two():
    from grading import report

    cell = {"outputs": [{"output_type": "error", "ename": "KeyboardInterrupt", "evalue": ""},
                        {"output_type": "error", "ename": "CellTimeoutError", "evalue": "No reply from kernel"}]}
    assert [e["ename"] for e in report._errors(cell)] == ["CellTimeoutError"]
    interrupted = {"outputs": [{"output_type": "error", "ename": "KeyboardInterrupt", "evalue": ""}]}
    assert [e["ename"] for e in report._errors(interrupted)] == ["KeyboardInterrupt"], "a student's own Ctrl-C stays"
