"""Helpers for the browser tests: a Streamlit server on a free port, Debian's Chromium, and what
several page flows share: waiting for a run or a URL, watching the console, reading metrics, and
clicking a pydeck map at a computed lon/lat.

Not a test module. Playwright cannot download its own browser on these machines, so it drives
``/usr/bin/chromium`` (installed by ``make test``), with the flags this closed network needs.

Map clicks need screen positions: ``to_page`` projects lon/lat to viewport pixels itself (Web
Mercator, deck.gl's 512-px world at zoom 0) from the view the page computes (``fitted_view``,
the same ``layers.point_map`` -> ``fit_view`` call) and the canvas's real size and position.
"""

from __future__ import annotations

import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

if TYPE_CHECKING:
    from playwright.sync_api import Page

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
TIMEOUT_MS = 90_000  # a page run, or the rerun after a click (an app exception fails at once)


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
        time.sleep(0.05)  # a cold start's measurement (bench/scale_browser.py) waits on this too


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


def wait_until_idle(page, timeout_ms: float = TIMEOUT_MS) -> None:
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


# --- the page -------------------------------------------------------------------------------------


def watch_page(page: Page, console_errors: list[str], dialogs: list[str]) -> None:
    """Collect the console's errors, uncaught exceptions ("uncaught: ...") and dialogs (closed at
    once: an alert() would block the page)."""
    # With the URL: "Failed to load resource" alone does not say which one.
    page.on("console", lambda m: m.type == "error" and console_errors.append(
        f"{m.text} [{m.location.get('url', '')}]" if m.text.startswith("Failed to load") else m.text))
    page.on("pageerror", lambda exc: console_errors.append(f"uncaught: {exc}"))

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)


def check_console(console_errors: list[str], dialogs: list[str], name: str) -> None:
    """Write the console's errors to tests/artifacts/<name>, then fail on deck.gl errors, uncaught
    exceptions and dialogs. deck.gl reports a layer it could not build only in the console, and
    draws the map without it. (Failed fetches are the basemap tiles: this machine has no internet.)"""
    artifact(name).write_text("\n".join(console_errors) + "\n", encoding="utf-8")
    layer_errors = [e for e in console_errors if e.startswith("deck:") or e.startswith("uncaught:")]
    assert not layer_errors, "errors in the browser console:\n" + "\n".join(layer_errors)
    assert not dialogs, "the page opened dialogs:\n" + "\n".join(dialogs)


def assert_no_exception(page: Page) -> None:
    shown = page.locator('[data-testid="stException"]')
    assert shown.count() == 0, f"the app shows an exception:\n{shown.first.inner_text()}"


_SHOWN_TABLES = """[...document.querySelectorAll('[data-testid="stDataFrame"]')].filter(d => d.offsetParent !== null)"""


def table_row_heights(page: Page) -> list[float]:
    """Each shown table's drawn row height (px): its scroll height over its rows and header,
    once every table is drawn. A table draws its rows at the root font size it found when it
    was first drawn (geo.styles): 35 px normally, 46 in presentation mode."""
    page.wait_for_function(f"() => {_SHOWN_TABLES}.every(d => d.querySelector('[aria-rowcount]'))",
                           timeout=TIMEOUT_MS)
    return page.evaluate(f"""() => {_SHOWN_TABLES}.map(d => d.querySelector('.dvn-scroller').scrollHeight
        / Number(d.querySelector('[aria-rowcount]').getAttribute('aria-rowcount')))""")


def wait_rendered(page: Page, text: str) -> None:
    """Wait for ``text`` and the end of the run; an exception the app shows instead fails at once
    (with its text) rather than after the whole timeout."""
    page.get_by_text(text, exact=True).or_(page.locator('[data-testid="stException"]')).first.wait_for(
        state="visible", timeout=TIMEOUT_MS)
    assert_no_exception(page)
    wait_until_idle(page, TIMEOUT_MS)


