"""The query layer's database: one in-memory DuckDB per store, a schema of views per snapshot.

Why apart from ``geo.query``: that module checks, scopes, binds and runs queries; this one owns
the connection they run on — the spatial extension loaded from its wheel, the lock-down to the
store's ``snapshots`` directory, each snapshot's views over its Parquet files, the small tables
copied into memory and the derived tables (``register_derived``: per-snapshot aggregates such as
``geo.cube``'s) built in the background by a warming thread once the first page is out; a page
builds the ones it needs itself if they are not there yet.
Nothing outside the query layer uses it directly.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from geo import derived_files, schema
from geo.store import Snapshot

log = logging.getLogger(__name__)
IN_MEMORY_MAX_ROWS = 250_000  # tables up to this many rows are held in memory (see _create_views)
# Snapshots whose schemas stay in memory when unused (the current one and the one before it, which
# a page comparing the two, or a tab not yet rerun, still reads), and how long an unused one waits:
# longer than any query runs (a whole-city export, ~16 s at 1 M parcels), so none is dropped under
# one, and short enough for a meeting's edits: a schema holds ~180 MB at 1 M parcels (8 edits grew
# a process by 1.4 GB; /tmp/s17/mem/grow.py in session 17's note).
KEEP_SNAPSHOTS = 2
FORGET_AFTER_S = 60.0
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")  # {table} in query and derived SQL
PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DUCKDB_VERSION = duckdb.__version__


def spatial_extension_path() -> Path:
    """The spatial extension binary shipped in the ``duckdb-extension-spatial`` wheel.

    The wheel's version must equal duckdb's (both pinned to 1.5.5); a mismatch fails here with a
    clear message rather than with DuckDB's "extension version mismatch" later.
    """
    import duckdb_extension_spatial  # the package has no helper, only the file

    base = Path(duckdb_extension_spatial.__file__).resolve().parent / "extensions"
    path = base / f"v{_DUCKDB_VERSION}" / "spatial.duckdb_extension"
    if not path.is_file():
        shipped = sorted(p.name for p in base.iterdir()) if base.is_dir() else []
        from geo.query import QueryError  # the query layer's error; imported here: geo.query imports this module

        raise QueryError(f"spatial extension for duckdb {_DUCKDB_VERSION} not found at {path}; the "
                         f"installed duckdb-extension-spatial ships {shipped or 'nothing'}")
    return path


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Views:
    schema_name: str
    tables: frozenset[str]
    bbox_tables: frozenset[str]  # tables whose file has the GeoParquet bbox covering column
    all_districts: list[str]
    as_of: date  # the snapshot's, for derived tables that count "to date"
    snapshot_id: str = ""
    table_sha: dict[str, str] = field(default_factory=dict)  # the manifest's checksums: key the derived files
    to_copy: dict[str, str] = field(default_factory=dict)  # small tables to copy into memory: their SELECT
    built: set[str] = field(default_factory=set)  # derived tables materialised so far
    forgotten: bool = False  # its schema was dropped (``_Database._forget_old``): nothing to warm


# Derived tables (name -> trusted SQL over the snapshot's tables, written in this repository, never
# from a user): per-snapshot aggregates and in-memory copies of hot columns, built once per
# snapshot on first use (``CREATE TABLE`` in the snapshot's schema, in memory) and then queried
# through ``{name}`` like any table. Every derived table must keep a ``district_adcode`` column:
# the scope is applied to it exactly as to the raw tables.
DERIVED: dict[str, str] = {}
_LATE: set[str] = set()  # built after the others by the warming thread (cold start)


def _inputs(views: Views, name: str) -> str:
    """What derived table ``name`` reads, as text: each raw table's checksum, the as-of date, and a
    derived table's own SQL and inputs. Equal inputs, equal table: its file is shared by every
    snapshot that has them (``geo.derived_files``)."""
    parts = []
    for ref in sorted(set(PLACEHOLDER.findall(DERIVED[name]))):
        if ref == "as_of":
            parts.append(f"as_of={views.as_of.isoformat()}")
        elif ref in DERIVED:
            parts.append(f"{ref}=[{DERIVED[ref]}|{_inputs(views, ref)}]")
        else:
            parts.append(f"{ref}={views.table_sha.get(ref) or views.snapshot_id}")  # no checksum: this snapshot's own
    return ";".join(parts)


def derived_file_names(snapshot: Snapshot) -> set[str]:
    """The names of the derived-table files ``snapshot`` reads (``geo.derived_files``): what a
    prune keeps for it."""
    import importlib

    for module in ("geo.cube", "geo.project_cube"):  # importing them registers their tables
        importlib.import_module(module)
    sha = {t: str(e.get("sha256", "")) for t, e in (snapshot.manifest.get("tables") or {}).items()}
    views = Views("", frozenset(snapshot.tables), frozenset(), [], snapshot.as_of, snapshot.id, sha)
    root = snapshot.path.parent
    return {derived_files.file_for(root, _inputs(views, name), name, DERIVED[name]).name for name in DERIVED}


def register_derived(name: str, sql: str, *, late: bool = False) -> None:
    """Declare a derived table ``{name}`` built from ``sql`` (placeholders = unscoped raw tables,
    and ``{as_of}`` = the snapshot's as-of date). The warming thread builds them in registration
    order, ``late`` ones last: those the overview (the landing page) does not need, so its first
    run does not wait for them (a page needing one still builds it at once)."""
    if not PARAM_NAME.match(name) or name in schema.TABLES:
        raise ValueError(f"bad derived table name {name!r}")
    DERIVED[name] = sql
    if late:
        _LATE.add(name)


class _Database:
    """One in-memory DuckDB database for one store, locked to that store's snapshots directory."""

    def __init__(self, snapshots_dir: Path):
        self.snapshots_dir = snapshots_dir
        self.lock = threading.Lock()
        # Derived tables: each built once, by whoever needs it first, under its own lock, so a page
        # waits for the table it needs, not for every table the warming thread has queued.
        self.build_locks: dict[tuple[str, str], threading.Lock] = {}
        self.views: dict[Snapshot, Views] = {}
        self.last_used: dict[Snapshot, float] = {}  # time.monotonic() of each snapshot's last views_for
        conn = duckdb.connect(":memory:", config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "python_enable_replacements": False,  # no reaching Python variables by name
        })
        try:
            conn.execute(f"LOAD {sql_str(str(spatial_extension_path()))}")
            # Recorded before the lockdown below (duckdb_extensions() scans ~/.duckdb afterwards).
            self.spatial_status: tuple[bool, bool] = conn.execute(
                "SELECT loaded, installed FROM duckdb_extensions() "
                "WHERE extension_name = 'spatial'").fetchone()
            # Stated, not left to the default: the biggest-first copies ({projects_by_investment},
            # {parcels_not_in_use}) answer top-N tables by a scan in the table's own order.
            conn.execute("SET preserve_insertion_order = true")
            conn.execute(f"SET allowed_directories = [{sql_str(str(snapshots_dir) + '/')}]")
            conn.execute("SET enable_external_access = false")
            conn.execute("SET lock_configuration = true")
        except Exception:
            conn.close()
            raise
        self.conn = conn

    def views_for(self, snapshot: Snapshot, warm: bool = True) -> Views:
        """The snapshot's views, created on first use, when (``warm``) a thread starts warming them."""
        with self.lock:
            now = time.monotonic()
            found = self.views.get(snapshot)
            if found is None:
                found = self.views[snapshot] = self._create_views(snapshot)
                if warm:
                    _start_warming(self, found)
            self.last_used[snapshot] = now
            self._forget_old(now)
            return found

    def _forget_old(self, now: float) -> None:
        """Drop the schemas of snapshots no page has asked for in ``FORGET_AFTER_S``, beyond the
        ``KEEP_SNAPSHOTS`` used last. Every meeting edit publishes a snapshot, and each kept its
        in-memory copies and derived tables for the life of the server: 16 task assignments took
        a server from 540 to 824 MB (exploratory tester 6; ~19 MB a snapshot at demo scale). A
        page still on a dropped snapshot (a tab left open) gets its views made again."""
        by_use = sorted(self.last_used, key=self.last_used.get, reverse=True)
        for old in by_use[KEEP_SNAPSHOTS:]:
            if now - self.last_used[old] < FORGET_AFTER_S:
                continue
            views = self.views.pop(old)
            views.forgotten = True  # a warming thread there stops after its current statement
            used_at = self.last_used.pop(old)
            try:
                self.conn.execute(f"DROP SCHEMA IF EXISTS {ident(views.schema_name)} CASCADE")
            except duckdb.Error:  # a warming thread still writing there: the next call retries
                log.info("snapshot %s is still being warmed; its schema is dropped on a later call", old.id)
                views.forgotten = False
                # Its own last use, not now: stamped now it would count as the most recently used
                # and push out a snapshot a page really is on.
                self.views[old], self.last_used[old] = views, used_at
                continue
            for key in [k for k in self.build_locks if k[0] == views.schema_name]:
                del self.build_locks[key]

    def _warm(self, views: Views, cur: duckdb.DuckDBPyConnection) -> None:
        """Copy the small tables into memory, then build the derived tables registered so far.

        In the background once the first page is out (``_warm_after_first_page``): that page runs
        on the Parquet views instead of waiting ~1 s at 1 M parcels for the copies. Each view is
        swapped to its copy in one statement; a query already running keeps the relation it
        started with (MVCC), and the copy holds the same rows, so no answer changes. A failure
        only costs speed: the views stay."""
        try:
            for table, source in sorted(views.to_copy.items()):
                if views.forgotten:
                    return
                copy = f"{ident(views.schema_name)}.{ident('_mem_' + table)}"
                cur.execute(f"CREATE OR REPLACE TABLE {copy} AS {source}")
                cur.execute(f"CREATE OR REPLACE VIEW {ident(views.schema_name)}.{ident(table)} AS "
                            f"SELECT * FROM {copy}")
            self.ensure_derived(views, set(DERIVED), cur)
        except duckdb.InterruptException:
            log.debug("warming %s stopped: the process is exiting", views.schema_name)
        except Exception:  # noqa: BLE001 — background speed-up only; queries work without it
            if not views.forgotten:  # else its schema was dropped under it: nothing lost
                log.warning("warming snapshot schema %s failed", views.schema_name, exc_info=True)

    def ensure_derived(self, views: Views, names: set[str], cursor=None) -> None:
        """Build the derived tables in ``names`` for this snapshot if not built yet (once each)."""
        for name in sorted(names - views.built, key=lambda n: (n in _LATE, list(DERIVED).index(n))):
            with self.lock:
                lock = self.build_locks.setdefault((views.schema_name, name), threading.Lock())
            with lock:
                if name in views.built:  # built by another thread while this one waited
                    continue
                raw = PLACEHOLDER.sub(lambda m: f"DATE '{views.as_of.isoformat()}'" if m.group(1) == "as_of"
                                       else f"{ident(views.schema_name)}.{ident(m.group(1))}", DERIVED[name])
                target = f"{ident(views.schema_name)}.{ident(name)}"
                path = derived_files.file_for(self.snapshots_dir, _inputs(views, name), name, DERIVED[name])
                start = time.perf_counter()
                cur = cursor or self.conn.cursor()
                try:
                    loaded = derived_files.load(cur, target, path, sql_str)
                    if not loaded:
                        cur.execute(f"CREATE OR REPLACE TABLE {target} AS {raw}")
                        derived_files.save(cur, target, path, sql_str)
                finally:
                    if cursor is None:
                        cur.close()
                views.built.add(name)
                log.info("derived table %s %s in %.0f ms", name, "read from its file" if loaded else "built",
                         (time.perf_counter() - start) * 1000)

    def _create_views(self, snapshot: Snapshot) -> Views:
        # The path hash keeps two stores holding the same snapshot id apart (tests, copies).
        tag = hashlib.sha256(str(snapshot.path.resolve()).encode()).hexdigest()[:8]
        name = "s_" + re.sub(r"[^0-9A-Za-z]", "_", snapshot.id).lower() + "_" + tag
        statements = [f"CREATE SCHEMA IF NOT EXISTS {ident(name)}"]
        bbox_tables, to_copy = set(), {}
        for table in snapshot.tables:
            path = snapshot.table_path(table).resolve()
            meta = pq.read_metadata(path)
            names = meta.schema.to_arrow_schema().names
            if "bbox" in names:
                bbox_tables.add(table)
            source = _select_file(table, path, names)
            # Small tables are then copied into memory (``_warm``): every query on the Parquet file
            # decodes its columns again; the investment page's queries at 100 k projects took
            # ~23 % less CPU on the copy (measured). Big ones (parcels) stay views over the file,
            # where the bbox statistics prune row groups, and get precomputed tables (geo.cube).
            # Either way the raw relation keeps ``bbox`` for the viewport filter; the scoped
            # subquery, the only thing callers see, excludes it.
            if meta.num_rows <= IN_MEMORY_MAX_ROWS:
                to_copy[table] = source
            statements.append(f"CREATE OR REPLACE VIEW {ident(name)}.{ident(table)} AS {source}")
        cur = self.conn.cursor()
        try:
            for stmt in statements:
                cur.execute(stmt)
            codes = [r[0] for r in cur.execute(
                f"SELECT adcode FROM {ident(name)}.districts ORDER BY adcode").fetchall()]
        finally:
            cur.close()
        sha = {t: str(e.get("sha256", "")) for t, e in (snapshot.manifest.get("tables") or {}).items()}
        return Views(name, frozenset(snapshot.tables), frozenset(bbox_tables), codes, snapshot.as_of, snapshot.id,
                     sha, to_copy)


