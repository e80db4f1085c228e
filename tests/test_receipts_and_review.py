"""Receipts, the review list and the feedback page's cleaning, read without a kernel (fast).

The same banks as the graded tests: every cheat (tests/cheats.py) is flagged, and no
finished solution, alternative answer (tests/alternative_answers.py) or planted mistake
(tests/test_planted_mistakes.py) of any notebook is. tests/test_cheats.py grades the
cheats for real; tests/test_grading_pipeline.py reads real feedback pages.
"""

import copy
import json

import pytest
from alternative_answers import ALTERNATIVES
from cheats import CHEATS, cheat_notebook
from nbformat.v4 import new_code_cell, new_output
from release import REPO, assignments
from solution_code import finished_notebook
from test_planted_mistakes import ALL as PLANTED

from grading import feedback, receipts, tampering

BLANK_02 = json.loads((REPO / "notebooks" / "02_epsilon_greedy" / "02_epsilon_greedy.ipynb").read_text())


def course(assignment: str = "02_epsilon_greedy") -> set[str]:
    """The course's own cells: the instructor's (what autograding puts back) and the release's."""
    return set().union(*(tampering.course_cells(json.loads((REPO / folder / assignment / f"{assignment}.ipynb")
                                                           .read_text())) for folder in ("solutions", "notebooks")))


def review(notebook: dict, assignment: str = "02_epsilon_greedy") -> list:
    return tampering.notebook_findings(notebook, course(assignment))


def answered(notebook: dict, sources: dict[str, str]) -> dict:
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") in sources:
            cell["source"] = sources[cell["metadata"]["nbgrader"]["grade_id"]]
    return notebook


def kinds(notebook: dict) -> set[str]:
    return {finding.kind for finding in review(notebook)}


@pytest.mark.parametrize("cheat", sorted(CHEATS))
def test_every_cheat_but_printed_text_is_flagged_with_its_cell_line_metadata_or_file(cheat, tmp_path):
    spec = CHEATS[cheat]
    notebook = cheat_notebook(spec)
    found = review(notebook) + tampering.metadata_findings(notebook, BLANK_02)
    for relative, text in spec.files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    (tmp_path / "02_epsilon_greedy.ipynb").write_text("{}")
    (tmp_path / "my_agent").mkdir()
    (tmp_path / "my_agent" / "weights.npz").write_text("")
    (tmp_path / "timestamp.txt").write_text("2026-12-03 12:00:00.000000 UTC")
    found += tampering.extra_files(tmp_path, REPO / "notebooks" / "02_epsilon_greedy")
    if spec.family == "output":
        assert not found, found
        return
    kinds = {f.kind for f in found}
    assert {f.cell for f in found if f.kind == tampering.EXTRA_FILE} == set(spec.files), found
    read = {f.cell for f in found if f.kind in (tampering.TAMPERS, tampering.UNREADABLE)}
    assert set(spec.files) <= read, "the Python handed in beside the notebook is read too"
    assert (tampering.METADATA in kinds) == bool(spec.metadata), found
    if spec.code or spec.inside:
        assert kinds & {tampering.TAMPERS, tampering.UNREADABLE}, found
        cell = "cell my_notes" if spec.metadata == "added cell" else "cell greedy_action"
        assert read == {cell, *spec.files} or (spec.code == "import helpers" and read == set(spec.files)), found
    if cheat.endswith(("encoded", "getattr")):  # the built names alone give these away
        assert tampering.UNREADABLE in kinds and tampering.TAMPERS not in kinds, "a built name cannot be read"


@pytest.mark.parametrize("assignment", assignments())
def test_no_solution_or_alternative_answer_is_flagged(assignment):
    assert not review(finished_notebook(assignment), assignment)
    for name, sources in ALTERNATIVES[assignment].items():
        found = review(answered(finished_notebook(assignment), sources), assignment)
        assert not found, f"{assignment} set {name}: {[str(f) for f in found]}"


def test_no_planted_mistake_is_flagged():
    for assignment, name, replacements, *_ in PLANTED:
        notebook = finished_notebook(assignment)
        for grade_id, old, new in replacements:
            cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)
            assert old in "".join(cell["source"]), f"{name}: {old!r} is not in {grade_id}: the mistake was not planted"
            cell["source"] = "".join(cell["source"]).replace(old, new)
        assert not review(notebook, assignment), name