def widget_text(page: Page, key: str, text: str, timeout_ms: float = 15_000) -> None:
    """Wait until the widget with ``key`` shows ``text`` (a chosen filter value): after a page
    load the sidebar's widgets can be drawn a moment after the main column's figures, so an
    immediate read found an empty widget once on a slow host. Fails with what it shows."""
    from playwright.sync_api import expect

    expect(page.locator(f".st-key-{key}")).to_contain_text(text, timeout=timeout_ms)


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def query(page: Page) -> dict[str, list[str]]:
    return query_of(page.url)


def wait_url(page: Page, ok: Callable[[dict], bool], timeout_ms: float = TIMEOUT_MS) -> None:
    """Wait until the URL's query satisfies ``ok`` (Streamlit writes it during the rerun), then
    until the rerun is over."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not ok(query(page)):
        if time.monotonic() > deadline:
            raise AssertionError(f"the URL did not change as expected within {timeout_ms / 1000:.0f} s: {page.url}")
        page.wait_for_timeout(200)
    wait_until_idle(page, TIMEOUT_MS)


def metric_texts(page: Page, label: str) -> tuple[str, str]:
    """(value, delta) as shown by the metric labelled ``label``; delta "" when it has none. The
    non-breaking spaces that keep a delta's parts whole (``i18n.in_parts``) read as spaces."""
    metric = page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text(label, exact=True)).first
    value = metric.locator('[data-testid="stMetricValue"]').inner_text(timeout=TIMEOUT_MS)
    delta = metric.locator('[data-testid="stMetricDelta"]')
    return value.strip(), delta.first.inner_text().replace("\xa0", " ").strip() if delta.count() else ""


def metric_int(page: Page, label: str) -> int:
    """The metric's value as an integer ("362 个" -> 362)."""
    text = metric_texts(page, label)[0]
    digits = re.sub(r"[^\d]", "", text)
    assert digits, f"metric {label} shows {text!r}"
    return int(digits)


# --- pydeck maps ----------------------------------------------------------------------------------

# deck.gl's Web Mercator: the world is 512 px wide at zoom 0; metres per pixel at the equator.
WORLD_PX = 512
EARTH_CIRCUMFERENCE_M = 40_075_016.686
# Streamlit's zoom buttons sit top right inside the canvas (the element toolbar above them).
BUTTONS_W_PX, BUTTONS_H_PX = 90, 110
# One mouse-wheel notch (deltaY 100) in deck.gl's MapController: scale 2 / (1 + e^-(100 * 0.01)),
# around the pointer, without transition (scrollZoom's defaults: speed 0.01, smooth false).
WHEEL_NOTCH_ZOOM = math.log2(2 / (1 + math.exp(-1.0)))


def fitted_view(bounds) -> tuple[float, float, float]:
    """(lon, lat, zoom) of a map's initial view for ``bounds``, computed the way the pages do
    (``layers.point_map`` -> ``fit_view``): its default width may differ from the real canvas,
    so only the centre and zoom are taken, the canvas size is measured in the browser."""
    from geo import layers

    state = layers.point_map([], bounds).initial_view_state
    return float(state.longitude), float(state.latitude), float(state.zoom)


def world_px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    size = WORLD_PX * 2 ** zoom
    phi = math.radians(lat)
    return ((lon + 180) / 360 * size,
            (1 - math.log(math.tan(math.pi / 4 + phi / 2)) / math.pi) / 2 * size)


def to_page(box: dict, view: tuple[float, float, float], lon: float, lat: float) -> tuple[float, float]:
    """Viewport pixel of (lon, lat): the view's centre is the canvas's centre."""
    v_lon, v_lat, zoom = view
    cx, cy = world_px(v_lon, v_lat, zoom)
    px, py = world_px(lon, lat, zoom)
    return box["x"] + box["width"] / 2 + px - cx, box["y"] + box["height"] / 2 + py - cy


def from_page(box: dict, view: tuple[float, float, float], x: float, y: float) -> tuple[float, float]:
    """(lon, lat) under the viewport pixel (x, y): the inverse of ``to_page``."""
    v_lon, v_lat, zoom = view
    size = WORLD_PX * 2 ** zoom
    cx, cy = world_px(v_lon, v_lat, zoom)
    wx, wy = cx + x - box["x"] - box["width"] / 2, cy + y - box["y"] - box["height"] / 2
    lat = math.degrees(2 * math.atan(math.exp(math.pi * (1 - 2 * wy / size))) - math.pi / 2)
    return wx / size * 360 - 180, lat


