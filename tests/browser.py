"""What the browser tests share: Debian's Chromium through Playwright, and a real JupyterLab to point it at.

`jupyter_lab(root, scratch)` serves a course folder on 127.0.0.1 (a free port, a token) and
stops it and its kernels afterwards; `chromium()` launches the headless browser and
`chromium_page()` opens one page in it. Screenshots go to ARTIFACTS (ignored by git).
Tests that need a browser skip, saying why, when CHROMIUM is None.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from release import nbgrader_environment

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_CHROMIUM = "no Chromium on this machine: install Debian's chromium (apt-get install chromium), as .ci/run does"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SETTINGS = {  # no pop-ups, and every cell in the page (JupyterLab may otherwise leave off-screen cells out);
    # code cells as JupyterLab 4 sets them up by default, said here because tests type code into them
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "codeCellConfig": {"autoClosingBrackets": False, "lineNumbers": False, "lineWrap": False}},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    "@jupyterlab/apputils-extension/sessionDialogs.jupyterlab-settings": {"autoStartDefaultKernel": True},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def wait_until_up(url: str, server: subprocess.Popen, log, what: str, seconds: float) -> None:
    """Wait until `url` answers; raise with the end of the server's `log` (an open file) if it dies or times out."""
    deadline = time.monotonic() + seconds
    context = ssl._create_unverified_context() if url.startswith("https://") else None  # a test's own certificate
    while True:
        try:
            urllib.request.urlopen(url, timeout=2, context=context)
            return
        except OSError as error:
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError(f"{what} did not start:\n{Path(log.name).read_text()[-4000:]}") from error
            time.sleep(0.5)


@contextlib.contextmanager
def jupyter_lab(root: Path, scratch: Path, **environment: str):
    """JupyterLab serving `root` until the block ends: ``{"base": url, "token": ..., "root": root}``.
    `scratch` holds its settings, runtime files and log; `environment` is added to nbgrader's."""
    settings = scratch / "settings"
    for name, values in SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    (scratch / "runtime").mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    env = dict(nbgrader_environment(), JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTER_RUNTIME_DIR=str(scratch / "runtime"), **environment)
    log_path = scratch / "jupyter.log"
    log = open(log_path, "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", "--ServerApp.allow_root=True",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/api/status?token={token}", server, log, "jupyter lab", seconds=90)
        yield {"base": base, "token": token, "root": root}
    finally:  # always shut the server down (and its kernels), also when a test failed
        stop(server)
        log.close()


@contextlib.contextmanager
def chromium():
    """Debian's Chromium, headless, through Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def new_page(browser, screenshot: str | None = None):
    """A page in a fresh browser context; a full-page screenshot to ARTIFACTS/<screenshot>.png at the end."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        yield page
    finally:
        if screenshot:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{screenshot}.png"), full_page=True)
        context.close()


@contextlib.contextmanager
def chromium_page(screenshot: str | None = None):
    """One page in its own headless Chromium."""
    with chromium() as browser, new_page(browser, screenshot) as page:
        yield page


def type_code(page, code: str):
    """Type `code` over the focused cell editor's text, key by key as a student does. On Enter JupyterLab
    indents the new line by itself: Shift+Home selects that indent, and the line's own replaces it.
    (Brackets and quotes are typed as they are: the lab leaves autoClosingBrackets off, browser.SETTINGS.)"""
    page.keyboard.press("ControlOrMeta+A")
    for number, line in enumerate(code.split("\n")):
        if number:
            page.keyboard.press("Enter")
            page.keyboard.press("Shift+Home")
        page.keyboard.type(line)


KERNEL_IDLE = ("() => [...document.querySelectorAll('.jp-Notebook-ExecutionIndicator')]"
               ".some(e => e.dataset.status === 'idle')")


def open_notebook_in(page, lab_url: str, path: str, query: str = "") -> None:
    """Open a notebook in a new, empty workspace of the JupyterLab at `lab_url` (no tabs of earlier visits),
    and wait until its kernel is idle. `query`: what the URL needs besides (say ``token=...``)."""
    workspace = f"w{secrets.token_hex(4)}"
    page.goto(f"{lab_url}/workspaces/{workspace}/tree/{path}?{query + '&' if query else ''}reset")
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").first.wait_for()
    select_kernel = page.locator(".jp-Dialog", has_text="Select Kernel")
    try:  # the default kernel starts by itself; answer the dialog should it ask anyway
        select_kernel.wait_for(timeout=3000)
        select_kernel.get_by_role("button", name="Select").click()
    except Exception:  # noqa: BLE001 - no dialog: nothing to answer
        pass
    page.wait_for_function(KERNEL_IDLE)


#: What a student types into the run_episode cell of notebook 01: a correct answer of their own (a for loop,
#: not the solution's while loop), with indented blocks and brackets for JupyterLab's editor to get in the way of.
TYPED_RUN_EPISODE = '''def run_episode(env, policy, seed=None, max_steps=1000):
    """Run one episode; return (total_reward, num_steps)."""
    observation, info = env.reset(seed=seed)
    total_reward, num_steps = 0.0, 0
    for _ in range(max_steps):
        observation, reward, terminated, truncated, info = env.step(policy(observation))
        total_reward += float(reward)
        num_steps += 1
        if terminated or truncated:
            break
    return total_reward, num_steps'''
