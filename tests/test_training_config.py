"""Notebook 04's DQNConfig: its defaults are the search's chosen trial, and its text explains each of them."""

import ast
import re

import nbformat
import pytest
import tune_training
from course import REPO
from solution_code import load_solution

TUNED = ["hidden_units", "learning_rate", "gamma", "buffer_size", "batch_size", "learn_every", "tau",
         "epsilon_decay", "epsilon_min"]


@pytest.fixture(scope="module")
def defaults():
    return load_solution("04_training")["DQNConfig"]()


def explained_values() -> dict:
    """The "why these values" table of solutions/04_training: field -> (value, reason)."""
    notebook = nbformat.read(REPO / "solutions" / "04_training" / "04_training.ipynb", 4)
    (table,) = [c.source for c in notebook.cells if c.cell_type == "markdown" and "Why these values" in c.source]
    rows = re.findall(r"^\|\s*`(\w+)`\s*\|\s*`([^`]+)`\s*\|(.+)\|\s*$", table, re.MULTILINE)
    return {field: (ast.literal_eval(value), reason.strip()) for field, value, reason in rows}


def test_the_defaults_are_the_chosen_trial_of_the_search(defaults):
    journal = tune_training.DEFAULT_STUDY.read_bytes()
    chosen = tune_training.chosen_config()
    assert tune_training.DEFAULT_STUDY.read_bytes() == journal, "reading the study must not write to it"
    assert sorted(chosen) == sorted(TUNED)
    for field, value in chosen.items():
        have = getattr(defaults, field)
        assert have == value, f"DQNConfig.{field} is {have!r}, the study chose {value!r}"


def test_the_notebook_explains_every_tuned_value_with_the_value_it_has(defaults):
    explained = explained_values()
    assert sorted(explained) == sorted(TUNED + ["epsilon_start"])
    for field, (value, reason) in explained.items():
        have = getattr(defaults, field)
        assert value == have, f"the table says {field} = {value!r}, DQNConfig has {have!r}"
        assert len(reason.split()) >= 8, f"explain why {field} has its value in a sentence"


def test_notebook_04_and_the_readme_state_the_distribution_the_benchmark_measured():
    """The committed run of `bench_training.py --solve --out docs/training`: today's defaults on the 16 held-out
    seeds. Notebook 04 and the README say its range and median of env steps and its range of seconds."""
    import json
    import statistics

    import bench_training

    bench = json.loads((REPO / "docs" / "training" / "bench_training_solve.json").read_text())
    runs = bench["runs"]["today"]
    assert [run["seed"] for run in runs] == bench["seeds"] == bench_training.HELD_OUT_SEEDS
    assert (REPO / "docs" / "training" / "bench_training_solve.png").is_file()
    steps, seconds = [run["steps"] for run in runs], [run["seconds"] for run in runs]

    def thousands(value):
        return f"{round(value, -3):,.0f}"

    low, high, median = thousands(min(steps)), thousands(max(steps)), thousands(statistics.median(steps))
    took = f"{round(min(seconds))} to {round(max(seconds))} s"
    notebook = nbformat.read(REPO / "solutions" / "04_training" / "04_training.ipynb", 4)
    (text,) = [" ".join(c.source.split()) for c in notebook.cells if c.source.startswith("## 11. Train the agent")]
    assert all(run["solved"] for run in runs) and f"on all {len(runs)} seeds we tried" in text
    assert f"in {low} to {high} env steps (median {median}), {took} each" in text, text
    readme = " ".join((REPO / "README.md").read_text().split())
    assert f"took {took} on {len(runs)} seeds ({low} to {high} env steps, median {median};" in readme
