"""utils.envs: make_env, seeding, names, and the solved rule."""

import numpy as np
import pytest

import utils
from utils import envs


def test_make_env_is_lunar_lander_v3():
    env = utils.make_env()
    assert env.spec.id == "LunarLander-v3"
    assert env.spec.max_episode_steps == 1000
    assert env.observation_space.shape == (utils.STATE_SIZE,) == (8,)
    assert env.action_space.n == utils.NUM_ACTIONS == len(utils.ACTION_NAMES) == 4
    env.close()


def test_names_and_rule():
    assert utils.OBSERVATION_NAMES[:2] == ("x", "y") and utils.OBSERVATION_NAMES[-1] == "right_leg_contact"
    assert utils.SOLVED_THRESHOLD == 200.0 and utils.SOLVED_WINDOW == 100


def test_seed_makes_episodes_and_action_samples_repeat():
    def first_steps(seed):
        env = utils.make_env(seed=seed)
        observations = [env.reset(seed=seed)[0]]
        actions = []
        for _ in range(20):
            actions.append(env.action_space.sample())
            observations.append(env.step(actions[-1])[0])
        env.close()
        return np.array(observations), actions

    a, b, c = first_steps(3), first_steps(3), first_steps(4)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1]
    assert not np.array_equal(a[0], c[0])


def test_rgb_array_frames():
    env = utils.make_env(seed=0, render_mode="rgb_array")
    frame = env.render()
    assert frame.shape == (400, 600, 3) and frame.dtype == np.uint8
    env.close()


def test_kwargs_reach_gymnasium():
    env = utils.make_env(max_episode_steps=7)
    assert env.spec.max_episode_steps == 7
    env.close()


@pytest.mark.parametrize("render_mode", ["human", "rgb", 3])
def test_render_mode_must_be_headless(render_mode):
    with pytest.raises(ValueError, match="render_mode must be None or"):
        envs.make_env(render_mode=render_mode)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_seed_must_be_a_non_negative_int(seed):
    with pytest.raises(ValueError, match="seed must be None or an int"):
        envs.make_env(seed=seed)


def test_scripted_env_plays_its_script():
    from utils.stubs import EpisodeOver, ScriptedEnv

    env = ScriptedEnv(rewards=[1.0, 2.0], terminate_at=3)
    observation, _ = env.reset(seed=4)
    assert env.seeds == [4] and observation[0] == 0
    policy = env.recording_policy()
    steps = [env.step(policy(observation))]
    steps.append(env.step(policy(steps[-1][0])))
    steps.append(env.step(policy(steps[-1][0])))
    assert [s[1] for s in steps] == [1.0, 2.0, 1.0] and env.expected_return(3) == 4.0
    assert [s[2] for s in steps] == [False, False, True]
    assert env.observations_seen == [0.0, 1.0, 2.0]
    with pytest.raises(EpisodeOver, match="after the episode ended"):
        env.step(0)
    with pytest.raises(ValueError, match="rewards must hold"):
        ScriptedEnv(rewards=[])
    env.reset()
    with pytest.raises(ValueError, match="action must be 0, 1, 2 or 3"):
        env.step(7)
    truncating = ScriptedEnv(truncate_at=1)
    truncating.reset()
    assert truncating.step(0)[3] is True
