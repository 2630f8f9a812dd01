"""Benchmark at province scale: our app vs "the typical Streamlit map app", with pass/fail targets.

    python bench/bench_scale.py --store /tmp/big_store              # an existing scaled store
    python bench/bench_scale.py --build                             # build 1 M parcels into a temp dir
    python bench/bench_scale.py --store DIR --repeat 10 --skip-browser --json out.json

For the demo store (built into a temp dir, ~1 s) and the scaled store, for each page (overview,
investment, land, energy) and interaction (first load, district filter, status/stage/voltage
filter, click a district, select a feature, open the download panel), it reports

* server time p50/p95 of whole script runs (Streamlit's AppTest, ``bench/scale_apptest.py``), the
  CPU time of those runs, and for ours the query and layer-building parts; beside them Streamlit's
  floor and our shared frame around an empty page (``bench/shell_app.py``), which a missed ratio
  is set against (what 20× leaves for the page's own content);
* bytes sent: every element's serialised proto, and the pydeck JSON among them (the largest
  of an interaction's timed runs);
* in a real ``streamlit run`` with headless Chromium (``bench/scale_browser.py``): cold start
  (process start to the first page's map drawn), time to a drawn map per page, peak RSS (VmHWM);
  then ``--cold-starts`` more cold starts of ours and of Streamlit's floor (``bench/floor_app.py``),
  the cold-start target judged on their median;

for ours and for the baseline (``bench/baseline_app.py``: everything loaded into GeoPandas at
start, pandas filters, every matching feature sent as GeoJSON), then the ratios and the targets
at 1 M parcels (DESIGN "Maps at any size"). The machine is shared: the load average before and
after is printed; compare figures of the same run. Prints figures; never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

PAGES = ("overview", "investment", "land", "energy")
FILTERS = ("district filter", "status filter", "click district")  # the targets' "filter interactions"
TARGET_MS, TARGET_BYTES, TARGET_COLD_S, TARGET_RSS_MB, TARGET_RATIO = 200, 2 * 2**20, 5.0, 2048, 20
SCALE = {"parcels": 1_000_000, "projects": 100_000, "transformer_areas": 6, "substations": 1820, "tasks": 99_614}


class StepFailed(Exception):
    pass


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (with 10 runs: the slowest; conservative on purpose)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def load_avg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def host_speed_ms() -> float:
    """A fixed pure-Python loop, median of 5 (ms): this VM's speed moves by tens of percent within
    an hour; the figure at a run's start and end says how fast the machine was, so two runs can
    be compared."""
    times = []
    for _ in range(5):
        start, total = time.perf_counter(), 0
        for i in range(1_000_000):
            total += i * i
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# --- stores --------------------------------------------------------------------------------------


def build_store(target: Path, scale: dict[str, int] | None) -> None:
    """Build with ``python -m geo.demo`` into a staging dir next to ``target``, then rename it into
    place: a build that fails leaves nothing at ``target``. Refuses a scale beyond memory first."""
    from geo.demo.__main__ import available_bytes, estimate_bytes
    from geo.demo.build import Scale

    args = []
    if scale:
        need, have = estimate_bytes(Scale(**scale)), available_bytes()
        if need > 0.8 * have:
            raise StepFailed(f"refused to build: the scale needs about {need / 2**30:.1f} GiB while building "
                             f"and {have / 2**30:.1f} GiB is available")
        args = [f"--{k.replace('_', '-')}={v}" for k, v in scale.items()]
    staging = target.with_name(target.name + ".building")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "geo.demo", "--store", str(staging), "--quiet", *args],
                          cwd=REPO, capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise StepFailed(f"building the store failed (exit {proc.returncode}); nothing was published:\n  "
                         + "\n  ".join(tail))
    staging.rename(target)
    print(f"  built {target} in {time.perf_counter() - started:.0f} s")


# --- AppTest workers -----------------------------------------------------------------------------


def run_worker(app: str, store: Path, repeat: int, timeout_s: float, max_rss_gb: float,
               code: Path = REPO, label: str | None = None, pages: str | None = None) -> list[dict]:
    """Run bench/scale_apptest.py in its own process; kill it past ``timeout_s`` or ``max_rss_gb``
    (so a baseline that cannot cope fails alone and says how). ``code`` = the source tree whose
    app.py runs (``--before``: an export of an older commit, e.g. ``git archive main``)."""
    if code != REPO:
        shutil.copy(REPO / "bench" / "scale_apptest.py", code / "bench" / "scale_apptest.py")
    cmd = [sys.executable, str(code / "bench" / "scale_apptest.py"), "--app", app, "--store", str(store),
           "--repeat", str(repeat), "--label", label or app, *(["--pages", pages] if pages else [])]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=code, stdout=out, stderr=err, env={**os.environ, "ZZMAP_STORE": str(store)})
        killed = _watch(proc, timeout_s, max_rss_gb)
        out.seek(0)
        rows = [json.loads(line) for line in out if line.startswith("{")]
        if killed:
            rows.append({"app": label or app, "page": pages or "*", "error": killed})
        elif proc.returncode:
            err.seek(0)
            rows.append({"app": label or app, "page": pages or "*", "error": f"exit {proc.returncode}: {err.read()[-300:]}"})
    return rows


def _watch(proc: subprocess.Popen, timeout_s: float, max_rss_gb: float) -> str | None:
    deadline, peak = time.monotonic() + timeout_s, 0.0
    while proc.poll() is None:
        try:
            rss = next(int(line.split()[1]) / 2**20 for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                       if line.startswith("VmRSS:"))
            peak = max(peak, rss)
        except (OSError, StopIteration):
            pass
        if peak > max_rss_gb or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            return (f"killed at {peak:.1f} GB resident (limit {max_rss_gb} GB)" if peak > max_rss_gb
                    else f"killed after {timeout_s:.0f} s (time limit)")
        time.sleep(0.2)
    return None


# --- report --------------------------------------------------------------------------------------


def index(rows: list[dict]) -> dict[tuple[str, str, str], dict]:
    return {(r["app"], r["page"], r["interaction"]): r for r in rows if "interaction" in r}


def print_server(label: str, rows: list[dict]) -> None:
    by = index(rows)
    print(f"\n== server time per interaction, {label} (ms; p95 = slowest of the runs when < 20) ==")
    print(f"{'page / interaction':<30}{'ours p50':>9}{'p95':>7}{'cpu':>6}{'query':>7}{'layers':>7}{'sent':>9}"
          f"{'map':>8}{'baseline p50':>14}{'p95':>8}{'sent':>9}{'ratio':>8}"
          + (f"{'before p50':>12}{'p95':>7}{'sent':>9}" if any(r.get("app") == "before" for r in rows) else ""))
    for (app, page, name), r in by.items():
        if app != "ours":
            continue
        b = by.get(("baseline", page, name))
        mid = statistics.median
        line = (f"{page + ' / ' + name:<30}{mid(r['ms']):>9.0f}{p95(r['ms']):>7.0f}{mid(r['cpu_ms']):>6.0f}"
                f"{mid(r['query_ms']) if r['query_ms'] else 0:>7.0f}{mid(r['layer_ms']) if r['layer_ms'] else 0:>7.0f}"
                f"{r['bytes'] / 1024:>7.0f}KB{r['deck_bytes'] / 1024:>6.0f}KB")
        if b:
            line += (f"{mid(b['ms']):>14.0f}{p95(b['ms']):>8.0f}{b['bytes'] / 1024:>7.0f}KB"
                     f"{mid(b['ms']) / mid(r['ms']):>7.1f}×")
        else:
            line += f"{'(failed)':>14}{'':>24}"
        before = by.get(("before", page, name))
        if before:
            line += f"{mid(before['ms']):>12.0f}{p95(before['ms']):>7.0f}{before['bytes'] / 1024:>7.0f}KB"
        print(line)
    floor = by.get(("floor", "*", "district filter"))
    if floor:
        print(f"{'Streamlit floor / district filter':<30}{statistics.median(floor['ms']):>9.1f}{p95(floor['ms']):>7.1f}"
              "   (a page with only the district multiselect and one number: no page reruns faster)")
    frames = {}
    for (app, page, name), r in by.items():
        if app == "shell":
            frames.setdefault(page, []).append(f"{name} {statistics.median(r['ms']):.1f} / {p95(r['ms']):.1f}")
    if frames:
        print("our shared frame around an empty page (bench/shell_app.py: the page's sidebar, header and "
              "download panel), p50 / p95 ms:")
        for page, figures in frames.items():
            print(f"  {page:<12}" + ", ".join(figures))
    for r in rows:
        if "error" in r:
            print(f"  {r['app']} {r['page']}: FAILED — {r['error']}")


def print_browser(label: str, results: dict[str, dict]) -> None:
    print(f"\n== real server + headless Chromium, {label} ==")
    for app, r in results.items():
        maps = ", ".join(f"{k} {v:.1f}" for k, v in r.get("map_s", {}).items())
        filtered = ", ".join(f"{k} {v:.1f}" for k, v in r.get("filtered_s", {}).items())
        cold = f"{r['cold_start_s']:.1f} s" if "cold_start_s" in r else "—"
        if r.get("cold_complete_s"):
            cold += f" (page complete at {r['cold_complete_s']:.1f} s, then deck.gl's first draw)"
        rss = f"{r['peak_rss_mb']:.0f} MB" if r.get("peak_rss_mb") else "—"
        picks = ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in r.get("interaction_s", {}).items() if v)
        print(f"{app:<9} cold start {cold}; peak RSS {rss}\n{'':9} drawn map (s): {maps}\n{'':9} filtered (s): {filtered}"
              f"\n{'':9} district picked in the sidebar -> map drawn again (s, median of 3): {picks}")
        for error in r.get("pick_errors", []):
            print(f"{'':9} a district pick did not finish (its page's other picks skipped): {error}")
        if "error" in r:
            print(f"{'':9} FAILED — {r['error']}")


def _cold_text(starts: dict[str, dict]) -> str:
    """Ours' range over the starts, the medians of its map drawn and of Streamlit's floor."""
    def done(app, key):
        return [x for x in (starts.get(app) or {}).get(key, []) if x is not None]
    ours, floor = done("ours", "complete_s"), done("floor", "complete_s")
    text = f"{min(ours):.1f}–{max(ours):.1f} s over {len(ours)} starts, map drawn {statistics.median(done('ours', 'drawn_s')):.1f} s"
    return text + (f"; Streamlit's floor {statistics.median(floor):.1f} s" if floor else "")


def print_cold_starts(label: str, starts: dict[str, dict]) -> None:
    print(f"\n== cold starts, {label}: process start to first page complete / map drawn (s) ==")
    for app, r in starts.items():
        pairs = ", ".join("—" if c is None else f"{c:.2f} / {d:.2f}" for c, d in zip(r["complete_s"], r["drawn_s"]))
        done = [c for c in r["complete_s"] if c is not None]
        median = f"median {statistics.median(done):.2f} / {statistics.median(r['drawn_s']):.2f}" if done else ""
        print(f"{app:<9} {median}   ({pairs})" + (f"\n{'':9} FAILED — {r['error']}" if "error" in r else ""))


def _budget(baseline_ms: float, floor: dict | None, shell: dict | None) -> str:
    """What a missed ratio leaves a page: TARGET_RATIO times faster than the baseline means a
    run of baseline / ratio ms, set against Streamlit's floor and our shared frame around an
    empty page (bench/shell_app.py) on the same interaction."""
    need = baseline_ms / TARGET_RATIO
    text = f"; {TARGET_RATIO}× means ≤ {need:.1f} ms a run"
    if floor and need < statistics.median(floor["ms"]):
        return text + f": unreachable, below Streamlit's floor of {statistics.median(floor['ms']):.1f} ms"
    if not shell:
        return text
    frame = statistics.median(shell["ms"])
    if need < frame:
        return text + f": unreachable with our shared frame, which alone takes {frame:.1f} ms"
    return text + f"; our shared frame alone takes {frame:.1f} ms, leaving {need - frame:.1f} ms for the page's content"


def targets(rows: list[dict], browser: dict[str, dict] | None,
            starts: dict[str, dict] | None = None) -> list[tuple[str, bool | None, str]]:
    by = index(rows)
    floor = by.get(("floor", "*", "district filter"))
    out = []
    for (app, page, name), r in by.items():
        if app != "ours" or name not in FILTERS:
            continue
        fast = p95(r["ms"]) <= TARGET_MS
        small = r["bytes"] <= TARGET_BYTES
        out.append((f"{page} / {name}: p95 ≤ {TARGET_MS} ms and ≤ 2 MB sent", fast and small,
                    f"p95 {p95(r['ms']):.0f} ms, {r['bytes'] / 2**20:.2f} MB"))
        b = by.get(("baseline", page, name))
        failed = [x["error"] for x in rows if x.get("app") == "baseline" and x.get("page") in (page, "*") and "error" in x]
        if b:
            ratio = statistics.median(b["ms"]) / statistics.median(r["ms"])
            why = "" if ratio >= TARGET_RATIO else _budget(statistics.median(b["ms"]), floor,
                                                            by.get(("shell", page, name)))
            out.append((f"{page} / {name}: ≥ {TARGET_RATIO}× faster than the baseline (p50)", ratio >= TARGET_RATIO,
                        f"{ratio:.1f}×" + why))
        elif failed:
            out.append((f"{page} / {name}: ≥ {TARGET_RATIO}× faster than the baseline", True,
                        f"baseline failed: {failed[0][:80]}"))
    if browser and "ours" in browser:
        r = browser["ours"]
        # "Process start to first complete page" (the issue): run over, map canvas in the page;
        # deck.gl's first frame after that is "time to a drawn map", printed beside it.
        cold, drawn, rss = r.get("cold_complete_s"), r.get("cold_start_s"), r.get("peak_rss_mb")
        ours = [x for x in ((starts or {}).get("ours") or {}).get("complete_s", []) if x is not None]
        if ours:  # the median of several starts: one start on this VM moves by ±0.5 s
            cold = statistics.median(ours)
            out.append((f"cold start ≤ {TARGET_COLD_S:.0f} s (page complete, median of {len(ours)})",
                        cold <= TARGET_COLD_S, f"{cold:.1f} s ({_cold_text(starts)})"))
        else:
            out.append((f"cold start ≤ {TARGET_COLD_S:.0f} s (page complete)", None if cold is None else cold <= TARGET_COLD_S,
                        "—" if cold is None else f"{cold:.1f} s (map drawn at {drawn:.1f} s)"))
        out.append(("peak memory ≤ 2 GB", None if rss is None else rss <= TARGET_RSS_MB,
                    "—" if rss is None else f"{rss:.0f} MB"))
        # The same filter change as the user sees it: server, transfer, and the browser drawing.
        base = (browser.get("baseline") or {}).get("interaction_s", {})
        for page, times in r.get("interaction_s", {}).items():
            if base.get(page) and times:
                ratio = statistics.median(base[page]) / statistics.median(times)
                out.append((f"{page} / district filter in the browser: ≥ {TARGET_RATIO}× faster than the baseline",
                            ratio >= TARGET_RATIO, f"{statistics.median(times):.2f} s vs "
                            f"{statistics.median(base[page]):.2f} s: {ratio:.1f}×"))
    return out


# --- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--store", type=Path, help="an existing scaled store")
    where.add_argument("--build", action="store_true", help="build a scaled store (1 M parcels) into a temp dir")
    parser.add_argument("--parcels", type=int, default=SCALE["parcels"], help="with --build")
    parser.add_argument("--projects", type=int, default=SCALE["projects"], help="with --build")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per interaction (ours)")
    parser.add_argument("--baseline-repeat", type=int, default=3)
    parser.add_argument("--baseline-timeout", type=float, default=900, help="seconds per page")
    parser.add_argument("--baseline-max-gb", type=float, default=8.0, help="kill the baseline above this RSS")
    parser.add_argument("--cold-starts", type=int, default=5, metavar="N",
                        help="cold starts of ours and of Streamlit's floor per store (the target: their median)")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--before", type=Path, help="a source tree of the code before (git archive <rev> | "
                        "tar -x -C DIR; DIR/.venv not needed): its app's server times too, same run")
    args = parser.parse_args()

    speed = host_speed_ms()
    print(f"machine: {os.cpu_count()} cores, load average {load_avg()} (1, 5, 15 min) at start; "
          f"host speed: a fixed Python loop {speed:.0f} ms")
    results: dict = {"load_start": load_avg(), "host_speed_ms_start": speed}
    step = "setup"
    try:
        with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
            stores = {}
            if not args.skip_demo:
                step = "building the demo store"
                build_store(Path(tmp) / "demo", None)
                stores["demo store"] = Path(tmp) / "demo"
            if args.build:
                step = "building the scaled store"
                build_store(Path(tmp) / "scaled", {**SCALE, "parcels": args.parcels, "projects": args.projects})
                stores["scaled store"] = Path(tmp) / "scaled"
            else:
                stores["scaled store"] = args.store
            for label, store in stores.items():
                from geo import store as store_module

                snap = store_module.open_current(store)
                print(f"\n{label}: {store}, snapshot {snap.id}: " + ", ".join(
                    f"{t} {snap.row_count(t):,}" for t in ("parcels", "projects", "tasks", "substations",
                                                           "transformer_areas")))
                step = f"server times on the {label}"
                # One process per page and app: a page that fails fails alone, and no page's timed
                # runs find views that another page's runs left in the data cache.
                # "before" page by page right after ours: the host's speed drifts within minutes.
                rows = []
                for page in PAGES:
                    rows += run_worker("ours", store, args.repeat, 3600, 16, pages=page)
                    if args.before:
                        rows += run_worker("ours", store, args.repeat, 3600, 16, code=args.before, label="before",
                                           pages=page)
                rows += run_worker("floor", store, args.repeat, 600, 4)
                rows += run_worker("shell", store, args.repeat, 600, 4)
                browser, starts = {}, None
                if not args.skip_browser:
                    from scale_browser import cold_starts, measure

                    # Ours and the floor before the baseline: its runs hold up to 11 GB, which
                    # pushes the store's and the libraries' files out of the OS page cache, and a
                    # start after it read them from disk again (+1.0-1.7 s a cold start, measured).
                    step = f"browser on the {label}"
                    browser["ours"] = measure("ours", store)
                    if args.cold_starts:
                        step = f"cold starts on the {label}"
                        starts = {app: cold_starts(app, store, args.cold_starts) for app in ("ours", "floor")}
                if not args.skip_baseline:
                    step = f"server times on the {label}"
                    for page in PAGES:
                        rows += run_worker("baseline", store, args.baseline_repeat,
                                           args.baseline_timeout, args.baseline_max_gb, pages=page)
                print_server(label, rows)
                if not args.skip_browser:
                    if not args.skip_baseline:
                        step = f"browser on the {label}"
                        browser["baseline"] = measure("baseline", store)
                    print_browser(label, browser)
                    if starts:
                        print_cold_starts(label, starts)
                browser = browser or None
                results[label] = {"server": rows, "browser": browser, "cold_starts": starts}
                if label == "scaled store":
                    results["targets"] = targets(rows, browser, starts)
    except StepFailed as exc:
        print(f"FAILED at step '{step}': {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"FAILED at step '{step}': {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    results["host_speed_ms_end"] = host_speed_ms()
    print(f"\n== targets at the scaled store (load average now {load_avg()}; host speed: the same loop "
          f"{results['host_speed_ms_end']:.0f} ms) ==")
    for text, ok, figure in results.get("targets", []):
        print(f"{'PASS' if ok else ('n/a ' if ok is None else 'FAIL')}  {text:<62} {figure}")
    results["load_end"] = load_avg()
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
