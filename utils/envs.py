"""The LunarLander-v3 environment and the facts the course states once.

Met first in ``notebooks/01_environment``; every later notebook builds its
environment with :func:`make_env`.
"""

from __future__ import annotations

import gymnasium as gym

__all__ = [
    "ENV_ID",
    "OBSERVATION_NAMES",
    "ACTION_NAMES",
    "STATE_SIZE",
    "NUM_ACTIONS",
    "SOLVED_THRESHOLD",
    "SOLVED_WINDOW",
    "EVALUATION_SEED",
    "EVALUATION_EPISODES",
    "make_env",
]

ENV_ID = "LunarLander-v3"

#: The 8 components of an observation, in order.
OBSERVATION_NAMES = (
    "x",  # horizontal position, 0 at the landing pad
    "y",  # height above the pad
    "vx",  # horizontal velocity
    "vy",  # vertical velocity
    "angle",  # radians, 0 when upright
    "angular_velocity",
    "left_leg_contact",  # 1.0 when the left leg touches the ground
    "right_leg_contact",
)

#: The 4 discrete actions, by index.
ACTION_NAMES = ("do nothing", "fire left engine", "fire main engine", "fire right engine")

STATE_SIZE = len(OBSERVATION_NAMES)
NUM_ACTIONS = len(ACTION_NAMES)

#: The "solved" rule, used everywhere in the course: the mean return over the
#: last SOLVED_WINDOW episodes is at least SOLVED_THRESHOLD.
SOLVED_THRESHOLD = 200.0
SOLVED_WINDOW = 100

#: Held-out evaluation: episode i of an evaluation is reset with seed
#: EVALUATION_SEED + i. Training and checkpoint selection never use these seeds.
EVALUATION_SEED = 10_000
EVALUATION_EPISODES = 100


def make_env(seed: int | None = None, render_mode: str | None = None, **kwargs) -> gym.Env:
    """Make LunarLander-v3 (1000-step time limit, discrete actions).

    Args:
        seed: when given, seeds the first ``reset`` and the action space, so
            ``env.action_space.sample()`` repeats too.
        render_mode: ``None`` for speed, or ``"rgb_array"`` to get frames from
            ``env.render()`` (headless, no display needed).
        **kwargs: passed to ``gymnasium.make`` (``max_episode_steps=...``, ``gravity=...``).
    """
    if render_mode not in (None, "rgb_array"):
        raise ValueError(f'render_mode must be None or "rgb_array" (headless), got {render_mode!r}')
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"seed must be None or an int >= 0, got {seed!r}")
    env = gym.make(ENV_ID, render_mode=render_mode, **kwargs)
    if seed is not None:
        env.reset(seed=seed)
        env.action_space.seed(seed)
    return env
