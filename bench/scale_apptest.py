"""Worker of bench/bench_scale.py: drive one app through AppTest and print JSON results.

    python bench/scale_apptest.py --app ours|baseline|floor|shell --store DIR --repeat N [--pages land,...]

Runs in its own process (started by bench_scale.py, one per app and page) so a baseline that
runs out of memory or time fails alone, and each app starts with empty caches. For every page and
interaction it times whole script runs (server time: the script, its queries, layer building and
serialisation of the elements), and measures what the runs send: the sum of the element protos'
serialised sizes and the pydeck JSON among them, of the largest run. Every timed run shows a view
that no earlier run of the process computed (``interactions``): clicks pick single districts, the
district filter pairs of them, status values come one by one then in pairs. For our app it also
splits the time into query (the query layer's own timing) and layer building (``geo.layers`` and
``geo.district_layers`` calls). One JSON object per line on stdout.

``--app floor`` times Streamlit itself: a page with nothing but the district multiselect and one
number, under the same harness. No page can answer a filter change faster; where the baseline's
time divided by the target ratio is below this, the ratio cannot be reached by any Streamlit page.
``--app shell`` times our app's shared frame around an empty page (bench/shell_app.py: sidebar,
header, download panel) on each page's filter interactions: no page of ours answers faster.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from streamlit.testing.v1 import AppTest  # noqa: E402

PAGES = ("overview", "investment", "land", "energy")
# Per page: the "status" filter (widget key, options) and the selection session key.
STATUS = {"overview": ("f_stage", ["前期", "在建", "竣工", "投产", "已签约"]),
          "investment": ("f_stage", ["前期", "在建", "竣工", "投产", "已签约"]),
          "land": ("f_status", ["批而未供", "低效", "闲置", "已处置", "在用"]),
          "energy": ("f_kv", ["110", "35", "220"])}
SELECT_KEY = {"overview": None, "investment": "inv_project", "land": "land_parcel", "energy": "en_station"}
SELECT_SQL = {"investment": "SELECT project_id FROM {projects} p ORDER BY project_id LIMIT 40",
              "land": "SELECT parcel_id FROM {parcels} l WHERE park IS NOT NULL ORDER BY parcel_id LIMIT 40",
              "energy": "SELECT station_id FROM {substations} s ORDER BY station_id LIMIT 40"}
# Our energy map with every asset layer on (the default shows substations and projects at risk):
# the baseline's energy page maps every asset table, so both pages draw the same assets.
URL_PARAMS = {"energy": {"layers": "stations,plants,areas,risk"}}
LABEL = "ours"  # set from --label
DISTRICTS = ["430281", "430223", "430202", "430211", "430212", "430224", "430225", "430204", "430203"]


def combos(options: list[str]) -> list[list[str]]:
    """Singles, then pairs: many distinct values, so no timed run is answered by the data cache
    of an earlier one (a repeated value would be, and would flatter the figures)."""
    return [[o] for o in options] + [list(p) for p in itertools.combinations(options, 2)]


class Parts(logging.Handler):
    """Sums the query layer's own elapsed times (it logs each query at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.query_ms = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        if record.args and record.msg.startswith("query %.1f ms"):
            self.query_ms += float(record.args[0])


def time_layers(parts: Parts) -> None:
    """Wrap the layer modules' public functions to sum the time spent building map layers (the
    outermost call only: a choropleth calls the outline and name builders). The module list is
    what the code has: an older tree (``--before``) has no ``geo.district_layers``."""
    import importlib.util

    modules = [importlib.import_module(name) for name in ("geo.layers", "geo.district_layers")
               if importlib.util.find_spec(name)]
    parts.layer_ms = 0.0
    depth = [0]
    for module in modules:
        for name in [n for n in dir(module) if not n.startswith("_")]:
            fn = getattr(module, name)
            if callable(fn) and getattr(fn, "__module__", "") == module.__name__ and not isinstance(fn, type):
                def wrapped(*a, _fn=fn, **kw):
                    start = time.perf_counter()
                    depth[0] += 1
                    try:
                        return _fn(*a, **kw)
                    finally:
                        depth[0] -= 1
                        if not depth[0]:
                            parts.layer_ms += (time.perf_counter() - start) * 1000
                setattr(module, name, wrapped)


def sent_bytes(at: AppTest) -> tuple[int, int]:
    """(all elements' serialised protos, the pydeck JSON) of the current element tree."""
    total = deck = 0
    stack = [at._tree]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            total += len(proto.SerializeToString())
            if getattr(node, "type", "") == "deck_gl_json_chart":
                deck += len(proto.json)
        children = getattr(node, "children", None)
        stack.extend(children.values() if isinstance(children, dict) else (children or []))
    return total, deck


