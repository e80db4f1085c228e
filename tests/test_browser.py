"""The course in a real JupyterLab, driven by a real (headless) Chromium.

A throw-away copy of the repo is served by `jupyter lab` on 127.0.0.1, on a free
port, with a token. Three scenarios run in Debian's Chromium through Playwright:
a student runs notebook 01, a finished student runs the solution of 05, and a
student validates notebook 01 with nbgrader's Validate button: their own copy of
the release (student/01_environment/, a folder of its own), every exercise done
but run_episode, which the test types in with the keyboard and saves before it
validates. Screenshots go to artifacts/browser/.
The test is skipped only when no Chromium is installed (.ci/run installs one).
"""

import json
import re
import time
from pathlib import Path

import pytest
from browser import (
    ARTIFACTS,
    CHROMIUM,
    NO_CHROMIUM,
    TYPED_RUN_EPISODE,
    chromium,
    jupyter_lab,
    open_notebook_in,
    type_code,
)
from release import copy_course
from solution_code import finished_notebook

pytestmark = pytest.mark.notebooks


ALL_RUN = r"""() => {
    const prompts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt')];
    const busy = prompts.some(p => p.textContent.includes('*'));
    const idle = [...document.querySelectorAll('.jp-Notebook-ExecutionIndicator')]
        .some(e => e.dataset.status === 'idle');
    const ran = prompts.some(p => /\[\d+\]/.test(p.textContent));
    return ran && !busy && idle;
}"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    root = copy_course(tmp_path_factory.mktemp("lab") / "course")
    with jupyter_lab(root, tmp_path_factory.mktemp("jupyter"), DQN_COURSE_FAST="1") as served:
        yield served


@pytest.fixture(scope="module")
def browser(lab):
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def open_notebook(page, lab, path: str):
    """Open a notebook in a new, empty JupyterLab workspace (no tabs of earlier tests)."""
    open_notebook_in(page, f"{lab['base']}/lab", path, f"token={lab['token']}")


def run_all(page):
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    wait_until_idle(page)


def wait_until_idle(page):
    """Until a cell has run and none is running, twice in a row one second apart."""
    for _ in range(2):
        page.wait_for_timeout(1000)
        page.wait_for_function(ALL_RUN, timeout=300_000)


def cells(page) -> list:
    """[prompt, outputs, images, start of the code] of each code cell: what a failure message shows."""
    return page.evaluate("""() => [...document.querySelectorAll('.jp-CodeCell')].map(c => [
        c.querySelector('.jp-InputPrompt').textContent, c.querySelectorAll('.jp-OutputArea-output').length,
        c.querySelectorAll('img').length, (c.querySelector('.jp-InputArea').textContent || '').slice(4, 44)])""")


def cell_with(page, text: str):
    return page.locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text=text)).first


def test_a_student_runs_notebook_01(page, lab):
    open_notebook(page, lab, "notebooks/01_environment/01_environment.ipynb")
    run_all(page)
    first_frame = cell_with(page, "show_frame(env.render()")
    assert first_frame.locator(".jp-OutputArea-output img").count() == 1, f"no frame was rendered: {cells(page)}"
    # Run All stops at the first call of the unfinished run_episode; the student then runs the first test.
    first_test = cell_with(page, "# run_episode: types, the sum of rewards")
    first_test.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    wait_until_idle(page)
    output = first_test.locator(".jp-OutputArea-output").first
    output.wait_for()
    shown = output.inner_text()
    assert "NotImplementedError" in shown and "run_episode is not implemented yet" in shown, shown
    assert "hint:" not in shown, f"an unfinished exercise must not get a hint: {shown}"


def test_a_finished_student_runs_notebook_05(page, lab):
    open_notebook(page, lab, "solutions/05_evaluation/05_evaluation.ipynb")
    run_all(page)
    curves = cell_with(page, "def first_solved_episode(returns)")
    assert curves.locator(".jp-OutputArea-output img").count() == 1, "no learning-curve image"
    video = page.locator(".jp-OutputArea-output video")
    assert video.count() >= 1, "no <video> element"
    assert video.first.locator("source").get_attribute("src").startswith("data:video/mp4;base64,")
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, [errors.nth(i).inner_text()[:300] for i in range(errors.count())]
    prompts = page.locator(".jp-InputPrompt").all_inner_texts()
    assert all(re.search(r"\[\d+\]", p) for p in prompts if p.strip()), "some cells did not run: " + str(prompts)


def cell_source(notebook: dict, grade_id: str) -> str:
    (cell,) = [c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
    return "".join(cell["source"])


def student_notebook(root: Path, assignment: str, unfinished: str) -> Path:
    """root/student/<assignment>/<assignment>.ipynb, alone in its folder: the release with every graded
    solution cell filled in with the solution's code (and the written answers with the solution's text),
    but `unfinished`, which keeps the release's stub."""
    release = json.loads((root / "notebooks" / assignment / f"{assignment}.ipynb").read_text())
    notebook = finished_notebook(assignment)
    (cell,) = [c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == unfinished]
    cell["source"] = cell_source(release, unfinished)
    assert "raise NotImplementedError()" in cell["source"], cell["source"]
    path = root / "student" / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(notebook, indent=1) + "\n")
    return path


