"""Part of bench/bench_scale.py: a real ``streamlit run`` in headless Chromium.

For one app (ours or the baseline) on one store: cold start (process start to the first page
complete: the run over and its map drawn), time to a drawn map on each page, then a few filtered
views by URL, and the server process's peak resident memory (VmHWM) after all of it.

"Map drawn": the deck.gl canvas is on the page with a real size (``e2e_helpers.map_canvas``),
the script run is over (``wait_until_idle``), and the browser has painted two more animation
frames, by which time deck.gl has drawn the data it was given (it draws on the next frame).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import e2e_helpers as e2e  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from scale_apptest import URL_PARAMS  # noqa: E402  (our pages as the server times measure them)

SCRIPTS = {"ours": "app.py", "baseline": "bench/baseline_app.py", "floor": "bench/floor_app.py"}
MAP_KEYS = {"overview": "overview_map", "investment": "inv_map", "land": "land_map", "energy": "en_map"}
# Views loaded by URL after the pages, so the peak memory covers filtered runs too.
FILTERED = ("land?district=430281", "land?status=低效", "investment?district=430223&stage=在建",
            "energy?district=430281&kv=110&layers=stations,plants,areas,risk", "?district=430202")
# Filter interactions as a user makes them: pick one more district in the sidebar's multiselect
# (three in turn), timed in the page from the click on the option to the run over and two more
# animation frames painted (the page, its map included, shows the new view).
DISTRICT_OPTIONS = {"ours": ("荷塘区", "醴陵市", "攸县"), "baseline": ("430202", "430281", "430223")}
_ARM_JS = """() => { window.__runSeen = false; window.__runOver = false; window.__clickAt = null;
  window.__urlAtArm = location.href; window.__quiet = 0;
  document.addEventListener('click', () => { window.__clickAt ??= performance.now(); }, {capture: true, once: true});
  // Every change of the run state, even two within one task (a fast run): a poll could miss them.
  const app = document.querySelector('[data-testid="stApp"]');
  const watch = new MutationObserver(records => {
    for (const r of records) if (r.oldValue === 'running' || app.getAttribute(r.attributeName) === 'running') window.__runSeen = true;
    if (window.__runSeen && app.getAttribute('data-test-script-state') === 'notRunning') {
      window.__runOver = true; watch.disconnect(); }
  });
  watch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state'], attributeOldValue: true}); }"""
# The run is over when the observer saw it run and stop, or — a run of a few tens of ms can go by
# without the page ever rendering "running" (React batches the updates) — when the script has
# written the new filter into the URL and the page has shown "not running" for three frames in a
# row since (each poll is one animation frame).
_RUN_OVER_JS = """() => {
  if (window.__runOver) return true;
  const app = document.querySelector('[data-testid="stApp"]');
  const idle = location.href !== window.__urlAtArm && app && app.getAttribute('data-test-script-state') === 'notRunning';
  window.__quiet = idle ? window.__quiet + 1 : 0;
  return window.__quiet >= 3; }"""
_FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
# Records (epoch ms) when the first run that shows a map canvas is over: the page is complete as
# far as the server is concerned; deck.gl's first draw comes after (in software GL: seconds).
_COMPLETE_JS = """(() => { let ran = false; const poll = setInterval(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-script-state');
  if (state === 'running') ran = true;
  if (ran && state === 'notRunning' && document.querySelector('[data-testid="stDeckGlJsonChart"] canvas')) {
    window.__pageComplete = performance.timeOrigin + performance.now(); clearInterval(poll); }
}, 20); })()"""


def _server_pid(port: int) -> int | None:
    """The streamlit process serving ``port`` (started by us: its command line names the port)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(cmd) and str(port).encode() in cmd:
            return int(proc.name)
    return None


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _wait_map(page, selector: str, timeout_ms: float) -> None:
    page.locator(f"{selector} canvas").first.wait_for(state="visible", timeout=timeout_ms)
    e2e.assert_no_exception(page)
    e2e.wait_until_idle(page, timeout_ms)
    e2e.map_canvas(page, selector)
    page.evaluate(_FRAMES_JS)


def measure(app: str, store: Path, timeout_s: float = 180) -> dict:
    """{"cold_start_s" (map drawn), "cold_complete_s" (run over, canvas in the page), "map_s": {page: s},
    "filtered_s": {view: s}, "interaction_s": {page: [s, s, s]}, "peak_rss_mb"}, with "error" if a
    step failed."""
    from playwright.sync_api import sync_playwright

    _compile_geo()
    out: dict = {"map_s": {}, "filtered_s": {}, "interaction_s": {}}
    port = e2e.free_port()
    step = "starting the browser"
    try:
        with sync_playwright() as pw:
            # The browser is up before the server starts: a user's browser is already running, so
            # cold start counts the server and the page, not Chromium's own start.
            browser = e2e.launch_browser(pw)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.add_init_script(_COMPLETE_JS)
            out["step"] = "starting the server"
            started, started_epoch = time.perf_counter(), time.time()
            try:
                with e2e.running_app(store, port=port, script=SCRIPTS[app]) as url:
                    pid = _server_pid(port)
                    try:
                        _drive(app, page, url, out, timeout_s * 1000, started, started_epoch)
                    finally:  # while the server still runs, even after a failed step
                        out["peak_rss_mb"] = _peak_rss_mb(pid) if pid else None
            finally:
                browser.close()
    except Exception as exc:  # report how it failed; the caller goes on
        out["error"] = f"{out.get('step', step)}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    out.pop("step", None)
    return out


def _drive(app: str, page, url: str, out: dict, timeout_ms: float, started: float, started_epoch: float) -> None:
    """First page (cold start), district filter changes on every page, every page's map, then
    the filtered views; ``out["step"]`` says where it is, for the error message."""
    out["step"] = "cold start (first page)"
    out["cold_start_s"], out["cold_complete_s"] = _first_page(app, page, url, timeout_ms, started, started_epoch)
    # Before the other pages: the baseline never draws the land map, and its step ends the run.
    for name in MAP_KEYS:
        out["step"] = f"district filter on {name}"
        page.goto(_page_url(app, url, name), wait_until="domcontentloaded")
        _wait_map(page, _selector(app, name), timeout_ms)
        out["interaction_s"][name] = picks = []
        for option in DISTRICT_OPTIONS[app]:
            try:
                picks.append(_pick_district(page, option, _selector(app, name), timeout_ms))
            except PlaywrightTimeout as exc:  # one pick that never ends costs its page's picks, not the run
                out.setdefault("pick_errors", []).append(f"{name} / {option}: {str(exc).splitlines()[0][:120]}")
                break
    for name in MAP_KEYS:
        out["step"] = f"map of {name}"
        start = time.perf_counter()
        page.goto(_page_url(app, url, name), wait_until="domcontentloaded")
        _wait_map(page, _selector(app, name), timeout_ms)
        out["map_s"][name] = time.perf_counter() - start
    for view in FILTERED:
        out["step"] = f"filtered view {view}"
        name, query = view.split("?")
        start = time.perf_counter()
        page.goto(url + (f"/{view}" if app == "ours" else f"/?page={name or 'overview'}&{query}"),
                  wait_until="domcontentloaded")
        _wait_map(page, _selector(app, name or "overview"), timeout_ms)
        out["filtered_s"][view] = time.perf_counter() - start


def _first_page(app: str, page, url: str, timeout_ms: float, started: float, started_epoch: float
                ) -> tuple[float, float | None]:
    """(map drawn, page complete), in seconds since the server process started."""
    page.goto(_page_url(app, url, "overview"), wait_until="domcontentloaded")
    _wait_map(page, _selector(app, "overview"), timeout_ms)
    drawn = time.perf_counter() - started
    complete = page.evaluate("() => window.__pageComplete || null")
    return drawn, (complete / 1000 - started_epoch if complete else None)


def cold_starts(app: str, store: Path, times: int, timeout_s: float = 180) -> dict:
    """``times`` cold starts of ``app`` ("ours", "floor"), each a new server process and a new
    browser context (an empty cache) in the browser already running: {"complete_s": [...],
    "drawn_s": [...]}, with "error" if one failed. One start says little on this VM, whose
    speed moves by tens of percent within minutes; the targets are judged on the median."""
    from playwright.sync_api import sync_playwright

    _compile_geo()
    out: dict = {"complete_s": [], "drawn_s": []}
    try:
        with sync_playwright() as pw:
            browser = e2e.launch_browser(pw)
            try:
                for _ in range(times):
                    page = browser.new_page(viewport={"width": 1920, "height": 1080})
                    page.add_init_script(_COMPLETE_JS)
                    started, started_epoch = time.perf_counter(), time.time()
                    with e2e.running_app(store, port=e2e.free_port(), script=SCRIPTS[app]) as url:
                        drawn, complete = _first_page(app, page, url, timeout_s * 1000, started, started_epoch)
                    page.context.close()
                    out["drawn_s"].append(drawn)
                    out["complete_s"].append(complete)
            finally:
                browser.close()
    except Exception as exc:  # report how it failed; the caller goes on
        out["error"] = f"cold start {len(out['drawn_s']) + 1}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return out


def _compile_geo() -> None:
    # As `make run` does before it starts the server: geo's bytecode written ahead of time.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "geo")], check=True, capture_output=True)


def _pick_district(page, option: str, selector: str, timeout_ms: float) -> float:
    """Seconds from the click on ``option`` in the district multiselect to the run over and two
    more frames painted, measured in the page (the click is the browser's event, not Playwright's
    call; the page is not scrolled: the user is at the sidebar)."""
    page.locator('.st-key-f_district [role="combobox"]').click()
    choice = page.get_by_role("listbox").get_by_role("option", name=option, exact=True)
    choice.wait_for(state="visible", timeout=timeout_ms)
    page.evaluate(_ARM_JS)
    choice.click()
    page.wait_for_function(_RUN_OVER_JS, timeout=timeout_ms, polling="raf")
    page.locator(f"{selector} canvas").first.wait_for(state="attached", timeout=timeout_ms)
    painted = page.evaluate(f"() => ({_FRAMES_JS})().then(() => performance.now())")
    elapsed = (painted - page.evaluate("() => window.__clickAt")) / 1000
    page.keyboard.press("Escape")  # close the drop-down
    e2e.assert_no_exception(page)
    return elapsed


def _page_url(app: str, url: str, page: str) -> str:
    if app == "baseline":
        return f"{url}/?page={page}"
    if page == "overview":
        return f"{url}/"  # the default page lives at "/"
    params = "&".join(f"{k}={v}" for k, v in URL_PARAMS.get(page, {}).items())
    return f"{url}/{page}" + (f"?{params}" if params else "")


def _selector(app: str, page: str) -> str:
    # The baseline's and the floor's maps have no on_select, and Streamlit then gives them no st-key class.
    return f".st-key-{MAP_KEYS[page]}" if app == "ours" else '[data-testid="stDeckGlJsonChart"]'


def main() -> int:
    """Only this part, without the server-time part: ``python bench/scale_browser.py --store DIR``."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--app", choices=("ours", "baseline", "floor"), default="ours")
    parser.add_argument("--repeat", type=int, default=1, help="whole measurements (a new server each)")
    parser.add_argument("--cold-starts", type=int, metavar="N", help="only N cold starts (first page complete, "
                        "map drawn), a new server each")
    args = parser.parse_args()
    from bench_scale import host_speed_ms

    if args.cold_starts:
        speed = host_speed_ms()
        print(json.dumps({"app": args.app, "host_speed_ms": round(speed, 1),
                          **cold_starts(args.app, args.store, args.cold_starts)}), flush=True)
        return 0
    if args.app == "floor":
        parser.error("--app floor: only with --cold-starts (the floor has one page)")
    for i in range(args.repeat):
        speed = host_speed_ms()  # this VM's speed moves within an hour: say how fast it was
        out = measure(args.app, args.store)
        print(json.dumps({"run": i + 1, "host_speed_ms": round(speed, 1), **out}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
