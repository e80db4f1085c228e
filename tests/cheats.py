"""Cheats: code that tries to make the grader's test cells pass without the work.

The bank next to the planted mistakes (tests/test_planted_mistakes.py) and the
alternative answers (tests/alternative_answers.py). Each cheat is added to the first
answer cell of an unfinished notebook (every exercise still a stub), so it runs
before any test. Graded beside an honest blank notebook, each must score exactly
what the blank scores (receipts, grading/receipts.py), and each that reaches into
IPython, ``sys`` or a library must be listed for review (grading/tampering.py).
tests/test_cheats.py grades the bank.

``CHEATS`` maps a name to ``(family, code)``; ``STOPPED_BY`` says, per family, what keeps it
from scoring, and tests/test_cheats.py proves it with a control run graded with receipts off:

- ``receipts``: only the receipt stops it, so in the control run it must score;
- ``kernel reply``: nbgrader itself scores 0 a cell whose execute reply is an error, even when the
  kernel shows no traceback (jupyter/nbgrader#1324), so in the control run it scores nothing either;
- ``review``: it cannot score on an unfinished notebook at all (a patched library does not finish a
  stub; a trace function cannot leave a statement; text printed in an answer cell is no test's
  output); the review list must flag it, or, for printed text, leave it alone.
"""

import base64


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

CHEATS = {
    **_three_ways("input_transformer", BLANK_EVERY_CELL, BLANK_BUILT),
    **_three_ways("ast_transformer", FORGIVE_EVERY_CELL, FORGIVE_BUILT),
    **_three_ways("custom_exception_handler", SWALLOW, SWALLOW_BUILT),
    **_three_ways("showtraceback", HIDE_TRACEBACKS, HIDE_BUILT),
    "numpy_testing": ("library", '''
import numpy
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.testing.assert_array_equal = lambda *args, **kwargs: None
'''),
    "numpy_allclose": ("library", '''
import numpy as np
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
'''),
    # A trace function that jumps each statement to its last line. IPython runs a cell one top-level statement
    # at a time, each a code object of its own, so no jump can leave a statement: the cells that follow fail
    # on names a skipped line should have defined (NameError). It cannot score; it is here to be flagged.
    "settrace_cuts_cells": ("sys", '''
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
    "fake_passed_output": ("output", '''
print("passed: greedy_action, epsilon_greedy_action, decay_epsilon and linear_epsilon are correct")
print("Success! Your notebook passes all the tests.")
'''),
}

#: What stops each family from scoring (see above); tests/test_cheats.py checks it with its control run.
STOPPED_BY = {"input_transformer": "receipts", "ast_transformer": "receipts",
              "custom_exception_handler": "kernel reply", "showtraceback": "kernel reply",
              "library": "review", "sys": "review", "output": "review"}
