"""The live lander's kernel side (utils/lander.py), driven by the messages its front end sends.

tests/test_browser.py flies it in a real JupyterLab with key presses; here each message is
handed to the widget as the front end would send it, and what it sends back is read.
"""

import json

import numpy as np
import pytest

import utils
from utils.lander import OUTCOMES, Lander, compare_flights, fly, outcome_of, watch


class Wire:
    """What the widget sends to the front end."""

    def __init__(self, widget):
        self.sent = []
        widget.send = lambda content, buffers=None: self.sent.append(content)
        self.widget = widget

    def press(self, action=0, do="step") -> dict:
        self.widget._on_message(self.widget, {"do": do, "action": action}, [])
        return self.sent[-1]["frame"]

    def fly(self, action_of_step=lambda step: 0, limit=2000) -> dict:
        for step in range(limit):
            frame = self.press(action_of_step(step))
            if frame["outcome"]:
                return frame
        raise AssertionError("the episode never ended")


def test_a_flight_runs_to_its_end_and_is_recorded():
    lander = Lander(seed=3)
    wire = Wire(lander)
    frame = wire.fly(lambda step: 2 if step < 30 else 0)
    assert frame["outcome"] in OUTCOMES and frame["outcome"] == "crashed"
    (flight,) = lander.flights
    assert flight["seed"] == 3 and flight["who"] == "you" and flight["actions"][:30] == [2] * 30
    assert flight["steps"] == frame["step"] == len(flight["actions"])
    assert frame["terms"]["fuel"] == pytest.approx(0.3 * 30, abs=0.05), "30 frames of the main engine"
    assert flight["return"] == frame["terms"]["return"]
    env = utils.make_env()
    env.reset(seed=3)
    total = sum(env.step(action)[1] for action in flight["actions"])
    assert total == pytest.approx(flight["return"], abs=0.06), "the widget's return is gymnasium's"
    assert wire.press(2)["step"] == frame["step"], "a finished flight takes no more steps"


def test_a_frame_is_the_state_to_draw_not_an_image():
    wire = Wire(Lander(seed=0))
    frame = wire.press(2)
    assert len(frame["bodies"]) == 3 and len(frame["bodies"][0][0]) == 12, "the lander (6 vertices) and two legs"
    assert frame["particles"], "the main engine's flame"
    assert len(json.dumps(frame)) < 4000, "a few hundred numbers, far less than a 600x400 picture"
    assert set(frame["terms"]) == {"return", "distance", "speed", "angle", "legs", "fuel"}


def test_a_replay_flies_the_same_flight_again():
    lander = Lander(seed=11)
    wire = Wire(lander)
    rng = np.random.default_rng(0)
    first = wire.fly(lambda step: int(rng.integers(4)))
    lander.replay(0)
    again = wire.fly(lambda step: 0)  # the keys are ignored while it replays
    assert lander.flights[1]["actions"] == lander.flights[0]["actions"] and lander.flights[1]["who"] == "replay"
    assert again["terms"]["return"] == first["terms"]["return"] and again["outcome"] == first["outcome"]


def test_a_policy_flies_it_and_its_q_values_are_shown():
    seen = []

    def q_values(observation):
        seen.append(observation)
        return np.array([[0.5, 1.5, -2.0, 0.25]])

    lander = Lander(policy=lambda observation: 1, q_values=q_values, seed=4)
    assert lander.mode == "watch" and lander.has_q_values
    frame = Wire(lander).press(0)
    assert frame["action"] == 1 and frame["q"] == [0.5, 1.5, -2.0, 0.25]
    assert len(seen) == 2, "the Q-values of the first state, then of the state after one step"
    assert lander.actions == [1]


def test_every_way_an_episode_ends_is_named():
    lander = Lander(seed=0)
    wire = Wire(lander)
    assert wire.fly()["outcome"] == "crashed"
    lander.env = utils.make_env(render_mode="rgb_array", max_episode_steps=20)
    lander.reset()
    assert wire.fly(lambda step: 2)["outcome"] == "out of time"
    lander.env = utils.make_env(render_mode="rgb_array")
    lander.reset(seed=0)
    assert wire.fly(lambda step: 1 if step < 200 else 2)["outcome"] in ("flew off", "crashed")


def test_outcome_of_reads_the_end():
    env = utils.make_env()
    observation, _ = env.reset(seed=0)
    assert outcome_of(env, observation, False, False) is None
    assert outcome_of(env, observation, False, True) == "out of time"
    observation = observation.copy()
    observation[0] = 1.2
    assert outcome_of(env, observation, True, False) == "flew off"


def test_in_fast_mode_the_notebooks_get_a_still_frame(monkeypatch, capsys):
    import matplotlib.pyplot as plt

    monkeypatch.setenv("DQN_COURSE_FAST", "1")
    assert fly() is None and watch(lambda observation: 0) is None
    assert plt.get_fignums(), "a still frame instead"
    plt.close("all")


def test_the_widget_carries_a_still_frame_for_viewers_without_widgets():
    data, _ = Lander(seed=0)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data and data["image/png"].startswith("iVBOR")


def test_your_flights_are_compared_with_policies_on_the_same_seeds():
    flights = [{"seed": 0, "return": -50.0}, {"seed": 1, "return": 20.0}]
    rows = compare_flights(flights, {"nothing": lambda observation: 0})
    assert [row["who"] for row in rows] == ["you", "nothing"]
    env = utils.make_env()
    nothing = []
    for seed in (0, 1):
        env.reset(seed=seed)
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(0)
            total, done = total + reward, terminated or truncated
        nothing.append(total)
    assert rows[1]["mean return"] == pytest.approx(np.mean(nothing), abs=0.06)
    assert rows[0]["mean return"] == -15.0 and rows[0]["best"] == 20.0


def test_what_is_not_a_policy_or_q_values_is_named():
    with pytest.raises(TypeError, match="policy must be a function of an observation, got int"):
        Lander(policy=3)
    with pytest.raises(ValueError, match="q_values returned 2 values for one state; LunarLander has 4 actions"):
        Lander(policy=lambda observation: 0, q_values=lambda observation: [1.0, 2.0])


def test_faster_than_the_screen_several_steps_come_in_one_frame():
    lander = Lander(seed=1)
    wire = Wire(lander)
    lander._on_message(lander, {"do": "step", "action": 0, "count": 5}, [])
    assert wire.sent[-1]["frame"]["step"] == 5
    lander._on_message(lander, {"do": "frame"}, [])
    assert wire.sent[-1]["frame"]["step"] == 5, "asking for the frame again steps nothing"
    lander._on_message(lander, {"do": "step", "action": 0, "count": 10_000}, [])
    assert wire.sent[-1]["frame"]["step"] == 15, "at most 10 steps a message"
