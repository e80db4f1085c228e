"""Make every fixture in data/ from a NumPy reference, and data/SHA256SUMS.

    python scripts/make_fixtures.py          # write data/
    python scripts/make_fixtures.py --check  # regenerate in a temporary folder and compare

Expected values are computed here in float64 NumPy, never with TensorFlow, so
they do not depend on its version. The script is deterministic: the same
inputs give the same bytes, which tests/test_fixtures.py checks.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import utils  # noqa: E402  (quiet start-up before anything else)
from utils.fixtures import MANIFEST_NAME, write_manifest  # noqa: E402
from utils.networks import weight_name  # noqa: E402


def seeded_returns(policy, first_seed: int, episodes: int) -> np.ndarray:
    """Returns of `policy` on LunarLander, episode i reset with seed first_seed + i and played to its end.

    The reference of notebook 05's evaluate_policy, also used by scripts/train_pretrained.py."""
    env = utils.make_env()
    returns = []
    for i in range(episodes):
        observation, _ = env.reset(seed=first_seed + i)
        total, terminated, truncated = 0.0, False, False
        while not (terminated or truncated):
            observation, reward, terminated, truncated, _ = env.step(policy(observation))
            total += float(reward)
        returns.append(total)
    env.close()
    return np.array(returns, dtype=np.float64)

# ---------------------------------------------------------------- 01_environment


def random_returns(num_episodes: int = 100) -> np.ndarray:
    """Returns of the uniformly random agent on seeds 0..99 (episode seed = action seed)."""
    env = utils.make_env()
    returns = []
    for seed in range(num_episodes):
        rng = np.random.default_rng(seed)
        env.reset(seed=seed)
        total = 0.0
        for _ in range(1000):
            _, reward, terminated, truncated, _ = env.step(int(rng.integers(4)))
            total += float(reward)
            if terminated or truncated:
                break
        returns.append(total)
    env.close()
    return np.array(returns, dtype=np.float64)


# ------------------------------------------------------------- 02_epsilon_greedy


def q_value_table() -> np.ndarray:
    """Rows of Q-values with one clear maximum each (ties are tested separately)."""
    rng = np.random.default_rng(20202)
    table = rng.normal(0.0, 10.0, size=(12, 4))
    table[3] = [-5.0, -1.0, -7.5, -3.0]  # all negative
    table[4] = [0.0, 0.0, 0.0, 1e-3]  # a tiny margin
    return table


def decay_sequence(epsilon: float = 1.0, decay: float = 0.995, epsilon_min: float = 0.01, episodes: int = 1000):
    """epsilon after 0, 1, ..., episodes calls of decay_epsilon."""
    values = [epsilon]
    for _ in range(episodes):
        epsilon = max(epsilon_min, epsilon * decay)
        values.append(epsilon)
    return np.array(values, dtype=np.float64)


LINEAR_STEPS = np.array([0, 1, 250, 500, 999, 1000, 1001, 5000], dtype=np.int64)


def linear_schedule(steps=LINEAR_STEPS, start: float = 1.0, end: float = 0.05, duration: int = 1000):
    fraction = np.minimum(steps / duration, 1.0)
    return start + fraction * (end - start)


# ------------------------------------------------------------------- 03_targets

GAMMA = 0.99


