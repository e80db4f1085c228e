"""The course as a student gets it: a release notebook, alone in a folder, filled in and validated.

A student fetches (or downloads) one release notebook, fills in its graded cells
with correct code of their own, runs it top to bottom, and presses *Validate*
(``nbgrader validate``). Here each release notebook is filled in with the solution's
code and with each set of tests/alternative_answers.py, put alone in an empty
folder, and validated there: every one must end in nbgrader's "Success!", with no
partial credit and no warning. The solution-filled notebook is also run top to
bottom in its folder: no cell may fail and every visible test cell must say
``passed: ...``. The release's text is held to what a student has: its test cells
end with ``passed(...)``, its "section N" names a heading, its images travel with it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import numpy as np
import pytest
from alternative_answers import ALTERNATIVES
from release import assignments, nbgrader_environment
from solution_code import finished_notebook, graded_cells
from stress_validate import SUCCESS, alone_in_a_folder, validate

from utils.checks import MORE_WHEN_GRADED

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENTS = assignments()
CHECKS = {"check", "check_close", "check_shape", "check_int", "fail"}  # what makes a visible test check something
# Validate's whole output for a correct notebook is its verdict: nothing of these, and no line but the verdict.
NOT_CLEAN = ("Partial credit", "cannot be converted", "VALIDATION FAILED", "Traceback", "WARNING", "Warning",
             "Error")


def release(assignment: str) -> nbformat.NotebookNode:
    (path,) = (REPO / "notebooks" / assignment).glob("*.ipynb")
    return nbformat.read(path, 4)


def graded_test_cells(notebook) -> list:
    return [c for c in notebook.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


def has_hidden_tests(assignment: str) -> set[str]:
    return {c.metadata.nbgrader["grade_id"] for c in graded_cells(assignment)
            if c.metadata.nbgrader.get("grade") and "BEGIN HIDDEN TESTS" in c.source}


def filled_in(assignment: str, answers: dict[str, str] | None = None) -> dict:
    """The release notebook as a student hands it in: the solution's code, or these answers by grade_id."""
    notebook = finished_notebook(assignment)
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if answers and grade_id in answers:
            cell["source"] = answers[grade_id]
    return notebook


# What the release says and shows, read as text (fast).

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_visible_test_cell_checks_something_and_ends_saying_passed(assignment):
    hidden = has_hidden_tests(assignment)
    problems = []
    for cell in graded_test_cells(release(assignment)):
        grade_id = cell.metadata.nbgrader["grade_id"]
        tree = ast.parse(cell.source)
        last = tree.body[-1] if tree.body else None
        if not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
                and getattr(last.value.func, "id", None) == "passed"):
            problems.append(f"{grade_id}: the visible part ends in {ast.unparse(last)[:60]!r}, not passed(...)")
            continue
        says_more = any(k.arg == "more_when_graded" and getattr(k.value, "value", False) for k in last.value.keywords)
        if says_more != (grade_id in hidden):
            problems.append(f"{grade_id}: has {'' if grade_id in hidden else 'no '}hidden tests, so passed(...) "
                            f"must {'' if grade_id in hidden else 'not '}say {MORE_WHEN_GRADED!r}")
        called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call)
                  and isinstance(node.func, ast.Name)}
        if not called & CHECKS:
            problems.append(f"{grade_id}: the visible part checks nothing (no {sorted(CHECKS)})")
        if not cell.source.lstrip().startswith("#"):
            problems.append(f"{grade_id}: the first line should be a comment saying what the cell checks")
    assert not problems, f"{assignment}:\n" + "\n".join(problems)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_section_reference_names_a_numbered_heading(assignment):
    notebook = release(assignment)
    text = "\n".join(c.source for c in notebook.cells)
    headings = {int(n) for n in re.findall(r"^#{2,3} (\d+)\.", text, re.MULTILINE)}
    assert headings, f"{assignment} has no numbered headings"
    cited = {int(n) for n in re.findall(r"\b[Ss]ections? (\d+)", text)}
    cited |= {int(n) for n in re.findall(r"\b[Ss]ections \d+ (?:and|to|or) (\d+)", text)}
    assert cited <= headings, f"{assignment} refers to sections {sorted(cited - headings)}, which have no heading"


# Paths of the course's repository that a student holding one notebook does not have.
NOT_THE_STUDENTS = re.compile(r"scripts/|tests/|solutions/|figures/|\.\./\.\./|README|grading/|nbgrader_config")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_release_points_to_nothing_a_student_lacks_and_carries_its_images(assignment):
    problems = []
    for index, cell in enumerate(release(assignment).cells):
        for found in NOT_THE_STUDENTS.findall(cell.source):
            problems.append(f"cell {index} names {found!r}")
        if cell.cell_type == "markdown":
            for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", cell.source) + re.findall(r"<img[^>]*src=\"([^\"]+)",
                                                                                             cell.source):
                name = target.removeprefix("attachment:")
                if target == name:
                    problems.append(f"cell {index} shows {target!r} from a file: attach it (scripts/make_figures.py)")
                elif "image/png" not in cell.get("attachments", {}).get(name, {}):
                    problems.append(f"cell {index} shows the attachment {name!r}, which it does not carry")
    assert not problems, f"{assignment}:\n" + "\n".join(problems)


