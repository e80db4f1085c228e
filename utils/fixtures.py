"""Find ``data/``, load its ``.npy`` fixtures and check them against ``SHA256SUMS``.

The fixtures are made by ``scripts/make_fixtures.py``; the notebooks' tests load
them with :func:`load_fixture`. ``data/SHA256SUMS`` is in the format of
``sha256sum`` (``<hex digest>  <path relative to data/>``), so
``cd data && sha256sum -c SHA256SUMS`` checks it too.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

__all__ = [
    "DATA_ENV_VAR",
    "FixtureError",
    "data_dir",
    "fixture_path",
    "load_fixture",
    "load_run",
    "read_manifest",
    "file_sha256",
    "verify_fixtures",
    "write_manifest",
]

#: Set this environment variable to use a ``data/`` folder somewhere else.
DATA_ENV_VAR = "DQN_COURSE_DATA"
MANIFEST_NAME = "SHA256SUMS"


class FixtureError(RuntimeError):
    """A fixture is missing, corrupt, or not in the manifest."""


def data_dir() -> Path:
    """The course's ``data/`` folder, wherever the notebook runs from."""
    override = os.environ.get(DATA_ENV_VAR)
    path = Path(override) if override else Path(__file__).resolve().parent.parent / "data"
    if not path.is_dir():
        raise FixtureError(
            f"the course data folder {path} does not exist: is the course installed "
            f"with `pip install -e .` from its folder, or is {DATA_ENV_VAR} set wrong?"
        )
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(directory: Path | None = None) -> dict[str, str]:
    """``{relative path: sha256}`` from ``data/SHA256SUMS``."""
    directory = data_dir() if directory is None else Path(directory)
    manifest = directory / MANIFEST_NAME
    if not manifest.is_file():
        raise FixtureError(f"the checksum manifest {manifest} is missing: run scripts/make_fixtures.py")
    entries = {}
    for number, line in enumerate(manifest.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise FixtureError(f"{manifest}:{number} is not '<sha256>  <file>': {line!r}")
        entries[name.strip()] = digest
    return entries


def fixture_path(name: str) -> Path:
    """The path of fixture ``name`` (``"02_epsilon_greedy/q_values"``; ``.npy`` optional)."""
    if not name.endswith(".npy"):
        name += ".npy"
    return data_dir() / name


def _check_file(directory: Path, name: str, expected: str) -> None:
    path = directory / name
    if not path.is_file():
        raise FixtureError(f"fixture {name} is missing from {directory}: run scripts/make_fixtures.py")
    actual = file_sha256(path)
    if actual != expected:
        raise FixtureError(
            f"fixture {name} is corrupt: its sha256 is {actual[:12]}..., the manifest says "
            f"{expected[:12]}...; restore it with `git checkout data/` or scripts/make_fixtures.py"
        )


def load_fixture(name: str, verify: bool = True) -> np.ndarray:
    """Load one fixture, checked against the manifest unless ``verify=False``.

    Raises:
        FixtureError: naming the missing, unlisted or corrupt file.
    """
    path = fixture_path(name)
    relative = path.relative_to(data_dir()).as_posix()
    if verify:
        manifest = read_manifest()
        if relative not in manifest:
            raise FixtureError(f"fixture {relative} is not listed in data/{MANIFEST_NAME}")
        _check_file(data_dir(), relative, manifest[relative])
    elif not path.is_file():
        raise FixtureError(f"fixture {relative} is missing from {data_dir()}")
    return np.load(path, allow_pickle=False)


#: What a training run of ``data/05_evaluation/runs/`` holds, one value per episode (notebook 05).
RUN_CURVES = ("returns", "epsilons", "losses", "q_values")


def load_run(name: str) -> dict[str, np.ndarray]:
    """A recorded training run of ``data/05_evaluation/runs/<name>/`` (scripts/make_diagnosis_runs.py), checked
    against the manifest: ``{"returns", "epsilons", "losses", "q_values"}``, each a float array with one value per
    episode (``losses`` is NaN for an episode without a learning step)."""
    return {curve: load_fixture(f"05_evaluation/runs/{name}/{curve}") for curve in RUN_CURVES}


def verify_fixtures(directory: Path | None = None) -> list[str]:
    """Check every file of the manifest. Returns their names.

    Raises:
        FixtureError: naming each missing or corrupt file.
    """
    directory = data_dir() if directory is None else Path(directory)
    problems = []
    manifest = read_manifest(directory)
    for name, expected in sorted(manifest.items()):
        try:
            _check_file(directory, name, expected)
        except FixtureError as error:
            problems.append(str(error))
    if problems:
        raise FixtureError("\n".join(problems))
    return sorted(manifest)


def write_manifest(directory: Path | None = None) -> list[str]:
    """Write ``SHA256SUMS`` for every file below ``directory`` (default: data/). Returns their names.

    Run by scripts/make_fixtures.py and scripts/train_pretrained.py after they write data/.
    """
    directory = data_dir() if directory is None else Path(directory)
    names = sorted(
        p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST_NAME
    )
    lines = [f"{file_sha256(directory / name)}  {name}" for name in names]
    (directory / MANIFEST_NAME).write_text("".join(line + "\n" for line in lines))
    return names
