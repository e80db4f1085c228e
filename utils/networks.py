"""Dense networks stored as .npy arrays in data/, rebuilt in Keras.

A network is saved as ``<prefix>/kernel_0.npy, bias_0.npy, kernel_1.npy, ...``
(float32), which does not depend on Keras' file format or version. The tests of
``notebooks/03_targets`` and ``04_training`` use small fixed networks stored this
way, and ``notebooks/05_evaluation`` loads the pretrained agent the same way.

:class:`NumpyQNetwork` computes Q(s, .) of one state from a NumPy copy of a
Dense network's weights. Calling a Keras model costs about 0.7 ms on a 2-core
CPU, 35 times the NumPy forward pass, so the training loop of notebook 04 acts
through it and refreshes the copy after learning (``scripts/bench_training.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .fixtures import FixtureError, data_dir, load_fixture

__all__ = [
    "weight_name",
    "network_weights",
    "network_from_weights",
    "load_network",
    "read_network",
    "save_network",
    "NumpyQNetwork",
]


def weight_name(index: int) -> str:
    """The file name (without .npy) of weight ``index`` of ``get_weights()``: kernel_0, bias_0, kernel_1, ..."""
    return f"{'kernel' if index % 2 == 0 else 'bias'}_{index // 2}"


def _stored_weight_names(directory: Path) -> list[str]:
    """kernel_0, bias_0, kernel_1, ... for every layer whose kernel is stored in ``directory``."""
    names = []
    while (directory / f"{weight_name(len(names))}.npy").is_file():
        names += [weight_name(len(names)), weight_name(len(names) + 1)]
    return names


def network_weights(prefix: str, verify: bool = True) -> list[np.ndarray]:
    """``[kernel_0, bias_0, kernel_1, bias_1, ...]`` of the network stored under ``data/<prefix>/``."""
    names = _stored_weight_names(data_dir() / prefix)
    if not names:
        raise FixtureError(f"no network stored under data/{prefix}/ (expected kernel_0.npy, bias_0.npy, ...)")
    return [load_fixture(f"{prefix}/{name}", verify=verify) for name in names]


def network_from_weights(weights, hidden_activation: str = "relu"):
    """A ``keras.Sequential`` of Dense layers with these weights (ReLU hidden layers, linear output)."""
    import keras

    if len(weights) % 2:
        raise ValueError("weights must alternate kernel, bias, kernel, bias, ...")
    kernels, biases = weights[0::2], weights[1::2]
    layers = [keras.Input(shape=(kernels[0].shape[0],))]
    for i, (kernel, bias) in enumerate(zip(kernels, biases, strict=True)):
        if kernel.ndim != 2 or bias.shape != (kernel.shape[1],):
            raise ValueError(f"layer {i}: kernel {kernel.shape} and bias {bias.shape} do not fit together")
        if i and kernel.shape[0] != kernels[i - 1].shape[1]:
            raise ValueError(f"layer {i}: its kernel takes {kernel.shape[0]} inputs, the layer before gives "
                             f"{kernels[i - 1].shape[1]}")
        last = i == len(kernels) - 1
        layers.append(keras.layers.Dense(kernel.shape[1], activation=None if last else hidden_activation))
    model = keras.Sequential(layers)
    model.set_weights([np.asarray(w, dtype=np.float32) for w in weights])
    return model


def load_network(prefix: str, hidden_activation: str = "relu"):
    """The Keras model stored under ``data/<prefix>/``, checked against the manifest."""
    return network_from_weights(network_weights(prefix), hidden_activation)


def read_network(directory, hidden_activation: str = "relu"):
    """The Keras model saved by :func:`save_network` in ``directory`` (a student's agent, not a fixture).

    Raises:
        FileNotFoundError: naming the folder when it holds no ``kernel_0.npy``.
    """
    directory = Path(directory)
    names = _stored_weight_names(directory)
    if not names:
        raise FileNotFoundError(f"no network saved in {directory} (expected kernel_0.npy, bias_0.npy, ...)")
    weights = [np.load(directory / f"{name}.npy", allow_pickle=False) for name in names]
    return network_from_weights(weights, hidden_activation)


def save_network(weights, directory: Path) -> list[Path]:
    """Write ``[kernel_0, bias_0, ...]`` (or a Keras model's weights) as float32 .npy files."""
    if hasattr(weights, "get_weights"):
        weights = weights.get_weights()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, array in enumerate(weights):
        path = directory / f"{weight_name(i)}.npy"
        np.save(path, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
        paths.append(path)
    return paths


def _variable_reader(variables, raw_ops: bool = True):
    """A function returning the current values of Keras variables as float32 NumPy arrays.

    ``variable.numpy()`` goes through Keras and TensorFlow's Python layers, about 30
    microseconds a variable on a 2-core CPU; with the TensorFlow backend (and
    ``raw_ops``) this reads each variable with one ``ReadVariableOp``, about a third of that.
    """
    handles = [getattr(getattr(variable, "value", None), "handle", None) for variable in variables]
    if not raw_ops or any(handle is None for handle in handles):  # not TensorFlow variables: the portable way
        return lambda: [np.asarray(variable.numpy(), dtype=np.float32) for variable in variables]
    import tensorflow as tf

    dtypes = [variable.value.dtype for variable in variables]
    read = tf.raw_ops.ReadVariableOp
    return lambda: [np.asarray(read(resource=handle, dtype=dtype).numpy(), dtype=np.float32)
                    for handle, dtype in zip(handles, dtypes, strict=True)]


class NumpyQNetwork:
    """Q-values of single states from a NumPy copy of a Dense ReLU network.

    Args:
        q_network: a Keras model that is a chain of Dense layers, ReLU hidden
            layers and a linear output, like ``build_q_network`` makes:
            ``keras.Sequential`` or functional (``keras.Model(inputs, outputs)``),
            with or without an explicit ``keras.Input``. A model that is not
            built yet is built on the first state it is given.

    ``NumpyQNetwork(q_network)(state)`` returns the ``(num_actions,)`` Q-values of
    one ``(state_size,)`` state. The copy is taken now and by :meth:`sync`: call
    it after the network learned, or the copy acts on old weights.

    Raises:
        TypeError: naming a layer that is not Dense (an input layer is fine).
        ValueError: naming the activations when they are not ReLU then linear,
            or when the copy does not compute what the model computes (layers
            not chained in the order Keras lists them).
    """

    raw_reads = True  #: read the weights with TensorFlow's ReadVariableOp (False: variable.numpy(), slower)

    def __init__(self, q_network):
        import keras

        layers = [layer for layer in q_network.layers if not isinstance(layer, keras.layers.InputLayer)]
        for layer in layers:
            if not isinstance(layer, keras.layers.Dense):
                raise TypeError(f"NumpyQNetwork copies a chain of Dense layers; {layer.name!r} is a "
                                f"{type(layer).__name__} layer, which it does not support")
        if not layers:
            raise TypeError("NumpyQNetwork needs a model of Dense layers; this model has none")
        activations = [getattr(layer.activation, "__name__", str(layer.activation)) for layer in layers]
        if any(a != "relu" for a in activations[:-1]) or activations[-1] != "linear":
            raise ValueError(f"NumpyQNetwork needs ReLU hidden layers and a linear output, got {activations}")
        self.q_network = q_network
        self._dense = layers
        self._kernels = self._biases = self._read = None
        self.syncs = 0
        if all(layer.built for layer in layers):
            self.sync()

    def sync(self) -> None:
        """Copy the network's current weights."""
        if self._read is None:
            self._read = _variable_reader([layer.kernel for layer in self._dense]
                                          + [layer.bias for layer in self._dense if layer.use_bias],
                                          raw_ops=self.raw_reads)
        values = self._read()
        self._kernels = values[:len(self._dense)]
        biases = iter(values[len(self._dense):])
        self._biases = [next(biases) if layer.use_bias else np.zeros(layer.units, np.float32) for layer in self._dense]
        if self.syncs == 0:
            self._check_against_keras()
        self.syncs += 1

    def _check_against_keras(self) -> None:
        """The copy must compute what the model computes (a chain, in the order the model lists its layers)."""
        probe = np.linspace(-1.0, 1.0, 2 * self._kernels[0].shape[0], dtype=np.float32).reshape(2, -1)
        expected = np.asarray(self.q_network(probe))
        actual = np.stack([self._forward(row) for row in probe])
        if expected.shape != actual.shape or not np.allclose(expected, actual, rtol=1e-4, atol=1e-4):
            raise ValueError("NumpyQNetwork copies a plain chain of Dense layers, input to output; this model "
                             f"computes something else with its layers {[layer.name for layer in self._dense]}")

    def _forward(self, state) -> np.ndarray:
        x = np.asarray(state, dtype=np.float32)
        last = len(self._kernels) - 1
        for i, (kernel, bias) in enumerate(zip(self._kernels, self._biases, strict=True)):
            x = x @ kernel + bias
            if i < last:
                x = np.maximum(x, 0.0)
        return x

    def __call__(self, state) -> np.ndarray:
        if self._kernels is None:  # a model without keras.Input is built by its first call
            self.q_network(np.asarray(state, dtype=np.float32).reshape(1, -1))
            self.sync()
        return self._forward(state)