def metres_per_px(lat: float, zoom: float) -> float:
    return EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / (WORLD_PX * 2 ** zoom)


def map_canvas(page: Page, selector: str) -> dict:
    """The deck.gl canvas's box in viewport pixels (inside the element ``selector``), scrolled
    into view."""
    canvas = page.locator(f"{selector} canvas").first
    canvas.wait_for(state="visible", timeout=TIMEOUT_MS)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, f"map canvas box: {box}"
    return box


def inside_canvas(box: dict, x: float, y: float, margin: float = 10) -> bool:
    """(x, y) is on the canvas, ``margin`` px inside its edges and off the zoom buttons."""
    right, bottom = box["x"] + box["width"], box["y"] + box["height"]
    on_buttons = x > right - BUTTONS_W_PX and y < box["y"] + BUTTONS_H_PX
    return box["x"] + margin < x < right - margin and box["y"] + margin < y < bottom - margin and not on_buttons


def spots_in_polygon(box: dict, view, polygon, clear: Callable[[float, float], bool], *, count: int = 2,
                     inset_deg: float = 0.01) -> list[tuple[float, float]]:
    """Up to ``count`` viewport spots inside ``polygon`` (lon/lat; ``inset_deg`` inside its outline)
    where ``clear(x, y)`` holds: its representative point first, else the nearest grid points."""
    from shapely.geometry import Point

    inner = polygon.buffer(-inset_deg)  # ~1 km inside, clear of the (simplified) outline
    rep = polygon.representative_point()
    minx, miny, maxx, maxy = inner.bounds
    candidates = [(rep.x, rep.y)] + sorted(
        ((minx + (maxx - minx) * i / 40, miny + (maxy - miny) * j / 40) for i in range(41) for j in range(41)),
        key=lambda p: math.hypot(p[0] - rep.x, p[1] - rep.y))
    spots = []
    for lon, lat in candidates:
        x, y = to_page(box, view, lon, lat)
        if inner.contains(Point(lon, lat)) and inside_canvas(box, x, y) and clear(x, y):
            spots.append((x, y))
        if len(spots) == count:
            break
    assert spots, "no spot of the polygon is clear"
    return spots


def click_map(page: Page, spots, url_ok: Callable[[dict], bool], what: str, failure_shot: str) -> None:
    """Click the first spot; if the URL does not change (deck.gl picks only what is under the
    pointer, and a redraw may still be on its way), try the next one. On failure the page goes
    to tests/artifacts/<failure_shot>."""
    page.wait_for_timeout(500)  # the run is over, but deck.gl may still be drawing its new props
    for attempt, (x, y) in enumerate(spots):
        page.mouse.move(x, y)  # deck.gl tracks hover; move first so the click is a plain click
        page.wait_for_timeout(300)
        page.mouse.click(x, y)
        try:
            wait_url(page, url_ok, timeout_ms=20_000)
            print(f"clicked {what} at ({x:.0f}, {y:.0f}), attempt {attempt + 1}")
            return
        except AssertionError:
            if attempt == len(spots) - 1:
                artifact(failure_shot).write_bytes(page.screenshot())
                raise AssertionError(f"clicking {what} at {[(round(a), round(b)) for a, b in spots]} "
                                     f"did not change the URL: {page.url}") from None


def wait_tooltip(page: Page, selector: str, x: float, y: float, ok: Callable[[str], bool], what: str,
                 timeout_ms: float = 5_000) -> str:
    """Rest the pointer on (x, y) and wait until the map's hover tooltip (deck.gl's
    ``.deck-tooltip``, plain text) is shown and ``ok(text)``; returns the text."""
    page.mouse.move(x, y)
    tip = page.locator(f"{selector} .deck-tooltip").first
    deadline = time.monotonic() + timeout_ms / 1000
    seen = None
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        if tip.count() and tip.is_visible():
            seen = tip.inner_text()
            if ok(seen):
                return seen
    raise AssertionError(f"hovering ({x:.0f}, {y:.0f}) for {what}: the tooltip shows {seen!r}")
