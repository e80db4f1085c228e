"""Helpers for the notebooks' test cells: compare, explain, and say "passed".

Each check raises an ``AssertionError`` whose message names the quantity,
shows what was expected and what came back, and gives a hint at the likely
cause, so a failing graded cell tells the student where to look. Inputs may be
Python numbers, lists, NumPy arrays or TensorFlow tensors.
"""

from __future__ import annotations

import numbers
import sys

import numpy as np

from .exercises import is_unfinished

__all__ = ["to_numpy", "fail", "call", "check", "check_close", "check_shape", "check_int", "passed"]


def to_numpy(value) -> np.ndarray:
    """A NumPy array from a number, list, array or tensor (anything with ``.numpy()``)."""
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    try:
        return np.asarray(value)
    except Exception as error:  # ragged lists, objects
        raise AssertionError(f"could not read {type(value).__name__} as an array: {error}") from None


def _show(value) -> str:
    array = np.asarray(value)
    if array.dtype.kind in "fc":
        return np.array2string(array, precision=4, threshold=12, edgeitems=4, suppress_small=True)
    return np.array2string(array, threshold=12, edgeitems=4) if array.ndim else repr(array.item())


def fail(message: str, hint: str | None = None, expected=None, actual=None, show_values: bool = False):
    """Raise the course's AssertionError: message, expected vs actual, hint."""
    lines = [message]
    if show_values:
        lines.append(f"  expected: {_show(expected)}")
        lines.append(f"  actual:   {_show(actual)}")
    if hint:
        lines.append(f"  hint: {hint}")
    raise AssertionError("\n".join(lines))


def call(name: str, function, *args, hint: str | None = None, **kwargs):
    """``function(*args, **kwargs)``; an exception becomes a failure that names ``name`` and gives ``hint``.

    The stub's ``NotImplementedError()`` (an exercise not done yet) passes through
    unchanged; one with a message, as TensorFlow raises, is a mistake like any other.
    """
    notebook = sys._getframe(1).f_globals  # the globals of the test cell that called
    try:
        return function(*args, **kwargs)
    except Exception as error:  # the student's code failed: say where, and why it may have
        if is_unfinished(error, notebook):
            raise
        fail(f"{name} raised {type(error).__name__}: {str(error).strip()[:300]}", hint)


def check(condition, message: str, hint: str | None = None) -> None:
    """Fail with ``message`` and ``hint`` unless ``condition`` holds."""
    if not bool(condition):
        fail(message, hint)


def check_shape(name: str, actual, shape: tuple, hint: str | None = None) -> np.ndarray:
    """``actual`` must have exactly ``shape``. Returns it as a NumPy array."""
    array = to_numpy(actual)
    if array.shape != tuple(shape):
        fail(
            f"{name} has shape {array.shape}, expected {tuple(shape)}.",
            hint or "check which axis you reduce over, and that no extra axis of size 1 is left.",
        )
    return array


def check_close(
    name: str,
    actual,
    expected,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: str | None = None,
    mistakes: dict | None = None,
):
    """``actual`` must have the shape of ``expected`` and equal it within ``atol + rtol * |expected|``.

    ``mistakes`` maps a hint to the value a known mistake produces: when
    ``actual`` matches that value instead, that hint is given.

    Returns ``actual`` as a NumPy array.
    """
    expected = np.asarray(expected, dtype=np.float64)
    array = to_numpy(actual)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
        fail(f"{name} should hold numbers, got {array.dtype} values.", hint, expected, array, show_values=True)
    if array.shape != expected.shape:
        fail(
            f"{name} has shape {array.shape}, expected {expected.shape}.",
            hint or "check which axis you reduce over, and that no extra axis of size 1 is left.",
        )
    array64 = array.astype(np.float64)
    if not np.all(np.isfinite(array64)):
        fail(f"{name} holds nan or inf.", hint, expected, array, show_values=True)
    wrong = ~np.isclose(array64, expected, rtol=rtol, atol=atol)
    if np.any(wrong):
        for mistake_hint, value in (mistakes or {}).items():
            value = np.asarray(value, dtype=np.float64)
            if value.shape == array64.shape and np.allclose(array64, value, rtol=rtol, atol=atol):
                hint = mistake_hint
                break
        where = ""
        if expected.ndim:
            first = tuple(int(i) for i in np.argwhere(wrong)[0])
            where = f" ({int(wrong.sum())} of {wrong.size} values differ, the first at index {first})"
        fail(f"{name} is wrong{where}.", hint, expected, array, show_values=True)
    return array


def check_int(name: str, actual, hint: str | None = None) -> int:
    """``actual`` must be one integer (a Python int or a NumPy integer scalar). Returns it as int."""
    if hasattr(actual, "numpy") and callable(actual.numpy):
        actual = actual.numpy()
    if isinstance(actual, np.ndarray) and actual.shape == () and np.issubdtype(actual.dtype, np.integer):
        actual = actual.item()
    if isinstance(actual, (bool, np.bool_)) or not isinstance(actual, (numbers.Integral, np.integer)):
        shape = f" of shape {np.shape(actual)}" if isinstance(actual, np.ndarray) else ""
        fail(f"{name} should be one int, got {type(actual).__name__}{shape}: {actual!r}.", hint)
    return int(actual)


#: What a visible test says when hidden tests of the same cell run only at grading.
MORE_WHEN_GRADED = "more checks run when graded"


def passed(message: str, more_when_graded: bool = False) -> None:
    """Print the plain line a passing test cell shows.

    Every visible test cell ends with this call. ``more_when_graded=True`` ends the visible
    part of a cell that has hidden tests: the cell's output then says that its visible checks
    passed and that more run when the notebook is graded. (Validate itself only says whether
    every visible test cell ran without an error.)
    """
    print(f"passed: {message}" + (f" ({MORE_WHEN_GRADED})" if more_when_graded else ""))
