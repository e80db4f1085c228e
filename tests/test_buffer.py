"""utils.ExperienceBuffer: shapes, dtypes, wrap-around, sampling, and bad input."""

import numpy as np
import pytest

from utils import ExperienceBuffer

STATE = np.arange(8, dtype=np.float32)


def filled(capacity=10, count=10, state_shape=(8,)):
    buffer = ExperienceBuffer(capacity, state_shape)
    for i in range(count):
        state = np.full(state_shape, i, dtype=np.float32)
        buffer.append(state, i % 4, float(i), state + 0.5, i % 3 == 0)
    return buffer


def test_sample_returns_the_documented_batch():
    buffer = filled(capacity=20, count=20)
    states, actions, rewards, next_states, terminated = buffer.sample(5, np.random.default_rng(0))
    assert states.shape == next_states.shape == (5, 8)
    assert actions.shape == rewards.shape == terminated.shape == (5,)
    assert states.dtype == next_states.dtype == rewards.dtype == terminated.dtype == np.float32
    assert actions.dtype == np.int64
    # Every row is one stored transition, fields kept together.
    i = states[:, 0].astype(int)
    np.testing.assert_array_equal(actions, i % 4)
    np.testing.assert_array_equal(rewards, i)
    np.testing.assert_array_equal(next_states[:, 0], i + 0.5)
    np.testing.assert_array_equal(terminated, (i % 3 == 0).astype(np.float32))


def test_len_grows_to_capacity_and_stops():
    buffer = ExperienceBuffer(3)
    assert len(buffer) == 0
    for count in range(1, 6):
        buffer.append(STATE, 0, 0.0, STATE, False)
        assert len(buffer) == min(count, 3)


def test_wrap_around_keeps_the_newest_transitions():
    buffer = filled(capacity=4, count=10)  # transitions 6, 7, 8, 9 remain
    states, actions, rewards, *_ = buffer.sample(4, np.random.default_rng(1))
    assert sorted(rewards.tolist()) == [6.0, 7.0, 8.0, 9.0]
    assert sorted(states[:, 0].tolist()) == [6.0, 7.0, 8.0, 9.0]


def test_sample_draws_distinct_transitions_uniformly():
    buffer = filled(capacity=10, count=10)
    rng = np.random.default_rng(123)
    counts = np.zeros(10)
    for _ in range(2000):
        rewards = buffer.sample(5, rng)[2]
        assert len(set(rewards.tolist())) == 5, "a batch repeated a transition"
        counts[rewards.astype(int)] += 1
    # each index is drawn with probability 1/2 per batch: 1000 of 2000, sd about 22
    assert np.all(np.abs(counts - 1000) < 120), counts


def test_sampling_depends_only_on_rng():
    buffer = filled(capacity=50, count=50)
    a = buffer.sample(8, np.random.default_rng(7))
    np.random.seed(1)
    b = buffer.sample(8, np.random.default_rng(7))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_accepts_numpy_scalars_lists_and_image_states():
    buffer = ExperienceBuffer(5)
    buffer.append(list(range(8)), np.int64(2), np.float32(1.5), tuple(range(8)), np.bool_(True))
    buffer.append(STATE, np.array(3), 2, STATE, False)
    assert len(buffer) == 2
    images = ExperienceBuffer(4, state_shape=(2, 3))
    images.append(np.ones((2, 3)), 0, 0.0, np.ones((2, 3)), False)
    assert images.sample(1, np.random.default_rng(0))[0].shape == (1, 2, 3)


def test_sample_does_not_alias_the_buffer():
    buffer = filled(capacity=4, count=4)
    states = buffer.sample(4, np.random.default_rng(0))[0]
    states[:] = -1
    assert buffer.sample(4, np.random.default_rng(0))[0].min() >= 0


def test_nbytes_is_about_84_bytes_per_transition():
    assert ExperienceBuffer(1000).nbytes == 1000 * (8 * 4 * 2 + 8 + 4 + 4)


