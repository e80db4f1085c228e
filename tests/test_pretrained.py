"""The pretrained agent in data/pretrained: it loads, meets its bar, and its figures reproduce."""

import json

import numpy as np
import pytest

import utils
from utils.networks import load_network

PRETRAINED = utils.data_dir() / "pretrained"


@pytest.fixture(scope="module")
def summary():
    return json.loads((PRETRAINED / "config.json").read_text())


def test_the_pretrained_agent_meets_the_bar(summary):
    evaluation = summary["evaluation"]
    assert evaluation["first_seed"] == utils.EVALUATION_SEED and evaluation["episodes"] == 100
    assert evaluation["mean"] >= 250 and evaluation["success_rate"] >= 0.9
    returns = np.load(PRETRAINED / "evaluation.npy")
    assert len(returns) == 100 and np.isclose(returns.mean(), evaluation["mean"], atol=0.01)
    assert np.mean(returns >= 200) == evaluation["success_rate"]


def test_held_out_seeds_were_not_used_for_selection(summary):
    selection = summary["selection"]
    selection_seeds = set(range(selection["first_seed"], selection["first_seed"] + selection["episodes"]))
    assert not selection_seeds & set(range(utils.EVALUATION_SEED, utils.EVALUATION_SEED + 100))


def test_the_evaluation_reproduces(summary):
    from train_pretrained import greedy_returns

    returns = greedy_returns(load_network("pretrained"), utils.EVALUATION_SEED, 5)
    expected = np.load(PRETRAINED / "evaluation.npy")[:5]
    for i in range(5):
        assert returns[i] == pytest.approx(expected[i], abs=1e-6), f"episode {i}"


def test_the_learning_curve_and_config_are_stored(summary):
    curve = np.load(PRETRAINED / "learning_curve.npy")
    assert len(curve) == summary["episodes"] and np.all(np.isfinite(curve))
    from bench_training import PREVIOUS

    assert summary["config"]["hidden_units"] == list(PREVIOUS["hidden_units"]), "trained with the script's config"
    for field in ("learning_rate", "gamma", "buffer_size", "batch_size", "learn_every", "tau", "epsilon_decay",
                  "epsilon_min"):
        assert summary["config"][field] == PREVIOUS[field], f"trained with another {field} than train_pretrained.py's"
