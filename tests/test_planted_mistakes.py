"""Each classic mistake, planted in a copy of a solution, loses points with a message that points at it."""

import pytest
from notebook_cells import Mistake, run_graded_cells

TD = "rewards + gamma * (1.0 - terminated) * best_next"
MAX_NEXT = "tf.reduce_max(next_q_values, axis=1)"
GATHER = "tf.gather(q_values, actions, axis=1, batch_dims=1)"
SELECT = "tf.argmax(q_network(next_states), axis=1)"
EVALUATE = "q_values_for_actions(target_network(next_states)"

# (name, [(cell, old, new), ...], the test cell that must fail, words its message must hold)
MISTAKES_03 = [
    ("terminal mask missing", [("compute_td_targets", TD, "rewards + gamma * best_next")],
     "test_td_targets", "is `terminated` used?"),
    ("terminal mask inverted", [("compute_td_targets", TD, "rewards + gamma * terminated * best_next")],
     "test_td_targets", "mask is inverted"),
    ("gamma missing", [("compute_td_targets", TD, "rewards + (1.0 - terminated) * best_next")],
     "test_td_targets", "gamma is missing"),
    ("gamma applied twice", [("compute_td_targets", TD, "rewards + gamma * gamma * (1.0 - terminated) * best_next")],
     "test_td_targets", "gamma is applied twice"),
    ("max over the batch axis", [("compute_td_targets", MAX_NEXT, "tf.reduce_max(next_q_values, axis=0)")],
     "test_td_targets", "max over the actions (axis=1)"),
    ("(batch, 1) broadcast into (batch, batch)",
     [("compute_td_targets", MAX_NEXT, "tf.reduce_max(next_q_values, axis=1, keepdims=True)")],
     "test_td_targets", "broadcast into (batch, batch)"),
    ("online network used for the targets",
     [("compute_loss", "compute_targets(target_network, rewards", "compute_targets(q_network, rewards")],
     "test_compute_loss", "use the target network"),
    ("gather of the wrong actions", [("q_values_for_actions", GATHER, "tf.gather(q_values, actions, axis=1)")],
     "test_q_values_for_actions", "(batch, batch)"),
    ("max instead of the taken action", [("q_values_for_actions", GATHER, "tf.reduce_max(q_values, axis=1)")],
     "test_q_values_for_actions", "that is the max over actions"),
    ("loss summed instead of averaged",
     [("compute_loss", "return tf.reduce_mean(tf.square(errors))", "return tf.reduce_sum(tf.square(errors))")],
     "test_compute_loss", "summed over the batch"),
    ("gradients through the target network",
     [("compute_loss", "targets = tf.stop_gradient(tf.cast(", "targets = tf.identity(tf.cast(")],
     "test_compute_loss_gradients", "tf.stop_gradient"),
    ("Double DQN with the roles swapped",
     [("compute_double_dqn_targets", SELECT, "tf.argmax(target_network(next_states), axis=1)"),
      ("compute_double_dqn_targets", EVALUATE, "q_values_for_actions(q_network(next_states)")],
     "test_double_dqn_targets", "the roles are swapped"),
    ("plain DQN instead of Double DQN",
     [("compute_double_dqn_targets", SELECT, "tf.argmax(target_network(next_states), axis=1)")],
     "test_double_dqn_targets", "plain DQN target"),
]


STEP = "observation, reward, terminated, truncated, _ = env.step(action)"
MISTAKES_01 = [
    ("episode ignores truncated", [("run_episode", "if terminated or truncated:", "if terminated:")],
     "test_run_episode_limits", "stop when terminated OR truncated"),
    ("episode ignores max_steps", [("run_episode", "while num_steps < max_steps:", "while True:")],
     "test_run_episode_limits", "with max_steps=7"),
    ("observation never updated", [("run_episode", STEP, "_, reward, terminated, truncated, _ = env.step(action)")],
     "test_run_episode_basics", "the newest one"),
]

GREEDY = "q_values = np.asarray(q_values).reshape(-1)  # (n,)\n    return int(np.argmax(q_values))"
MISTAKES_02 = [
    ("argmax over the wrong axis", [("greedy_action", GREEDY, "return np.argmax(np.asarray(q_values), axis=0)")],
     "test_greedy_action", "argmax over the last axis"),
    ("epsilon compared the wrong way round",
     [("epsilon_greedy_action", "if rng.random() < epsilon:", "if rng.random() > epsilon:")],
     "test_epsilon_greedy_extremes", "with probability epsilon"),
    ("random action only among the non-greedy ones",
     [("epsilon_greedy_action", "return int(rng.integers(num_actions))",
       "others = [a for a in range(num_actions) if a != greedy_action(q_values)]\n"
       "        return int(others[rng.integers(num_actions - 1)])")],
     "test_epsilon_greedy_extremes", "the greedy one included"),
    ("randomness not taken from rng",
     [("epsilon_greedy_action", "if rng.random() < epsilon:", "if np.random.random() < epsilon:"),
      ("epsilon_greedy_action", "return int(rng.integers(num_actions))", "return int(np.random.randint(num_actions))")],
     "test_epsilon_greedy_statistics", "take all randomness from rng"),
    ("the floor of the schedule ignored",
     [("decay_epsilon", "return float(max(epsilon_min, epsilon * decay))", "return float(epsilon * decay)")],
     "test_decay_epsilon", "the floor epsilon_min is ignored"),
    ("linear schedule not clipped at its end",
     [("decay_epsilon", "fraction = min(step / duration, 1.0)", "fraction = step / duration")],
     "test_linear_epsilon", "stays at `end`"),
]

ALL = [("01_environment", *m) for m in MISTAKES_01] + [("02_epsilon_greedy", *m) for m in MISTAKES_02] + [
    ("03_targets", *m) for m in MISTAKES_03
]


@pytest.mark.parametrize("assignment", ["01_environment", "02_epsilon_greedy", "03_targets"])
def test_the_solution_passes_every_test_cell(assignment):
    outcomes = run_graded_cells(assignment)
    assert outcomes and all(error is None for error in outcomes.values()), outcomes


@pytest.mark.parametrize("assignment, name, replacements, cell, hint", ALL, ids=[f"{m[0][:2]}: {m[1]}" for m in ALL])
def test_a_planted_mistake_loses_points_and_says_why(assignment, name, replacements, cell, hint):
    outcomes = run_graded_cells(assignment, [Mistake(name, *r) for r in replacements])
    failed = {grade_id: error for grade_id, error in outcomes.items() if error}
    assert failed, f"{name}: every test passed"
    assert cell in failed, f"{name}: {cell} passed; failed: {sorted(failed)}"
    assert hint in failed[cell], f"{name}: the message does not say {hint!r}:\n{failed[cell]}"
