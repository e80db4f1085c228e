"""The training runs of notebook 05's section 8 (scripts/make_diagnosis_runs.py), and the script that makes them.

The committed runs are training on LunarLander (about 3 minutes), so they are not remade here: each
is checked to be what its bug makes of it, and the script is run on a tiny budget.
"""

import make_diagnosis_runs as script
import numpy as np
import pytest

from utils import load_run
from utils.fixtures import RUN_CURVES, read_manifest

RUNS = {name: bug for name, bug, _ in script.RUNS}


def test_every_run_is_in_the_manifest_with_its_four_curves():
    listed = read_manifest()
    for name in RUNS:
        for curve in RUN_CURVES:
            assert f"05_evaluation/runs/{name}/{curve}.npy" in listed, (name, curve)


def test_the_shown_runs_are_one_of_each_bug_and_the_hidden_ones_two():
    shown = [RUNS[name] for name in "ABCDE"]
    assert sorted(shown) == sorted(script.BUGS)
    hidden = [bug for name, bug in RUNS.items() if name not in "ABCDE"]
    assert sorted(hidden) == sorted(list(script.BUGS) * 2)
    seeds = {(bug, seed) for _, bug, seed in script.RUNS}
    assert len(seeds) == len(script.RUNS), "no run repeats another's bug and seed"


@pytest.mark.parametrize("name", sorted(RUNS))
def test_each_run_shows_its_bug(name):
    """What each bug does to the curves, as the notebook's table says: the runs are what they claim to be."""
    run, bug = load_run(name), RUNS[name]
    episodes = len(run["returns"])
    assert all(len(values) == episodes for values in run.values())
    returns, epsilons, losses, q_values = (run[curve] for curve in RUN_CURVES)
    assert np.all(np.isfinite(returns)) and np.all(np.isfinite(epsilons))
    if bug == "never_learns":
        assert np.all(np.isnan(losses)) and np.ptp(q_values) == 0
    else:
        assert not np.all(np.isnan(losses))
    if bug == "epsilon_not_decayed":
        assert np.all(epsilons == 1.0)
    else:
        assert epsilons[-1] < 0.2 and np.all(np.diff(epsilons) <= 0)
    if bug == "state_not_updated":
        assert np.max(np.abs(q_values)) > 10_000, "its Q-values explode"
    else:
        assert np.max(np.abs(q_values)) < 1_000
    if bug == "healthy":
        assert returns[-20:].mean() > returns[:20].mean() + 50, "a healthy run improves, if slowly"
    if bug in ("actor_not_synced", "never_learns"):
        assert returns[-20:].mean() < -100, "acting on first weights, it plays no better than at random"
    else:
        assert bug != "healthy" or returns[-20:].mean() > -100


def test_the_script_plants_each_bug_and_records_every_episode(monkeypatch):
    monkeypatch.setattr(script, "BUDGET", 700)
    healthy = script.train("healthy", 0)
    assert set(healthy) == set(RUN_CURVES) and len(healthy["returns"]) >= 2
    assert all(len(values) == len(healthy["returns"]) for values in healthy.values())
    assert healthy["epsilons"][1] < healthy["epsilons"][0] and not np.all(np.isnan(healthy["losses"]))
    assert np.all(np.isnan(script.train("never_learns", 0)["losses"]))
    assert np.all(script.train("epsilon_not_decayed", 0)["epsilons"] == 1.0)


def test_a_bug_whose_line_is_gone_from_notebook_04_stops_the_script(monkeypatch):
    monkeypatch.setitem(script.BUGS, "healthy", [("play_episode", "a line notebook 04 does not have", "")])
    with pytest.raises(SystemExit, match="is not in notebook 04's play_episode cell any more"):
        script.planted("healthy")
