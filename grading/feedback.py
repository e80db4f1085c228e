"""What a student reads on the feedback page: outcomes and messages, never the hidden tests.

nbgrader's feedback page is the autograded notebook as HTML, every test cell's full
source included: the hidden tests of a notebook would go to every student, and from
them to the next class. :class:`HideHiddenTests` (in ``nbgrader_config.py``'s
feedback preprocessors) rewrites the page's copy of the notebook:

* in each test cell, the part between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN
  TESTS`` becomes one comment line that says hidden tests ran and what they check
  (the cell's first comment); its outcome, points and output stay;
* every error shows the student's own cells and the course's message (the hint),
  not the frames of test cells (which quote hidden lines) or of files (the
  instructor's paths);
* a cell stopped by the grader's time limit says so in words (:data:`TIMED_OUT_MESSAGE`),
  beside the interrupted line, instead of nbgrader's "No reply from kernel before timeout";
* no output shows a hidden test's line, or the receipt's: a student's function can print the
  test cell that calls it (``print(In[-1])``), and each such line becomes
  :data:`HIDDEN_LINE` (:func:`without_hidden_lines`).

:class:`OfflineMath` turns the notebook's ``$...$`` and ``$$...$$`` into MathML, which
browsers draw themselves: equations read right on a page opened without a network
(nbgrader's page would load MathJax from the web). :func:`polish_page`, applied to
every page ``scripts/grade.py`` writes, names each test in the table of contents
(nbgrader's says "Test cell" each time) and draws tables with borders.

The autograded notebooks, which only the instructor reads, keep everything.
"""

from __future__ import annotations

import html
import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .receipts import is_test_cell
from .report import TIMED_OUT

__all__ = ["HIDDEN_BEGIN", "HIDDEN_END", "HIDDEN_LINE", "HideHiddenTests", "OfflineMath", "hidden_lines",
           "hide_hidden_tests", "math_to_mathml", "polish_page", "polish_pages", "short_traceback",
           "without_hidden_lines"]

TIMED_OUT_MESSAGE = ("this cell did not finish within the grader's time limit, so it was stopped and scores 0. "
                     "Look for a loop that never ends (a while loop whose condition never becomes false) or for "
                     "work that takes far longer than it should; the line it was running is shown above.")
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
HIDDEN_LINE = "[a line of a hidden test]"
#: What the grader adds to a test cell while it runs (grading/receipts.py, grading/kernel.py).
_GRADER_LINES = re.compile(r"^.*(_receipt_[0-9a-f]{8}|# a test cell of the course, run as).*$", re.MULTILINE)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_FRAME = re.compile(r"^\s*Cell In\s*\[(\d+)\]")


def hide_hidden_tests(source: str) -> str:
    """The source with each hidden region replaced by one line that says what ran there."""
    first = source.lstrip().splitlines()[0] if source.strip() else ""
    what = first.lstrip("#").strip() if first.lstrip().startswith("#") else "more cases"
    out, hidden = [], False
    for line in source.splitlines():
        if HIDDEN_BEGIN in line:
            hidden = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# ... hidden tests ran here when graded; this cell checks: {what}")
        elif HIDDEN_END in line:
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out)


def short_traceback(output: dict, student_counts: set[int]) -> list[str]:
    """An error's traceback cut to the student's own cells (``Cell In[N]`` of a cell the student
    wrote) and the last line, the error and its message."""
    traceback = output.get("traceback") or []
    kept = [entry for entry in traceback[:-1]
            if (match := _CELL_FRAME.match(_ANSI.sub("", entry))) and int(match.group(1)) in student_counts]
    last = traceback[-1] if traceback else f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
    return kept + [last]


def hidden_lines(sources: list[str]) -> list[str]:
    """The lines of the hidden regions of `sources` that say something (markers included) and that no
    visible part of them shows too, longest first."""
    lines, shown, hidden = set(), set(), False
    for source in sources:
        for line in source.splitlines():
            if HIDDEN_BEGIN in line:
                hidden = True
            if not hidden:
                shown.add(line.strip())
            elif len(line.strip()) >= 4 and any(ch.isalnum() for ch in line):
                lines.add(line.strip())
            if HIDDEN_END in line:
                hidden = False
    return sorted(lines - shown, key=len, reverse=True)


def without_hidden_lines(text: str, hidden: list[str]) -> str:
    """`text` with every hidden line (:func:`hidden_lines`) and every line the grader added replaced."""
    text = _GRADER_LINES.sub(HIDDEN_LINE, text)
    for line in hidden:
        if line in text:
            text = text.replace(line, HIDDEN_LINE)
    return text


