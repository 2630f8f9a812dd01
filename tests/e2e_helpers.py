"""Helpers for the browser tests: a Streamlit server on a free port, and Debian's Chromium.

Not a test module. Playwright cannot download its own browser on these machines, so it drives
``/usr/bin/chromium`` (installed by ``make test``), with the flags this closed network needs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
# As root Chromium needs --no-sandbox; without the networking flags it keeps trying to reach
# Google's hosts, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-quic",
]
HEALTH_TIMEOUT_S = 60


def artifact(name: str) -> Path:
    """Path of a file under tests/artifacts/ (git-ignored), creating the folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(store_dir: Path, port: int | None = None, env: dict | None = None,
                script: str = "app.py", cwd: Path = REPO) -> Iterator[str]:
    """Run ``streamlit run <script>`` on ``store_dir`` and yield its base URL once healthy.

    The server's output goes to a temporary file (a pipe nobody reads would fill and stall it);
    it is shown if the server dies or never becomes healthy, and attached as a note to any
    exception raised inside the ``with`` block. The whole process group is ended on exit.
    """
    port = port or free_port()
    run_env = {**os.environ, "ZZMAP_STORE": str(store_dir), **(env or {})}
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
           "--server.headless", "true", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    base = f"http://localhost:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=run_env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)

        def output() -> str:
            log.seek(0)
            return log.read().decode("utf-8", "replace")[-8000:]

        try:
            _wait_healthy(proc, base, output)
            try:
                yield base
            except BaseException as exc:
                exc.add_note(f"--- streamlit server output ({' '.join(cmd)}) ---\n{output()}")
                raise
        finally:
            _stop(proc)


def _wait_healthy(proc: subprocess.Popen, base: str, output) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before answering "
                               f"{base}/_stcore/health:\n{output()}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"streamlit did not answer {base}/_stcore/health with 'ok' within "
                               f"{HEALTH_TIMEOUT_S} s:\n{output()}")
        time.sleep(0.25)


def _stop(proc: subprocess.Popen) -> None:
    for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue


# The app has finished a run: the root says so (the attribute Streamlit's own e2e tests read)
# and the header's status widget no longer shows "Running...".
_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  return ![...document.querySelectorAll('[data-testid="stStatusWidget"]')]
    .some(w => /Running/i.test(w.innerText) || w.querySelector('[data-testid="stStatusWidgetRunningIcon"]'));
}"""


def wait_until_idle(page, timeout_ms: float = 90_000) -> None:
    """Wait (Playwright sync page) until the Streamlit script run is over."""
    page.wait_for_function(_IDLE_JS, timeout=timeout_ms, polling=200)


def screenshot_page(page, name: str, settle_ms: int = 1000) -> Path:
    """Screenshot the whole app into tests/artifacts/<name>.

    Streamlit scrolls inside ``stMain``, not the document, so Playwright's ``full_page`` would
    stop at the viewport: grow the viewport to the content's height for the shot, then restore.
    """
    path = artifact(name)
    size = page.viewport_size
    height = page.evaluate("""() => Math.max(document.documentElement.scrollHeight,
        ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]')]
            .map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height, 16_000))})
    try:
        page.evaluate("document.fonts.ready.then(() => true)")
        page.wait_for_timeout(settle_ms)  # the map redraws after the resize
        page.screenshot(path=path)
    finally:
        page.set_viewport_size(size)
    return path


def launch_browser(playwright, **kwargs):
    """Debian's Chromium, headless, through Playwright's sync or async API object."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(f"{CHROMIUM} is missing: `make test` installs Debian's chromium "
                           "(apt-get install chromium fonts-noto-cjk)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS, **kwargs)
