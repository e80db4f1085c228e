"""How autograding starts a kernel: clean, so that marks come from the course's tests alone.

:class:`CleanKernelManager` (and :class:`grading.sandbox.SandboxedKernelManager`, which builds
on it) starts ipykernel with the kernel class of ``clean_kernel/dqn_grading_kernel.py``:

* ``PYTHONSAFEPATH=1``: neither Python nor IPython puts the notebook's folder on ``sys.path``,
  so a ``utils/``, ``numpy/`` or ``helpers.py`` handed in beside the notebook is never imported;
* ``PYTHONPATH`` is that folder alone, which holds nothing but the kernel class;
* before each test cell (``nbgrader_config.py`` marks it with :data:`TEST_CELL`), the kernel
  puts back what student code may have changed: IPython's transformers, exception handlers and
  events, the interpreter's hooks, the course's helpers, NumPy and the builtins.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

__all__ = ["KERNEL_ARGUMENTS", "KERNEL_FOLDER", "TEST_CELL", "CleanKernelManager", "clean_environment"]

KERNEL_FOLDER = Path(__file__).resolve().parent / "clean_kernel"
KERNEL_ARGUMENTS = ["--IPKernelApp.kernel_class=dqn_grading_kernel.GradingKernel"]

sys.path.insert(0, str(KERNEL_FOLDER))
try:
    from dqn_grading_kernel import TEST_CELL  # noqa: E402
finally:
    sys.path.remove(str(KERNEL_FOLDER))


def clean_environment(environment: dict[str, str]) -> dict[str, str]:
    """The kernel's environment: the notebook's folder off sys.path, the kernel class importable."""
    return {**environment, "PYTHONSAFEPATH": "1", "PYTHONPATH": str(KERNEL_FOLDER)}


class CleanKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels start clean (see the module's text), given :data:`KERNEL_ARGUMENTS`;
    with ``clean = False``, an ordinary kernel (only the control run of tests/test_cheats.py wants one)."""

    clean = True

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self.clean:
            kw["env"] = clean_environment(kw.get("env") or dict(os.environ))
        await super()._async_launch_kernel(kernel_cmd, **kw)

