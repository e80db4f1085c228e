"""Marks that cannot be forged: the bank of cheats (tests/cheats.py), graded by scripts/grade.py in the sandbox.

One cohort of notebook 02 in a throw-away course: an honest blank notebook, each cheat
added to a blank notebook, the finished solution, and each planted mistake of 02. Each cheat
scores exactly what the honest blank scores. The control run, the same cheats graded in a
second course with receipts off, shows what stops each (tests/cheats.py, STOPPED_BY): those
that only receipts stop score there, those that nbgrader's check of the kernel's reply stops
score nothing there either. Each that reaches into IPython, ``sys`` or a library is listed
for review in the summary and the report; the solution and the planted mistakes keep the
scores they earn in-process, and none is flagged.
"""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cheats import CHEATS, STOPPED_BY
from notebook_cells import Mistake, run_graded_cells
from release import copy_course, nbgrader_environment
from solution_code import finished_notebook
from test_planted_mistakes import MISTAKES_02

pytestmark = pytest.mark.notebooks

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "02_epsilon_greedy"
MISTAKES = {f"mistake_{i}": (name, replacements) for i, (name, replacements, *_) in enumerate(MISTAKES_02)}
STOPPED = sorted(name for name, (family, _) in CHEATS.items() if STOPPED_BY[family] != "review")


def release_notebook() -> dict:
    return json.loads((REPO / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())


def cell_of(notebook: dict, grade_id: str) -> dict:
    return next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def with_cheat(code: str) -> dict:
    """The untouched release with `code` at the top of its first answer cell."""
    notebook = release_notebook()
    first = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))
    first["source"] = code.strip() + "\n" + "".join(first["source"])
    return notebook


def with_mistake(replacements) -> dict:
    notebook = finished_notebook(ASSIGNMENT)
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
    result = subprocess.run([sys.executable, "scripts/grade.py", ASSIGNMENT, "--workers", "2", *options], cwd=root,
                            env=nbgrader_environment(), capture_output=True, text=True, timeout=3000)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("cheats") / "course")
    cohort = {"honest_blank": release_notebook(), "solution": finished_notebook(ASSIGNMENT)}
    cohort |= {f"cheat_{name}": with_cheat(code) for name, (_, code) in CHEATS.items()}
    cohort |= {student: with_mistake(replacements) for student, (_, replacements) in MISTAKES.items()}
    return {"root": root, "result": grade_cohort(root, cohort)}


@pytest.fixture(scope="module")
def without_receipts(tmp_path_factory):
    """The control run: the cheats that could score, graded in a course whose receipts are off."""
    root = copy_course(tmp_path_factory.mktemp("control") / "course")
    with open(root / "nbgrader_config.py", "a") as config:
        config.write("\nc.ExecuteUntilTheKernelDies.receipts = False  # the control run of tests/test_cheats.py\n")
    cohort = {"honest_blank": release_notebook()} | {f"cheat_{name}": with_cheat(CHEATS[name][1]) for name in STOPPED}
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


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_a_cheat_scores_what_the_honest_blank_scores(graded, cheat):
    blank = auto_scores(graded["root"], "honest_blank")
    assert blank and sum(blank.values()) == 0, blank
    assert auto_scores(graded["root"], f"cheat_{cheat}") == blank


@pytest.mark.parametrize("cheat", STOPPED)
def test_the_control_run_shows_what_stops_each_cheat(graded, without_receipts, cheat):
    blank = auto_scores(graded["root"], "honest_blank")
    assert auto_scores(without_receipts, "honest_blank") == blank, "receipts off change nothing for honest work"
    control = sum(auto_scores(without_receipts, f"cheat_{cheat}").values())
    if STOPPED_BY[CHEATS[cheat][0]] == "receipts":
        assert control > 0, "without receipts this cheat scores nothing either, so the bank cannot show that " \
                            "receipts are what stop it"
    else:
        assert control == 0, f"without receipts this cheat scored {control}: nbgrader's own check of the kernel's " \
                             "reply no longer stops it, and receipts alone do"


@pytest.mark.parametrize("cheat", sorted(name for name, (family, _) in CHEATS.items() if family != "output"))
def test_a_cheat_that_reaches_into_ipython_sys_or_a_library_is_flagged(graded, cheat):
    review = review_lines(graded)
    assert f"  cheat_{cheat}: " in review, review[:3000]
    problems = list(csv.DictReader((graded["root"] / "report" / "problems.csv").open()))
    flagged = [p for p in problems if p["student"] == f"cheat_{cheat}" and p["problem"] == "flagged for review"]
    assert flagged and ("tampers:" in flagged[0]["detail"] or "unreadable:" in flagged[0]["detail"]), problems


def test_the_flags_tell_tampering_from_code_that_cannot_be_read(graded):
    review = review_lines(graded)
    direct = next(line for line in review.splitlines() if "cheat_input_transformer_direct:" in line)
    encoded = next(line for line in review.splitlines() if "cheat_input_transformer_encoded:" in line)
    assert "tampers: cell greedy_action, line 1: uses input_transformers_post" in direct, direct
    assert "unreadable: cell greedy_action, line 1: calls exec()" in encoded and "tampers:" not in encoded, encoded


def test_the_solution_and_the_planted_mistakes_keep_their_scores_and_are_not_flagged(graded):
    review = review_lines(graded)
    solution = auto_scores(graded["root"], "solution")
    assert all(score > 0 for score in solution.values()), solution
    for student, (name, replacements) in MISTAKES.items():
        in_process = run_graded_cells(ASSIGNMENT, [Mistake(name, *r) for r in replacements])
        through_nbgrader = auto_scores(graded["root"], student)
        assert {g for g, s in through_nbgrader.items() if s == 0} == {g for g, e in in_process.items() if e}, name
        assert f"  {student}: " not in review, review
    assert "  solution: " not in review and "  honest_blank: " not in review, review


def test_a_cut_short_test_cell_says_why_on_the_feedback_page(graded):
    page = (graded["root"] / "feedback" / "cheat_settrace_cuts_cells" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    blanked = (graded["root"] / "feedback" / "cheat_input_transformer_direct" / ASSIGNMENT /
               f"{ASSIGNMENT}.html").read_text()
    assert "NameError" in page or "TestDidNotFinish" in page
    assert "TestDidNotFinish" in blanked and "did not run to its end" in blanked
