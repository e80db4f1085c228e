"""The course in a real JupyterLab, driven by a real (headless) Chromium.

A throw-away copy of the repo is served by `jupyter lab` on 127.0.0.1, on a free
port, with a token. Three scenarios run in Debian's Chromium through Playwright:
a student runs notebook 01, a finished student runs the solution of 05, and the
nbgrader Validate button validates a notebook. Screenshots go to artifacts/browser/.
The test is skipped only when no Chromium is installed (.ci/run installs one).
"""

import re
import secrets

import pytest
from browser import ARTIFACTS, CHROMIUM, NO_CHROMIUM, chromium, jupyter_lab
from release import copy_course

pytestmark = pytest.mark.notebooks


KERNEL_IDLE = ("() => [...document.querySelectorAll('.jp-Notebook-ExecutionIndicator')]"
               ".some(e => e.dataset.status === 'idle')")


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
    workspace = f"w{secrets.token_hex(4)}"
    page.goto(f"{lab['base']}/lab/workspaces/{workspace}/tree/{path}?token={lab['token']}&reset")
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for()
    select_kernel = page.locator(".jp-Dialog", has_text="Select Kernel")
    try:  # the default kernel starts by itself; answer the dialog should it ask anyway
        select_kernel.wait_for(timeout=3000)
        select_kernel.get_by_role("button", name="Select").click()
    except Exception:  # noqa: BLE001 - no dialog: nothing to answer
        pass
    page.wait_for_function(KERNEL_IDLE)


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
    curves = cell_with(page, "reference_curve = np.load")
    assert curves.locator(".jp-OutputArea-output img").count() == 1, "no learning-curve image"
    video = page.locator(".jp-OutputArea-output video")
    assert video.count() >= 1, "no <video> element"
    assert video.first.locator("source").get_attribute("src").startswith("data:video/mp4;base64,")
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, [errors.nth(i).inner_text()[:300] for i in range(errors.count())]
    prompts = page.locator(".jp-InputPrompt").all_inner_texts()
    assert all(re.search(r"\[\d+\]", p) for p in prompts if p.strip()), "some cells did not run: " + str(prompts)


def test_nbgrader_validate_in_the_browser(page, lab):
    open_notebook(page, lab, "notebooks/01_environment/01_environment.ipynb")
    assert page.locator(".jp-NotebookPanel-toolbar .validate-button").count() == 1, "no Validate button"
    open_notebook(page, lab, "solutions/01_environment/01_environment.ipynb")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .validate-button").click()
    success = page.locator(".validation-success")
    success.wait_for(timeout=300_000)
    assert "Success! Your notebook passes all the tests." in success.inner_text()
