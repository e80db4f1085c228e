"""What a student sees when an exercise is not done yet.

Every exercise starts as ``raise NotImplementedError()``. When that line runs,
the notebook should say which function is unfinished and nothing else: no hint
about a mistake the student has not made. :func:`unfinished_message` names the
function from the traceback, also when a later exercise calls an unfinished one
(``train_agent`` -> ``train_step`` -> ``soft_update``), through ``tf.function``
too. Importing :mod:`utils` in a notebook runs :func:`explain_unfinished_exercises`,
which has IPython write that message into such errors before it shows them.
Test helpers let ``NotImplementedError`` pass unchanged (:func:`utils.checks.call`).
"""

from __future__ import annotations

import re

__all__ = ["is_unfinished", "unfinished_message", "explain_unfinished_exercises"]

# What tf.function makes of the stub's empty NotImplementedError: its traceback, then the empty message.
_TRACED_EMPTY = re.compile(r"^in user code:.*NotImplementedError:\s*$", re.DOTALL)


def _notebook_functions(traceback, namespace: dict) -> list[str]:
    """Names of the functions defined in the notebook (globals ``namespace``) along the traceback, outermost first."""
    names = []
    while traceback is not None:
        code = traceback.tb_frame.f_code
        # <module>, <listcomp>, <genexpr>, <lambda>, <dictcomp>, <setcomp> are not functions a student can finish
        if traceback.tb_frame.f_globals is namespace and not code.co_name.startswith("<"):
            name = code.co_name.removeprefix("tf__")  # tf.function runs a converted copy named tf__<name>
            if not names or names[-1] != name:
                names.append(name)
        traceback = traceback.tb_next
    return names


def is_unfinished(error: BaseException, namespace: dict) -> bool:
    """Whether ``error`` is an exercise not done yet: the stub's bare ``NotImplementedError()``,
    raised by the notebook whose globals are ``namespace``.

    Libraries raise ``NotImplementedError`` too: TensorFlow's "numpy() is only
    available when eager execution is enabled" inside ``tf.function`` is a mistake
    to explain, not an unfinished exercise. It has a message; the stub has none.
    """
    if not isinstance(error, NotImplementedError) or error.__traceback__ is None:
        return False
    text = str(error).strip()
    if text and not _TRACED_EMPTY.match(text):
        return False
    traceback = error.__traceback__
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback.tb_frame.f_globals is namespace


def unfinished_message(error: BaseException, namespace: dict) -> str | None:
    """The message for a stub's ``NotImplementedError``, or None when ``error`` is something else."""
    if not is_unfinished(error, namespace):
        return None
    functions = _notebook_functions(error.__traceback__, namespace)
    if not functions:
        return "this exercise is not implemented yet: replace `raise NotImplementedError()` with your code."
    unfinished, called = functions[-1], functions[0]
    if called == unfinished:
        return f"{unfinished} is not implemented yet: replace `raise NotImplementedError()` in it with your code."
    return (f"{unfinished} is not implemented yet, and {called} needs it: "
            f"finish {unfinished} first (replace its `raise NotImplementedError()` with your code).")


def _show_unfinished(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for NotImplementedError: name the unfinished function, then show the error as usual."""
    message = unfinished_message(value, shell.user_ns)
    if message is not None:
        value.args = (message,)
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
    return []


def explain_unfinished_exercises() -> bool:
    """In IPython (a notebook), name the unfinished function in every stub's NotImplementedError.

    Returns True when installed, False outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc((NotImplementedError,), _show_unfinished)
    return True
