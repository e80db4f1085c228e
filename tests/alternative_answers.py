"""Correct answers written differently from the solutions: each must get full marks.

The bank of planted mistakes (tests/test_planted_mistakes.py) checks that wrong
answers lose points; this bank checks the other side: loops or vectorised code,
NumPy or TensorFlow ops, Sequential or functional Keras models, `optimizer.apply`
or `apply_gradients`, Keras' losses or by hand, a for loop over the budget or a done flag in
the episode loop. ``ALTERNATIVES[assignment]`` maps a set name ("A", "B") to the
source of every solution cell of that notebook, by grade_id, so each graded
function has at least two correct versions besides the solution.
tests/test_alternative_answers.py runs each set in-process and through nbgrader.
"""

RUN_EPISODE_FOR = '''
def run_episode(env, policy, seed=None, max_steps=1000):
    obs, info = env.reset(seed=seed)
    rewards = []
    for _ in range(max_steps):  # a for loop with a break, rewards kept in a list
        obs, r, terminated, truncated, info = env.step(policy(obs))
        rewards.append(r)
        if terminated or truncated:
            break
    return float(sum(rewards)), len(rewards)
'''

RUN_EPISODE_FLAG = '''
import numpy as np

def run_episode(env, policy, seed=None, max_steps=1000):
    observation = env.reset(seed=seed)[0]
    total, steps, done = np.float64(0.0), 0, False
    while not done and steps < max_steps:  # a done flag instead of break
        step_result = env.step(policy(observation))
        observation, reward = step_result[0], step_result[1]
        done = bool(step_result[2]) or bool(step_result[3])
        total += reward
        steps += 1
    return total, steps
'''

# The same controller as the solution's, written as scores per action: np.argmax returns a NumPy integer.
HEURISTIC_SCORES = '''
def heuristic_policy(observation):
    obs = np.asarray(observation, dtype=np.float64)
    target_angle = min(max(0.5 * obs[0] + obs[2], -0.4), 0.4)
    turn = (target_angle - obs[4]) - 0.5 * obs[5]
    lift = (-0.5 * obs[1] - 0.1) - obs[3]
    if obs[6] > 0 or obs[7] > 0:
        turn, lift = 0.0, (-0.5 * obs[3] if obs[3] < -0.2 else 0.0)
    scores = np.zeros(4)  # nothing, left, main, right
    if lift > abs(turn) and lift > 0.05:
        scores[2] = 1.0
    elif turn < -0.05:
        scores[3] = 1.0
    elif turn > 0.05:
        scores[1] = 1.0
    return np.argmax(scores)
'''

# A different controller: proportional-derivative control of the angle and of the height.
HEURISTIC_PD = '''
def heuristic_policy(observation):
    x, y, vx, vy, angle, spin, left_leg, right_leg = [float(v) for v in observation]
    angle_goal = max(-0.4, min(0.4, 0.55 * x + 1.05 * vx))
    hover_goal = 0.55 * abs(x)
    angle_push = 0.5 * (angle_goal - angle) - 1.0 * spin
    hover_push = 0.5 * (hover_goal - y) - 0.5 * vy
    if left_leg or right_leg:
        angle_push = 0.0
        hover_push = -0.5 * vy
    if hover_push > abs(angle_push) and hover_push > 0.05:
        return 2
    if angle_push < -0.05:
        return 3
    if angle_push > 0.05:
        return 1
    return 0
'''

GREEDY_TF = '''
import tensorflow as tf

def greedy_action(q_values):
    flat = tf.reshape(tf.convert_to_tensor(q_values), [-1])  # TensorFlow ops
    return int(tf.argmax(flat).numpy())
'''

GREEDY_LOOP = '''
def greedy_action(q_values):
    values = [float(v) for v in np.ravel(q_values)]  # a plain loop
    best = 0
    for index, value in enumerate(values):
        if value > values[best]:
            best = index
    return best
'''

EPSILON_GREEDY_CHOICE = '''
def epsilon_greedy_action(q_values, epsilon, rng):
    n = np.size(q_values)
    explore = rng.uniform() < epsilon
    return int(rng.choice(n)) if explore else greedy_action(q_values)
'''