def behave_like_a_server() -> None:
    """Make every AppTest run cost what a rerun costs in ``streamlit run``, no more.

    AppTest builds a new ScriptCache on each run, so it compiles app.py and the page again
    (Streamlit's AST rewrite for "magic": ~30 ms per run at our page sizes), and it resets
    ``PagesManager.uses_pages_directory``, so every run first goes the old ``pages/``-folder
    way, which navigation.leave_pages_folder_mode answers with a rerun. A server compiles each script
    once per process and leaves that mode on its first run. Measured without this: every
    server time here was 25–35 ms higher than the script's own run.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared

    class ServerPagesManager(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False  # as after a server's first run

    app_test.PagesManager = ServerPagesManager


# The floor: the least a Streamlit page can do on a filter change (read the widget, show a number).
FLOOR_SCRIPT = """import streamlit as st
picked = st.sidebar.multiselect("district", %r, key="f_district")
st.metric("districts", len(picked))
""" % DISTRICTS


def measure_floor(repeat: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "floor.py"
        script.write_text(FLOOR_SCRIPT, encoding="utf-8")
        at = AppTest.from_file(str(script), default_timeout=60)
        at.run()
        times, cpu = [], []
        for i in range(max(repeat, 30)):  # runs of ~2 ms: more of them for a stable median
            set_widget(at, "f_district", combos(DISTRICTS)[i % 45])
            start, start_cpu = time.perf_counter(), time.process_time()
            at.run()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        emit("*", "district filter", times, *sent_bytes(at), cpu=cpu)


def measure_shell(page: str, repeat: int) -> None:
    """Our app's shared frame around an empty page (bench/shell_app.py), on the page's filter
    interactions: what any page of ours pays on them before its own content."""
    at = AppTest.from_file(str(REPO / "bench" / "shell_app.py"), default_timeout=600)
    at.query_params["page"] = page
    at.run()
    wait_for_warming()
    for name, change in interactions("shell", page, [])[:3]:  # the filter interactions
        times, cpu = [], []
        for i in range(max(repeat, 30)):  # runs of ~10 ms: more of them for a stable median
            change(at, i)
            start, start_cpu = time.perf_counter(), time.process_time()
            at.run()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            if at.exception:
                raise RuntimeError(f"shell {page} / {name}: {at.exception[0].message}")
        emit(page, name, times, *sent_bytes(at), cpu=cpu)


def wait_for_warming() -> None:
    """Until our app's background warming (in-memory copies, derived tables) is over: it starts
    a few seconds after the process's first page (geo.snapshot_db), and timed runs that met it
    half-way would measure it, not the interaction. A server is in this state a few seconds
    after its first page; the code before (``--before``) warmed from its first query on."""
    try:
        from geo import snapshot_db
    except ImportError:  # the baseline's tree: nothing to wait for
        return
    for thread in list(getattr(snapshot_db, "_warming", {})):
        thread.join(timeout=120)


def new_session(app: str, page: str) -> AppTest:
    if app == "ours":
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=600)
        at.run()
        if page != "overview":
            at.switch_page(f"pages/{page}.py")
            at.query_params.update(URL_PARAMS.get(page, {}))
            at.run()
    else:
        at = AppTest.from_file(str(REPO / "bench" / "baseline_app.py"), default_timeout=600)
        at.run()
        at.radio(key="page").set_value(page)
        at.run()
    return at


def set_widget(at: AppTest, key: str, value) -> None:
    at.multiselect(key=key).set_value(value)


def status_filter(at: AppTest, i: int, key: str, options: list[str]) -> None:
    """The i-th status value (singles, then pairs). The energy page has three voltages, six
    values: once they are used up, the next round runs in two districts (set in a run that is
    not timed), so no timed run repeats a view the data cache holds."""
    values = combos(options)
    if i and i % len(values) == 0:
        round_ = i // len(values) - 1
        set_widget(at, "f_district", [DISTRICTS[round_ % len(DISTRICTS)], DISTRICTS[(round_ + 1) % len(DISTRICTS)]])
        at.run()
    set_widget(at, key, values[i % len(values)])


def click_district(at: AppTest, i: int, status_key: str, options: list[str]) -> None:
    """A map click on one district (picks.on_district_click sets f_district before the rerun),
    on the page as it opens. There are nine single districts: a tenth click and beyond come
    under a status filter (set in a run that is not timed), a view no earlier run computed."""
    if i and i % len(DISTRICTS) == 0:
        set_widget(at, status_key, [options[(i // len(DISTRICTS) - 1) % len(options)]])
        at.run()
    at.session_state["f_district"] = [DISTRICTS[i % len(DISTRICTS)]]


def interactions(app: str, page: str, ids: list[str]):
    """(name, change) pairs; ``change(at, i)`` prepares the i-th timed run."""
    status_key, options = STATUS[page]
    # Every timed run shows a view no earlier run of the process computed: the data cache would
    # answer a repeated one and flatter the figure. Clicks take the nine single districts, so
    # the district filter (a multiselect: compare districts) takes pairs, 36 of them.
    pairs = combos(DISTRICTS)[len(DISTRICTS):]
    out = [("click district", lambda at, i: click_district(at, i, status_key, options)),
           ("district filter", lambda at, i: set_widget(at, "f_district", pairs[i % len(pairs)])),
           ("status filter", lambda at, i: status_filter(at, i, status_key, options))]
    if SELECT_KEY[page]:
        out.append(("select feature", lambda at, i: at.session_state.__setitem__(SELECT_KEY[page], ids[i % len(ids)])))
    out.append(("open export", lambda at, i: at.session_state.__setitem__(f"{page}_dl_open", i % 2 == 0)))
    return out


def measure(app: str, page: str, repeat: int, parts: Parts | None, ids: list[str]) -> None:
    firsts, cpu = [], []
    for _ in range(max(1, repeat // 3)):  # a new session each time; the data cache is the server's
        start, start_cpu = time.perf_counter(), time.process_time()
        at = new_session(app, page)
        firsts.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        if at.exception:
            raise RuntimeError(f"{page} / first load: {at.exception[0].message}")
        wait_for_warming()
    emit(page, "first load", firsts, *sent_bytes(at), cpu=cpu)
    for name, change in interactions(app, page, ids):
        at = new_session(app, page)
        times, cpu, q_ms, l_ms = [], [], [], []
        largest = (0, 0)  # what the largest of the timed runs sent: the 2 MB target is per run
        for i in range(repeat):
            change(at, i)
            if parts:
                parts.query_ms = parts.layer_ms = 0.0
            start, start_cpu = time.perf_counter(), time.process_time()
            at.run()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            if at.exception:
                raise RuntimeError(f"{page} / {name}: {at.exception[0].message}")
            if parts:
                q_ms.append(parts.query_ms)
                l_ms.append(parts.layer_ms)
            largest = max(largest, sent_bytes(at))
        emit(page, name, times, *largest, q_ms, l_ms, cpu)


def emit(page, name, times, total, deck, q_ms=(), l_ms=(), cpu=()) -> None:
    """One result line; ``cpu`` = CPU time of this process (all threads, DuckDB's included)
    during each run: far less sensitive than wall time to other programs on a shared machine."""
    print(json.dumps({"app": LABEL, "page": page, "interaction": name, "ms": times, "cpu_ms": list(cpu),
                      "bytes": total, "deck_bytes": deck, "query_ms": list(q_ms), "layer_ms": list(l_ms)}),
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--app", choices=("ours", "baseline", "floor", "shell"), required=True)
    parser.add_argument("--label", help="name in the results (default: --app), e.g. 'before'")
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--pages", default=",".join(PAGES))
    args = parser.parse_args()
    os.environ["ZZMAP_STORE"] = str(args.store)
    behave_like_a_server()
    global LABEL
    LABEL = args.label or args.app
    if args.app == "floor":
        measure_floor(args.repeat)
        return 0
    if args.app == "shell":
        for page in args.pages.split(","):
            measure_shell(page, args.repeat)
        return 0
    from geo import store
    from geo.query import Scope, query

    snapshot = store.open_current(args.store)
    ids = {p: list(query(snapshot, sql, scope=Scope.all()).df.iloc[:, 0]) for p, sql in SELECT_SQL.items()}
    parts = None
    if args.app == "ours":
        parts = Parts()
        logging.getLogger("geo.query").addHandler(parts)
        logging.getLogger("geo.query").setLevel(logging.DEBUG)
        time_layers(parts)
    for page in args.pages.split(","):
        try:
            measure(args.app, page, args.repeat, parts, ids.get(page, []))
        except Exception as exc:  # the baseline may fail: report how, go on with the next page
            print(json.dumps({"app": LABEL, "page": page, "error": f"{type(exc).__name__}: {exc}"[:300]}),
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
