"""Load the code of a solution notebook, to run it outside Jupyter.

    namespace = load_solution("04_training")
    history = namespace["train_agent"](env, namespace["DQNConfig"](seed=1))

The locked set-up cells and the solution cells of ``solutions/<assignment>/``
run in order in a fresh namespace; demonstrations and tests are skipped. The
benchmarks and the pretrained-agent script use this, so they measure the code a
student is asked to write, not a copy of it.
"""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
SOLUTION_MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.MULTILINE)


def graded_cells(assignment: str) -> list:
    """The code cells of ``solutions/<assignment>`` that carry nbgrader metadata, in order."""
    paths = sorted((REPO / "solutions" / assignment).glob("*.ipynb"))
    if len(paths) != 1:
        raise FileNotFoundError(f"expected one notebook in solutions/{assignment}, found {len(paths)}")
    notebook = nbformat.read(paths[0], 4)
    return [c for c in notebook.cells if c.cell_type == "code" and "nbgrader" in c.metadata]


def fresh_namespace(name: str) -> dict:
    """The globals of a new module registered in sys.modules, as a notebook's are (dataclasses need that)."""
    module = types.ModuleType(name)
    sys.modules[name] = module
    return module.__dict__


def load_solution(assignment: str, sources: dict[str, str] | None = None) -> dict:
    """Run the set-up and solution cells; ``sources`` may replace a cell's code by its grade_id."""
    namespace = fresh_namespace(f"solution_{assignment}")
    for cell in graded_cells(assignment):
        meta = cell.metadata.nbgrader
        if meta.get("grade"):
            continue
        source = (sources or {}).get(meta["grade_id"], cell.source)
        exec(compile(source, f"<{assignment}:{meta['grade_id']}>", "exec"), namespace)
    return namespace


def finished_notebook(assignment: str) -> dict:
    """The release notebook with every solution cell filled in (as JSON), as a student hands it in:
    the solution's code in the code cells, its model answer in the written-answer cells."""
    (source_path,) = (REPO / "solutions" / assignment).glob("*.ipynb")
    source = {c["id"]: c for c in json.loads(source_path.read_text())["cells"]}
    notebook = json.loads((REPO / "notebooks" / assignment / source_path.name).read_text())
    for cell in notebook["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            cell["source"] = SOLUTION_MARKERS.sub("", "".join(source[cell["id"]]["source"]))
    return notebook
