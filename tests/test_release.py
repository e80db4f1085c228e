"""The release is nbgrader's output for solutions/, notebooks are clean, the list of assignments is right."""

import nbformat
import pytest
from release import assignments, main, unclean_parts

DESIGN = ["01_environment", "02_epsilon_greedy", "03_targets", "04_training", "05_evaluation"]


def test_nbgrader_config_lists_the_five_assignments_in_order():
    assert assignments() == DESIGN


def test_every_solution_folder_is_a_listed_assignment(repo):
    folders = sorted(p.name for p in (repo / "solutions").iterdir() if p.is_dir())
    assert set(folders) <= set(DESIGN), f"unknown assignment folders: {set(folders) - set(DESIGN)}"
    assert folders, "no solutions yet"
    for name in folders:
        assert (repo / "notebooks" / name).is_dir(), f"{name} has no release: run scripts/release.py"


@pytest.mark.notebooks
def test_release_is_in_sync_with_solutions(capsys):
    assert main(["--check"]) == 0, capsys.readouterr().out


def test_committed_notebooks_are_clean(repo):
    for path in sorted((repo / "solutions").rglob("*.ipynb")) + sorted((repo / "notebooks").rglob("*.ipynb")):
        notebook = nbformat.read(path, 4)
        if path.parts[-3] == "notebooks":  # nbgrader itself adds these to the release
            for cell in notebook.cells:
                for key in ("deletable", "editable"):
                    cell.metadata.pop(key, None)
        assert unclean_parts(notebook) == [], f"{path.relative_to(repo)} is not clean"


def test_unclean_notebooks_are_reported():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    notebook.cells[0].outputs = [nbformat.v4.new_output("stream", text="1")]
    notebook.cells[0].metadata["collapsed"] = True
    notebook.metadata["widgets"] = {}
    problems = unclean_parts(notebook)
    assert len(problems) == 3 and "widgets" in problems[0]


def test_an_unknown_assignment_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["07_nothing"])
    assert "unknown assignments ['07_nothing']" in capsys.readouterr().err
