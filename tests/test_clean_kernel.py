"""The grading kernel (grading/kernel.py), driven as nbgrader drives it, without the sandbox (fast).

tests/test_cheats.py grades the whole bank of cheats through scripts/grade.py; here one kernel
shows each thing the clean kernel puts back, beside an ordinary kernel that does not.
"""

import asyncio

import pytest

from grading.kernel import KERNEL_ARGUMENTS, TEST_CELL, CleanKernelManager

# Run as a student's cells, before the tests.
TAMPER = """
import sys, builtins, numpy, utils.checks
get_ipython().input_transformers_post.append(lambda lines: ['print("transformed")\\n'])
get_ipython().showtraceback = lambda *args, **kwargs: None
get_ipython().events.register("pre_run_cell", lambda info: print("event"))
sys.modules["utils.checks"].fail = lambda *args, **kwargs: None
numpy.allclose = lambda *args, **kwargs: True
builtins.abs = lambda x: 0
sys.path.insert(0, "/nowhere")
import threading, time
def keep_patched():
    while True:
        numpy.allclose = lambda *args, **kwargs: True
        time.sleep(0.0005)
threading.Thread(target=keep_patched, daemon=True).start()
"""
# Run as a test cell: what it sees.
LOOK = """
import sys, numpy, utils.checks
print("transformers", len(get_ipython().input_transformers_post))
print("checks", utils.checks.fail.__module__)
print("allclose", numpy.allclose(1, 2))
print("abs", abs(-2))
print("path", "/nowhere" in sys.path)
print("utils", utils.__file__.startswith(FOLDER))
import threading, time
time.sleep(0.01)
print("threads", sum(t.name.startswith("Thread-") and "keep_patched" in t.name for t in threading.enumerate()))
"""


async def outputs(clean: bool, folder) -> dict[str, list[str]]:
    manager = type("Manager", (CleanKernelManager,), {"clean": clean})()
    await manager.start_kernel(extra_arguments=KERNEL_ARGUMENTS if clean else [], cwd=str(folder))
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)

        async def run(code):
            lines = []
            reply = await client.execute_interactive(
                code, timeout=60, output_hook=lambda msg: lines.extend(msg["content"].get("text", "").split("\n")))
            return reply["content"]["status"], [line for line in lines if line]

        seen = {"import": await run("import utils")}
        seen["student"] = await run(f"FOLDER = {str(folder)!r}\n" + TAMPER)
        seen["test"] = await run(TEST_CELL + LOOK)
        seen["fail"] = await run(TEST_CELL + "from utils.checks import check\ncheck(False, 'a test fails')")
        return seen
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submission")
    (folder / "utils").mkdir()
    (folder / "utils" / "__init__.py").write_text("print('the shadow was imported')\n")
    return folder


def test_a_test_cell_runs_in_the_kernel_as_it_started(folder):
    seen = asyncio.run(outputs(True, folder))
    assert seen["import"] == ("ok", []), "the utils/ handed in beside the notebook is never imported"
    status, lines = seen["test"]
    assert status == "ok" and lines == ["transformers 0", "checks utils.checks", "allclose False", "abs 2",
                                        "path False", "utils False", "threads 0"], lines
    assert seen["fail"][0] == "error", "the course's check fails again, and the error shows"


def test_an_ordinary_kernel_keeps_what_the_student_changed(folder):
    seen = asyncio.run(outputs(False, folder))
    assert seen["import"] == ("ok", ["the shadow was imported"])
    assert seen["test"][1] == ["event", "transformed"], seen["test"]
    assert seen["fail"][0] == "ok", "without the clean kernel the transformer blanks every test cell"
