"""Benchmark: env steps per second of DQN training loops on this machine.

    python scripts/bench_training.py [--steps 4000]
    python scripts/bench_training.py --solve [--seeds 0 1 2]

Speed (default): these loops, each for the same number of env steps, learning
from the first full batch on, all in one run:

* the floor: ``env.step`` with random actions and nothing else;
* a baseline written the way the common tutorials do it: an eager
  ``q_network(state)`` call every step, a deque of namedtuples sampled with
  ``random.sample`` and converted to tensors per batch, the usual
  hyperparameters (64-64 network, Adam 1e-3, gamma 0.995, batch 64, learn
  every 4 steps, soft update tau 1e-3, epsilon x0.995 per episode to 0.01);
* the course's ``train_agent`` from ``solutions/04_training`` with its default
  config, and again with the baseline's hyperparameters (like for like).

``--solve`` runs the course's ``train_agent`` (the solution notebook's code,
not a copy) on each seed until the solved rule holds and prints env steps,
episodes and seconds per seed, and their medians.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import deque, namedtuple
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from solution_code import load_solution  # noqa: E402

import utils  # noqa: E402,F401  (quiet start-up before TensorFlow)

Experience = namedtuple("Experience", ["state", "action", "reward", "next_state", "done"])


def env_floor(steps: int, seed: int = 0) -> float:
    """Seconds for `steps` random env steps (resets included)."""
    env = utils.make_env(seed=seed)
    env.reset(seed=seed)
    start = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    return time.perf_counter() - start


def baseline(steps: int, seed: int = 0) -> float:
    """Seconds for `steps` env steps of the tutorial-style loop."""
    import keras
    import tensorflow as tf

    utils.seed_everything(seed)

    def network():
        return keras.Sequential([keras.Input((8,)), keras.layers.Dense(64, activation="relu"),
                                 keras.layers.Dense(64, activation="relu"), keras.layers.Dense(4)])

    q_network, target_network = network(), network()
    target_network.set_weights(q_network.get_weights())
    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    memory = deque(maxlen=100_000)
    gamma, tau, batch_size, learn_every = 0.995, 1e-3, 64, 4

    @tf.function
    def agent_learn(states, actions, rewards, next_states, dones):
        max_next = tf.reduce_max(target_network(next_states), axis=-1)
        y = rewards + gamma * max_next * (1 - dones)
        with tf.GradientTape() as tape:
            q_values = q_network(states)
            indices = tf.stack([tf.range(q_values.shape[0]), tf.cast(actions, tf.int32)], axis=1)
            q_values = tf.gather_nd(q_values, indices)
            loss = keras.losses.MeanSquaredError()(y, q_values)
        grads = tape.gradient(loss, q_network.trainable_variables)
        optimizer.apply_gradients(zip(grads, q_network.trainable_variables, strict=True))
        for target_weights, q_weights in zip(target_network.weights, q_network.weights, strict=True):
            target_weights.assign(tau * q_weights + (1.0 - tau) * target_weights)

    env = utils.make_env(seed=seed)
    state, _ = env.reset(seed=seed)
    epsilon = 1.0
    start = time.perf_counter()
    for step in range(1, steps + 1):
        q_values = q_network(np.expand_dims(state, axis=0))  # eager, every step
        action = random.randrange(4) if random.random() < epsilon else int(np.argmax(q_values.numpy()[0]))
        next_state, reward, terminated, truncated, _ = env.step(action)
        memory.append(Experience(state, action, reward, next_state, terminated))
        state = next_state
        if step % learn_every == 0 and len(memory) >= batch_size:
            experiences = random.sample(memory, k=batch_size)
            agent_learn(
                tf.convert_to_tensor(np.array([e.state for e in experiences]), dtype=tf.float32),
                tf.convert_to_tensor(np.array([e.action for e in experiences]), dtype=tf.float32),
                tf.convert_to_tensor(np.array([e.reward for e in experiences]), dtype=tf.float32),
                tf.convert_to_tensor(np.array([e.next_state for e in experiences]), dtype=tf.float32),
                tf.convert_to_tensor(np.array([e.done for e in experiences]).astype(np.uint8), dtype=tf.float32),
            )
        if terminated or truncated:
            state, _ = env.reset()
            epsilon = max(0.01, 0.995 * epsilon)
    return time.perf_counter() - start


BASELINE_HYPERPARAMETERS = dict(hidden_units=(64, 64), learning_rate=1e-3, gamma=0.995, batch_size=64,
                                learn_every=4, tau=1e-3, epsilon_decay=0.995, epsilon_min=0.01)


def course(steps: int, seed: int = 0, **hyperparameters) -> float:
    """Seconds for `steps` env steps of the course's train_agent (its default config unless told, no plots)."""
    solution = load_solution("04_training")
    config = solution["DQNConfig"](seed=seed, max_env_steps=steps, progress=False, live_plot=False,
                                   stop_when_solved=False, **hyperparameters)
    history = solution["train_agent"](utils.make_env(), config)
    assert history.env_steps == steps, history.env_steps
    return history.wall_time


def speed(steps: int) -> dict:
    floor = env_floor(steps)
    base = baseline(steps)
    ours = course(steps)
    like_for_like = course(steps, **BASELINE_HYPERPARAMETERS)
    print(f"training speed over {steps:,} env steps (learning from the first full batch on, compilation included)")
    print(f"  env.step alone (the floor):                        {steps / floor:8.0f} steps/s")
    print(f"  tutorial-style baseline:                           {steps / base:8.0f} steps/s")
    print(f"  the course's train_agent, its own config:          {steps / ours:8.0f} steps/s")
    print(f"  the course's train_agent, the baseline's settings: {steps / like_for_like:8.0f} steps/s")
    print(f"speed-up over the baseline: {base / ours:.1f}x (target >= 5x); "
          f"with the baseline's settings {base / like_for_like:.1f}x")
    return {"floor": steps / floor, "baseline": steps / base, "course": steps / ours,
            "like_for_like": steps / like_for_like, "speedup": base / ours}


def solve(seeds: list[int], max_env_steps: int) -> list[dict]:
    solution = load_solution("04_training")
    results = []
    for seed in seeds:
        config = solution["DQNConfig"](seed=seed, max_env_steps=max_env_steps, progress=False, live_plot=False)
        history = solution["train_agent"](utils.make_env(), config)
        results.append({"seed": seed, "solved": history.solved_episode is not None, "steps": history.env_steps,
                        "episodes": len(history.returns), "seconds": history.wall_time})
        r = results[-1]
        print(f"seed {seed}: {'solved' if r['solved'] else 'NOT solved'} after {r['steps']:,} env steps, "
              f"{r['episodes']} episodes, {r['seconds']:.0f} s", flush=True)
    print(f"median: {statistics.median(r['steps'] for r in results):,.0f} env steps, "
          f"{statistics.median(r['seconds'] for r in results):.0f} s; "
          f"solved {sum(r['solved'] for r in results)} of {len(results)} seeds "
          "(target: median <= 150,000 steps and <= 120 s, every seed solved)")
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000, help="env steps per loop for the speed figures")
    parser.add_argument("--solve", action="store_true", help="time to solve instead of speed")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--max-env-steps", type=int, default=300_000)
    args = parser.parse_args(argv)
    if args.solve:
        solve(args.seeds, args.max_env_steps)
    else:
        speed(args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
