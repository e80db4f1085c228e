"""Cheats: code that tries to make the grader's test cells pass without the work.

The bank next to the planted mistakes (tests/test_planted_mistakes.py) and the
alternative answers (tests/alternative_answers.py). Each cheat is a :class:`Cheat`: code added
to notebook 02's first answer cell (or, for some, into its function, or a cell of its own),
files handed in beside the notebook, edits of nbgrader's metadata. Graded beside its honest
baseline (every exercise a stub, every exercise ``return 0``, or the finished solution), each
must score exactly what the baseline scores, and each must be listed for review
(grading/tampering.py), but printed text. tests/test_cheats.py grades the bank.

``STOPPED_BY`` says, per family, what keeps it from scoring; tests/test_cheats.py proves it with a
control run graded with the clean kernel and receipts off:

- ``clean kernel``: the grading kernel (grading/kernel.py) puts back before each test cell what the
  cheat changed, and imports nothing handed in beside the notebook; receipts (grading/receipts.py)
  stop some of them too. In the control run each must score more than its baseline;
- ``kernel reply``: nbgrader itself scores 0 a cell whose execute reply is an error, even when the
  kernel shows no traceback (jupyter/nbgrader#1324), so in the control run it scores nothing either;
- ``review``: it cannot score on an unfinished notebook at all (a patched library does not finish a
  stub; a trace function cannot leave a statement; text printed in an answer cell is no test's
  output); the review list must flag it, or, for printed text, leave it alone;
- ``feedback``: it scores what correct work scores, but the feedback page would show the hidden tests
  it printed; grading/feedback.py takes them out (in the control run, with that off, they show).
"""

import base64
import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from solution_code import finished_notebook

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "02_epsilon_greedy"


def _encoded(code: str) -> str:
    """`code` run through exec of a base64 string: nothing in the cell names what it does."""
    packed = base64.b64encode(code.encode()).decode()
    return f'exec(__import__("base64").b64decode("{packed}").decode())'


def _three_ways(family: str, direct: str, built_name: str) -> dict:
    return {f"{family}_direct": (family, direct), f"{family}_getattr": (family, built_name),
            f"{family}_encoded": (family, _encoded(direct))}


# The shell reached without naming get_ipython() anywhere in the cell: only the computed names give it away.
SHELL_BUILT = 'shell = getattr(__import__("IPython"), "get_" + "ipython")()\n'

# Every later cell runs as an empty cell: no test can fail.
BLANK_EVERY_CELL = "get_ipython().input_transformers_post.append(lambda lines: [])"
BLANK_BUILT = SHELL_BUILT + 'getattr(shell, "input_" + "transformers_post").append(lambda lines: [])'

# Every later cell is wrapped in try/except BaseException: pass.
FORGIVE_EVERY_CELL = '''
import ast as _ast
class _Forgive(_ast.NodeTransformer):
    def visit_Module(self, node):
        handler = _ast.ExceptHandler(type=_ast.Name("BaseException", _ast.Load()), name=None, body=[_ast.Pass()])
        node.body = [_ast.Try(body=node.body, handlers=[handler], orelse=[], finalbody=[])]
        return _ast.fix_missing_locations(node)
get_ipython().ast_transformers.append(_Forgive())
'''
FORGIVE_BUILT = SHELL_BUILT + FORGIVE_EVERY_CELL.replace("get_ipython().ast_transformers",
                                                         'getattr(shell, "ast_" + "transformers")')

# Every exception is swallowed by a handler that shows nothing.
SWALLOW = "get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)"
SWALLOW_BUILT = SHELL_BUILT + ('getattr(shell, "set_" + "custom_exc")((BaseException,), '
                               'lambda shell, etype, value, tb, tb_offset=None: None)')

# Tracebacks are never shown (the trick nbgrader closed in jupyter/nbgrader#1324).
HIDE_TRACEBACKS = "get_ipython().showtraceback = lambda *args, **kwargs: None"
HIDE_BUILT = SHELL_BUILT + 'setattr(shell, "show" + "traceback", lambda *args, **kwargs: None)'


@dataclass(frozen=True)
class Cheat:
    family: str
    code: str = ""  # added at the end of the first answer cell
    baseline: str = "blank"  # "blank" (every exercise a stub), "zero" (every exercise returns 0) or "solution"
    files: dict = field(default_factory=dict)  # handed in beside the notebook: relative path -> text
    inside: str = ""  # code put first in greedy_action's body: it runs when a test calls the function
    metadata: str = ""  # "locked" or "not a solution" (the first answer cell's flags), "added cell"


