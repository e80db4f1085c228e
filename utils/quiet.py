"""Quiet start-up: keep TensorFlow, absl and gymnasium messages off stderr.

nbgrader scores a test cell 0 when it writes anything to stderr, so the course
must not let library chatter reach it. Importing :mod:`utils` (before TensorFlow)
runs :func:`silence_libraries`, which

* sets the environment variables TensorFlow reads at start-up (among them one
  thread for TensorFlow's ops: the course's networks and batches are small, and on
  a 2-core CPU a learning step takes 15 to 30% less time on one thread than on
  two; a user's own settings win),
* hides what TensorFlow's C++ core prints while ``import tensorflow`` runs
  (those lines ignore ``TF_CPP_MIN_LOG_LEVEL``: tensorflow/tensorflow#100442),
* raises the Python loggers of TensorFlow, absl and gymnasium to ERROR.

:func:`seed_everything` seeds Python, NumPy and (when installed) TensorFlow.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import logging
import os
import random
import sys
import warnings

import numpy as np

__all__ = ["silence_libraries", "stderr_silenced", "seed_everything"]

_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # C++ INFO, WARNING and ERROR lines
    "TF_ENABLE_ONEDNN_OPTS": "0",  # the oneDNN banner (and bit-for-bit repeatable CPU maths)
    "CUDA_VISIBLE_DEVICES": "-1",  # this course runs on the CPU; no cuInit error
    "PYGAME_HIDE_SUPPORT_PROMPT": "1",  # pygame's greeting when rendering
    "KERAS_BACKEND": "tensorflow",
    "TF_NUM_INTRAOP_THREADS": "1",  # small ops: faster on one thread (scripts/bench_training.py --learning-step)
    "TF_NUM_INTEROP_THREADS": "1",
}
_NOISY_LOGGERS = ("tensorflow", "absl", "keras", "h5py", "matplotlib")
_NOISY_MODULES = r"(tensorflow|keras|absl|gymnasium|google\.protobuf|h5py)(\.|$)"


@contextlib.contextmanager
def stderr_silenced():
    """Send file descriptor 2 (C and C++ code) and ``sys.stderr`` to /dev/null."""
    sys.stderr.flush()
    saved_fd = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        with contextlib.redirect_stderr(open(os.devnull, "w")) as sink:
            try:
                yield
            finally:
                sink.close()
    finally:
        sys.stderr.flush()
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        os.close(devnull)


class _QuietLoader(importlib.abc.Loader):
    """Runs another loader's ``exec_module`` with stderr silenced."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        try:
            with stderr_silenced():
                self._loader.exec_module(module)
        finally:
            module.__loader__ = self._loader
            if getattr(module, "__spec__", None) is not None:
                module.__spec__.loader = self._loader
        _quiet_python_loggers()

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` as usual, but loads it through :class:`_QuietLoader`."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)  # once is enough, and lets find_spec below recurse safely
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def _quiet_python_loggers():
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    if "absl.logging" in sys.modules:
        sys.modules["absl.logging"].set_verbosity("error")
    if "gymnasium" in sys.modules:
        sys.modules["gymnasium"].logger.min_level = logging.ERROR


def silence_libraries():
    """Keep library messages off stderr from now on. Safe to call more than once."""
    for key, value in _ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    warnings.filterwarnings("ignore", module=_NOISY_MODULES)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if "tensorflow" not in sys.modules and not any(
        isinstance(finder, _QuietTensorFlowFinder) for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())
    import gymnasium  # light; its logger is set right below

    _quiet_python_loggers()
    gymnasium.logger.min_level = logging.ERROR


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and TensorFlow.

    Args:
        seed: a non-negative int.

    Raises:
        TypeError: when ``seed`` is not an int.
        ValueError: when ``seed`` is negative.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    random.seed(int(seed))
    np.random.seed(int(seed))
    if importlib.util.find_spec("tensorflow") is not None:
        import tensorflow as tf

        tf.random.set_seed(int(seed))
