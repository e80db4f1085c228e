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
    ("Q(s, a) picked with NumPy: no gradient",
     [("q_values_for_actions", GATHER, "np.asarray(q_values)[np.arange(len(actions)), np.asarray(actions)]")],
     "test_q_values_for_actions", "not NumPy indexing"),
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

APPLY = "optimizer.apply_gradients(zip(gradients, q_network.trainable_variables))"
MIX = "tau * online_weight + (1.0 - tau) * target_weight"
SOFT_UPDATE = ("    for target_weight, online_weight in zip(target_network.weights, q_network.weights):\n"
               "        target_weight.assign(tau * online_weight + (1.0 - tau) * target_weight)\n")
STUB = "    raise NotImplementedError()\n"  # the exercise as released, not done yet
MISTAKES_04 = [
    ("layer sizes left as NumPy ints", [("build_q_network", "keras.layers.Dense(int(num_actions))",
                                         "keras.layers.Dense(num_actions)")],
     "test_build_q_network_sizes", "Keras wants Python ints"),
    ("soft update through get_weights and set_weights (no tf.function)",
     [("soft_update", SOFT_UPDATE,
       "    mixed = [tau * online + (1.0 - tau) * target\n"
       "             for online, target in zip(q_network.get_weights(), target_network.get_weights())]\n"
       "    target_network.set_weights(mixed)\n")],
     "test_soft_update", "inside tf.function"),
    ("train_step run before soft_update is written", [("soft_update", SOFT_UPDATE, STUB)],
     "test_train_step", "soft_update is not implemented yet, and train_step needs it: finish soft_update first"),
    ("train_agent run before soft_update is written", [("soft_update", SOFT_UPDATE, STUB)],
     "test_train_agent_history", "soft_update is not implemented yet, and train_agent needs it"),
    ("target network never updated", [("train_step", "    soft_update(target_network, q_network, tau)\n", "")],
     "test_train_step", "never updated"),
    ("double not given to compute_loss: plain DQN targets",
     [("train_step", 'loss="huber", double=double)', 'loss="huber")')],
     "test_train_step", "the loss has plain DQN targets: give compute_loss double=double"),
    ("target network hard-copied every step",
     [("train_step", "soft_update(target_network, q_network, tau)", "soft_update(target_network, q_network, 1.0)")],
     "test_train_step", "hard-copied"),
    ("tau applied the wrong way round", [("soft_update", MIX, "(1.0 - tau) * online_weight + tau * target_weight")],
     "test_soft_update", "wrong way round"),
    ("gradients applied to the target network",
     [("train_step", APPLY, "optimizer.apply_gradients(zip(gradients, target_network.trainable_variables))")],
     "test_train_step", "apply the gradients to q_network"),
    ("target network not copied at the start",
     [("make_agent", "    target_network.set_weights(q_network.get_weights())  # Q_target <- a copy of Q\n", "")],
     "test_make_agent", "clone_model copies the layers, not the weights"),
    ("target network made by clone_model, without the weights",
     [("make_agent", "target_network = build_q_network(state_size, num_actions, config.hidden_units)",
       "target_network = keras.models.clone_model(q_network)"),
      ("make_agent", "    target_network.set_weights(q_network.get_weights())  # Q_target <- a copy of Q\n", "")],
     "test_make_agent", "set_weights(q_network.get_weights())"),
    ("Keras not seeded",
     [("make_agent", "    utils.seed_everything(config.seed)  # Keras' initial weights repeat from the seed\n", "")],
     "test_make_agent", "utils.seed_everything(config.seed) before you build the networks"),
    ("state = next_state forgotten", [("play_episode", "        state = next_state  # easy to forget\n", "")],
     "test_play_episode", "state = next_state"),
    ("the acting copy never synced: the agent learns but acts with its first weights",
     [("play_episode", "            agent.actor.sync()\n", "")],
     "test_play_episode", "agent.actor.sync() after every train_step"),
    ("terminated and truncated mixed up in the buffer",
     [("play_episode", "agent.buffer.append(state, action, reward, next_state, terminated)",
       "agent.buffer.append(state, action, reward, next_state, terminated or truncated)")],
     "test_play_episode", "store terminated, not terminated or truncated"),
    ("should_learn given the episode's steps, not the run's",
     [("play_episode", "if should_learn(step, config.learn_every",
       "if should_learn(episode_length, config.learn_every")],
     "test_train_agent_learning", "step counted over the whole run"),
    ("epsilon decayed before the episode instead of after",
     [("train_agent",
       "        monitor.end_episode(episode_return, episode_length, epsilon, losses)\n"
       "        epsilon = decay_epsilon(epsilon, config.epsilon_decay, config.epsilon_min)\n",
       "        epsilon = decay_epsilon(epsilon, config.epsilon_decay, config.epsilon_min)\n"
       "        monitor.end_episode(episode_return, episode_length, epsilon, losses)\n")],
     "test_train_agent_history", "decay it once, after the episode"),
    ("solved before 100 episodes",
     [("train_agent", "solved = len(recent) == SOLVED_WINDOW and np.mean(recent)", "solved = np.mean(recent)")],
     "test_train_agent_history", "solved needs at least SOLVED_WINDOW (100) episodes"),
    ("every episode reset with the run's seed",
     [("train_agent", "seed = config.seed if not history.returns else None", "seed = config.seed")],
     "test_train_agent_learning", "only the first should get config.seed"),
]

