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
    assert sorted(explained) == sorted(TUNED + ["epsilon_start", "double_dqn"])
    for field, (value, reason) in explained.items():
        have = getattr(defaults, field)
        assert value == have, f"the table says {field} = {value!r}, DQNConfig has {have!r}"
        assert len(reason.split()) >= 8, f"explain why {field} has its value in a sentence"


def table_row(summary: dict, runs: list) -> str:
    """A config's row of the README's tables, from bench_training.py --solve's JSON: solved, env steps, seconds."""
    steps = " · ".join("unsolved" if summary["steps"][key] is None else f"{summary['steps'][key]:,.0f}"
                       for key in ("median", "p90", "worst"))
    seconds = " · ".join(f"{summary['seconds'][key]:.1f}" for key in ("median", "p90", "worst"))
    held_out = [run["held_out"] for run in runs]
    means = f"{min(held_out):.0f} to {max(held_out):.0f} (mean {sum(held_out) / len(held_out):.0f})"
    return f"| {summary['solved']} of {summary['seeds']} | {steps} | {seconds} | {means} |"


@pytest.mark.parametrize("folder, sides", [("", {"previous": "previous defaults", "today": "today's defaults"}),
                                           ("double_dqn", {"plain": "plain targets", "today": "Double DQN"})])
def test_the_readmes_tables_are_the_committed_benchmark_runs(folder, sides):
    import json

    import bench_training

    bench = json.loads((REPO / "docs" / "training" / folder / "bench_training_solve.json").read_text())
    assert (REPO / "docs" / "training" / folder / "bench_training_solve.png").is_file()
    readme = (REPO / "README.md").read_text()
    for side, name in sides.items():
        assert bench["configs"][side] == bench_training.side_fields(side), f"the {side} side ran with other values"
        row = f"| {name} {table_row(bench['summary'][side], bench['runs'][side])}"
        assert row in readme, f"the README's table should have the row\n{row}"


def test_the_double_dqn_row_of_why_these_values_states_what_the_benchmark_measured():
    import json

    bench = json.loads((REPO / "docs" / "training" / "double_dqn" / "bench_training_solve.json").read_text())
    slow = {side: sum(run["steps"] > 150_000 for run in runs) for side, runs in bench["runs"].items()}  # unsolved too
    unsolved = sum(not run["solved"] for run in bench["runs"]["plain"])
    reason = " ".join(explained_values()["double_dqn"][1].split())
    assert (f"{len(bench['seeds'])} seeds: with plain targets {slow['plain'] - unsolved} runs needed over 150,000 env "
            f"steps and {unsolved} never solved; with Double DQN targets {slow['today']} needed over 150,000") in reason


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
    held_out = [run["held_out"] for run in runs]
    good = sum(mean > 200 for mean in held_out)
    assert f"{good} of those {len(runs)} agents averaged over 200, and the worst {round(min(held_out))}:" in text, text
    readme = " ".join((REPO / "README.md").read_text().split())
    assert f"took {took} on {len(runs)} seeds ({low} to {high} env steps, median {median};" in readme
