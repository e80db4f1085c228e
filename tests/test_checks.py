"""utils.checks: failures name the quantity, show expected vs actual, give a hint."""

import numpy as np
import pytest

from utils import checks


def message_of(call, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as error:
        call(*args, **kwargs)
    return str(error.value)


def test_check_close_passes_within_tolerance():
    out = checks.check_close("targets", [1.0, 2.0 + 1e-7], np.array([1.0, 2.0]))
    assert isinstance(out, np.ndarray)


def test_check_close_reports_name_values_index_and_hint():
    message = message_of(checks.check_close, "targets", [1.0, 5.0, 3.0], [1.0, 2.0, 3.0], hint="is gamma used?")
    assert message.startswith("targets is wrong (1 of 3 values differ, the first at index (1,)).")
    assert "expected: [1. 2. 3.]" in message and "actual:   [1. 5. 3.]" in message
    assert message.rstrip().endswith("hint: is gamma used?")


def test_check_close_reports_shape_before_values():
    message = message_of(checks.check_close, "targets", np.zeros((3, 3)), np.zeros(3), hint="(batch, 1) broadcast?")
    assert "targets has shape (3, 3), expected (3,)" in message and "(batch, 1) broadcast?" in message


def test_check_close_rejects_nan_and_non_numbers():
    assert "holds nan or inf" in message_of(checks.check_close, "loss", float("nan"), 1.0)
    assert "should hold numbers" in message_of(checks.check_close, "loss", "1.0", 1.0)
    assert "could not read" in message_of(checks.check_close, "q", [[1.0], [1.0, 2.0]], [1.0])


def test_check_close_reads_tensors():
    import tensorflow as tf

    checks.check_close("q", tf.constant([1.0, 2.0]), [1.0, 2.0])
    assert checks.check_int("action", tf.constant(3)) == 3


def test_check_shape():
    assert checks.check_shape("q", [[1, 2]], (1, 2)).shape == (1, 2)
    assert "q has shape (2,), expected (1, 2)" in message_of(checks.check_shape, "q", [1, 2], (1, 2))


@pytest.mark.parametrize("value", [3, np.int64(3), np.array(3)])
def test_check_int_accepts_integers(value):
    assert checks.check_int("action", value) == 3


@pytest.mark.parametrize("value, shown", [(3.0, "float"), (True, "bool"), (np.array([3]), "shape (1,)"), ("3", "str")])
def test_check_int_rejects_other_values(value, shown):
    message = message_of(checks.check_int, "greedy_action(q)", value, hint="use argmax")
    assert "greedy_action(q) should be one int" in message and shown in message and "use argmax" in message


def test_check_and_passed(capsys):
    checks.check(True, "never shown")
    assert message_of(checks.check, False, "episode too long", hint="is truncated used?") == (
        "episode too long\n  hint: is truncated used?"
    )
    checks.passed("run_episode stops on truncated")
    assert capsys.readouterr().out == "passed: run_episode stops on truncated\n"
    checks.passed("greedy_action breaks ties by the first index", more_when_graded=True)
    assert capsys.readouterr().out == (
        "passed: greedy_action breaks ties by the first index (more checks run when graded)\n")


def test_check_close_names_a_known_mistake():
    mistakes = {"is terminated used?": [3.0, 4.0], "gamma applied twice?": [9.0, 9.0]}
    message = message_of(checks.check_close, "targets", [3.0, 4.0], [1.0, 2.0], hint="generic", mistakes=mistakes)
    assert "hint: is terminated used?" in message and "generic" not in message
    message = message_of(checks.check_close, "targets", [5.0, 5.0], [1.0, 2.0], hint="generic", mistakes=mistakes)
    assert "hint: generic" in message


def test_call_turns_errors_into_pointed_failures():
    assert checks.call("add", lambda a, b: a + b, 1, b=2) == 3
    message = message_of(checks.call, "targets(...)", lambda: 1 / 0, hint="check the axis")
    assert message.startswith("targets(...) raised ZeroDivisionError: division by zero") and "check the axis" in message

    def unfinished():
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        checks.call("unfinished()", unfinished)
