"""Cheats: code that tries to make the grader's test cells pass without the work.

The bank next to the planted mistakes (tests/test_planted_mistakes.py) and the
alternative answers (tests/alternative_answers.py). Each cheat is added to the first
answer cell of an unfinished notebook (every exercise still a stub), so it runs
before any test. Graded beside an honest blank notebook, each must score exactly
what the blank scores (receipts, grading/receipts.py), and each that reaches into
IPython, ``sys`` or a library must be listed for review (grading/tampering.py).
tests/test_cheats.py grades the bank.

``CHEATS`` maps a name to ``(family, code)``.
"""

import base64


def _encoded(code: str) -> str:
    """`code` run through exec of a base64 string: nothing in the cell names what it does."""
    packed = base64.b64encode(code.encode()).decode()
    return f'exec(__import__("base64").b64decode("{packed}").decode())'


def _three_ways(family: str, direct: str, built_name: str) -> dict:
    return {f"{family}_direct": (family, direct), f"{family}_getattr": (family, built_name),
            f"{family}_encoded": (family, _encoded(direct))}


# Every later cell runs as an empty cell: no test can fail.
BLANK_EVERY_CELL = "get_ipython().input_transformers_post.append(lambda lines: [])"
BLANK_BUILT = 'getattr(get_ipython(), "input_" + "transformers_post").append(lambda lines: [])'

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
FORGIVE_BUILT = FORGIVE_EVERY_CELL.replace("get_ipython().ast_transformers",
                                           'getattr(get_ipython(), "ast_" + "transformers")')

# Every exception is swallowed by a handler that shows nothing.
SWALLOW = "get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)"
SWALLOW_BUILT = ('getattr(get_ipython(), "set_" + "custom_exc")((BaseException,), '
                 'lambda shell, etype, value, tb, tb_offset=None: None)')

# Tracebacks are never shown (the trick nbgrader closed in jupyter/nbgrader#1324).
HIDE_TRACEBACKS = "get_ipython().showtraceback = lambda *args, **kwargs: None"
HIDE_BUILT = 'setattr(get_ipython(), "show" + "traceback", lambda *args, **kwargs: None)'

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
    # A trace function that jumps every cell to its last line: the cell "ends" without its checks.
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
