"""Test doubles for the notebooks' tests.

:class:`ScriptedEnv` plays a scripted episode (used by the tests of
``notebooks/01_environment``): observation ``t`` is filled with the value ``t``,
reward ``t`` is ``rewards[t - 1]``, and it ends where it is told to. It refuses
a step after the episode ended, so a loop that ignores ``terminated`` or
``truncated`` fails with a clear message instead of running on.

:class:`FixedQNetwork` stands in for a Keras Q-network with Q-values the test
chooses (``notebooks/03_targets``), so a function that quietly uses a notebook
global instead of its argument is caught.

:class:`WatchedActor` wraps an agent's acting copy and counts the times it answered with
weights older than the network's (``notebooks/04_training``): an agent that never syncs its
copy acts with what it knew before it learned.

:func:`hover_policy` is a fixed, deterministic LunarLander policy whose returns
on fixed seeds are a fixture (``notebooks/05_evaluation``).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

__all__ = ["EpisodeOver", "ScriptedEnv", "FixedQNetwork", "WatchedActor", "hover_policy"]


class EpisodeOver(RuntimeError):
    """:class:`ScriptedEnv` was stepped after its episode ended (or before reset).

    Its own type, so a test can catch this mistake and nothing else (an
    unfinished exercise's ``NotImplementedError`` is a ``RuntimeError`` too).
    """


class ScriptedEnv(gym.Env):
    """An 8-value, 4-action env with a scripted episode.

    Args:
        rewards: the reward of step 1, 2, ... (repeated cyclically when the episode is longer).
        terminate_at: the step whose ``terminated`` is True (None: never).
        truncate_at: the step whose ``truncated`` is True (None: never).

    Attributes:
        seeds: the ``seed`` passed to each ``reset``.
        observations_seen: filled by :meth:`recording_policy`.
        steps_taken: steps since the last reset.
    """

    metadata = {"render_modes": []}

    def __init__(self, rewards=(1.0,), terminate_at=None, truncate_at=None):
        super().__init__()
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, shape=(8,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(4)
        self.rewards = [float(r) for r in rewards]
        if not self.rewards:
            raise ValueError("rewards must hold at least one value")
        self.terminate_at = terminate_at
        self.truncate_at = truncate_at
        self.seeds = []
        self.observations_seen = []
        self.steps_taken = 0
        self._ended = True

    def _observation(self):
        return np.full(8, self.steps_taken, dtype=np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.seeds.append(seed)
        self.steps_taken = 0
        self._ended = False
        return self._observation(), {}

    def step(self, action):
        if self._ended:
            raise EpisodeOver(
                "step() was called after the episode ended (or before reset): "
                "stop the loop as soon as terminated or truncated is True"
            )
        if not self.action_space.contains(int(action)):
            raise ValueError(f"action must be 0, 1, 2 or 3, got {action!r}")
        self.steps_taken += 1
        reward = self.rewards[(self.steps_taken - 1) % len(self.rewards)]
        terminated = self.steps_taken == self.terminate_at
        truncated = self.steps_taken == self.truncate_at
        self._ended = terminated or truncated
        return self._observation(), reward, terminated, truncated, {}

    def expected_return(self, num_steps: int) -> float:
        """The return of the first ``num_steps`` steps."""
        return float(sum(self.rewards[i % len(self.rewards)] for i in range(num_steps)))

    def recording_policy(self, action: int = 0):
        """A policy that remembers each observation it is given, then plays ``action``."""

        def policy(observation):
            self.observations_seen.append(float(np.asarray(observation).reshape(-1)[0]))
            return action

        return policy


class FixedQNetwork:
    """Answers every batch of states with fixed Q-values, like a Keras model would.

    Args:
        q_values: ``(batch, num_actions)``; a call with ``k`` states returns the first ``k`` rows.

    ``model(states)`` returns a float32 tensor, ``model.predict(states)`` an array.
    It has no trainable variables. ``calls`` counts the calls.
    """

    def __init__(self, q_values):
        self.q_values = np.asarray(q_values, dtype=np.float32)
        if self.q_values.ndim != 2:
            raise ValueError(f"q_values must have shape (batch, num_actions), got {self.q_values.shape}")
        self.calls = 0
        self.trainable_variables = []

    def _rows(self, states):
        count = int(np.shape(states)[0])
        if count > len(self.q_values):
            raise ValueError(f"this stand-in network knows {len(self.q_values)} states, it was given {count}")
        self.calls += 1
        return self.q_values[:count]

    def __call__(self, states, training=False):
        import tensorflow as tf

        return tf.constant(self._rows(states))

    def predict(self, states, verbose=0, **kwargs):
        return self._rows(states).copy()


class WatchedActor:
    """An agent's acting copy (``agent.actor``), counting the calls that answer with stale weights.

    Args:
        actor: the acting copy, called with one observation, with a ``sync()`` method.
        network: the Keras model it copies; its Q-values are the current ones.

    Attributes:
        stale_calls: the calls whose Q-values differ from ``network``'s for the same observation.
    """

    def __init__(self, actor, network):
        self.actor, self.network, self.stale_calls = actor, network, 0

    def __call__(self, observation):
        q_values = self.actor(observation)
        current = np.asarray(self.network(np.asarray(observation, np.float32)[None, :]))[0]
        self.stale_calls += not np.allclose(q_values, current, atol=1e-5)
        return q_values

    def sync(self) -> None:
        self.actor.sync()


def hover_policy(observation) -> int:
    """Fire the main engine while falling fast, else straighten up: a fixed policy for tests."""
    vy, angle = float(observation[3]), float(observation[4])
    if vy < -0.2:
        return 2
    if angle < -0.05:
        return 1
    if angle > 0.05:
        return 3
    return 0