def test_a_cell_with_an_unused_attachment_is_unclean():
    from release import clean, unclean_parts

    cell = nbformat.v4.new_markdown_cell("![loop](attachment:shown.png)")
    cell.attachments = {"shown.png": {"image/png": "AAAA"}, "stray.png": {"image/png": "AAAA"}}
    notebook = nbformat.v4.new_notebook(cells=[cell])
    assert unclean_parts(notebook) == [f"cell {cell.id}: attachments it does not show ['stray.png']"]
    clean(notebook)
    assert list(cell.attachments) == ["shown.png"] and unclean_parts(notebook) == []


# The student's work, run and validated alone in a folder (slow: a kernel per notebook).

HANDED_IN = [(assignment, "solution") for assignment in ASSIGNMENTS] + [
    (assignment, name) for assignment in ASSIGNMENTS for name in sorted(ALTERNATIVES[assignment])]


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> dict[tuple[str, str], str]:
    """Validate's output for every release filled in with the solution or an alternative set, two at a time."""
    root = tmp_path_factory.mktemp("students")

    def one(handed_in):
        assignment, name = handed_in
        answers = None if name == "solution" else ALTERNATIVES[assignment][name]
        return validate(alone_in_a_folder(root / name, assignment, filled_in(assignment, answers)))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(HANDED_IN, pool.map(one, HANDED_IN), strict=True))


@pytest.mark.notebooks
@pytest.mark.parametrize("assignment, name", HANDED_IN, ids=[f"{a[:2]}-{n}" for a, n in HANDED_IN])
def test_a_correct_notebook_validates_cleanly_in_a_folder_of_its_own(validated, assignment, name):
    output = validated[(assignment, name)]
    assert SUCCESS in output, f"{assignment} filled in with {name}: Validate did not succeed:\n{output[-4000:]}"
    found = [word for word in NOT_CLEAN if word in output]
    assert not found, f"{assignment} filled in with {name}: Validate says {found}:\n{output[-4000:]}"
    assert output.strip() == SUCCESS, f"{assignment} filled in with {name}: Validate says more than its verdict:\n" \
                                      f"{output[-4000:]}"


def run_alone_in_fast_mode(path: Path) -> nbformat.NotebookNode:
    """The notebook at `path` run top to bottom in its own folder on a short budget, as a student may choose."""
    env = {**nbgrader_environment(), "DQN_COURSE_FAST": "1"}
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
                    "--ExecutePreprocessor.timeout=600", "--output", "ran.ipynb", path.name],
                   cwd=path.parent, env=env, check=True, capture_output=True, timeout=900)
    return nbformat.read(path.parent / "ran.ipynb", 4)


@pytest.mark.notebooks
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_finished_notebook_runs_alone_top_to_bottom_and_says_what_passed(tmp_path, assignment):
    notebook = run_alone_in_fast_mode(alone_in_a_folder(tmp_path, assignment, filled_in(assignment)))
    errors = [(i, o.get("ename"), o.get("evalue")) for i, c in enumerate(notebook.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{assignment}: cells failed when run alone: {errors}"
    for cell in graded_test_cells(notebook):
        said = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
        grade_id = cell.metadata.nbgrader["grade_id"]
        assert said.startswith("passed: "), f"{assignment} {grade_id} printed {said!r}, not 'passed: ...'"
        assert not [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"], grade_id
        assert not [o for o in cell.outputs if o.output_type == "execute_result"], f"{grade_id} shows a value"
    images = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    shown = [name for c in notebook.cells if c.cell_type == "markdown" for name in c.get("attachments", {})]
    assert images or shown, f"{assignment} shows no picture when run alone"


@pytest.mark.notebooks
def test_notebook_05_says_when_the_agent_it_loaded_barely_trained(tmp_path):
    """A short run of 04 (Validate, fast mode) saves an untrained agent: 05 says so instead of judging it in silence."""
    from utils.networks import load_network, save_network

    save_network(load_network("03_targets/online"), tmp_path / "04_training" / "my_agent")
    np.save(tmp_path / "04_training" / "my_agent" / "returns.npy", np.array([-310.0, -120.5, -95.0, -240.0, -180.0]))
    ran = run_alone_in_fast_mode(alone_in_a_folder(tmp_path, "05_evaluation", filled_in("05_evaluation")))
    said = "".join(o.get("text", "") for c in ran.cells if c.cell_type == "code" for o in c.outputs
                   if o.output_type == "stream")
    assert "trained for only 5 episodes: a short run" in said, said[-3000:]
