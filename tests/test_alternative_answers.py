"""Correct answers written differently from the solutions keep full marks (tests/alternative_answers.py)."""

import ast

import pytest
from alternative_answers import ALTERNATIVES
from notebook_cells import run_graded_cells
from release import assignments
from solution_code import graded_cells

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
