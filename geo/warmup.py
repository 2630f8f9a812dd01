"""Cold start: prepare what the first page needs in a background thread, once per server process.

Streamlit runs none of our code until the first browser connects; then that first run of app.py
imports the libraries (~1 s: GeoPandas, pandas, pyarrow, DuckDB), reruns once
(``ui.leave_pages_folder_mode``), and only then does the page open the DuckDB database, create
the snapshot's views and — at 1 M parcels — wait ~0.8 s for the parcel cube (``geo.cube``), which
the query layer builds in the background only once the first query has run. All of that was one
chain on one core (profiled with pyinstrument, ``bench/scale_browser.py`` times it).

``start()`` is the first thing app.py calls: a daemon thread opens the published snapshot and runs
one query, which creates the views and starts the query layer's own warming (in-memory copies of
the small tables, then the derived tables), and imports the modules the pages use. DuckDB works
without the GIL, so the cube is built on the second core while the script thread imports and
lays out the page; imports shared with the script thread are done once (Python's import locks).
Nothing here changes an answer: it only does early what the first page would do anyway, and a
failure (no store yet, a broken snapshot) is left for the page to report.

Only in a real server (``streamlit run``): in AppTest and plain imports nothing starts, so tests
see no thread they did not ask for.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

_started = False
_lock = threading.Lock()
# The pages' own modules, heaviest dependencies first (pydeck, h3, xlsxwriter, pyogrio, altair).
MODULES = ("geo.layers", "geo.overview", "geo.land", "geo.downloads", "geo.meeting_view", "geo.charts",
           "geo.investment", "geo.energy", "geo.investment_view", "geo.land_view", "geo.energy_view")


def in_server() -> bool:
    """Whether this process is a ``streamlit run`` server (bootstrap sets the server mode)."""
    try:
        from streamlit import config
    except ImportError:
        return False
    return bool(getattr(config, "_server_mode", None))


def start() -> bool:
    """Start the warm-up thread if this is a server and it has not started yet; True if started."""
    global _started
    if not in_server():
        return False
    with _lock:
        if _started:
            return False
        _started = True
    threading.Thread(target=_warm, daemon=True, name="zzmap-startup").start()
    return True


def _warm() -> None:
    try:
        from geo import cube, store  # noqa: F401  (cube registers the derived tables the warming builds)
        from geo.query import Scope, query

        snapshot = store.open_current()  # verifies the files; the result is cached for the page
        query(snapshot, "SELECT count(*) AS n FROM {districts}", scope=Scope.all())
    except Exception:  # noqa: BLE001 — the page opens the store itself and explains any problem
        log.debug("start-up warm-up: store not opened", exc_info=True)
    for name in MODULES:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 — the page's own import reports it
            log.debug("start-up warm-up: importing %s failed", name, exc_info=True)