# Draws both random numbers every call, in the other order: the tests must not depend on the order of draws.
EPSILON_GREEDY_TWO_DRAWS = '''
def epsilon_greedy_action(q_values, epsilon, rng):
    random_action = int(rng.integers(0, np.asarray(q_values).reshape(-1).shape[0]))
    coin = rng.random()
    if coin >= epsilon:
        return greedy_action(q_values)
    return random_action
'''

SCHEDULES_BRANCHES = '''
def decay_epsilon(epsilon, decay, epsilon_min):
    new_epsilon = epsilon * decay
    if new_epsilon < epsilon_min:
        return float(epsilon_min)
    return float(new_epsilon)


def linear_epsilon(step, start, end, duration):
    if step >= duration:
        return float(end)
    return start + (end - start) * float(step) / duration
'''

SCHEDULES_NUMPY = '''
def decay_epsilon(epsilon, decay, epsilon_min):
    return float(np.maximum(np.multiply(epsilon, decay), epsilon_min))


def linear_epsilon(step, start, end, duration):
    return float(np.interp(step, [0, duration], [start, end]))  # flat beyond the last point
'''

TD_TARGETS_NUMPY = '''
def compute_td_targets(rewards, next_q_values, terminated, gamma):
    rewards = np.asarray(rewards, dtype=np.float64)
    done = np.asarray(terminated, dtype=np.float64)
    best_next = np.max(np.asarray(next_q_values), axis=1)  # (batch,)
    return rewards + gamma * (1 - done) * best_next
'''

TD_TARGETS_LOOP = '''
def compute_td_targets(rewards, next_q_values, terminated, gamma):
    next_q = np.asarray(next_q_values)
    targets = []
    for i in range(len(next_q)):
        if float(terminated[i]) == 1.0:
            targets.append(float(rewards[i]))
        else:
            targets.append(float(rewards[i]) + gamma * float(max(next_q[i])))
    return np.array(targets, dtype=np.float32)
'''

COMPUTE_TARGETS_PREDICT = '''
def compute_targets(target_network, rewards, next_states, terminated, gamma):
    next_q = target_network.predict(np.asarray(next_states), verbose=0)  # NumPy out
    return compute_td_targets(rewards, next_q, terminated, gamma)
'''

COMPUTE_TARGETS_INLINE = '''
def compute_targets(target_network, rewards, next_states, terminated, gamma):
    next_q = target_network(next_states, training=False)
    not_done = 1.0 - tf.cast(terminated, tf.float32)
    return tf.cast(rewards, tf.float32) + gamma * not_done * tf.reduce_max(next_q, axis=-1)
'''

Q_FOR_ACTIONS_ONE_HOT = '''
def q_values_for_actions(q_values, actions):
    q_values = tf.convert_to_tensor(q_values)
    mask = tf.one_hot(tf.cast(actions, tf.int32), depth=tf.shape(q_values)[1], dtype=q_values.dtype)
    return tf.reduce_sum(q_values * mask, axis=1)
'''

Q_FOR_ACTIONS_GATHER_ND = '''
def q_values_for_actions(q_values, actions):
    actions = tf.cast(actions, tf.int32)
    rows = tf.range(tf.shape(actions)[0], dtype=tf.int32)
    return tf.gather_nd(q_values, tf.stack([rows, actions], axis=1))
'''

LOSS_KERAS = '''
import keras

def compute_loss(q_network, target_network, batch, gamma, loss="mse"):
    losses = {"mse": keras.losses.MeanSquaredError(), "huber": keras.losses.Huber(delta=1.0)}
    if loss not in losses:
        raise ValueError(f"unknown loss {loss}")
    states, actions, rewards, next_states, terminated = batch
    targets = tf.stop_gradient(tf.cast(compute_targets(target_network, rewards, next_states, terminated, gamma),
                                       tf.float32))
    predicted = q_values_for_actions(q_network(states), actions)
    return losses[loss](targets, predicted)
'''

