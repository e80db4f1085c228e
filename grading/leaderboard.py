"""The agents students trained, ranked: each played greedily on seeds no notebook uses, in the sandbox.

    rows = leaderboard(root / "submitted", workers=2)              # every submitted/<student>/04_training/my_agent/
    write_csv(rows, root / "report" / "leaderboard.csv")

A student hands in notebook 04 with the ``my_agent/`` folder it saves. Every such folder,
the pretrained agent of ``data/pretrained/`` and the random agent are each one job of
:func:`grading.jobs.run_jobs` (the engine that grades, on Dask). A job carries the agent's
weight files as bytes (names, links and sizes checked, contents not read), so it runs on any
worker: it writes them to a private folder and runs ``grading/agent.py`` with the course's
Python inside the bubblewrap sandbox of ``grading/sandbox.py``, that folder bound read-only,
no network and no view of the course beyond ``utils/`` and ``data/``. There the weights are read as plain
arrays (``allow_pickle=False``) and checked before any use; a folder that is not a
well-formed agent is reported with the reason, never executed.

Episode i of every agent is reset with seed ``LEADERBOARD_SEED + i``: the same episodes for
everyone, and seeds that no notebook, test or training run uses (notebooks and tests use
seeds below 2,100, the course's held-out evaluation 10,000 to 10,199, the pretrained agent's
checkpoint selection from 50,000).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

__all__ = ["LEADERBOARD_SEED", "LEADERBOARD_EPISODES", "AgentEntry", "AgentScore", "agent_entry", "agents_handed_in",
           "evaluate_agent", "leaderboard", "write_csv"]

#: Episode i of the leaderboard is reset with seed LEADERBOARD_SEED + i (i < 1,000): seeds no notebook uses.
LEADERBOARD_SEED = 70_000
#: Episodes per agent, as in the course's "solved" rule.
LEADERBOARD_EPISODES = 100
#: The notebook that saves the agent, and the folder it saves it in.
AGENT_ASSIGNMENT, AGENT_FOLDER = "04_training", "my_agent"
SUCCESS = 200.0  # an episode scoring at least this lands well (utils.envs.SOLVED_THRESHOLD)
PLAYER = Path(__file__).resolve().with_name("agent.py")
PRETRAINED = Path(__file__).resolve().parent.parent / "data" / "pretrained"


@dataclass(frozen=True)
class AgentEntry:
    """One agent to evaluate, carrying its weight files (a job may run on another machine): a student's
    ``my_agent/``, the pretrained agent, or the random agent (no files). ``problem``: why a folder was
    refused before any job (not a folder, a link, too big, files missing)."""

    name: str
    kind: str  # "student", "pretrained" or "random"
    files: dict | None = None  # kernel_0.npy, bias_0.npy, ... -> their bytes, unread
    episodes: int = LEADERBOARD_EPISODES
    first_seed: int = LEADERBOARD_SEED
    sandbox: bool = True
    problem: str | None = None


def agent_entry(name: str, kind: str, folder: Path, **options) -> AgentEntry:
    """An entry with the weight files of ``folder``, read as bytes after the checks of ``agent_files``
    (regular files, numbered without gaps, each under the size cap); a refused folder gets its ``problem``."""
    from .agent import AgentError, agent_files

    try:
        files = {path.name: path.read_bytes() for path in agent_files(folder)}
    except (AgentError, OSError) as error:
        return AgentEntry(name, kind, None, problem=str(error), **options)
    return AgentEntry(name, kind, files, **options)


@dataclass
class AgentScore:
    """A row of the leaderboard; ``error`` says why an agent could not be played (then no returns)."""

    rank: int | None
    agent: str
    kind: str
    mean: float | None
    std: float | None
    success_rate: float | None  # share of episodes scoring at least 200
    episodes: int
    error: str | None = None
    seconds: float = 0.0


def agents_handed_in(submitted: Path) -> list[tuple[str, Path]]:
    """``(student, folder)`` of every ``submitted/<student>/04_training/my_agent`` (a file or link there too)."""
    submitted = Path(submitted)
    if not submitted.is_dir():
        return []
    return [(student.name, student / AGENT_ASSIGNMENT / AGENT_FOLDER) for student in sorted(submitted.iterdir())
            if student.is_dir() and os.path.lexists(student / AGENT_ASSIGNMENT / AGENT_FOLDER)]


def _sandboxed(command: list[str], folder: Path | None, scratch: Path) -> tuple[list[str], dict, Callable]:
    """``command`` inside a bubblewrap sandbox that sees the Python environment, utils/, data/, the player
    and (read-only, at /agent) the agent's folder; its environment and the function setting its limits."""
    from .sandbox import Limits, Sandbox, course_paths, python_paths, require_bwrap, sandbox_environment, sandbox_user

    runtime = scratch / "runtime"
    runtime.mkdir()
    box = Sandbox(workdir=scratch / "work", runtime=runtime, read_only=[*python_paths(), *course_paths(), PLAYER],
                  own_files=(folder, Path("/agent")) if folder is not None else None, limits=Limits(cpu_seconds=600),
                  drop_to=sandbox_user(), bwrap=require_bwrap())
    return box.command(command), sandbox_environment(dict(os.environ)), box.limit_setter()