_SQL_TYPES = {"date": "DATE", "string": "VARCHAR", "float": "DOUBLE", "int": "BIGINT", "bool": "BOOLEAN"}


def _select_file(table: str, path: Path, names: list[str]) -> str:
    """SELECT every column of a table's file, and as NULL the columns added to the schema after
    the file was written (``schema.absent_columns``): every snapshot reads alike."""
    added = "".join(f", CAST(NULL AS {_SQL_TYPES[c.dtype]}) AS {ident(c.name)}"
                    for c in schema.absent_columns(table, names))
    return f"SELECT *{added} FROM read_parquet({sql_str(str(path))})"


# Warming threads and their cursors. A daemon thread still inside DuckDB when the interpreter
# exits aborts the process ("terminate called without an active exception"), so at exit the
# warming is interrupted and waited for (atexit runs before daemon threads are frozen).
_warming: dict[threading.Thread, duckdb.DuckDBPyConnection] = {}
# Warming waits until the process's first page is over (``first_page_over``, called by the app
# at the end of every run) and the browser has drawn it (BROWSER_DRAWS_S: 1–2.5 s after the run
# at 1 M parcels in headless Chromium). Started with the first query, its copies and loads
# (~0.8 s of CPU at 1 M parcels) took the two cores that page and the browser drawing it
# needed: first page complete 4.89 → 4.34 s, medians of 8 interleaved cold starts, every pair
# faster (starting it right at the end of the run gained only ~0.1–0.2 s: the browser was
# still drawing). A process that shows no page (a script on the query layer) warms after
# WARM_AT_THE_LATEST_S; until the warming is done, queries run on the Parquet files and build
# the derived tables they need themselves, as before.
_first_page_over = threading.Event()
_first_page_at: float | None = None  # time.monotonic() when it ended
_exiting = threading.Event()
WARM_AT_THE_LATEST_S = 20.0
BROWSER_DRAWS_S = 3.0