LOSS_BY_HAND = '''
def compute_loss(q_network, target_network, batch, gamma, loss="mse"):
    if loss != "mse" and loss != "huber":
        raise ValueError("loss must be mse or huber")
    targets = compute_targets(target_network, batch[2], batch[3], batch[4], gamma)
    targets = tf.reshape(tf.stop_gradient(tf.cast(targets, tf.float32)), [-1])
    errors = targets - q_values_for_actions(q_network(batch[0]), batch[1])
    if loss == "mse":
        return tf.reduce_mean(errors ** 2)
    size = tf.abs(errors)
    quadratic = tf.minimum(size, 1.0)
    return tf.reduce_mean(0.5 * quadratic ** 2 + (size - quadratic))
'''

DOUBLE_DQN_NUMPY = '''
def compute_double_dqn_targets(q_network, target_network, rewards, next_states, terminated, gamma):
    chosen = np.argmax(np.asarray(q_network(next_states)), axis=1)  # the online network selects
    evaluated = np.asarray(target_network(next_states))[np.arange(len(chosen)), chosen]  # the target evaluates
    return np.asarray(rewards, np.float64) + gamma * (1.0 - np.asarray(terminated, np.float64)) * evaluated
'''

DOUBLE_DQN_ONE_HOT = '''
def compute_double_dqn_targets(q_network, target_network, rewards, next_states, terminated, gamma):
    online_next = q_network(next_states)
    target_next = target_network(next_states)
    picked = tf.one_hot(tf.argmax(online_next, axis=1), depth=target_next.shape[1], dtype=target_next.dtype)
    next_values = tf.reduce_sum(target_next * picked, axis=1)
    return tf.cast(rewards, tf.float32) + gamma * (1.0 - tf.cast(terminated, tf.float32)) * next_values
'''

BUILD_FUNCTIONAL = '''
def build_q_network(state_size, num_actions, hidden_units=(64, 64)):
    inputs = keras.Input(shape=(int(state_size),))
    x = inputs
    for units in hidden_units:
        x = keras.layers.Dense(units, activation="relu")(x)
    outputs = keras.layers.Dense(int(num_actions), activation="linear")(x)
    return keras.Model(inputs=inputs, outputs=outputs)
'''

BUILD_WITHOUT_INPUT = '''
def build_q_network(state_size, num_actions, hidden_units=(64, 64)):
    model = keras.Sequential()
    for units in hidden_units:
        model.add(keras.layers.Dense(units, activation=tf.nn.relu))
    model.add(keras.layers.Dense(num_actions.item() if hasattr(num_actions, "item") else num_actions))
    model.build(input_shape=(None, state_size))  # no keras.Input: built here instead
    return model
'''

SOFT_UPDATE_TRAINABLE = '''
def soft_update(target_network, q_network, tau):
    pairs = zip(target_network.trainable_variables, q_network.trainable_variables)
    for target_variable, online_variable in pairs:
        target_variable.assign((1.0 - tau) * target_variable + tau * online_variable)
'''

SOFT_UPDATE_ASSIGN_ADD = '''
def soft_update(target_network, q_network, tau):
    for i, online in enumerate(q_network.weights):
        target = target_network.weights[i]
        target.assign_add(tau * (online - target))  # target + tau (online - target)
'''

TRAIN_STEP_APPLY = '''
@tf.function(jit_compile=True)
def train_step(q_network, target_network, optimizer, batch, gamma, tau, double=True):
    with tf.GradientTape() as tape:
        loss_value = compute_loss(q_network, target_network, batch, gamma, "huber", double)
    variables = q_network.trainable_variables
    optimizer.apply(tape.gradient(loss_value, variables), variables)
    soft_update(target_network, q_network, tau)
    return loss_value
'''

TRAIN_STEP_INLINE = '''
huber = keras.losses.Huber()

@tf.function(jit_compile=True)
def train_step(q_network, target_network, optimizer, batch, gamma, tau, double=True):
    states, actions, rewards, next_states, terminated = batch
    next_target = target_network(next_states)
    if double:  # the online network picks the action, the target network values it
        picked = tf.one_hot(tf.argmax(q_network(next_states), axis=1), next_target.shape[1])
        next_best = tf.reduce_sum(picked * next_target, axis=1)
    else:
        next_best = tf.reduce_max(next_target, axis=1)
    targets = tf.cast(rewards, tf.float32) + gamma * (1.0 - tf.cast(terminated, tf.float32)) * next_best
    with tf.GradientTape() as tape:
        taken = tf.gather(q_network(states), tf.cast(actions, tf.int32), axis=1, batch_dims=1)
        loss = huber(targets, taken)
    grads = tape.gradient(loss, q_network.trainable_weights)
    optimizer.apply_gradients(list(zip(grads, q_network.trainable_weights)))
    soft_update(target_network, q_network, tau)
    return loss
'''