def test_a_students_prints_plots_displays_and_everyday_magics_are_not_flagged():
    cell = new_code_cell("%matplotlib inline\n!pip list\nimport matplotlib.pyplot as plt\nfrom IPython.display import "
                         "display, Markdown\nplt.rcParams['figure.figsize'] = (8, 3)\nplt.plot([1, 2])\n"
                         "display(Markdown('**mine**'))\nprint('passed: my own check')\nvalue = getattr(plt, 'title')\n"
                         "import json\nsettings = json.loads('{}')")
    assert not tampering.notebook_findings({"cells": [cell]}, set())


def test_a_patch_of_a_library_or_the_interpreter_is_tampering():
    cell = new_code_cell("import numpy as np\nimport sys, builtins\nfrom utils.checks import check\n"
                         "np.testing.assert_allclose = None\nsys.setprofile(print)\nbuiltins.print = len\n"
                         "check = lambda *a: None\n%load_ext something")
    found = [str(f) for f in tampering.notebook_findings({"cells": [cell]}, set())]
    assert any("changes numpy.testing.assert_allclose" in f and "line 4" in f for f in found), found
    assert any("calls sys.setprofile()" in f for f in found) and any("builtins.print" in f for f in found), found
    assert any("redefines check" in f for f in found) and any("unreadable" in f and "%load_ext" in f for f in found)


def test_a_receipt_is_built_after_every_statement_and_printed_last():
    source = "import numpy as np\nfor i in range(2):\n    check(i)\n### BEGIN HIDDEN TESTS\nx = 1; y = 2\n"
    receipt = receipts.new_receipt()
    marked = receipts.with_receipt(source, receipt)
    lines = marked.splitlines()
    assert lines[0] == "import numpy as np" and lines[-1].startswith("print(_receipt_")
    assert len([line for line in lines if line.startswith("_receipt_")]) == 4  # one piece per statement
    printed = []
    exec(compile(marked, "<cell>", "exec"), {"check": lambda i: None, "print": printed.append})
    assert printed == [receipt]


def test_a_cell_without_its_receipt_scores_zero_and_the_receipt_never_shows():
    receipt = receipts.new_receipt()
    ran = new_code_cell("x", metadata={"nbgrader": {"grade": True, "solution": False}})
    ran.outputs = [new_output("stream", name="stdout", text=f"passed: fine\n{receipt}\n")]
    assert receipts.settle(ran, receipt) and ran.outputs[0]["text"] == "passed: fine\n"
    blanked = new_code_cell("x", metadata={"nbgrader": {"grade": True, "solution": False}})
    blanked.outputs = [new_output("stream", name="stdout", text="passed: trust me\n")]
    assert not receipts.settle(blanked, receipt)
    assert blanked.outputs[-1]["output_type"] == "error" and blanked.outputs[-1]["ename"] == receipts.NO_RECEIPT
    failed = new_code_cell("x", metadata={"nbgrader": {"grade": True, "solution": False}})
    failed.outputs = [new_output("error", ename="AssertionError", evalue="wrong", traceback=["AssertionError: wrong"])]
    assert not receipts.settle(failed, receipt) and len(failed.outputs) == 1, "a failure already says why"


def test_the_feedback_replaces_hidden_tests_by_one_line_and_cuts_tracebacks():
    source = ("# greedy_action: ties and (1, n) input\ncheck(a)\npassed('ok', more_when_graded=True)\n"
              "### BEGIN HIDDEN TESTS\nsecret_check(b)\n### END HIDDEN TESTS")
    shown = feedback.hide_hidden_tests(source)
    assert "secret_check" not in shown and "HIDDEN" not in shown
    assert shown.splitlines()[-1] == ("# ... hidden tests ran here when graded; this cell checks: "
                                      "greedy_action: ties and (1, n) input")
    error = {"ename": "AssertionError", "evalue": "wrong\n  hint: look",
             "traceback": ["\x1b[0;31m---\x1b[0m", "Cell In[7], line 2\n----> 2 secret_check(b)",
                           "Cell In[3], line 4, in greedy_action(q)\n----> 4 return q[0]",
                           "File /home/instructor/course/utils/checks.py:40, in check(...)",
                           "\x1b[0;31mAssertionError\x1b[0m: wrong\n  hint: look"]}
    short = feedback.short_traceback(error, student_counts={3})
    assert short == [error["traceback"][2], error["traceback"][-1]]


