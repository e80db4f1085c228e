"""utils.networks: networks stored as .npy arrays, rebuilt in Keras."""

import numpy as np
import pytest

from utils import networks
from utils.fixtures import FixtureError


def weights(rng, sizes=(8, 16, 4)):
    out = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        out += [rng.normal(size=(n_in, n_out)).astype(np.float32), rng.normal(size=n_out).astype(np.float32)]
    return out


def test_network_from_weights_computes_relu_mlp():
    w = weights(np.random.default_rng(0))
    model = networks.network_from_weights(w)
    x = np.random.default_rng(1).normal(size=(5, 8)).astype(np.float32)
    expected = np.maximum(x @ w[0] + w[1], 0) @ w[2] + w[3]
    np.testing.assert_allclose(model(x).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert [layer.activation.__name__ for layer in model.layers] == ["relu", "linear"]


def test_save_and_load_round_trip(tmp_path, monkeypatch):
    from utils import fixtures

    w = weights(np.random.default_rng(2), (3, 5, 5, 2))
    paths = networks.save_network(w, tmp_path / "nets" / "small")
    lines = [f"{fixtures.file_sha256(p)}  {p.relative_to(tmp_path).as_posix()}" for p in paths]
    (tmp_path / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv(fixtures.DATA_ENV_VAR, str(tmp_path))
    model = networks.load_network("nets/small")
    for a, b in zip(model.get_weights(), w, strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(networks.save_network(model, tmp_path / "again")) == 6


def test_missing_network_is_named(tmp_path, monkeypatch):
    from utils import fixtures

    (tmp_path / "SHA256SUMS").write_text("")
    monkeypatch.setenv(fixtures.DATA_ENV_VAR, str(tmp_path))
    with pytest.raises(FixtureError, match="no network stored under data/nowhere/"):
        networks.load_network("nowhere")


@pytest.mark.parametrize(
    "bad, message",
    [
        ([np.zeros((8, 4))], "alternate kernel, bias"),
        ([np.zeros((8, 4)), np.zeros(3)], "do not fit together"),
        ([np.zeros((8, 4)), np.zeros(4), np.zeros((5, 2)), np.zeros(2)], "takes 5 inputs, the layer before gives 4"),
    ],
)
def test_bad_weights_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        networks.network_from_weights(bad)


def test_fixed_q_network_stands_in_for_a_model():
    from utils.stubs import FixedQNetwork

    table = np.arange(12.0).reshape(3, 4)
    network = FixedQNetwork(table)
    np.testing.assert_array_equal(network(np.zeros((2, 8))).numpy(), table[:2])
    np.testing.assert_array_equal(network.predict(np.zeros((3, 8))), table)
    assert network.calls == 2 and network.trainable_variables == []
    with pytest.raises(ValueError, match="knows 3 states, it was given 4"):
        network(np.zeros((4, 8)))
    with pytest.raises(ValueError, match="shape \\(batch, num_actions\\)"):
        FixedQNetwork([1.0, 2.0])


def test_numpy_q_network_matches_keras_and_follows_sync():
    model = networks.network_from_weights(weights(np.random.default_rng(3), (8, 32, 32, 4)))
    fast = networks.NumpyQNetwork(model)
    state = np.random.default_rng(4).normal(size=8).astype(np.float32)
    np.testing.assert_allclose(fast(state), model(state[None]).numpy()[0], rtol=1e-5, atol=1e-5)
    model.layers[-1].bias.assign(model.layers[-1].bias + 1.0)
    assert not np.allclose(fast(state), model(state[None]).numpy()[0]), "the copy must not follow before sync()"
    fast.sync()
    np.testing.assert_allclose(fast(state), model(state[None]).numpy()[0], rtol=1e-5, atol=1e-5)
    assert fast.syncs == 2


@pytest.mark.parametrize("raw_reads", [True, False])
def test_numpy_q_network_reads_the_same_weights_either_way(raw_reads):
    import keras

    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu", use_bias=False),
                              keras.layers.Dense(4)])
    reader = type("Reader", (networks.NumpyQNetwork,), {"raw_reads": raw_reads})
    fast = reader(model)
    states = np.random.default_rng(7).normal(size=(3, 8)).astype(np.float32)
    for _ in range(2):  # the copy, then the copy after the weights changed and sync()
        kernels = [np.asarray(layer.kernel.numpy()) for layer in model.layers]
        np.testing.assert_array_equal(fast._kernels[0], kernels[0])
        np.testing.assert_array_equal(fast._biases[0], np.zeros(16, np.float32))  # a layer without a bias
        np.testing.assert_allclose(np.stack([fast(s) for s in states]), model(states).numpy(), rtol=1e-5, atol=1e-5)
        model.layers[0].kernel.assign(model.layers[0].kernel * 2.0)
        stale = np.stack([fast(s) for s in states])
        assert not np.allclose(stale, model(states).numpy()), "the copy must not follow before sync()"
        fast.sync()


def test_numpy_q_network_refuses_other_architectures():
    import keras

    layers = [keras.Input((8, 1)), keras.layers.Conv1D(2, 3), keras.layers.Flatten(), keras.layers.Dense(4)]
    conv = keras.Sequential(layers)
    with pytest.raises(TypeError, match="'conv1d' is a Conv1D layer, which it does not support"):
        networks.NumpyQNetwork(conv)
    tanh = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(4)])
    with pytest.raises(ValueError, match="ReLU hidden layers and a linear output"):
        networks.NumpyQNetwork(tanh)