def mlp_weights(rng, sizes=(8, 16, 4)) -> list[np.ndarray]:
    """float32 weights of a ReLU MLP, He-scaled so the Q-values are of order 1."""
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        weights.append((rng.normal(size=(n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(np.float32))
        weights.append((rng.normal(size=n_out) * 0.1).astype(np.float32))
    return weights


def matmul(a, b) -> np.ndarray:
    """``a @ b`` in float64, summed over k = 0, 1, ... with elementwise NumPy operations only. BLAS picks its
    kernels by CPU, and they round differently in the last bit: the fixtures must reproduce byte for byte on
    any machine."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    out = np.zeros((a.shape[0], b.shape[1]))
    for k in range(a.shape[1]):
        out += a[:, k, None] * b[None, k, :]
    return out


def mlp_forward(weights, states) -> np.ndarray:
    """The NumPy float64 reference of utils.networks.network_from_weights."""
    x = np.asarray(states, dtype=np.float64)
    layers = len(weights) // 2
    for i in range(layers):
        x = matmul(x, weights[2 * i]) + weights[2 * i + 1].astype(np.float64)
        if i < layers - 1:
            x = np.maximum(x, 0.0)
    return x


def huber(errors, delta: float = 1.0) -> np.ndarray:
    errors = np.abs(errors)
    return np.where(errors <= delta, 0.5 * errors**2, delta * (errors - 0.5 * delta))


def targets_fixtures() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(30303)
    online, target = mlp_weights(rng), mlp_weights(rng)
    states = rng.normal(0.0, 0.7, size=(6, 8)).astype(np.float32)
    next_states = rng.normal(0.0, 0.7, size=(6, 8)).astype(np.float32)
    actions = np.array([0, 3, 1, 2, 1, 0], dtype=np.int64)
    rewards = np.array([-1.5, 0.3, 10.0, -100.0, 2.0, 100.0], dtype=np.float32)
    terminated = np.array([0, 0, 0, 1, 0, 1], dtype=np.float32)
    rows = np.arange(len(actions))
    not_done = 1.0 - terminated.astype(np.float64)
    r = rewards.astype(np.float64)

    next_q_table = rng.normal(0.0, 5.0, size=(6, 4))  # for compute_td_targets
    q_table = rng.normal(0.0, 5.0, size=(6, 4))  # for q_values_for_actions
    next_q_target = mlp_forward(target, next_states)
    next_q_online = mlp_forward(online, next_states)
    q_online = mlp_forward(online, states)
    targets = r + GAMMA * not_done * next_q_target.max(axis=1)
    q_taken = q_online[rows, actions]
    best_online = next_q_online.argmax(axis=1)
    double = r + GAMMA * not_done * next_q_target[rows, best_online]
    # The tests tell mistakes apart only if these differ:
    assert np.any(best_online != next_q_target.argmax(axis=1)), "Double DQN would equal DQN on this batch"
    swapped = r + GAMMA * not_done * next_q_online[rows, next_q_target.argmax(axis=1)]
    assert not np.allclose(swapped, double), "swapped networks would pass the Double DQN test"

    fixtures = {
        "03_targets/states": states,
        "03_targets/actions": actions,
        "03_targets/rewards": rewards,
        "03_targets/next_states": next_states,
        "03_targets/terminated": terminated,
        "03_targets/next_q_table": next_q_table,
        "03_targets/td_targets_from_table": r + GAMMA * not_done * next_q_table.max(axis=1),
        "03_targets/q_table": q_table,
        "03_targets/q_table_taken": q_table[rows, actions],
        "03_targets/targets": targets,
        "03_targets/q_taken": q_taken,
        "03_targets/mse_loss": np.array(np.mean((targets - q_taken) ** 2)),
        "03_targets/huber_loss": np.array(np.mean(huber(targets - q_taken))),
        "03_targets/double_dqn_targets": double,
    }
    for name, weights in (("online", online), ("target", target)):
        for i, array in enumerate(weights):
            fixtures[f"03_targets/{name}/{weight_name(i)}"] = array
    return fixtures


# ------------------------------------------------------------------ 04_training

TAU = 0.1
LEARNING_RATE = 1e-3


def huber_loss_gradients(weights, batch, gamma, double):
    """Huber loss (delta 1) of compute_loss and its gradient w.r.t. the online weights, in float64.

    With `double`, the targets are Double DQN's: the online network picks the next action, the target network
    values it."""
    online, target = weights
    states, actions, rewards, next_states, terminated = batch
    rows = np.arange(len(actions))
    next_q_target = mlp_forward(target, next_states)
    next_actions = mlp_forward(online, next_states).argmax(axis=1) if double else next_q_target.argmax(axis=1)
    targets = rewards.astype(np.float64) + gamma * (1.0 - terminated) * next_q_target[rows, next_actions]
    x = [np.asarray(states, dtype=np.float64)]  # inputs of each layer
    pre = []  # pre-activations of each layer
    layers = len(online) // 2
    for i in range(layers):
        pre.append(matmul(x[-1], online[2 * i]) + online[2 * i + 1].astype(np.float64))
        if i < layers - 1:
            x.append(np.maximum(pre[-1], 0.0))
    errors = targets - pre[-1][rows, actions]
    loss = float(np.mean(huber(errors)))
    grad_out = np.zeros_like(pre[-1])
    grad_out[rows, actions] = -np.clip(errors, -1.0, 1.0) / len(actions)  # d loss / d Q(s, a)
    grads = [None] * len(online)
    for i in reversed(range(layers)):
        grads[2 * i] = matmul(x[i].T, grad_out)
        grads[2 * i + 1] = grad_out.sum(axis=0)
        if i:
            grad_out = matmul(grad_out, online[2 * i].astype(np.float64).T) * (pre[i - 1] > 0)
    # float32 and float64 must agree on which ReLUs are on:
    assert all(np.abs(p).min() > 1e-4 for p in pre[:-1]), "a pre-activation is too close to 0"
    return loss, grads


def keras_adam_first_step(variable, gradient, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """One step of keras.optimizers.Adam from fresh moments, as Keras 3 writes it."""
    alpha = learning_rate * np.sqrt(1 - beta_2) / (1 - beta_1)
    m = (1 - beta_1) * gradient
    v = (1 - beta_2) * gradient**2
    return variable.astype(np.float64) - m * alpha / (np.sqrt(v) + epsilon)


def training_fixtures(parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """soft_update and one train_step (Huber loss, Adam) from the fixed networks and batch of 03_targets (`parts`).

    train_step's with Double DQN targets (its default), and train_step_plain's with plain DQN targets."""
    online = [parts[f"03_targets/online/{weight_name(i)}"] for i in range(4)]
    target = [parts[f"03_targets/target/{weight_name(i)}"] for i in range(4)]
    batch = tuple(parts[f"03_targets/{name}"] for name in ("states", "actions", "rewards", "next_states", "terminated"))
    fixtures = {}
    for prefix, double in (("train_step", True), ("train_step_plain", False)):
        loss, grads = huber_loss_gradients((online, target), batch, GAMMA, double)
        online_after = [keras_adam_first_step(w, g, LEARNING_RATE) for w, g in zip(online, grads, strict=True)]
        fixtures[f"04_training/{prefix}_loss"] = np.array(loss)
        for i in range(len(online)):
            name = weight_name(i)
            fixtures[f"04_training/{prefix}_online/{name}"] = online_after[i]
            old_target = target[i].astype(np.float64)
            fixtures[f"04_training/{prefix}_target/{name}"] = TAU * online_after[i] + (1 - TAU) * old_target
    # The test tells plain targets from Double DQN's only if their losses differ:
    assert abs(fixtures["04_training/train_step_loss"] - fixtures["04_training/train_step_plain_loss"]) > 1e-2
    for i in range(len(online)):
        old_online, old_target = online[i].astype(np.float64), target[i].astype(np.float64)
        fixtures[f"04_training/soft_update_tau_0.1/{weight_name(i)}"] = TAU * old_online + (1 - TAU) * old_target
    return fixtures


# ---------------------------------------------------------------- 05_evaluation

EVALUATION_FIXTURE_SEED = 123


def hover_policy_returns(episodes: int = 5) -> np.ndarray:
    """Returns of utils.stubs.hover_policy, episode i reset with seed EVALUATION_FIXTURE_SEED + i."""
    from utils.stubs import hover_policy

    return seeded_returns(hover_policy, EVALUATION_FIXTURE_SEED, episodes)


def rolling_means(values, window: int) -> np.ndarray:
    """Mean of each value and the window - 1 before it (fewer at the start), by plain loops."""
    return np.array([np.mean(values[max(0, i - window + 1): i + 1]) for i in range(len(values))], dtype=np.float64)


def evaluation_fixtures() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(50505)
    values = rng.normal(0.0, 100.0, size=30)
    return {
        "05_evaluation/hover_policy_returns": hover_policy_returns(),
        "05_evaluation/rolling_values": values,
        "05_evaluation/rolling_mean_window_5": rolling_means(values, 5),
    }


def is_float32_input(name: str) -> bool:
    """Inputs stored as float32 on purpose (batches, network weights); expected values are float64."""
    return name.rsplit("/", 1)[-1] in ("states", "next_states", "rewards", "terminated") or any(
        part in name for part in ("/online/", "/target/")
    )


def fixtures() -> dict[str, np.ndarray]:
    """Every fixture by its path relative to data/ (without .npy)."""
    table = q_value_table()
    targets = targets_fixtures()
    return {
        "01_environment/random_returns": random_returns(),
        "02_epsilon_greedy/q_values": table,
        "02_epsilon_greedy/greedy_actions": np.argmax(table, axis=1).astype(np.int64),
        "02_epsilon_greedy/decay_sequence": decay_sequence(),
        "02_epsilon_greedy/linear_steps": LINEAR_STEPS,
        "02_epsilon_greedy/linear_values": linear_schedule(),
        **targets,
        **training_fixtures(targets),
        **evaluation_fixtures(),
    }


def write(directory: Path) -> list[str]:
    """Write every fixture into ``directory`` and list all its files in SHA256SUMS. Returns the fixtures' names."""
    names = []
    for name, array in fixtures().items():
        path = directory / f"{name}.npy"
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, np.asarray(array, order="C"), allow_pickle=False)
        names.append(f"{name}.npy")
    write_manifest(directory)
    return sorted(names)


def check(directory: Path) -> list[str]:
    """Regenerate into a temporary folder; return the fixtures that differ from ``directory``."""
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        names = write(scratch)
        different = []
        for name in names:
            committed = directory / name
            if not committed.is_file() or committed.read_bytes() != (scratch / name).read_bytes():
                different.append(name)
        return different


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with data/ instead of writing it")
    parser.add_argument("--data", type=Path, default=REPO / "data")
    args = parser.parse_args(argv)
    if args.check:
        different = check(args.data)
        if different:
            print("fixtures that differ from a fresh run:", *different, sep="\n  ")
            return 1
        print("all fixtures reproduce byte for byte")
        return 0
    names = write(args.data)
    print(f"wrote {len(names)} fixtures and {MANIFEST_NAME} to {args.data}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