# Loads the real module in its own place, then makes every check of the course pass.
_SHADOW = """import importlib, os, sys
_here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]
del sys.modules["{module}"]
importlib.import_module("{module}")
import utils.checks
utils.checks.fail = lambda *args, **kwargs: None
"""

# Each top-level statement of every later cell in a try/except of its own: the receipt's pieces still run.
EACH_STATEMENT = """
import ast as _ast
class _EachStatement(_ast.NodeTransformer):
    def visit_Module(self, node):
        def forgiving(statement):
            handler = _ast.ExceptHandler(type=_ast.Name("BaseException", _ast.Load()), name=None, body=[_ast.Pass()])
            return _ast.Try(body=[statement], handlers=[handler], orelse=[], finalbody=[])
        node.body = [forgiving(statement) for statement in node.body]
        return _ast.fix_missing_locations(node)
if not any(type(t).__name__ == "_EachStatement" for t in SHELL.ast_transformers):
    SHELL.ast_transformers.append(_EachStatement())
"""


def _each_statement(shell: str) -> str:
    return shell + "\n" + EACH_STATEMENT.strip()


# Every later cell keeps only its receipt's lines: the receipt prints, the test never runs.
RECEIPT_ONLY = ("get_ipython().input_transformers_post.append(\n"
                "    lambda lines: [line for line in lines if line.startswith(('_receipt_', 'print(_receipt_'))])")
NEVER_FAIL = "lambda *args, **kwargs: None"

CHEATS = {
    **{name: Cheat(family, code) for name, (family, code) in {
        **_three_ways("input_transformer", BLANK_EVERY_CELL, BLANK_BUILT),
        **_three_ways("ast_transformer", FORGIVE_EVERY_CELL, FORGIVE_BUILT),
        **_three_ways("custom_exception_handler", SWALLOW, SWALLOW_BUILT),
        **_three_ways("showtraceback", HIDE_TRACEBACKS, HIDE_BUILT)}.items()},
    "numpy_testing": Cheat("library", '''
import numpy
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.testing.assert_array_equal = lambda *args, **kwargs: None
'''),
    "numpy_allclose": Cheat("library", '''
import numpy as np
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
'''),
    # A trace function that jumps each statement to its last line. IPython runs a cell one top-level statement
    # at a time, each a code object of its own, so no jump can leave a statement: the cells that follow fail
    # on names a skipped line should have defined (NameError). It cannot score; it is here to be flagged.
    "settrace_cuts_cells": Cheat("sys", '''
import sys
def _to_the_end(frame, event, arg):
    if frame.f_code.co_name != "<module>":
        return None
    last = max(line for _, _, line in frame.f_code.co_lines() if line)
    def _jump(frame, event, arg):
        if event == "line" and frame.f_lineno < last:
            try:
                frame.f_lineno = last
            except ValueError:
                pass
        return _jump
    return _jump
sys.settrace(_to_the_end)
'''),
    "fake_passed_output": Cheat("output", '''
print("passed: greedy_action, epsilon_greedy_action, decay_epsilon and linear_epsilon are correct")
print("Success! Your notebook passes all the tests.")
'''),
    # A package beside the notebook, imported in place of the course's or a library's.
    "shadow_utils": Cheat("clean kernel", baseline="zero", files={"utils/__init__.py": _SHADOW.format(module="utils")}),
    "shadow_numpy": Cheat("clean kernel", baseline="zero", files={"numpy/__init__.py": _SHADOW.format(module="numpy")}),
    # The per-statement transformer, installed from a module handed in, or reaching the shell five ways.
    "statement_transformer_module": Cheat("clean kernel", "import helpers", files={
        "helpers.py": "import IPython\n" + _each_statement("SHELL = IPython.get_ipython()")}),
    "statement_transformer_get_ipython": Cheat("clean kernel", _each_statement("SHELL = get_ipython()")),
    "statement_transformer_ipython": Cheat("clean kernel", _each_statement(
        "import IPython\nSHELL = IPython.get_ipython()")),
    "statement_transformer_sys_modules": Cheat("clean kernel", _each_statement(
        "import sys\nSHELL = sys.modules['IPython'].get_ipython()")),
    "statement_transformer_gc": Cheat("clean kernel", _each_statement(
        "import gc\nSHELL = next(o for o in gc.get_objects() if type(o).__name__ == 'ZMQInteractiveShell')")),
    "statement_transformer_when_called": Cheat("clean kernel", inside=_each_statement("SHELL = get_ipython()")),
    # A transformer that keeps only the receipt's lines, in a cell whose nbgrader metadata hides it.
    "receipt_only_locked": Cheat("clean kernel", RECEIPT_ONLY, metadata="locked"),
    "receipt_only_not_a_solution": Cheat("clean kernel", RECEIPT_ONLY, metadata="not a solution"),
    "receipt_only_added_cell": Cheat("clean kernel", RECEIPT_ONLY, metadata="added cell"),
    # The course's checks made to pass through an alias, a module's __dict__ and os.sys.modules.
    "checks_alias": Cheat("clean kernel", f"import utils.checks\nm = utils.checks\nm.fail = {NEVER_FAIL}",
                          baseline="zero"),
    "checks_dict": Cheat("clean kernel", f"import utils.checks\nutils.checks.__dict__['fail'] = {NEVER_FAIL}",
                         baseline="zero"),
    "checks_os_sys_modules": Cheat("clean kernel", f"import os\nos.sys.modules['utils.checks'].fail = {NEVER_FAIL}",
                                   baseline="zero"),
    # A thread that keeps the checks patched, whatever is put back before a test.
    "checks_thread": Cheat("clean kernel", f"""
import threading, time, utils.checks
def _keep_patched():
    while True:
        utils.checks.fail = {NEVER_FAIL}
        time.sleep(0.0005)
threading.Thread(target=_keep_patched, daemon=True).start()
""", baseline="zero"),
    # Correct work that prints the test cell calling it, hidden tests and all.
    "prints_the_test": Cheat("feedback", inside="print(In[-1])", baseline="solution"),
}