def every_form_of_q_network():
    """The same 8 -> 16 -> 4 ReLU network written the ways build_q_network's docstring allows."""
    import keras

    def functional():
        inputs = keras.Input((8,))
        hidden = keras.layers.Dense(16, activation="relu")(inputs)
        return keras.Model(inputs, keras.layers.Dense(4)(hidden))

    def built_without_input():
        model = keras.Sequential([keras.layers.Dense(16, activation=keras.activations.relu),
                                  keras.layers.Dense(4, activation=None)])
        model.build((None, 8))
        return model

    def added_one_by_one():
        model = keras.Sequential()
        model.add(keras.Input(shape=(8,)))
        model.add(keras.layers.Dense(16, activation="relu"))
        model.add(keras.layers.Dense(4, activation="linear"))
        return model

    def not_built_yet():
        return keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(4)])

    return {f.__name__: f for f in (functional, built_without_input, added_one_by_one, not_built_yet)}


@pytest.mark.parametrize("form", sorted(every_form_of_q_network()))
def test_numpy_q_network_reads_every_form_of_keras_model(form):
    model = every_form_of_q_network()[form]()
    fast = networks.NumpyQNetwork(model)
    states = np.random.default_rng(6).normal(size=(5, 8)).astype(np.float32)
    copies = np.stack([fast(state) for state in states])
    np.testing.assert_allclose(copies, model(states).numpy(), rtol=1e-5, atol=1e-5)
    assert fast.syncs == 1


def test_numpy_q_network_refuses_a_model_that_is_not_a_chain():
    import keras

    class Reversed(keras.Model):  # lists its layers in one order, calls them in another
        def __init__(self):
            super().__init__()
            self.first = keras.layers.Dense(8, activation="relu")
            self.second = keras.layers.Dense(8)

        def call(self, states):
            return self.first(self.second(states))

    model = Reversed()
    model(np.zeros((1, 8), np.float32))
    with pytest.raises(ValueError, match="computes something else"):
        networks.NumpyQNetwork(model)
    lazy = networks.NumpyQNetwork(Reversed())
    with pytest.raises(ValueError, match="computes something else"):
        lazy(np.zeros(8, np.float32))


def test_read_network_loads_a_saved_agent(tmp_path):
    w = weights(np.random.default_rng(5))
    networks.save_network(w, tmp_path / "my_agent")
    model = networks.read_network(tmp_path / "my_agent")
    for a, b in zip(model.get_weights(), w, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(FileNotFoundError, match="no network saved in"):
        networks.read_network(tmp_path / "nothing")
