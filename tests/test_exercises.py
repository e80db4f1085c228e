"""utils.exercises: an unfinished exercise says so and names the function, nothing more."""

import pytest

from utils import checks
from utils.exercises import explain_unfinished_exercises, is_unfinished, unfinished_message

NOTEBOOK = '''
import numpy as np
import tensorflow as tf

def soft_update(target_network, q_network, tau):
    """Not done yet, as released."""
    # YOUR CODE HERE
    raise NotImplementedError()

@tf.function
def train_step(tau):
    soft_update(None, None, tau)
    return tau

def train_agent():
    return train_step(tf.constant(0.1))

def own_message():
    raise NotImplementedError("I will do Double DQN later")

weight = tf.Variable(1.0)

def eager_only():  # like a soft_update through get_weights(), inside tf.function
    return tf.function(lambda: weight.numpy())()
'''


@pytest.fixture
def notebook() -> dict:
    """The globals of a notebook in which soft_update is not done yet."""
    namespace = {"__name__": "__main__"}
    exec(compile(NOTEBOOK, "<notebook cell>", "exec"), namespace)
    return namespace


def error_of(function, *args) -> BaseException:
    with pytest.raises(BaseException) as caught:
        function(*args)
    return caught.value


def test_an_unfinished_function_is_named(notebook):
    message = unfinished_message(error_of(notebook["soft_update"], 1, 2, 0.1), notebook)
    assert message == "soft_update is not implemented yet: replace `raise NotImplementedError()` in it with your code."
    assert "hint" not in message


def test_a_later_exercise_names_the_earlier_one_to_finish_through_tf_function(notebook):
    error = error_of(notebook["train_agent"])
    assert isinstance(error, NotImplementedError)
    assert unfinished_message(error, notebook).startswith(
        "soft_update is not implemented yet, and train_agent needs it: finish soft_update first")


def test_other_errors_are_left_alone(notebook):
    assert unfinished_message(error_of(notebook["own_message"]), notebook) is None
    library = error_of(notebook["eager_only"])
    assert isinstance(library, NotImplementedError) and "eager execution" in str(library)
    assert not is_unfinished(library, notebook) and unfinished_message(library, notebook) is None
    assert unfinished_message(ValueError("no"), notebook) is None


@pytest.mark.parametrize("cell", [
    "[linear_epsilon(step, 1.0, 0.0, 10) for step in range(3)]",
    "list(linear_epsilon(step, 1.0, 0.0, 10) for step in range(3))",
    "{step: linear_epsilon(step, 1.0, 0.0, 10) for step in range(3)}",
    "{linear_epsilon(step, 1.0, 0.0, 10) for step in range(3)}",
    "(lambda step: linear_epsilon(step, 1.0, 0.0, 10))(0)",
])
def test_comprehensions_and_lambdas_in_a_cell_are_not_named_as_functions(notebook, cell):
    exec("def linear_epsilon(step, start, end, duration):\n    raise NotImplementedError()", notebook)
    error = error_of(exec, cell, notebook)
    assert unfinished_message(error, notebook) == (
        "linear_epsilon is not implemented yet: replace `raise NotImplementedError()` in it with your code.")


def test_a_comprehension_inside_a_later_exercise_names_that_exercise(notebook):
    exec("def schedule():\n    return [soft_update(None, None, tau) for tau in (0.1, 0.2)]", notebook)
    assert unfinished_message(error_of(notebook["schedule"]), notebook).startswith(
        "soft_update is not implemented yet, and schedule needs it: finish soft_update first")


def test_a_stub_outside_any_function(notebook):
    error = error_of(exec, "raise NotImplementedError()", notebook)
    assert unfinished_message(error, notebook).startswith("this exercise is not implemented yet")


def test_call_lets_the_notebooks_not_implemented_error_through_and_explains_a_librarys(notebook):
    notebook["checks"] = checks
    exec("try:\n    checks.call('train_agent()', train_agent, hint='look here')\n"
         "except Exception as e:\n    caught = e", notebook)
    assert type(notebook["caught"]) is NotImplementedError
    exec("try:\n    checks.call('eager_only()', eager_only, hint='no .numpy() inside tf.function')\n"
         "except Exception as e:\n    caught = e", notebook)
    assert type(notebook["caught"]) is AssertionError
    assert "eager_only() raised NotImplementedError" in str(notebook["caught"])
    assert "hint: no .numpy() inside tf.function" in str(notebook["caught"])


def test_outside_ipython_nothing_is_installed():
    assert explain_unfinished_exercises() is False
