"""Correct answers written differently from the solutions keep full marks (tests/alternative_answers.py)."""

import ast
import json
import subprocess
import sys

import pytest
from alternative_answers import ALTERNATIVES
from notebook_cells import run_graded_cells
from release import assignments, copy_course, nbgrader_environment
from solution_code import finished_notebook, graded_cells

ASSIGNMENTS = assignments()
SETS = [(assignment, name) for assignment in ASSIGNMENTS for name in sorted(ALTERNATIVES[assignment])]


def defined_functions(source: str) -> set[str]:
    return {node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_has_two_other_correct_answers(assignment):
    solution_cells = {c.metadata.nbgrader["grade_id"]: c.source for c in graded_cells(assignment)
                      if c.metadata.nbgrader.get("solution")}
    sets = ALTERNATIVES[assignment]
    assert len(sets) >= 2, f"{assignment}: fewer than two sets of alternative answers"
    for name, answers in sets.items():
        assert set(answers) == set(solution_cells), f"{assignment} set {name} must answer every solution cell"
        for grade_id, source in answers.items():
            wanted = defined_functions(solution_cells[grade_id])
            assert wanted <= defined_functions(source), f"{assignment} set {name}, {grade_id}: defines no {wanted}"
            assert "BEGIN SOLUTION" not in source and source.strip() != solution_cells[grade_id].strip()


@pytest.mark.parametrize("assignment, name", SETS, ids=[f"{a[:2]}-{n}" for a, n in SETS])
def test_an_alternative_answer_passes_every_test_cell(assignment, name):
    outcomes = run_graded_cells(assignment, replace=ALTERNATIVES[assignment][name])
    failed = {grade_id: error for grade_id, error in outcomes.items() if error}
    assert outcomes and not failed, f"{assignment} set {name} lost points:\n" + "\n".join(
        f"{grade_id}: {error}" for grade_id, error in failed.items())


# Through nbgrader: each set handed in as a student's notebooks, graded by scripts/grade.py, hidden tests included.
UNFINISHED_SOFT_UPDATE = "04_training"


def handed_in(assignment: str, sources: dict[str, str]) -> dict:
    """The release notebook with these sources in its solution cells, as a student hands it in."""
    notebook = finished_notebook(assignment)
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in sources:
            cell["source"] = sources[grade_id]
    return notebook


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Students A and B hand in every notebook answered with that set; `unfinished` hands in
    notebook 04 with every function done except soft_update, which train_step and train_agent call."""
    root = copy_course(tmp_path_factory.mktemp("answers") / "course")
    cohort = {f"alternatives_{name}": {a: handed_in(a, ALTERNATIVES[a][name]) for a in ASSIGNMENTS}
              for name in ("A", "B")}
    cohort["unfinished"] = {UNFINISHED_SOFT_UPDATE: handed_in(
        UNFINISHED_SOFT_UPDATE, {"soft_update": "def soft_update(target_network, q_network, tau):\n"
                                                "    # YOUR CODE HERE\n    raise NotImplementedError()"})}
    for student, notebooks in cohort.items():
        for assignment, notebook in notebooks.items():
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True)
            (folder / f"{assignment}.ipynb").write_text(json.dumps(notebook, indent=1))
    result = subprocess.run([sys.executable, str(root / "scripts" / "grade.py"), "--workers", "2", "--no-report"],
                            cwd=root,
                            env=nbgrader_environment(),
                            capture_output=True, text=True, timeout=3000)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root


def code_scores(root, assignment: str, student: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook(assignment, assignment, student)
        return {g.name: (g.score, g.max_score) for g in submission.grades if g.cell.cell_type == "code"}


@pytest.mark.notebooks
@pytest.mark.parametrize("assignment, name", SETS, ids=[f"{a[:2]}-{n}" for a, n in SETS])
def test_an_alternative_answer_gets_full_marks_through_nbgrader(graded, assignment, name):
    scores = code_scores(graded, assignment, f"alternatives_{name}")
    short = {grade_id: score for grade_id, score in scores.items() if score[0] != score[1]}
    assert scores and not short, f"{assignment} set {name} lost points: {short}"


@pytest.mark.notebooks
def test_a_later_exercise_names_the_unfinished_one_through_nbgrader(graded):
    assignment = UNFINISHED_SOFT_UPDATE
    notebook = json.loads((graded / "autograded" / "unfinished" / assignment / f"{assignment}.ipynb").read_text())
    errors = {cell["metadata"]["nbgrader"]["grade_id"]: output for cell in notebook["cells"]
              for output in cell.get("outputs", []) if output["output_type"] == "error"
              and cell["metadata"].get("nbgrader", {}).get("grade")}
    for grade_id, caller in [("test_train_step", "train_step"), ("test_train_agent_history", "train_agent")]:
        assert errors[grade_id]["ename"] == "NotImplementedError", errors[grade_id]
        assert errors[grade_id]["evalue"].startswith(
            f"soft_update is not implemented yet, and {caller} needs it: finish soft_update first"), errors[grade_id]
    scores = code_scores(graded, assignment, "unfinished")
    assert scores["test_build_q_network"][0] == scores["test_build_q_network"][1]
    assert scores["test_soft_update"][0] == 0 and scores["test_train_step"][0] == 0
