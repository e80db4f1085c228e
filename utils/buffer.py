"""Experience replay: a preallocated NumPy ring buffer.

Used in ``notebooks/04_training`` (the training loop) and by the tests of
``notebooks/03_targets``. Every field lives in one preallocated array, so the
buffer holds about 84 bytes per LunarLander transition and samples a batch
with one fancy-indexing call per field.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["ExperienceBuffer"]


class ExperienceBuffer:
    """A fixed-capacity replay buffer that overwrites its oldest transitions.

    Args:
        capacity: the most transitions it holds (int > 0).
        state_shape: the shape of one state, ``(8,)`` for LunarLander.

    ``sample`` returns the batch ``(states, actions, rewards, next_states,
    terminated)``:

    ===============  ==========================  ========
    field            shape                       dtype
    ===============  ==========================  ========
    states           ``(batch_size, *state_shape)``  float32
    actions          ``(batch_size,)``           int64
    rewards          ``(batch_size,)``           float32
    next_states      ``(batch_size, *state_shape)``  float32
    terminated       ``(batch_size,)``           float32 (1.0 or 0.0)
    ===============  ==========================  ========

    ``terminated`` is a float, so ``1 - terminated`` works as in the equations.
    Store ``terminated`` only, never ``terminated or truncated``: a truncated
    episode still bootstraps from its next state.
    """

    def __init__(self, capacity: int, state_shape: tuple[int, ...] = (8,)):
        if isinstance(capacity, bool) or not isinstance(capacity, numbers.Integral):
            raise TypeError(f"capacity must be an int, got {type(capacity).__name__}")
        if capacity <= 0:
            raise ValueError(f"capacity must be > 0, got {capacity}")
        state_shape = tuple(int(n) for n in np.atleast_1d(state_shape))
        if not state_shape or any(n <= 0 for n in state_shape):
            raise ValueError(f"state_shape must hold positive sizes, got {state_shape}")
        self.capacity = int(capacity)
        self.state_shape = state_shape
        self._states = np.zeros((self.capacity, *state_shape), dtype=np.float32)
        self._next_states = np.zeros((self.capacity, *state_shape), dtype=np.float32)
        self._actions = np.zeros(self.capacity, dtype=np.int64)
        self._rewards = np.zeros(self.capacity, dtype=np.float32)
        self._terminated = np.zeros(self.capacity, dtype=np.float32)
        self._next_index = 0  # where the next transition goes
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"ExperienceBuffer(capacity={self.capacity}, size={self._size}, state_shape={self.state_shape})"

    @property
    def nbytes(self) -> int:
        """Bytes held by the preallocated arrays."""
        return sum(a.nbytes for a in self._arrays())

    def _arrays(self):
        return (self._states, self._actions, self._rewards, self._next_states, self._terminated)

    def _check_state(self, name: str, state) -> np.ndarray:
        array = np.asarray(state, dtype=np.float32)
        if array.shape != self.state_shape:
            raise ValueError(f"{name} must have shape {self.state_shape}, got {array.shape}")
        return array

    def append(self, state, action, reward, next_state, terminated) -> None:
        """Store one transition, overwriting the oldest one when full.

        Raises:
            ValueError: a state of the wrong shape, a non-finite state or reward,
                a negative action.
            TypeError: an action that is not an integer, a reward that is not a
                number, a ``terminated`` that is not a bool.
        """
        state = self._check_state("state", state)
        next_state = self._check_state("next_state", next_state)
        if type(action) is not int:  # the fast path first: a plain int
            if isinstance(action, (bool, np.bool_)) or not isinstance(action, (numbers.Integral, np.ndarray)):
                raise TypeError(f"action must be an int, got {type(action).__name__}: {action!r}")
            if isinstance(action, np.ndarray):
                if action.shape != () or not np.issubdtype(action.dtype, np.integer):
                    raise TypeError(f"action must be an int, got an array of shape {action.shape}")
            action = int(action)
        if action < 0:
            raise ValueError(f"action must be >= 0, got {action}")
        if type(reward) is not float and not isinstance(reward, (numbers.Real, np.floating, np.integer)):
            raise TypeError(f"reward must be a number, got {type(reward).__name__}: {reward!r}")
        if type(terminated) is not bool and not isinstance(terminated, np.bool_):
            raise TypeError(
                f"terminated must be a bool, got {type(terminated).__name__}: {terminated!r} "
                "(store `terminated` from env.step, not a number)"
            )
        # One check for all three: a nan or inf anywhere makes the sum non-finite.
        if not math.isfinite(float(state.sum()) + float(next_state.sum()) + float(reward)):
            for name, value in (("state", state), ("next_state", next_state), ("reward", reward)):
                if not np.all(np.isfinite(value)):
                    raise ValueError(f"{name} holds a non-finite value (nan or inf): {value}")
            raise ValueError("state, next_state and reward are too large to store as float32")

        i = self._next_index
        self._states[i] = state
        self._actions[i] = action
        self._rewards[i] = reward
        self._next_states[i] = next_state
        self._terminated[i] = terminated
        self._next_index = (i + 1) % self.capacity
        self._size = min(self._size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator):
        """Draw ``batch_size`` distinct stored transitions, uniformly, using ``rng``.

        Returns:
            ``(states, actions, rewards, next_states, terminated)``, see the class docstring.

        Raises:
            TypeError: ``rng`` is not a ``np.random.Generator``, ``batch_size`` is not an int.
            ValueError: ``batch_size`` <= 0, or more than the buffer holds (also when empty).
        """
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"rng must be a np.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}"
            )
        if type(batch_size) is not int and (
            isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral)
        ):
            raise TypeError(f"batch_size must be an int, got {type(batch_size).__name__}")
        if batch_size <= 0:
            raise ValueError(f"batch_size must be > 0, got {batch_size}")
        if self._size == 0:
            raise ValueError("cannot sample from an empty buffer: append transitions first")
        if batch_size > self._size:
            raise ValueError(f"cannot sample {batch_size} transitions: the buffer holds only {self._size}")
        # Fast path: independent uniform draws, kept when they are all distinct (the
        # usual case for a small batch from a large buffer). Otherwise draw without
        # replacement. Either way every set of distinct transitions is equally likely.
        indices = (rng.random(batch_size) * self._size).astype(np.int64)
        if len(set(indices.tolist())) < batch_size:
            indices = rng.choice(self._size, size=batch_size, replace=False)
        return tuple(a.take(indices, axis=0) for a in self._arrays())