SHOULD_LEARN_EARLY_RETURN = '''
def should_learn(step, learn_every, buffer, batch_size):
    if len(buffer) < batch_size:
        return False
    return not step % learn_every
'''

SHOULD_LEARN_NUMPY = '''
def should_learn(step, learn_every, buffer, batch_size):
    return np.logical_and(np.mod(step, learn_every) == 0, len(buffer) >= batch_size)
'''

# The weights copied variable by variable; the Agent built by keywords.
MAKE_AGENT_ASSIGN = '''
def make_agent(env, config):
    utils.seed_everything(config.seed)
    n_states, n_actions = env.observation_space.shape[0], env.action_space.n
    online = build_q_network(n_states, n_actions, config.hidden_units)
    target = build_q_network(n_states, n_actions, config.hidden_units)
    for target_variable, variable in zip(target.weights, online.weights):
        target_variable.assign(variable)
    adam = keras.optimizers.Adam(config.learning_rate)
    adam.build(online.trainable_variables)
    return Agent(q_network=online, target_network=target, optimizer=adam,
                 buffer=ExperienceBuffer(config.buffer_size, state_shape=(int(n_states),)),
                 actor=NumpyQNetwork(online), rng=np.random.default_rng(config.seed))
'''

# clone_model for the architecture, then the weights copied.
MAKE_AGENT_CLONE = '''
def make_agent(env, config):
    utils.seed_everything(config.seed)
    sizes = (int(env.observation_space.shape[0]), int(env.action_space.n))
    q_network = build_q_network(*sizes, hidden_units=config.hidden_units)
    target_network = keras.models.clone_model(q_network)
    target_network.set_weights(q_network.get_weights())
    optimizer = keras.optimizers.Adam(learning_rate=config.learning_rate)
    optimizer.build(q_network.trainable_variables)
    memory = ExperienceBuffer(config.buffer_size, (sizes[0],))
    generator = np.random.default_rng(config.seed)
    return Agent(q_network, target_network, optimizer, memory, NumpyQNetwork(q_network), generator)
'''

# A for loop over the steps left in the budget; acts through the Keras model itself; losses as floats.
PLAY_EPISODE_FOR = '''
def play_episode(env, agent, epsilon, config, steps_taken, seed=None):
    state, _ = env.reset(seed=seed)
    rewards, losses = [], []
    for step in range(steps_taken + 1, config.max_env_steps + 1):
        q_values = agent.q_network(state[None, :].astype(np.float32)).numpy()[0]
        action = epsilon_greedy_action(q_values, epsilon, agent.rng)
        next_state, reward, terminated, truncated, _ = env.step(action)
        agent.buffer.append(state, action, reward, next_state, terminated)
        state = next_state
        rewards.append(reward)
        if should_learn(step, config.learn_every, agent.buffer, config.batch_size):
            batch = agent.buffer.sample(config.batch_size, agent.rng)
            loss = train_step(agent.q_network, agent.target_network, agent.optimizer, batch, config.gamma, config.tau,
                              double=config.double_dqn)
            losses.append(float(loss))
        if terminated or truncated:
            break
    return float(sum(rewards)), len(rewards), losses
'''

# A done flag instead of return-in-the-loop; the return kept as a NumPy float.
PLAY_EPISODE_FLAG = '''
def play_episode(env, agent, epsilon, config, steps_taken, seed=None):
    obs = env.reset(seed=seed)[0]
    total, length, losses, done = np.float64(0.0), 0, [], False
    while not done:
        action = epsilon_greedy_action(agent.actor(obs), epsilon, agent.rng)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        agent.buffer.append(obs, action, reward, next_obs, terminated)
        obs = next_obs
        total += reward
        length += 1
        if should_learn(steps_taken + length, config.learn_every, agent.buffer, config.batch_size):
            losses.append(train_step(agent.q_network, agent.target_network, agent.optimizer,
                                     agent.buffer.sample(config.batch_size, agent.rng), config.gamma,
                                     config.tau).numpy().item())
            agent.actor.sync()
        done = terminated or truncated or steps_taken + length == config.max_env_steps
    return total, length, losses
'''

