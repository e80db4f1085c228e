"""A live lander in the notebook: fly it yourself (notebook 01), or watch a policy fly it (notebook 05).

:class:`Lander` is an `anywidget <https://anywidget.dev>`_ widget: a small ES module
(``lander.js``) draws the lander on a canvas and sends the keys or buttons pressed; the
kernel steps gymnasium's LunarLander-v3 and sends back the state to draw (the polygons of the
lander, its legs and the flame particles, a few hundred numbers a frame rather than an image).
The browser asks for the next frame only when it has drawn the last one, at gymnasium's 50
frames per second times ``speed``.

* ``Lander()``: you fly. ← fires the left engine, ↑ the main engine, → the right engine; no key
  does nothing. The buttons under the picture do the same on a touchpad or a tablet. Every
  flight is kept in ``flights`` (seed, actions, return, outcome) and can be replayed.
* ``Lander(policy=heuristic_policy)``: a policy flies; play, pause, single step and speed.
* ``Lander(policy=..., q_values=...)``: beside the picture, a bar per action shows the Q-values
  of the current state, the chosen action marked.

:func:`fly` and :func:`watch` are what the notebooks call: in fast mode (under nbgrader, or the
course's tests) there is no one to press keys, so they show a still frame instead, and
nothing is stepped.
"""

from __future__ import annotations

import math
from pathlib import Path

import anywidget
import numpy as np
import traitlets

from .envs import ACTION_NAMES, make_env
from .fastmode import fast_mode

__all__ = ["OUTCOMES", "Lander", "compare_flights", "fly", "outcome_of", "watch"]

#: How an episode can end, as the panel says it.
OUTCOMES = ("landed on the pad", "landed off the pad", "crashed", "flew off", "out of time")
FPS = 50  # gymnasium's LunarLander: one step is 1/50 s
#: What each kind of firing costs in reward per frame (LunarLander-v3's fuel terms).
MAIN_ENGINE_COST, SIDE_ENGINE_COST = 0.30, 0.03
_SCALE = 30.0  # LunarLander's pixels per world unit


def outcome_of(env, observation, terminated: bool, truncated: bool) -> str | None:
    """How the episode ended (one of :data:`OUTCOMES`), or None while it goes on. LunarLander ends an
    episode when the body touches the ground (crashed), the lander leaves the screen (|x| >= 1), or it
    comes to rest (landed); gymnasium's time limit ends it after 1000 steps."""
    lander = env.unwrapped
    if terminated:
        if lander.game_over:
            return "crashed"
        if abs(float(observation[0])) >= 1.0:
            return "flew off"
        on_pad = lander.helipad_x1 <= lander.lander.position.x <= lander.helipad_x2
        return "landed on the pad" if on_pad else "landed off the pad"
    if truncated:
        return "out of time"
    return None


def _polygon(fixture) -> list[float]:
    transform = fixture.body.transform
    return [round(float(c) * _SCALE, 1) for vertex in fixture.shape.vertices for c in transform * vertex]