#: What stops each family from scoring (see above); tests/test_cheats.py checks it with its control run.
STOPPED_BY = {"input_transformer": "clean kernel", "ast_transformer": "clean kernel",
              "custom_exception_handler": "kernel reply", "showtraceback": "kernel reply",
              "library": "review", "sys": "review", "output": "review", "clean kernel": "clean kernel",
              "feedback": "feedback"}


def release_notebook() -> dict:
    return json.loads((REPO / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())


def baseline_notebook(baseline: str) -> dict:
    """The honest notebook a cheat is graded beside: "blank", "zero" or "solution"."""
    if baseline == "solution":
        return finished_notebook(ASSIGNMENT)
    notebook = release_notebook()
    if baseline == "zero":
        for cell in notebook["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("solution") and cell["cell_type"] == "code":
                cell["source"] = "".join(cell["source"]).replace("raise NotImplementedError()", "return 0")
    return notebook


def cheat_notebook(cheat: Cheat) -> dict:
    """The cheat's baseline with the cheat in it (its files are handed in beside it: :attr:`Cheat.files`)."""
    notebook = copy.deepcopy(baseline_notebook(cheat.baseline))
    index, first = next((i, c) for i, c in enumerate(notebook["cells"])
                        if c["metadata"].get("nbgrader", {}).get("solution"))
    source = "".join(first["source"])
    if cheat.inside:
        body = "".join(f"    {line}\n" for line in cheat.inside.splitlines())
        source, count = re.subn(r"(def greedy_action\(q_values\):\n)", lambda m: m.group(1) + body, source)
        assert count == 1, source
    if cheat.code and cheat.metadata != "added cell":
        source = source.rstrip() + "\n\n\n" + cheat.code.strip() + "\n"
    first["source"] = source
    if cheat.metadata == "locked":
        first["metadata"]["nbgrader"]["locked"] = True
    elif cheat.metadata == "not a solution":
        first["metadata"]["nbgrader"]["solution"] = False
    elif cheat.metadata == "added cell":
        flags = {"grade": False, "solution": False, "locked": False, "task": False, "grade_id": "my_notes",
                 "schema_version": 3}
        notebook["cells"].insert(index + 1, {"cell_type": "code", "execution_count": None, "id": "my-notes",
                                             "metadata": {"nbgrader": flags}, "outputs": [],
                                             "source": cheat.code.strip() + "\n"})
    return notebook