# Episodes counted with itertools.count, epsilon in closed form, the solved rule in a helper.
TRAIN_AGENT_COUNT = '''
import itertools

def is_solved(returns):
    return len(returns) >= SOLVED_WINDOW and np.mean(returns[-SOLVED_WINDOW:]) >= SOLVED_THRESHOLD


def train_agent(env, config):
    monitor = TrainingMonitor(config)
    agent = make_agent(env, config)
    for episode in itertools.count():
        if monitor.history.env_steps >= config.max_env_steps:
            break
        epsilon = max(config.epsilon_min, config.epsilon_start * config.epsilon_decay ** episode)
        outcome = play_episode(env, agent, epsilon, config, monitor.history.env_steps,
                               seed=config.seed if episode == 0 else None)
        monitor.end_episode(*outcome[:2], epsilon, outcome[2])
        if is_solved(monitor.history.returns):
            if monitor.history.solved_episode is None:
                monitor.history.solved_episode = episode + 1
            if config.stop_when_solved:
                break
    return monitor.finish(agent)
'''

# Its own step counter; the window checked with a slice length.
TRAIN_AGENT_WHILE = '''
def train_agent(env, config):
    monitor = TrainingMonitor(config)
    agent = make_agent(env, config)
    epsilon, steps, returns = config.epsilon_start, 0, []
    while steps < config.max_env_steps:
        episode_return, episode_length, losses = play_episode(
            env, agent, epsilon, config, steps, config.seed if steps == 0 else None)
        steps += episode_length
        returns.append(episode_return)
        monitor.end_episode(episode_return, episode_length, epsilon, losses)
        epsilon = decay_epsilon(epsilon, config.epsilon_decay, config.epsilon_min)
        last = np.array(returns[-SOLVED_WINDOW:])
        if last.size >= SOLVED_WINDOW and last.mean() >= SOLVED_THRESHOLD:
            if monitor.history.solved_episode is None:
                monitor.history.solved_episode = len(returns)
            if config.stop_when_solved:
                break
    return monitor.finish(agent)
'''

GREEDY_POLICY_KERAS = '''
def greedy_policy(q_network):
    def act(observation):
        q_values = q_network(np.asarray(observation, dtype=np.float32).reshape(1, -1))  # (1, num_actions)
        return int(np.argmax(q_values[0]))
    return act
'''

GREEDY_POLICY_WEIGHTS = '''
def greedy_policy(q_network):
    weights = q_network.get_weights()  # kernel, bias, kernel, bias, ...

    def policy(observation):
        x = np.asarray(observation, dtype=np.float32)
        for i in range(0, len(weights), 2):
            x = x @ weights[i] + weights[i + 1]
            if i + 2 < len(weights):
                x = np.maximum(x, 0)
        return int(x.argmax())

    return policy
'''

EVALUATE_LIST = '''
def evaluate_policy(env, policy, num_episodes, seed):
    returns = []
    for episode in range(num_episodes):
        returns.append(run_one(env, policy, seed + episode))
    return np.array(returns, dtype=float)


def run_one(env, policy, episode_seed):
    observation, _ = env.reset(seed=episode_seed)
    total = 0.0
    while True:
        observation, reward, terminated, truncated, _ = env.step(policy(observation))
        total += reward
        if terminated or truncated:
            return total
'''

EVALUATE_WHILE = '''
def evaluate_policy(env, policy, num_episodes, seed):
    totals = np.empty(num_episodes, dtype=np.float64)
    episode = 0
    while episode < num_episodes:
        obs, _ = env.reset(seed=int(seed) + episode)
        total, over = 0.0, False
        while not over:
            obs, reward, terminated, truncated, _ = env.step(policy(obs))
            total, over = total + float(reward), terminated or truncated
        totals[episode] = total
        episode += 1
    return totals
'''