def _clean_output(output: dict, hidden: list[str]) -> None:
    if "text" in output:
        output["text"] = without_hidden_lines("".join(output["text"]), hidden)
    for kind, value in output.get("data", {}).items():
        if kind.startswith("text/"):
            output["data"][kind] = without_hidden_lines("".join(value), hidden)
    if output.get("output_type") == "error":
        output["evalue"] = without_hidden_lines(output.get("evalue", ""), hidden)
        output["traceback"] = [without_hidden_lines(entry, hidden) for entry in output.get("traceback", [])]


class HideHiddenTests(Preprocessor):
    """The feedback page's notebook: hidden tests replaced by one line, tracebacks cut short, no hidden line
    in any output."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when it is enabled").tag(config=True)
    printed_output = Bool(True, help="Also take hidden tests' lines out of every cell's output. Only "
                                     "tests/test_cheats.py turns it off, in a throw-away course, to show that a "
                                     "cheat it stops would reach the page.").tag(config=True)

    def preprocess(self, nb, resources):
        student_counts = {cell.get("execution_count") for cell in nb.cells
                          if cell.cell_type == "code" and not is_test_cell(cell)} - {None}
        hidden = hidden_lines([cell.source for cell in nb.cells if cell.cell_type == "code"])
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            if is_test_cell(cell) and HIDDEN_BEGIN in cell.source:
                cell.source = hide_hidden_tests(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and output.get("ename") == TIMED_OUT:
                    output["evalue"] = TIMED_OUT_MESSAGE
                    output["traceback"] = [f"{TIMED_OUT}: {TIMED_OUT_MESSAGE}"]
                elif output.get("output_type") == "error":
                    output["traceback"] = short_traceback(output, student_counts)
                if self.printed_output:
                    _clean_output(output, hidden)
        return nb, resources


# Code (fenced blocks, inline spans) is left alone; math is $$...$$ (display) or $...$ (inline).
_CODE_OR_MATH = re.compile(r"(```.*?```|`[^`\n]*`)|\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)",
                           re.DOTALL)


def math_to_mathml(markdown: str) -> str:
    """The markdown with its LaTeX math as MathML (code untouched; math that does not convert is left as it is)."""
    from latex2mathml.converter import convert

    def replace(match):
        code, display, inline = match.groups()
        if code is not None:
            return code
        try:
            return convert((display or inline).strip(), display="block" if display is not None else "inline")
        except Exception:  # noqa: BLE001 - an expression the converter does not know stays LaTeX
            return match.group(0)

    return _CODE_OR_MATH.sub(replace, markdown)


class OfflineMath(Preprocessor):
    """The feedback page's markdown with MathML in place of LaTeX: equations show without MathJax."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when it is enabled").tag(config=True)

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            if cell.cell_type == "markdown" and "$" in cell.source:
                cell.source = math_to_mathml(cell.source)
        return nb, resources


_PAGE_STYLE = """<style>
.rendered_html table, .text_cell_render table { border-collapse: collapse; margin: 0.5em 0; }
.rendered_html th, .rendered_html td, .text_cell_render th, .text_cell_render td { border: 1px solid #999;
  padding: 0.25em 0.6em; }
math[display="block"] { display: block; margin: 0.6em 0; }
</style>
"""
_TOC_ENTRY = re.compile(r'<a href="#(?P<grade_id>[^"]+)">(?P<label>Test cell|Written response)</a>')


def polish_page(page: str, notebook: dict) -> str:
    """nbgrader's feedback page with each test named in its table of contents, and tables with borders."""
    names = {}
    for cell in notebook.get("cells", []):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            first = "".join(cell.get("source", "")).lstrip().split("\n")[0]
            names[grade_id] = first.lstrip("#").strip() if first.startswith("#") else ""

    def named(match):
        grade_id, label = match.group("grade_id"), match.group("label")
        what = "Test" if label == "Test cell" else "Written answer"
        said = f": {html.escape(names[grade_id])}" if names.get(grade_id) else ""
        return f'<a href="#{grade_id}">{what} <code>{html.escape(grade_id)}</code>{said}</a>'

    page = _TOC_ENTRY.sub(named, page)
    return page.replace("</head>", _PAGE_STYLE + "</head>", 1) if _PAGE_STYLE not in page else page


def polish_pages(feedback: dict[str, bytes], autograded: dict[str, bytes]) -> dict[str, bytes]:
    """A feedback folder's files (relative path -> bytes) with each page polished (:func:`polish_page`) by
    the autograded notebook of the same name (from the autograded folder's files)."""
    import json

    out = dict(feedback)
    for relative, content in feedback.items():
        notebook = autograded.get(relative.removesuffix(".html") + ".ipynb")
        if relative.endswith(".html") and notebook is not None:
            try:
                cells = json.loads(notebook)
            except ValueError:
                continue
            out[relative] = polish_page(content.decode("utf-8"), cells).encode("utf-8")
    return out
