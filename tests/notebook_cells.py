"""Run a solution notebook's graded cells in this process, with mistakes planted.

The setup cells, solution cells and test cells (hidden tests included) of
``solutions/<assignment>`` run in a fresh namespace, in notebook order; the
demonstration cells in between are skipped. Each test cell's outcome is
recorded like nbgrader would: passed, or failed with its message. This is how
the tests check that a planted mistake loses points and says why, without
starting a kernel per mistake.
"""

from __future__ import annotations

from dataclasses import dataclass

from solution_code import fresh_namespace, graded_cells

from utils.exercises import unfinished_message


@dataclass
class Mistake:
    """Replace ``old`` by ``new`` in the solution cell ``cell``."""

    name: str
    cell: str
    old: str
    new: str


def run_graded_cells(assignment: str, mistakes: list[Mistake] = (), replace: dict[str, str] | None = None
                     ) -> dict[str, str | None]:
    """``{test grade_id: None if it passed, else the error}`` with the mistakes planted.

    ``replace`` maps a solution cell's grade_id to a whole new source (another answer).
    """
    cells = graded_cells(assignment)
    by_id = {c.metadata.nbgrader["grade_id"]: c for c in cells}
    sources = {grade_id: cell.source for grade_id, cell in by_id.items()}
    for grade_id, source in (replace or {}).items():
        if grade_id not in sources or not by_id[grade_id].metadata.nbgrader.get("solution"):
            raise KeyError(f"{assignment} has no solution cell {grade_id!r}")
        sources[grade_id] = source
    for mistake in mistakes:
        if mistake.cell not in sources:
            raise KeyError(f"{assignment} has no cell {mistake.cell!r}")
        if mistake.old not in sources[mistake.cell]:
            raise ValueError(f"mistake {mistake.name!r}: {mistake.old!r} is not in cell {mistake.cell!r}")
        sources[mistake.cell] = sources[mistake.cell].replace(mistake.old, mistake.new)

    namespace = fresh_namespace(f"graded_{assignment}")
    outcomes = {}
    for cell in cells:
        meta = cell.metadata.nbgrader
        grade_id = meta["grade_id"]
        try:
            exec(compile(sources[grade_id], f"<{assignment}:{grade_id}>", "exec"), namespace)
        except Exception as error:  # noqa: BLE001 - a failing cell is recorded, as nbgrader does
            if not meta.get("grade"):
                raise RuntimeError(f"cell {grade_id} of {assignment} failed: {error!r}") from error
            outcomes[grade_id] = f"{type(error).__name__}: {unfinished_message(error, namespace) or error}"
        else:
            if meta.get("grade"):
                outcomes[grade_id] = None
    return outcomes
