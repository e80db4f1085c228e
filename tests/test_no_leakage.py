"""notebooks/ gives nothing away: no solution code, no hidden tests, no instructor files; graded cells locked."""

import json
import re
from pathlib import Path

import pytest
from release import assignments

REPO = Path(__file__).resolve().parent.parent
SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)
HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)


def cells(path: Path) -> list:
    return json.loads(path.read_text())["cells"]


def source(cell) -> str:
    return "".join(cell["source"])


def meaningful_lines(region: str) -> set:
    """Lines of a region that would give something away (not blank, not a bare keyword or bracket)."""
    return {line.strip() for line in region.splitlines()
            if len(line.strip()) > 12 and not line.strip().startswith("#")}


@pytest.fixture(params=assignments())
def pair(request):
    name = request.param
    (solution,) = (REPO / "solutions" / name).glob("*.ipynb")
    return solution, REPO / "notebooks" / name / solution.name


def test_no_markers_in_the_release(pair):
    release_text = "\n".join(source(c) for c in cells(pair[1]))
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in release_text, f"{pair[1].name} holds {marker!r}"


def test_no_solution_code_and_no_hidden_tests_in_the_release(pair):
    """The release cell of each solution or test cell holds none of the lines nbgrader must strip.

    (Lines that the notebook gives elsewhere on purpose, such as notebook 04's recap of
    earlier solutions or the pseudocode, are not leaks.)"""
    released = {c["id"]: source(c) for c in cells(pair[1])}
    for cell in cells(pair[0]):
        for pattern in (SOLUTION_REGION, HIDDEN_REGION):
            for region in pattern.findall(source(cell)):
                leaked = {line for line in meaningful_lines(region) if line in released[cell["id"]]}
                assert not leaked, f"{pair[1].name}, cell {cell['id']} gives away {sorted(leaked)[:3]}"


def test_no_model_answers_in_the_release(pair):
    for solution_cell, release_cell in zip(cells(pair[0]), cells(pair[1]), strict=True):
        meta = solution_cell["metadata"].get("nbgrader", {})
        if meta.get("solution") and solution_cell["cell_type"] == "markdown":
            assert source(release_cell).strip() == "YOUR ANSWER HERE", release_cell["id"]


def test_only_notebooks_in_the_release():
    for name in assignments():
        files = sorted(p.name for p in (REPO / "notebooks" / name).rglob("*") if p.is_file())
        assert files == [f"{name}.ipynb"], f"notebooks/{name} holds {files}"
    assert sorted(p.name for p in (REPO / "notebooks").iterdir()) == assignments()


def test_graded_and_given_cells_are_locked_and_answers_are_not(pair):
    for cell in cells(pair[1]):
        meta = cell["metadata"].get("nbgrader")
        if not meta:
            continue
        if meta.get("solution"):
            assert not meta.get("locked") and cell["metadata"].get("editable", True), f"{cell['id']} must be editable"
            assert cell["metadata"].get("deletable") is False, f"{cell['id']} must not be deletable"
        else:  # tests and given code
            assert meta.get("locked"), f"{cell['id']} is not locked"
            assert cell["metadata"].get("editable") is False and cell["metadata"].get("deletable") is False, cell["id"]
        if meta.get("grade") and cell["cell_type"] == "code":
            assert meta.get("points", 0) > 0 and meta.get("checksum"), f"{cell['id']} lacks points or a checksum"