ROLLING_LOOP = '''
def rolling_mean(values, window):
    values = list(values)
    return np.array([np.mean(values[max(0, i - window + 1): i + 1]) for i in range(len(values))])
'''

ROLLING_CONVOLVE = '''
def rolling_mean(values, window):
    values = np.asarray(values, dtype=np.float64)
    sums = np.convolve(values, np.ones(window))[: len(values)]
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return sums / counts
'''

IS_SOLVED_EARLY_RETURN = '''
def is_solved(returns, threshold=200.0, window=100):
    if len(returns) < window:
        return False
    return bool(np.mean(list(returns)[-window:]) >= threshold)
'''

IS_SOLVED_SUM = '''
def is_solved(returns, threshold=200.0, window=100):
    recent = list(returns)[max(0, len(returns) - window):]
    return len(recent) == window and sum(recent) / window >= threshold
'''

DIAGNOSE_TRENDS = '''
def diagnose(run):
    curves = {name: np.asarray(values, dtype=float) for name, values in run.items()}
    learned = ~np.isnan(curves["losses"])
    if not learned.any():
        return "never_learns"
    if np.isclose(curves["epsilons"].min(), curves["epsilons"].max()):
        return "epsilon_not_decayed"
    if np.nanmax(curves["losses"]) > 1e4 or np.abs(curves["q_values"]).max() > 2000:
        return "state_not_updated"
    # the network's estimate against what the agent gets: far apart when the agent does not act by the network
    gap = curves["q_values"][-1] - curves["returns"][-20:].mean()
    return "actor_not_synced" if gap > 100 else "healthy"
'''

DIAGNOSE_QUARTERS = '''
def diagnose(run):
    returns = np.array(run["returns"], dtype=float)
    quarter = max(1, len(returns) // 4)
    losses = [loss for loss in run["losses"] if loss == loss]  # NaN is not equal to itself
    if len(losses) == 0:
        return "never_learns"
    if run["q_values"][-1] > 500 or max(losses) > 500:
        return "state_not_updated"
    if min(run["epsilons"]) >= 0.9:
        return "epsilon_not_decayed"
    if np.median(returns[-quarter:]) > -100:
        return "healthy"
    return "actor_not_synced"
'''

BOOTSTRAP_LOOPS = '''
def bootstrap_ci(values, rng, num_resamples=10_000, confidence=0.95):
    values = list(values)
    n = len(values)
    means = []
    for _ in range(num_resamples):
        picks = rng.integers(0, n, size=n)
        means.append(sum(values[i] for i in picks) / n)
    tail = (1 - confidence) / 2 * 100
    return tuple(float(x) for x in np.percentile(means, [tail, 100 - tail]))


def configs_differ(steps_a, steps_b, rng, num_resamples=10_000, confidence=0.95):
    a, b = np.array(steps_a, dtype=float), np.array(steps_b, dtype=float)
    differences = [rng.choice(b, len(b)).mean() - rng.choice(a, len(a)).mean() for _ in range(num_resamples)]
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(differences, [tail, 100 - tail])
    return not (low <= 0 <= high)
'''

BOOTSTRAP_INDICES = '''
def resampled_means(values, rng, num_resamples):
    values = np.asarray(values, dtype=np.float64)
    return values[rng.integers(len(values), size=(num_resamples, len(values)))].mean(axis=1)


def bootstrap_ci(values, rng, num_resamples=10_000, confidence=0.95):
    means = resampled_means(values, rng, num_resamples)
    outside = (1.0 - confidence) / 2.0
    return float(np.quantile(means, outside)), float(np.quantile(means, 1.0 - outside))


def configs_differ(steps_a, steps_b, rng, num_resamples=10_000, confidence=0.95):
    differences = resampled_means(steps_b, rng, num_resamples) - resampled_means(steps_a, rng, num_resamples)
    outside = (1.0 - confidence) / 2.0
    low, high = np.quantile(differences, [outside, 1.0 - outside])
    return bool(high < 0.0) or bool(low > 0.0)
'''

