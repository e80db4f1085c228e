"""The steps-to-solve of notebook 05's "Seeds decide" (scripts/make_seed_study.py), and the script that makes them.

The committed study trained 24 agents to solve (about half an hour), so it is not remade here:
it is checked to be what the notebook says, and the script is run on a tiny budget.
"""

import make_seed_study as script
import numpy as np

from utils import load_fixture


def test_the_study_has_both_configs_on_the_same_twelve_seeds():
    seeds = load_fixture("05_evaluation/seeds/seeds")
    assert seeds.tolist() == list(script.SEEDS) == list(range(20, 32))
    for name in ("course", "searched"):
        steps = load_fixture(f"05_evaluation/seeds/{name}_steps")
        solved = load_fixture(f"05_evaluation/seeds/{name}_solved")
        assert steps.shape == solved.shape == seeds.shape
        assert np.all((steps > 0) & (steps <= script.MAX_ENV_STEPS))
        assert np.all(solved == (steps < script.MAX_ENV_STEPS)), "a run that did not solve took the whole budget"


def test_the_searched_config_is_the_studys_trial_as_the_notebook_describes_it():
    import bench_training

    sides = script.configs()
    assert sides["course"] == {k: v for k, v in bench_training.PREVIOUS.items() if k != "epsilon_start"}
    assert sides["course"]["batch_size"] == 256 and sides["course"]["learn_every"] == 8, "as the notebook says"
    searched = sides["searched"]
    assert searched["batch_size"] == 512 and searched["learn_every"] == 16
    assert sides["course"]["double_dqn"] is False and searched["double_dqn"] is False, "both ran with plain targets"
    assert searched["learning_rate"] > 0.002, "a larger learning rate than DQNConfig's, as the notebook says"


def test_the_script_trains_the_solution_and_counts_its_steps(monkeypatch, tmp_path):
    monkeypatch.setattr(script, "MAX_ENV_STEPS", 300)
    taken, solved, seconds = script.steps_to_solve({"hidden_units": (8,)}, 0)
    assert taken == 300 and solved is False and seconds > 0
    assert script.main(["--seeds", "3", "--out", str(tmp_path)]) == 0
    assert np.load(tmp_path / "course_steps.npy").tolist() == [300.0]
    assert np.load(tmp_path / "searched_solved.npy").tolist() == [False]


def test_the_notebooks_lesson_holds_for_the_committed_data():
    """Notebook 05's text after "Seeds decide": no difference on 12 seeds, a quarter on the first three, and
    three seeds that point either way."""
    from itertools import combinations

    from solution_code import load_solution

    solution = load_solution("05_evaluation")
    course, searched = (load_fixture(f"05_evaluation/seeds/{name}_steps") for name in ("course", "searched"))
    rng = np.random.default_rng(2024)
    low_a, high_a = solution["bootstrap_ci"](course, rng)
    low_b, high_b = solution["bootstrap_ci"](searched, rng)
    assert low_a < high_b and low_b < high_a, "the two intervals overlap"
    assert not solution["configs_differ"](course, searched, rng)
    assert 0.2 < 1 - course[:3].mean() / searched[:3].mean() < 0.3, "course about a quarter fewer steps on 20-22"
    triples = [list(t) for t in combinations(range(len(course)), 3)]
    faster = sum(searched[t].mean() < course[t].mean() for t in triples)
    assert 0 < faster < len(triples), "three seeds point either way"
