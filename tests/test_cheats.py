"""Marks that cannot be forged: the bank of cheats (tests/cheats.py), graded by scripts/grade.py in the sandbox.

One cohort of notebook 02 in a throw-away course: the honest baselines (every exercise a
stub, every exercise ``return 0``, the finished solution), each cheat on its baseline, and each
planted mistake of 02. Each cheat scores exactly what its baseline scores. The control run,
the same cheats graded in a second course with the clean kernel and receipts off, shows what
stops each (tests/cheats.py, STOPPED_BY): those the grading stops score there, those that
nbgrader's check of the kernel's reply stops score nothing there either. Each is listed for
review in the summary and the report, with its cell, metadata or file; the solution and the
planted mistakes keep the scores they earn in-process, and none is flagged. No feedback page
shows a hidden test, printed ones included.
"""

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cheats import ASSIGNMENT, CHEATS, STOPPED_BY, Cheat, baseline_notebook, cheat_notebook
from notebook_cells import Mistake, run_graded_cells
from release import copy_course, nbgrader_environment
from test_planted_mistakes import MISTAKES_02

pytestmark = pytest.mark.notebooks

REPO = Path(__file__).resolve().parent.parent
MISTAKES = {f"mistake_{i}": (name, replacements) for i, (name, replacements, *_) in enumerate(MISTAKES_02)}
STOPPED = sorted(name for name, cheat in CHEATS.items() if STOPPED_BY[cheat.family] != "review")
BASELINES = {"blank": "honest_blank", "zero": "honest_zero", "solution": "solution"}


def cell_of(notebook: dict, grade_id: str) -> dict:
    return next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def with_mistake(replacements) -> dict:
    notebook = baseline_notebook("solution")
    for grade_id, old, new in replacements:
        cell = cell_of(notebook, grade_id)
        assert old in "".join(cell["source"]), (grade_id, old)
        cell["source"] = "".join(cell["source"]).replace(old, new)
    return notebook


def grade_cohort(root: Path, cohort: dict[str, dict], *options: str) -> subprocess.CompletedProcess:
    for student, notebook in cohort.items():
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(notebook, indent=1))
        cheat = CHEATS.get(student.removeprefix("cheat_"))
        for relative, text in (cheat.files if cheat else {}).items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text)
    result = subprocess.run([sys.executable, "scripts/grade.py", ASSIGNMENT, "--workers", "2", *options], cwd=root,
                            env=nbgrader_environment(), capture_output=True, text=True, timeout=3000)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def baselines() -> dict[str, dict]:
    return {student: baseline_notebook(baseline) for baseline, student in BASELINES.items()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("cheats") / "course")
    cohort = baselines() | {f"cheat_{name}": cheat_notebook(cheat) for name, cheat in CHEATS.items()}
    cohort |= {student: with_mistake(replacements) for student, (_, replacements) in MISTAKES.items()}
    return {"root": root, "result": grade_cohort(root, cohort)}


@pytest.fixture(scope="module")
def control(tmp_path_factory):
    """The control run: the cheats that could score, graded in a course whose clean kernel, receipts and
    feedback cleaning of printed output are off."""
    root = copy_course(tmp_path_factory.mktemp("control") / "course")
    with open(root / "nbgrader_config.py", "a") as config:
        config.write("\n# the control run of tests/test_cheats.py\nc.ExecuteUntilTheKernelDies.receipts = False\n"
                     "c.ExecuteUntilTheKernelDies.clean_kernel = False\nc.HideHiddenTests.printed_output = False\n")
    cohort = baselines() | {f"cheat_{name}": cheat_notebook(CHEATS[name]) for name in STOPPED}
    grade_cohort(root, cohort, "--no-report")
    return root