COLLECT_COUNT = '''
import itertools

def collect_episode(env, act, epsilon, seed=None):
    observation = env.reset(seed=seed)[0]
    steps, rewards = [], []
    for _ in itertools.count():
        action = act(observation, epsilon)
        following, reward, terminated, truncated, _ = env.step(action)
        steps.append([observation, action, reward, following, bool(terminated)])
        rewards.append(reward)
        observation = following
        if terminated or truncated:
            break
    return float(np.sum(rewards)), steps
'''

COLLECT_DONE_FLAG = '''
def collect_episode(env, act, epsilon, seed=None):
    state, _ = env.reset(seed=seed)
    transitions, total, done = [], np.float64(0.0), False
    while not done:
        action = act(state, epsilon)
        next_state, reward, terminated, truncated, _ = env.step(action)
        transitions.append((state, action, reward, next_state, terminated))
        total += reward
        state, done = next_state, terminated or truncated
    return total, transitions
'''

ALTERNATIVES = {
    "01_environment": {
        "A": {"run_episode": RUN_EPISODE_FOR, "heuristic_policy": HEURISTIC_SCORES},
        "B": {"run_episode": RUN_EPISODE_FLAG, "heuristic_policy": HEURISTIC_PD},
    },
    "02_epsilon_greedy": {
        "A": {"greedy_action": GREEDY_TF, "epsilon_greedy_action": EPSILON_GREEDY_CHOICE,
              "decay_epsilon": SCHEDULES_BRANCHES},
        "B": {"greedy_action": GREEDY_LOOP, "epsilon_greedy_action": EPSILON_GREEDY_TWO_DRAWS,
              "decay_epsilon": SCHEDULES_NUMPY},
    },
    "03_targets": {
        "A": {"compute_td_targets": TD_TARGETS_NUMPY, "compute_targets": COMPUTE_TARGETS_PREDICT,
              "q_values_for_actions": Q_FOR_ACTIONS_ONE_HOT, "compute_loss": LOSS_KERAS,
              "compute_double_dqn_targets": DOUBLE_DQN_NUMPY},
        "B": {"compute_td_targets": TD_TARGETS_LOOP, "compute_targets": COMPUTE_TARGETS_INLINE,
              "q_values_for_actions": Q_FOR_ACTIONS_GATHER_ND, "compute_loss": LOSS_BY_HAND,
              "compute_double_dqn_targets": DOUBLE_DQN_ONE_HOT},
    },
    "04_training": {
        "A": {"build_q_network": BUILD_FUNCTIONAL, "soft_update": SOFT_UPDATE_TRAINABLE,
              "train_step": TRAIN_STEP_APPLY, "should_learn": SHOULD_LEARN_EARLY_RETURN,
              "make_agent": MAKE_AGENT_ASSIGN, "play_episode": PLAY_EPISODE_FOR, "train_agent": TRAIN_AGENT_COUNT},
        "B": {"build_q_network": BUILD_WITHOUT_INPUT, "soft_update": SOFT_UPDATE_ASSIGN_ADD,
              "train_step": TRAIN_STEP_INLINE, "should_learn": SHOULD_LEARN_NUMPY,
              "make_agent": MAKE_AGENT_CLONE, "play_episode": PLAY_EPISODE_FLAG, "train_agent": TRAIN_AGENT_WHILE},
    },
    "05_evaluation": {
        "A": {"greedy_policy": GREEDY_POLICY_KERAS, "evaluate_policy": EVALUATE_LIST,
              "rolling_mean": ROLLING_LOOP, "is_solved": IS_SOLVED_EARLY_RETURN, "diagnose": DIAGNOSE_TRENDS,
              "bootstrap": BOOTSTRAP_LOOPS, "collect_episode": COLLECT_COUNT},
        "B": {"greedy_policy": GREEDY_POLICY_WEIGHTS, "evaluate_policy": EVALUATE_WHILE,
              "rolling_mean": ROLLING_CONVOLVE, "is_solved": IS_SOLVED_SUM, "diagnose": DIAGNOSE_QUARTERS,
              "bootstrap": BOOTSTRAP_INDICES, "collect_episode": COLLECT_DONE_FLAG},
    },
}
