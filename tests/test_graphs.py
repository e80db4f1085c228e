"""utils.graphs.graph_function: tf.function's results, through remembered concrete functions."""

import gc

import numpy as np
import pytest

import utils  # noqa: F401  (quiet start-up before TensorFlow)
from utils.graphs import graph_function


def networks(seed=0):
    import keras

    utils.seed_everything(seed)
    online = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="relu"), keras.layers.Dense(2)])
    target = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, activation="relu"), keras.layers.Dense(2)])
    target.set_weights(online.get_weights())
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    optimizer.build(online.trainable_variables)
    return online, target, optimizer


def step(online, target, optimizer, batch, gamma, tau):
    """A small DQN-like learning step: an MSE regression, an Adam step, a soft update."""
    import tensorflow as tf

    states, targets = batch
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(gamma * targets - online(states)))
    gradients = tape.gradient(loss, online.trainable_variables)
    optimizer.apply_gradients(zip(gradients, online.trainable_variables, strict=True))
    for target_weight, online_weight in zip(target.weights, online.weights, strict=True):
        target_weight.assign(tau * online_weight + (1.0 - tau) * target_weight)
    return loss


def batch(rng, size=4):
    return (rng.normal(size=(size, 3)).astype(np.float32), rng.normal(size=(size, 2)).astype(np.float32))


def test_it_computes_what_tf_function_computes():
    import tensorflow as tf

    fast, plain = graph_function(jit_compile=True)(step), tf.function(step, jit_compile=True)
    a, b = networks(), networks()
    rng_a, rng_b = np.random.default_rng(1), np.random.default_rng(1)
    for _ in range(5):
        loss_a, loss_b = fast(*a, batch(rng_a), 0.9, 0.1), plain(*b, batch(rng_b), 0.9, 0.1)
        assert float(loss_a) == float(loss_b)
    for model_a, model_b in ((a[0], b[0]), (a[1], b[1])):
        for wa, wb in zip(model_a.get_weights(), model_b.get_weights(), strict=True):
            np.testing.assert_array_equal(wa, wb)
    assert int(a[2].iterations) == int(b[2].iterations) == 5


def test_it_remembers_one_graph_per_objects_shapes_and_values():
    fast = graph_function(step)
    online, target, optimizer = networks()
    rng = np.random.default_rng(2)
    for _ in range(3):
        fast(online, target, optimizer, batch(rng), 0.9, 0.1)
    assert "1 graphs remembered" in repr(fast) and fast.experimental_get_tracing_count() == 1
    fast(online, target, optimizer, batch(rng, size=6), 0.9, 0.1)  # another batch shape
    fast(online, target, optimizer, batch(rng), 0.5, 0.1)  # another gamma: a constant of the graph
    assert "3 graphs remembered" in repr(fast)
    other = networks(seed=1)
    fast(*other, batch(rng), 0.9, 0.1)  # other networks: their own graph, never the first one's
    assert "4 graphs remembered" in repr(fast)
    assert not np.array_equal(online.get_weights()[0], other[0].get_weights()[0])


def test_arrays_and_tensors_of_one_shape_share_a_graph_and_named_tuples_pass():
    import collections

    import tensorflow as tf

    Batch = collections.namedtuple("Batch", ["states", "targets"])
    fast, plain = graph_function(step), tf.function(step)
    a, b = networks(), networks()
    rng = np.random.default_rng(6)
    for make in (lambda x: x, tf.constant, lambda x: x):  # NumPy arrays, tensors, arrays again
        states, targets = batch(rng)
        loss_a = fast(*a, Batch(make(states), make(targets)), 0.9, 0.1)
        loss_b = plain(*b, Batch(states, targets), 0.9, 0.1)
        assert float(loss_a) == float(loss_b)
    assert fast.experimental_get_tracing_count() == 1


def test_a_graph_is_forgotten_with_its_networks():
    fast = graph_function(step)
    fast(*networks(), batch(np.random.default_rng(3)), 0.9, 0.1)  # the networks are gone after the call
    gc.collect()
    assert "0 graphs remembered" in repr(fast)


def test_calls_it_does_not_recognise_go_through_tf_function():
    fast = graph_function(step)
    online, target, optimizer = networks()
    states, targets = batch(np.random.default_rng(4))
    fast(online, target, optimizer, (states, targets), np.float32(0.9), 0.1)  # a NumPy scalar
    fast(online, target, optimizer, batch=(states, targets), gamma=0.9, tau=0.1)  # keyword arguments
    assert "0 graphs remembered" in repr(fast)
    assert int(optimizer.iterations) == 2


def test_arguments_left_out_take_their_defaults_on_the_fast_path_too():
    import tensorflow as tf

    def step_with_defaults(online, target, optimizer, batch, gamma=0.9, tau=0.1):
        return step(online, target, optimizer, batch, gamma, tau)

    fast, plain = graph_function(step_with_defaults), tf.function(step_with_defaults)
    a, b = networks(), networks()
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    for _ in range(3):  # the first call traces, the next ones take the fast path
        assert float(fast(*a, batch(rng_a))) == float(plain(*b, batch(rng_b)))
        assert float(fast(*a, batch(rng_a), 0.9)) == float(plain(*b, batch(rng_b), 0.9))
    assert "1 graphs remembered" in repr(fast), "leaving out a default is the same call as giving it"
    fast(*a, batch(rng_a), 0.5)
    assert "2 graphs remembered" in repr(fast)


def test_errors_in_the_function_are_tf_functions_errors():
    def uses_numpy(online, target, optimizer, batch, gamma, tau):
        return online(batch[0]).numpy()  # not allowed inside a graph

    with pytest.raises((AttributeError, NotImplementedError, TypeError)):
        graph_function(uses_numpy)(*networks(), batch(np.random.default_rng(5)), 0.9, 0.1)


def test_it_needs_a_function():
    with pytest.raises(TypeError, match="graph_function needs a function, got int"):
        graph_function(3)