def saved_source(path: Path, grade_id: str, expected: str, timeout: float = 30) -> str:
    """The cell's source in the notebook file, once it is `expected` (or whatever it is after `timeout` s)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            source = cell_source(json.loads(path.read_text()), grade_id)
        except ValueError:  # caught mid-write
            source = None
        if source == expected or time.monotonic() > deadline:
            return source
        time.sleep(0.25)


def test_nbgrader_validate_in_the_browser(page, lab):
    """A student has done every exercise of notebook 01 but run_episode, in their own copy of the release
    (hidden tests stripped). In the browser they type run_episode into its cell, save, and press Validate:
    nbgrader's dialog says the notebook passes all its tests, with no partial credit and nothing failed."""
    path = student_notebook(lab["root"], "01_environment", unfinished="run_episode")
    open_notebook(page, lab, path.relative_to(lab["root"]).as_posix())
    assert page.locator(".jp-NotebookPanel-toolbar .validate-button").count() == 1, "no Validate button"
    cell = page.locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text="def run_episode(")).first
    assert "raise NotImplementedError()" in cell.locator(".jp-InputArea-editor").inner_text()
    cell.locator(".jp-InputArea-editor").click()
    type_code(page, TYPED_RUN_EPISODE)
    page.keyboard.press("ControlOrMeta+S")
    saved = saved_source(path, "run_episode", TYPED_RUN_EPISODE)
    assert saved == TYPED_RUN_EPISODE, f"the saved run_episode is not what was typed:\n{saved}"

    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button").click()
    dialog = page.locator(".jp-Dialog", has=page.locator("#validation-message"))
    dialog.wait_for(timeout=300_000)
    shown = dialog.inner_text()
    assert "Success! Your notebook passes all the tests." in shown, shown
    for wrong in ("Partial credit", "cannot be converted", "VALIDATION FAILED"):
        assert wrong not in shown, shown


LANDER_CELLS = [
    "from utils.lander import Lander\nflown = Lander(seed=2)\nflown",
    "watched = Lander(policy=lambda o: 2 if o[3] < -0.2 else 0, q_values=lambda o: [0.1, 0.2, 0.9, 0.3], seed=2)\n"
    "watched",
    "print('main engine frames:', flown.flights[-1]['actions'].count(2) if flown.flights else None)",
]
WIDGET = "(index, key) => document.querySelectorAll('.dqn-lander')[index].dataset[key] || ''"


def test_a_student_flies_the_lander_with_the_keyboard(page, lab):
    """The live lander of notebook 01 in JupyterLab: held keys fire the engines in the kernel's LunarLander,
    at least 20 frames a second; the flight ends, says how and is kept. A policy flies a second one, with a
    Q-value bar per action and the chosen one marked."""
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": f"lander-{i}", "metadata": {},
                           "outputs": [], "source": source} for i, source in enumerate(LANDER_CELLS)],
                "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
                "nbformat": 4, "nbformat_minor": 5}
    (lab["root"] / "fly.ipynb").write_text(json.dumps(notebook))
    open_notebook(page, lab, "fly.ipynb")
    run_all(page)
    page.locator(".dqn-lander-canvas").nth(1).wait_for()
    canvas = page.locator(".dqn-lander-canvas").first
    canvas.click()
    page.keyboard.down("ArrowUp")
    page.wait_for_function(f"() => Number(({WIDGET})(0, 'frames')) > 20", timeout=30_000)
    page.keyboard.up("ArrowUp")
    page.wait_for_timeout(1500)  # the flight goes on, nothing pressed: the frames of a whole second
    fps = float(page.evaluate(f"() => ({WIDGET})(0, 'fps')") or 0)
    print(f"the lander drew {fps} frames a second")
    assert fps >= 20, f"{fps} frames a second"
    terms = page.locator(".dqn-lander-terms").first.inner_text()
    assert "fuel" in terms and "0.0 of return" not in terms, f"the main engine did not fire: {terms}"
    page.locator(".dqn-lander-controls select").first.select_option("4")
    page.wait_for_function(f"() => ({WIDGET})(0, 'frames') && document.querySelector('.dqn-lander-result')"
                           ".dataset.outcome", timeout=120_000)
    result = page.locator(".dqn-lander-result").first.inner_text()
    assert re.match(r"(landed on the pad|landed off the pad|crashed|flew off|out of time): return -?\d", result), \
        result
    assert "flights: 1, best" in page.locator(".dqn-lander-flights").first.inner_text()
    last = cell_with(page, "print('main engine frames:'")
    last.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    wait_until_idle(page)
    printed = last.locator(".jp-OutputArea-output").first.inner_text()
    frames = int(re.search(r"main engine frames: (\d+)", printed).group(1))
    assert frames >= 15, f"the kernel's flight fired the main engine {frames} times: {printed}"

    second = page.locator(".dqn-lander").nth(1)
    second.locator(".dqn-lander-controls button", has_text="Play").click()
    page.wait_for_function(f"() => Number(({WIDGET})(1, 'frames')) > 20", timeout=30_000)
    chosen = second.locator(".dqn-lander-q-row.chosen .dqn-lander-q-name").inner_text()
    assert second.locator(".dqn-lander-q-row").count() == 4
    assert chosen in ("do nothing", "fire main engine"), chosen