def auto_scores(root, student: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
        return {g.name: g.auto_score for g in notebook.grades if g.cell.cell_type == "code" and g.max_score}


def review_lines(graded) -> str:
    out = graded["result"].stdout
    return out[out.find("submissions for review"):]


def baseline_of(cheat: str) -> str:
    return BASELINES[CHEATS[cheat].baseline]


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_a_cheat_scores_what_its_honest_baseline_scores(graded, cheat):
    blank = auto_scores(graded["root"], "honest_blank")
    assert blank and sum(blank.values()) == 0, blank
    total = {student: sum(auto_scores(graded["root"], student).values()) for student in BASELINES.values()}
    assert total["honest_zero"] < total["solution"], total
    assert auto_scores(graded["root"], f"cheat_{cheat}") == auto_scores(graded["root"], baseline_of(cheat))


@pytest.mark.parametrize("cheat", STOPPED)
def test_the_control_run_shows_what_stops_each_cheat(graded, control, cheat):
    for student in BASELINES.values():
        assert auto_scores(control, student) == auto_scores(graded["root"], student), \
            "the clean kernel and receipts change nothing for honest work"
    scored = sum(auto_scores(control, f"cheat_{cheat}").values())
    baseline = sum(auto_scores(control, baseline_of(cheat)).values())
    stopped_by = STOPPED_BY[CHEATS[cheat].family]
    if stopped_by == "clean kernel":
        assert scored > baseline, "without the clean kernel and receipts this cheat scores no more than its " \
                                  "baseline, so the bank cannot show that they are what stop it"
    elif stopped_by == "kernel reply":
        assert scored == 0, f"without receipts this cheat scored {scored}: nbgrader's own check of the kernel's " \
                            "reply no longer stops it, and the grading alone does"
    else:
        assert stopped_by == "feedback" and scored == baseline


@pytest.mark.parametrize("cheat", sorted(name for name, cheat in CHEATS.items() if cheat.family != "output"))
def test_every_cheat_is_listed_for_review(graded, cheat):
    review = review_lines(graded)
    assert f"  cheat_{cheat}: " in review, review[:3000]
    line = next(line for line in review.splitlines() if line.startswith(f"  cheat_{cheat}: "))
    cheat_ = CHEATS[cheat]
    for relative in cheat_.files:
        assert f"extra file: {relative}: handed in beside the notebook" in line, line
    if cheat_.metadata:
        assert "metadata: " in line, line
    if cheat_.code or cheat_.inside:
        assert "tampers: " in line or "unreadable: " in line, line
    problems = list(csv.DictReader((graded["root"] / "report" / "problems.csv").open()))
    flagged = [p for p in problems if p["student"] == f"cheat_{cheat}" and p["problem"] == "flagged for review"]
    assert flagged and any(kind in flagged[0]["detail"] for kind in ("tampers:", "unreadable:", "metadata:",
                                                                     "extra file:")), problems


def test_no_feedback_page_shows_a_hidden_test_printed_or_not(graded, control):
    def page(root, student):
        return (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()

    hidden = "### END HIDDEN TESTS"
    assert hidden in page(control, "cheat_prints_the_test"), "the control run shows that the cheat prints the tests"
    for student in [*BASELINES.values(), *(f"cheat_{name}" for name in CHEATS)]:
        text = page(graded["root"], student)
        assert hidden not in text and "BEGIN HIDDEN" not in text, student
        if "_receipt_" not in CHEATS.get(student.removeprefix("cheat_"), Cheat("")).code:  # not the student's own
            assert "_receipt_" not in text, student


def test_the_flags_tell_tampering_from_code_that_cannot_be_read(graded):
    review = review_lines(graded)
    direct = next(line for line in review.splitlines() if "cheat_input_transformer_direct:" in line)
    encoded = next(line for line in review.splitlines() if "cheat_input_transformer_encoded:" in line)
    assert re.search(r"tampers: cell greedy_action, line \d+: uses input_transformers_post", direct), direct
    assert re.search(r"unreadable: cell greedy_action, line \d+: calls exec\(\)", encoded), encoded
    assert "tampers:" not in encoded, encoded


def test_the_solution_and_the_planted_mistakes_keep_their_scores_and_are_not_flagged(graded):
    review = review_lines(graded)
    solution = auto_scores(graded["root"], "solution")
    assert all(score > 0 for score in solution.values()), solution
    for student, (name, replacements) in MISTAKES.items():  # graded from the solution
        in_process = run_graded_cells(ASSIGNMENT, [Mistake(name, *r) for r in replacements])
        through_nbgrader = auto_scores(graded["root"], student)
        assert {g for g, s in through_nbgrader.items() if s == 0} == {g for g, e in in_process.items() if e}, name
        assert f"  {student}: " not in review, review
    assert not any(f"  {student}: " in review for student in BASELINES.values()), review


def test_a_stopped_cheat_gets_the_feedback_of_its_baseline(graded):
    def errors(student):
        path = graded["root"] / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        notebook = json.loads(path.read_text())
        return [[o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                for cell in notebook["cells"] if cell["metadata"].get("nbgrader", {}).get("grade")]

    page = (graded["root"] / "feedback" / "cheat_settrace_cuts_cells" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "NameError" in page or "TestDidNotFinish" in page
    for cheat in ("input_transformer_direct", "statement_transformer_get_ipython", "receipt_only_locked",
                  "shadow_utils", "checks_alias"):
        assert errors(f"cheat_{cheat}") == errors(baseline_of(cheat)), cheat
