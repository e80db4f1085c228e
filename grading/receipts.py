"""Receipts: a test cell scores only if it really ran to its end.

nbgrader gives a test cell its points when its output holds no error. Code that a
student's notebook runs earlier, in the same kernel, can make sure that no later cell
ever shows one: an input transformer that blanks every cell, a custom exception
handler, a replaced ``showtraceback``, a trace function that cuts a cell short.

So the grader, outside the kernel, adds to each test cell just before it runs a
receipt: a random value made for this cell of this job alone, built up piece by piece
after each of the cell's statements and printed by its last line. A test cell whose
output lacks its receipt scores 0, whatever else it shows: a blanked cell, a cell
wrapped in ``try/except``, a cell that raised, was stopped, or jumped to its end never
prints it. After the run the statement is taken out of the cell again and the
receipt out of its output, so the autograded notebook and the feedback show the test
as written. (:class:`ExecuteUntilTheKernelDies` in ``nbgrader_config.py`` calls
:func:`with_receipt` and :func:`settle`.)

The clean kernel (:mod:`grading.kernel`) runs each test cell without the transformers and
hooks a student's cells installed, so receipts now stop what happens inside a test cell
(code that a test calls and that cuts the cell short); what neither stops,
:mod:`grading.tampering` lists for review.
"""

from __future__ import annotations

import ast
import secrets

from nbformat.notebooknode import NotebookNode

__all__ = ["NO_RECEIPT", "is_test_cell", "new_receipt", "with_receipt", "settle"]

#: The error a test cell shows when its receipt is missing.
NO_RECEIPT = "TestDidNotFinish"


def is_test_cell(cell) -> bool:
    """An autograded test cell: code, graded, not a solution."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def new_receipt() -> str:
    """A value no code can guess before the cell runs."""
    return f"receipt-{secrets.token_hex(16)}"


def with_receipt(source: str, receipt: str) -> str:
    """The test cell's source with its receipt built up along the way and printed at the end.

    The receipt is cut into pieces, one added after each top-level statement, into a variable
    of a random name; the last line prints it. A cell that stops, or jumps to its end (a trace
    function can), never has the whole receipt to print.
    """
    name = f"_receipt_{secrets.token_hex(4)}"
    lines = source.rstrip().splitlines()
    try:
        ends = [statement.end_lineno for statement in ast.parse(source).body]
    except SyntaxError:
        ends = []  # it will fail to run anyway: one piece
    ends = ends or [len(lines)]
    size = -(-len(receipt) // len(ends))
    pieces = [receipt[i * size:(i + 1) * size] for i in range(len(ends))]
    out, done = [], 0
    for index, (end, piece) in enumerate(zip(ends, pieces, strict=True)):
        out += lines[done:end]
        done = end
        out.append(f"{name} = {piece!r}" if index == 0 else f"{name} += {piece!r}")
    out += lines[done:]
    out.append(f"print({name}); del {name}")
    return "\n".join(out) + "\n"


def _without_receipt(cell, receipt: str) -> bool:
    """Take the receipt's line out of the cell's standard output; whether it was there."""
    found = False
    kept = []
    for output in cell.get("outputs", []):
        stdout = output.get("output_type") == "stream" and output.get("name") == "stdout"
        if stdout and receipt in output.get("text", ""):
            found = True
            output["text"] = output["text"].replace(receipt + "\n", "").replace(receipt, "")
            if not output["text"]:
                continue
        kept.append(output)
    cell["outputs"] = kept
    return found


def settle(cell, receipt: str) -> bool:
    """After the run: take the receipt out; when it is missing, give the cell an error so it scores 0.

    Returns whether the cell ran to its end.
    """
    if _without_receipt(cell, receipt):
        return True
    if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
        return False  # it failed, and says why: that is enough
    cell.setdefault("outputs", []).append(NotebookNode(
        output_type="error", ename=NO_RECEIPT,
        evalue="this test cell did not run to its end, so it scores 0 (was it cut short, blanked or hidden?)",
        traceback=[f"{NO_RECEIPT}: this test cell did not run to its end, so it scores 0"]))
    return False