def evaluate_agent(entry: AgentEntry) -> dict:
    """Play one agent (a job on a worker): ``{"returns": [...]}`` or ``{"error": "why"}``."""
    if entry.problem is not None:
        return {"error": entry.problem}
    with tempfile.TemporaryDirectory(prefix="dqn-agent-") as scratch:
        folder = None
        if entry.kind != "random":
            folder = Path(scratch) / "agent"
            folder.mkdir()
            folder.chmod(0o755)  # readable by the sandbox's user
            for name, content in (entry.files or {}).items():
                (folder / Path(name).name).write_bytes(content)
                (folder / Path(name).name).chmod(0o644)
        inside = Path("/agent") if entry.sandbox and folder is not None else folder
        command = [sys.executable, str(PLAYER), *([str(inside)] if folder else ["--random"]),
                   "--episodes", str(entry.episodes), "--first-seed", str(entry.first_seed)]
        env, preexec = None, None
        if entry.sandbox:
            Path(scratch, "work").mkdir()
            command, env, preexec = _sandboxed(command, folder, Path(scratch))
        try:
            result = subprocess.run(command, capture_output=True, text=True, env=env, preexec_fn=preexec, cwd="/",
                                    timeout=120 + 2 * entry.episodes)
        except subprocess.TimeoutExpired:
            return {"error": "the evaluation did not finish in time"}
    lines = result.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        answer = {}
    if isinstance(answer, dict) and ("returns" in answer or "error" in answer):
        return answer
    tail = " ".join(result.stderr.split()[-40:])
    return {"error": f"the player stopped with exit code {result.returncode}: {tail}"[:300]}


def score(entry: AgentEntry, answer: dict | None, error: str | None, seconds: float) -> AgentScore:
    returns = np.asarray((answer or {}).get("returns") or [], dtype=np.float64)
    error = error or (answer or {}).get("error")
    if error is None and len(returns) != entry.episodes:
        error = f"played {len(returns)} episodes instead of {entry.episodes}"
    if error is not None:
        return AgentScore(None, entry.name, entry.kind, None, None, None, 0, error, round(seconds, 1))
    return AgentScore(None, entry.name, entry.kind, round(float(returns.mean()), 2), round(float(returns.std()), 2),
                      round(float((returns >= SUCCESS).mean()), 3), len(returns), None, round(seconds, 1))


def entry_key(entry: AgentEntry) -> str:
    """What an evaluation's result depends on: the agent's files, the episodes, the sandbox and the player."""
    import hashlib

    digest = hashlib.sha256(json.dumps([entry.kind, entry.episodes, entry.first_seed, entry.sandbox]).encode())
    digest.update(PLAYER.read_bytes())
    for name, content in sorted((entry.files or {}).items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def leaderboard(submitted: Path, *, episodes: int = LEADERBOARD_EPISODES, first_seed: int = LEADERBOARD_SEED,
                workers: int = 1, scheduler: str | None = None, sandbox: bool = True,
                pretrained: Path | None = PRETRAINED, cache: Path | None = None) -> list[AgentScore]:
    """Every handed-in agent beside the pretrained and the random agent, best mean first; then the agents
    that could not be played, with the reason (no rank). With ``cache`` (a JSON file), an agent played
    before with the same files, episodes and player is not played again: a rerun plays only new agents."""
    from .jobs import run_jobs

    options = {"episodes": episodes, "first_seed": first_seed, "sandbox": sandbox}
    entries = [agent_entry(student, "student", folder, **options) for student, folder in agents_handed_in(submitted)]
    if pretrained is not None:
        entries.append(agent_entry("pretrained agent", "pretrained", pretrained, **options))
    entries.append(AgentEntry("random agent", "random", None, **options))
    known = {}
    if cache is not None and Path(cache).is_file():
        try:
            known = json.loads(Path(cache).read_text())
        except ValueError:
            known = {}
    new = [entry for entry in entries if entry.problem is not None or entry_key(entry) not in known]
    results = {id(r.item): r for r in run_jobs(evaluate_agent, new, workers=workers, scheduler=scheduler,
                                                description="leaderboard")}
    rows = []
    for entry in entries:
        result = results.get(id(entry))
        if result is None:
            rows.append(score(entry, known[entry_key(entry)], None, 0.0))
            continue
        rows.append(score(entry, result.value, result.error, result.seconds))
        if result.error is None and entry.problem is None and "returns" in (result.value or {}):
            known[entry_key(entry)] = result.value
    if cache is not None:
        Path(cache).parent.mkdir(parents=True, exist_ok=True)
        Path(cache).write_text(json.dumps(known))
    if new:
        print(f"leaderboard: played {len(new)} agent(s), {len(entries) - len(new)} known from before", flush=True)
    else:
        print("leaderboard: no new agent, every result known from before", flush=True)
    played = sorted((r for r in rows if r.error is None), key=lambda r: -r.mean)
    for rank, row in enumerate(played, 1):
        row.rank = rank
    return played + [r for r in rows if r.error is not None]


def write_csv(rows: list[AgentScore], path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[f.name for f in fields(AgentScore)])
        writer.writeheader()
        writer.writerows(asdict(r) for r in rows)
    return path