MISTAKES_05 = [
    ("collect_episode as given: state = next_state forgotten",
     [("collect_episode", "        state = next_state\n", "")],
     "test_collect_episode", "this is run D's bug"),
    ("collect_episode as given: a cut-off episode stored as an end",
     [("collect_episode", "transitions.append((state, action, reward, next_state, terminated))",
       "transitions.append((state, action, reward, next_state, terminated or truncated))")],
     "test_collect_episode", "store terminated alone"),
    ("collect_episode as given: it plays on past the time limit",
     [("collect_episode", "        if terminated or truncated:\n            return",
       "        if terminated:\n            return")],
     "test_collect_episode", "stop when terminated or truncated is True"),
    ("the bootstrap drawn without replacement: every resample has the same mean",
     [("bootstrap", "    means = rng.choice(values, size=(num_resamples, len(values)), replace=True).mean(axis=1)\n",
       "    means = np.array([rng.permutation(values).mean() for _ in range(num_resamples)])\n")],
     "test_bootstrap_ci", "draw with replacement"),
    ("the quantiles of the values instead of the resampled means",
     [("bootstrap", "low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])\n    return float(low), float(high)",
       "low, high = np.quantile(values, [alpha / 2, 1 - alpha / 2])\n    return float(low), float(high)")],
     "test_bootstrap_ci", "not of the values"),
    ("a 90% interval for a 95% one: alpha on each side instead of alpha / 2",
     [("bootstrap", "low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])",
       "low, high = np.quantile(means, [alpha, 1 - alpha])")],
     "test_bootstrap_ci", "2.5% of the means out on each side"),
    ("the two means compared directly, as if one run per seed were the truth",
     [("bootstrap", "    return bool(low > 0 or high < 0)", "    return bool(steps_b.mean() != steps_a.mean())")],
     "test_configs_differ", "do not compare the two means directly"),
    ("only one end of the interval tested: b slower than a is missed",
     [("bootstrap", "    return bool(low > 0 or high < 0)", "    return bool(high < 0)")],
     "test_configs_differ", "at either end"),
    ("a slow healthy run called broken: any run below 0 taken for an unsynced actor",
     [("diagnose", "if returns[-20:].mean() < -100:", "if returns[-20:].mean() < 0:")],
     "test_diagnose_shown_runs", "A slow seed is not a bug"),
    ("the trend taken for the level: an unsynced actor whose returns drift up is called healthy",
     [("diagnose", "if returns[-20:].mean() < -100:", "if returns[-20:].mean() < returns[:20].mean():")],
     "test_diagnose_unseen_runs", "even where its returns drift up"),
    ("the size of the Q-values never checked: exploding runs taken for an unsynced actor",
     [("diagnose", "    if np.max(np.abs(q_values)) > 1000:                 # beyond any return the lander can give\n"
                   "        return \"state_not_updated\"\n", "")],
     "test_diagnose_shown_runs", "look at the size of the Q-values"),
    ("NaN losses compared with ==, which is never true",
     [("diagnose", "if np.all(np.isnan(losses)):", "if np.all(losses == np.nan):")],
     "test_diagnose_shown_runs", "did any learning step happen"),
    ("the rules fitted to runs A to E: a threshold from run D's numbers",
     [("diagnose", "if np.max(np.abs(q_values)) > 1000:", "if np.max(np.abs(q_values)) > 1e7:")],
     "test_diagnose_unseen_runs", "compare their size with the returns"),
    ("exploration left on during evaluation",
     [("greedy_policy", "return int(np.argmax(q_values(observation)))",
       "return int(np.random.randint(4)) if np.random.random() < 0.05 else int(np.argmax(q_values(observation)))")],
     "test_greedy_policy", "evaluation must be greedy"),
    ("environment not reseeded per episode",
     [("evaluate_policy", "env.reset(seed=seed + i)", "env.reset(seed=seed if i == 0 else None)")],
     "test_evaluate_policy", "reseed every episode"),
    ("returns averaged over steps",
     [("evaluate_policy", "    returns = np.zeros(num_episodes)\n",
       "    returns = np.zeros(num_episodes)\n    steps_taken = np.zeros(num_episodes)\n"),
      ("evaluate_policy", "            returns[i] += reward\n    return returns",
       "            returns[i] += reward\n            steps_taken[i] += 1\n    return returns / steps_taken")],
     "test_evaluate_policy", "averaged over steps"),
    ("rolling window one too wide", [("rolling_mean", "ends - window", "ends - window - 1")],
     "test_rolling_mean", "one too wide"),
    ("solved rule on the last window - 1 returns",
     [("is_solved", "returns[-window:].mean()", "returns[-window + 1:].mean()")],
     "test_is_solved_edge_cases", "not window - 1"),
]

ALL = (
    [("01_environment", *m) for m in MISTAKES_01]
    + [("02_epsilon_greedy", *m) for m in MISTAKES_02]
    + [("03_targets", *m) for m in MISTAKES_03]
    + [("04_training", *m) for m in MISTAKES_04]
    + [("05_evaluation", *m) for m in MISTAKES_05]
)


@pytest.mark.parametrize("assignment", ["01_environment", "02_epsilon_greedy", "03_targets", "04_training",
                                        "05_evaluation"])
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
