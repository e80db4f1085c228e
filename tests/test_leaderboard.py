"""A handed-in agent is read as plain arrays, checked before use, and played greedily in the sandbox."""

import os
import re
from pathlib import Path

import numpy as np
import pytest
from agents import pretrained_weights, save_weights

from grading import sandbox
from grading.agent import AgentError, read_agent
from grading.leaderboard import LEADERBOARD_SEED, AgentEntry, agent_entry, evaluate_agent

REPO = Path(__file__).resolve().parent.parent
PRETRAINED = REPO / "data" / "pretrained"


def test_a_malformed_agent_is_refused_before_use(tmp_path):
    folder = tmp_path / "agent"
    save_weights(folder, pretrained_weights())
    assert [w.shape for w in read_agent(folder)] == [w.shape for w in pretrained_weights()]
    cases = {
        "kernel_1.npy has shape (64, 128), expected (128, units)": lambda: np.save(
            folder / "kernel_1.npy", np.zeros((64, 128), np.float32)),
        "gives 5 outputs, expected 4": lambda: (np.save(folder / "kernel_2.npy", np.zeros((128, 5), np.float32)),
                                                np.save(folder / "bias_2.npy", np.zeros(5, np.float32))),
        "NaN or infinite": lambda: np.save(folder / "bias_0.npy", np.full(128, np.nan, np.float32)),
        "not floats": lambda: np.save(folder / "bias_1.npy", np.zeros(128, np.int64)),
        "not a plain .npy array": lambda: (folder / "kernel_0.npy").write_bytes(b"\x80\x04 a pickle, not an array"),
        "missing bias_2.npy": lambda: (folder / "bias_2.npy").unlink(),
        "not a regular file": lambda: (os.unlink(folder / "bias_2.npy"), os.symlink("/etc/hosts",
                                                                                   folder / "bias_2.npy")),
    }
    for expected, spoil in cases.items():
        save_weights(tmp_path / "fresh", pretrained_weights())
        for path in (tmp_path / "fresh").iterdir():
            os.replace(path, folder / path.name)
        (tmp_path / "fresh").rmdir()
        spoil()
        with pytest.raises(AgentError, match=re.escape(expected)):
            read_agent(folder)


@pytest.mark.skipif(sandbox.bwrap_path() is None, reason="bubblewrap is not installed")
def test_agents_are_played_in_the_sandbox_and_a_pickle_is_never_loaded(tmp_path):
    pretrained = evaluate_agent(agent_entry("pretrained", "pretrained", PRETRAINED, episodes=3))
    random = evaluate_agent(AgentEntry("random", "random", None, episodes=3))
    assert len(pretrained["returns"]) == len(random["returns"]) == 3
    assert np.mean(pretrained["returns"]) > 200 > np.mean(random["returns"])
    assert pretrained["init"] == random["init"] == "bwrap", "the player did not run in bubblewrap's PID namespace"
    unsandboxed = evaluate_agent(AgentEntry("random", "random", None, episodes=1, sandbox=False))
    assert unsandboxed["init"] != "bwrap", "the test must tell the sandbox from the host"
    evil = tmp_path / "my_agent"
    save_weights(evil, pretrained_weights())
    np.save(evil / "kernel_0.npy", np.array([{"payload": "os.system"}], dtype=object), allow_pickle=True)
    answer = evaluate_agent(agent_entry("evil", "student", evil, episodes=3))
    assert answer == {"error": "kernel_0.npy is not a plain .npy array (ValueError: Object arrays cannot be loaded "
                               "when allow_pickle=False)"}
    assert "not a folder" in evaluate_agent(agent_entry("none", "student", tmp_path / "absent"))["error"]


def test_leaderboard_seeds_are_used_by_no_notebook():
    used = re.compile(rf"\b{LEADERBOARD_SEED // 1000}_?\d{{3}}\b")
    for path in [*REPO.glob("solutions/*/*.ipynb"), *REPO.glob("utils/*.py"), *REPO.glob("scripts/*.py")]:
        assert not used.search(path.read_text()), f"{path.name} uses a seed of the leaderboard's range"
