"""Benchmark: utils.ExperienceBuffer against the common deque replay buffer.

The baseline is the buffer many DQN tutorials use: a ``deque`` of namedtuples,
``random.sample`` for a batch, then ``np.array`` per field. Both store the same
transitions (fresh float32 observation arrays, as ``env.step`` returns them).

    python scripts/bench_buffer.py [--capacity 100000] [--batch-size 64] [--batches 2000]

Prints the time to append ``capacity`` transitions, the time to sample and
convert one batch, the bytes held, and the ratios, all measured in this run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import tracemalloc
from collections import deque, namedtuple

import numpy as np

from utils import ExperienceBuffer

Experience = namedtuple("Experience", ["state", "action", "reward", "next_state", "done"])


class DequeBuffer:
    """The tutorials' buffer, for comparison only."""

    def __init__(self, capacity):
        self.memory = deque(maxlen=capacity)

    def append(self, state, action, reward, next_state, terminated):
        self.memory.append(Experience(state, action, reward, next_state, terminated))

    def sample(self, batch_size, rng=None):
        experiences = random.sample(self.memory, k=batch_size)
        states = np.array([e.state for e in experiences], dtype=np.float32)
        actions = np.array([e.action for e in experiences], dtype=np.int64)
        rewards = np.array([e.reward for e in experiences], dtype=np.float32)
        next_states = np.array([e.next_state for e in experiences], dtype=np.float32)
        dones = np.array([e.done for e in experiences], dtype=np.float32)
        return states, actions, rewards, next_states, dones


def fill(buffer, observations, actions, rewards, terminated):
    """Append every transition; each state is a fresh array, as env.step makes one."""
    start = time.perf_counter()
    for i in range(len(actions)):
        buffer.append(observations[i].copy(), int(actions[i]), float(rewards[i]), observations[i + 1].copy(),
                      bool(terminated[i]))
    return time.perf_counter() - start


def measure(make_buffer, data, batch_size, batches, seed):
    # Bytes are traced in a separate fill: tracemalloc slows every allocation down.
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    traced = make_buffer()
    fill(traced, *data)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del traced
    buffer = make_buffer()
    append_seconds = fill(buffer, *data)
    rng = np.random.default_rng(seed)
    random.seed(seed)
    times = []
    for _ in range(batches):
        start = time.perf_counter()
        buffer.sample(batch_size, rng)
        times.append(time.perf_counter() - start)
    return append_seconds, statistics.median(times), held


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--capacity", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--batches", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    n = args.capacity
    data = (
        rng.normal(size=(n + 1, 8)).astype(np.float32),
        rng.integers(0, 4, size=n),
        rng.normal(size=n),
        rng.random(n) < 0.01,
    )
    ours = measure(lambda: ExperienceBuffer(n), data, args.batch_size, args.batches, args.seed)
    base = measure(lambda: DequeBuffer(n), data, args.batch_size, args.batches, args.seed)

    print(f"replay buffer benchmark: capacity {n:,}, batch {args.batch_size}, median of {args.batches:,} batches")
    print(f"{'':28}{'ExperienceBuffer':>18}{'deque baseline':>18}")
    print(f"{'append all (s)':28}{ours[0]:18.3f}{base[0]:18.3f}")
    print(f"{'sample + convert batch (us)':28}{ours[1] * 1e6:18.1f}{base[1] * 1e6:18.1f}")
    print(f"{'bytes held (MB)':28}{ours[2] / 1e6:18.2f}{base[2] / 1e6:18.2f}")
    print(f"sampling speed-up: {base[1] / ours[1]:.1f}x (target >= 10x)")
    print(f"memory ratio: {ours[2] / base[2]:.3f} of the baseline's bytes (target <= 0.25)")
    print(f"append time ratio: {ours[0] / base[0]:.2f} (ours / baseline; ours validates every transition)")
    return {"sample_speedup": base[1] / ours[1], "memory_ratio": ours[2] / base[2]}


if __name__ == "__main__":
    main()