def first_page_over() -> None:
    """The first page has been sent: the background warming may use the machine once the browser
    has drawn it. Called after every run; only the first call counts."""
    global _first_page_at
    if not _first_page_over.is_set():
        _first_page_at = time.monotonic()
        _first_page_over.set()


def _start_warming(db: _Database, views: Views) -> None:
    cur = db.conn.cursor()
    thread = threading.Thread(target=_warm_after_first_page, args=(db, views, cur), daemon=True,
                              name="zzmap-warm")
    _warming[thread] = cur  # registered before it starts, so an exit right now still stops it
    thread.start()


def _warm_after_first_page(db: _Database, views: Views, cur: duckdb.DuckDBPyConnection) -> None:
    """The warming thread: waits (see above), warms, and closes its cursor whatever happened."""
    try:
        _first_page_over.wait(WARM_AT_THE_LATEST_S)  # an exiting process sets it too
        # A snapshot published long after the first page (an import) is warmed at once.
        drawn_at = (_first_page_at or time.monotonic()) + BROWSER_DRAWS_S
        _exiting.wait(max(0.0, drawn_at - time.monotonic()))
        if not _exiting.is_set():
            db._warm(views, cur)
    finally:
        try:
            cur.close()
        finally:  # after the close: until then an exiting process must still interrupt and wait
            _warming.pop(threading.current_thread(), None)


@atexit.register
def _stop_warming() -> None:
    _exiting.set()
    _first_page_over.set()  # a thread still waiting for the first page: no warming, just go
    for thread, cur in list(_warming.items()):
        try:
            cur.interrupt()
        except duckdb.Error:
            pass
        thread.join(timeout=10)


def precompute_derived(snapshot: Snapshot) -> float:
    """Build every derived table of ``snapshot`` now, each kept on disk (``geo.derived_files``),
    so the app's first start reads them instead of building them; returns the seconds taken."""
    import importlib

    for module in ("geo.cube", "geo.project_cube"):  # importing them registers their tables
        importlib.import_module(module)
    start = time.perf_counter()
    db = database(snapshot)
    # No warming thread: this process exits next, and a thread still inside DuckDB then aborts it.
    db.ensure_derived(db.views_for(snapshot, warm=False), set(DERIVED))
    return time.perf_counter() - start


_databases: dict[Path, _Database] = {}
_databases_lock = threading.Lock()


def database(snapshot: Snapshot) -> _Database:
    snapshots_dir = snapshot.path.resolve().parent
    with _databases_lock:
        db = _databases.get(snapshots_dir)
        if db is None:
            db = _databases[snapshots_dir] = _Database(snapshots_dir)
        return db