def test_the_feedback_says_in_words_that_a_cell_ran_out_of_time():
    from nbformat.v4 import new_notebook

    loop = new_code_cell("while True:\n    pass", execution_count=3, metadata={"nbgrader": {"solution": True}})
    loop.outputs = [
        new_output("error", ename="KeyboardInterrupt", evalue="",
                   traceback=["Cell In[3], line 1\n----> 1 while True:", "KeyboardInterrupt: "]),
        new_output("error", ename="CellTimeoutError", evalue="No reply from kernel before timeout",
                   traceback=["CellTimeoutError: No reply from kernel before timeout"]),
    ]
    notebook, _ = feedback.HideHiddenTests().preprocess(new_notebook(cells=[loop]), {})
    interrupted, timed_out = notebook.cells[0].outputs
    assert interrupted["traceback"][0].startswith("Cell In[3]"), "the line it was running stays"
    assert timed_out["traceback"] == [f"CellTimeoutError: {feedback.TIMED_OUT_MESSAGE}"]
    assert "time limit" in timed_out["evalue"] and "No reply" not in timed_out["evalue"]


@pytest.mark.parametrize("code", [
    "import IPython\nIPython.get_ipython().__getattribute__('ast_' + 'transformers').append(None)",
    "import operator\nshell = get_ipython\noperator.attrgetter('ast_transformers')(shell()).append(None)",
    "def f(shell):\n    shell.__dict__['showtraceback'] = print",
    "import utils.checks\nm = utils.checks\nm.check = print",
    "import utils\nm = utils\nn = m.checks\nn.check = print",
    "import utils.checks\nutils.checks.__dict__['check'] = print",
    "import os\nos.sys.modules['utils.checks'].check = print",
    "import os\ngetattr(os.sys, 'settrace')(print)",
    "import sys\nsys.path.insert(0, '.')",
    "import __main__\n__main__.check = print",
    "def greedy_action(q):\n    print(In[-1])\n    return 0",
    "import utils\nchecks = getattr(utils, 'checks')\nchecks.fail = print",
])
def test_the_review_follows_aliases_dicts_sys_modules_and_constant_getattr(code):
    found = tampering.notebook_findings({"cells": [new_code_cell(code)]}, set())
    assert {f.kind for f in found} & {tampering.TAMPERS, tampering.UNREADABLE}, code


def test_metadata_the_release_does_not_have_is_listed():
    notebook = copy.deepcopy(BLANK_02)
    cell = next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "greedy_action")
    cell["metadata"]["nbgrader"]["locked"] = True
    found = [str(f) for f in tampering.metadata_findings(notebook, BLANK_02)]
    assert found == ["metadata: cell greedy_action: nbgrader metadata edited: locked False -> True"], found
    assert not tampering.metadata_findings(BLANK_02, BLANK_02)
    assert not tampering.metadata_findings(finished_notebook("02_epsilon_greedy"), BLANK_02)


def test_printed_hidden_tests_leave_the_feedback_page():
    from nbformat.v4 import new_notebook

    test = new_code_cell("# greedy_action: ties\ncheck(a)\n### BEGIN HIDDEN TESTS\nsecret_check(b, 'very secret')\n"
                         "### END HIDDEN TESTS", execution_count=4,
                         metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "t", "points": 1}})
    leaked = "check(a)\n_receipt_0123abcd = 'receipt-9'\nsecret_check(b, 'very secret')\n### END HIDDEN TESTS\n"
    test.outputs = [new_output("stream", name="stdout", text=leaked),
                    new_output("error", ename="AssertionError", evalue="secret_check(b, 'very secret')",
                               traceback=["AssertionError: secret_check(b, 'very secret')"])]
    notebook, _ = feedback.HideHiddenTests().preprocess(new_notebook(cells=[test]), {})
    shown = json.dumps(notebook.cells[0].outputs)
    assert "secret" not in shown and "HIDDEN" not in shown and "_receipt_" not in shown, shown
    assert "check(a)" in shown and feedback.HIDDEN_LINE in shown, "visible lines stay; hidden ones say they were"