@pytest.mark.parametrize("capacity", [0, -5])
def test_capacity_must_be_positive(capacity):
    with pytest.raises(ValueError, match="capacity must be > 0"):
        ExperienceBuffer(capacity)


@pytest.mark.parametrize("capacity", [2.5, "10", None, True])
def test_capacity_must_be_an_int(capacity):
    with pytest.raises(TypeError, match="capacity must be an int"):
        ExperienceBuffer(capacity)


def test_state_shape_must_be_positive():
    with pytest.raises(ValueError, match="state_shape"):
        ExperienceBuffer(4, state_shape=(0,))


@pytest.mark.parametrize(
    "field, bad, message",
    [
        ("state", np.zeros(7), r"state must have shape \(8,\), got \(7,\)"),
        ("state", np.zeros((1, 8)), r"state must have shape \(8,\), got \(1, 8\)"),
        ("next_state", np.zeros(9), r"next_state must have shape \(8,\), got \(9,\)"),
        ("state", 0.0, r"state must have shape \(8,\), got \(\)"),
    ],
)
def test_append_rejects_a_wrong_state_shape(field, bad, message):
    args = dict(state=STATE, action=0, reward=0.0, next_state=STATE, terminated=False)
    args[field] = bad
    with pytest.raises(ValueError, match=message):
        ExperienceBuffer(4).append(**args)


@pytest.mark.parametrize(
    "field, bad",
    [
        ("state", np.array([np.nan] + [0.0] * 7)),
        ("next_state", np.array([np.inf] + [0.0] * 7)),
        ("reward", float("nan")),
        ("reward", float("-inf")),
    ],
)
def test_append_rejects_non_finite_values(field, bad):
    buffer = ExperienceBuffer(4)
    args = dict(state=STATE, action=0, reward=0.0, next_state=STATE, terminated=False)
    args[field] = bad
    with pytest.raises(ValueError, match=f"{field} holds a non-finite value"):
        buffer.append(**args)
    assert len(buffer) == 0, "a rejected transition must not be stored"


@pytest.mark.parametrize("action", [1.0, "2", None, True, np.array([1, 2]), np.array(1.5)])
def test_append_rejects_an_action_that_is_not_an_int(action):
    with pytest.raises(TypeError, match="action must be an int"):
        ExperienceBuffer(4).append(STATE, action, 0.0, STATE, False)


def test_append_rejects_a_negative_action():
    with pytest.raises(ValueError, match="action must be >= 0"):
        ExperienceBuffer(4).append(STATE, -1, 0.0, STATE, False)


@pytest.mark.parametrize("reward", ["1.0", None, [1.0]])
def test_append_rejects_a_reward_that_is_not_a_number(reward):
    with pytest.raises(TypeError, match="reward must be a number"):
        ExperienceBuffer(4).append(STATE, 0, reward, STATE, False)


@pytest.mark.parametrize("terminated", [0.5, "yes", None, 1.0])
def test_append_rejects_a_terminated_that_is_not_a_bool(terminated):
    with pytest.raises(TypeError, match="terminated must be a bool"):
        ExperienceBuffer(4).append(STATE, 0, 0.0, STATE, terminated)


def test_sampling_from_an_empty_buffer_is_refused():
    with pytest.raises(ValueError, match="empty buffer"):
        ExperienceBuffer(4).sample(1, np.random.default_rng(0))


def test_sampling_more_than_stored_is_refused():
    with pytest.raises(ValueError, match="cannot sample 4 transitions: the buffer holds only 3"):
        filled(capacity=10, count=3).sample(4, np.random.default_rng(0))


@pytest.mark.parametrize("batch_size, error", [(0, ValueError), (-1, ValueError), (2.0, TypeError)])
def test_batch_size_must_be_a_positive_int(batch_size, error):
    with pytest.raises(error, match="batch_size"):
        filled().sample(batch_size, np.random.default_rng(0))


@pytest.mark.parametrize("rng", [None, 0, np.random.RandomState(0)])
def test_sample_needs_a_generator(rng):
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        filled().sample(2, rng)