class Lander(anywidget.AnyWidget):
    """LunarLander-v3, live: flown with the keyboard or buttons, or by `policy`; see the module's text."""

    _esm = Path(__file__).with_name("lander.js")
    _css = Path(__file__).with_name("lander.css")

    speed = traitlets.Float(1.0).tag(sync=True)  # 1.0 is real time, 50 frames per second
    mode = traitlets.Unicode("fly").tag(sync=True)  # "fly" (you) or "watch" (a policy)
    action_names = traitlets.List(list(ACTION_NAMES)).tag(sync=True)
    terrain = traitlets.List().tag(sync=True)  # the sky's polygons and the flags of this episode
    flights = traitlets.List().tag(sync=True)  # one summary per finished flight, the newest last
    has_q_values = traitlets.Bool(False).tag(sync=True)

    def __init__(self, policy=None, q_values=None, seed: int | None = None, **kwargs):
        for name, function in (("policy", policy), ("q_values", q_values)):
            if function is not None and not callable(function):
                raise TypeError(f"{name} must be a function of an observation, got {type(function).__name__}")
        super().__init__(mode="watch" if policy is not None else "fly", has_q_values=q_values is not None,
                         **kwargs)
        self.policy, self.q_values = policy, q_values
        self.env = make_env(render_mode="rgb_array")  # particles are made only when a render mode is set
        self.next_seed = seed if seed is not None else int(np.random.default_rng().integers(1_000_000))
        self.replaying: list[int] | None = None
        self.on_msg(self._on_message)
        self.reset()

    # -- episodes ---------------------------------------------------------------------------------------------
    def reset(self, seed: int | None = None, replay: list[int] | None = None) -> dict:
        """A new episode (on `seed`, else the next one); `replay`: the actions to take instead of the keys."""
        self.seed = self.next_seed if seed is None else int(seed)
        self.next_seed = self.seed + 1
        self.observation, _ = self.env.reset(seed=self.seed)
        self.replaying = list(replay) if replay is not None else None
        self.actions: list[int] = []
        self.total, self.fired = 0.0, {"main": 0, "side": 0}
        self.outcome: str | None = None
        lander = self.env.unwrapped
        self.terrain = [[round(c * _SCALE, 1) for point in polygon for c in point] for polygon in lander.sky_polys] + [
            [round(lander.helipad_x1 * _SCALE, 1), round(lander.helipad_x2 * _SCALE, 1),
             round(lander.helipad_y * _SCALE, 1)]]
        return self.frame()

    def step(self, action: int = 0) -> dict:
        """One step: `action` (a policy's or the recorded one instead, when there is one); the new frame."""
        if self.outcome is not None:
            return self.frame()
        if self.replaying is not None:
            action = self.replaying[len(self.actions)] if len(self.actions) < len(self.replaying) else 0
        elif self.policy is not None:
            action = self.planned  # what the policy chose for the state on the screen
        action = int(action) if int(action) in range(len(ACTION_NAMES)) else 0
        self.observation, reward, terminated, truncated, _ = self.env.step(action)
        for particle in self.env.unwrapped.particles:  # as gymnasium's render() ages them, once a frame
            particle.ttl -= 0.15
        self.env.unwrapped._clean_particles(False)
        self.actions.append(action)
        self.total += float(reward)
        if action == 2:
            self.fired["main"] += 1
        elif action in (1, 3):
            self.fired["side"] += 1
        self.outcome = outcome_of(self.env, self.observation, terminated, truncated)
        if self.outcome is not None:
            self.flights = [*self.flights, self.summary()]
        return self.frame(action)

    def summary(self) -> dict:
        return {"flight": len(self.flights) + 1, "seed": self.seed, "return": round(self.total, 1),
                "steps": len(self.actions), "outcome": self.outcome, "actions": list(self.actions),
                "who": "replay" if self.replaying is not None else ("policy" if self.policy else "you")}

    def frame(self, action: int = 0) -> dict:
        """What the browser draws: bodies and particles (in LunarLander's pixels), the terms, the end, and the
        action: the one just taken, or, when a policy flies, the one it chooses for this state."""
        lander = self.env.unwrapped
        x, y, vx, vy, angle, _, left_leg, right_leg = (float(v) for v in self.observation)
        if self.policy is not None and self.outcome is None:
            action = self.planned = int(self.policy(self.observation))  # shown now, taken at the next step
        q = None
        if self.q_values is not None:
            q = [round(float(v), 3) for v in np.asarray(self.q_values(self.observation)).reshape(-1)]
            if len(q) != len(ACTION_NAMES):
                raise ValueError(f"q_values returned {len(q)} values for one state; LunarLander has "
                                 f"{len(ACTION_NAMES)} actions, one Q-value each")
        return {
            "bodies": [[_polygon(f) for f in body.fixtures] for body in lander.drawlist],
            "particles": [[round(p.position.x * _SCALE, 1), round(p.position.y * _SCALE, 1),
                           round(max(0.2, 0.15 + p.ttl), 2)] for p in lander.particles],
            "action": action, "q": q, "step": len(self.actions), "seed": self.seed,
            "terms": {"return": round(self.total, 1), "distance": round(math.hypot(x, y), 2),
                      "speed": round(math.hypot(vx, vy), 2), "angle": round(math.degrees(angle), 1),
                      "legs": int(left_leg > 0.5) + int(right_leg > 0.5),
                      "fuel": round(MAIN_ENGINE_COST * self.fired["main"] + SIDE_ENGINE_COST * self.fired["side"], 1)},
            "outcome": self.outcome,
        }

    def replay(self, flight: int = -1) -> None:
        """Fly a recorded flight again (by its index in ``flights``): same seed, same actions."""
        record = self.flights[flight]
        self.send({"frame": self.reset(seed=record["seed"], replay=record["actions"]), "replay": True})

    def _on_message(self, widget, content, buffers) -> None:
        if not isinstance(content, dict):
            return
        if content.get("do") == "step":  # `count` steps (when faster than the screen), then the last frame
            for _ in range(max(1, min(int(content.get("count", 1)), 10))):
                frame = self.step(content.get("action", 0))
                if self.outcome is not None:
                    break
            self.send({"frame": frame, "stepped": True})
        elif content.get("do") == "frame":
            self.send({"frame": self.frame()})
        elif content.get("do") == "reset":
            self.send({"frame": self.reset()})
        elif content.get("do") == "replay":
            self.replay(int(content.get("flight", -1)))

    def _repr_mimebundle_(self, **kwargs):
        """The widget, and a still frame for what cannot show widgets (nbconvert's HTML, a static viewer)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            data, metadata = bundle
        else:
            data, metadata = bundle, {}
        if data is not None:
            data = {**data, "image/png": _png(self.env.render())}
        return data, metadata

    def close(self):
        env = getattr(self, "env", None)
        if env is not None:
            env.close()
        super().close()


def _png(frame: np.ndarray) -> str:
    import base64
    import io

    import matplotlib.image

    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, frame, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


def _still(seed: int | None) -> None:
    """What fast mode shows instead of the widget: the lander at the start of an episode."""
    from .display import show_frame

    env = make_env(render_mode="rgb_array")
    env.reset(seed=seed or 0)
    show_frame(env.render(), title="the live lander runs when you open the notebook in JupyterLab")
    env.close()


def fly(seed: int | None = None, speed: float = 1.0):
    """The lander for you to fly (a :class:`Lander`), or, in fast mode, a still frame."""
    if fast_mode():
        _still(seed)
        return None
    return Lander(seed=seed, speed=speed)


def watch(policy, q_values=None, seed: int | None = None, speed: float = 1.0):
    """`policy` flying the lander (with its Q-values, given `q_values`), or, in fast mode, a still frame."""
    if fast_mode():
        _still(seed)
        return None
    return Lander(policy=policy, q_values=q_values, seed=seed, speed=speed)


def compare_flights(flights: list[dict], policies: dict, episodes: int | None = None) -> list[dict]:
    """Your flights beside `policies` (name -> policy) flown on the same seeds: one row each, best first.

    Each row: who, the mean return over those seeds, and the best one."""
    seeds = [f["seed"] for f in flights][:episodes] if flights else [0]
    rows = []
    if flights:
        mine = [f["return"] for f in flights][: len(seeds)]
        rows.append({"who": "you", "mean return": round(float(np.mean(mine)), 1), "best": max(mine)})
    env = make_env()
    for name, policy in policies.items():
        returns = []
        for seed in seeds:
            observation, _ = env.reset(seed=seed)
            total, done = 0.0, False
            while not done:
                observation, reward, terminated, truncated, _ = env.step(int(policy(observation)))
                total += float(reward)
                done = terminated or truncated
            returns.append(round(total, 1))
        rows.append({"who": name, "mean return": round(float(np.mean(returns)), 1), "best": max(returns)})
    env.close()
    return sorted(rows, key=lambda row: -row["mean return"])
