"""Immutable snapshots of the store on disk, and the pointer that says which one is live.

Why snapshots: a page must never read a table from one import and another table from the next,
and a bad import must be undone in one step. So every write produces a complete, new directory
``<store>/snapshots/<id>/`` (one GeoParquet 1.1 file per table plus ``manifest.json``) that is
never modified afterwards, and ``<store>/CURRENT`` names the published one. Publishing and rolling
back are the same atomic operation: replace ``CURRENT`` (``os.replace`` after ``fsync``).

Layout::

    <store>/CURRENT                      text: the published snapshot id
    <store>/snapshots/<id>/manifest.json row counts, checksums, as-of date, sources, parent
    <store>/snapshots/<id>/<table>.parquet

The files are plain GeoParquet 1.1 (WKB geometry, a ``bbox`` covering column, rows sorted by
Hilbert distance, ~50k-row row groups), so DuckDB, GeoPandas, QGIS/GDAL >= 3.8 and pyarrow read them
without this module. Querying lives in ``geo.query``; this module only writes, checks and opens.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from geo import schema
from geo.validate import DATE32 as _DATE32
from geo.validate import validate_tables

__all__ = [
    "STORE_DIR",
    "ROW_GROUP_SIZE",
    "Snapshot",
    "StoreError",
    "SchemaValidationError",
    "SnapshotUnavailableError",
    "NoStoreError",
    "CurrentMissingError",
    "SnapshotMissingError",
    "SnapshotCorruptError",
    "ConcurrentChangeError",
    "LockTimeoutError",
    "write_snapshot",
    "derive_snapshot",
    "publish_lock",
    "clean_leftovers",
    "publish",
    "list_snapshots",
    "get_snapshot",
    "verify_snapshot",
    "open_current",
    "read_table",
]

_REPO = Path(__file__).resolve().parent.parent
STORE_DIR: Path = Path(os.environ["ZZMAP_STORE"]) if os.environ.get("ZZMAP_STORE") else _REPO / "data" / "store"
ROW_GROUP_SIZE = 50_000  # small enough for bbox pruning to skip most of a 1M-row table
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
_SNAPSHOTS = "snapshots"
_TMP_PREFIX = ".tmp-"
LOCK_FILE = ".publish.lock"
LOCK_TIMEOUT_S = 300.0  # a publish of 1M parcels takes ~1 min; waiting longer means something is stuck
_ID_RE = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{6}$")


# --- errors --------------------------------------------------------------------------------------


class StoreError(Exception):
    """Base class of every error this module raises on purpose."""


class SchemaValidationError(StoreError):
    """Tables handed to ``write_snapshot`` do not match ``geo.schema``; nothing was written.

    ``problems`` holds one line per problem, each starting with ``table.column`` (or ``table``).
    """

    def __init__(self, problems: list[str]):
        self.problems = tuple(problems)
        lines = "\n".join(f"- {p}" for p in problems)
        super().__init__(f"snapshot not written, {len(problems)} problem(s):\n{lines}")


class SnapshotUnavailableError(StoreError):
    """No usable published snapshot. ``last_good`` is the newest snapshot that verifies (or None),
    so a page can offer "roll back to <id>" instead of a traceback."""

    def __init__(self, message: str, *, last_good: Snapshot | None = None,
                 problems: list[str] | None = None):
        self.last_good = last_good
        self.problems = tuple(problems or ())
        if last_good is not None:
            message += f" (last good snapshot: {last_good.id}, as of {last_good.manifest.get('as_of')})"
        else:
            message += " (no good snapshot to roll back to)"
        super().__init__(message)


class NoStoreError(SnapshotUnavailableError):
    """The store directory does not exist or holds no snapshot at all."""


class CurrentMissingError(SnapshotUnavailableError):
    """Snapshots exist but ``CURRENT`` is missing or unreadable, so none is published."""


class SnapshotMissingError(SnapshotUnavailableError):
    """``CURRENT`` (or the caller) names a snapshot directory that does not exist."""


class SnapshotCorruptError(SnapshotUnavailableError):
    """The snapshot exists but fails verification; ``problems`` lists why."""


class ConcurrentChangeError(StoreError):
    """``write_snapshot(expect_parent=...)`` found another snapshot published in the meantime;
    nothing was written. ``expected`` and ``actual`` are the snapshot ids (``actual`` may be None)."""

    def __init__(self, expected: str, actual: str | None):
        self.expected, self.actual = expected, actual
        super().__init__(f"the published snapshot changed from {expected} to {actual} while this "
                         "change was prepared; nothing was written (reload and apply it again)")


class LockTimeoutError(StoreError):
    """Another process held the publish lock for longer than ``LOCK_TIMEOUT_S``."""


# --- snapshot ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """One immutable snapshot directory and its manifest.

    Hashable and compared by ``(id, path)`` so it can key caches; the manifest is not compared.
    """

    id: str
    path: Path
    manifest: dict[str, Any] = field(compare=False, hash=False, repr=False)

    @property
    def as_of(self) -> dt.date:
        """数据截至: the date every "overdue"/"this year" figure is computed against."""
        return dt.date.fromisoformat(self.manifest["as_of"])

    @property
    def created_at(self) -> dt.datetime:
        """When the snapshot was written (timezone-aware UTC)."""
        return dt.datetime.fromisoformat(self.manifest["created_at"])

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self.manifest.get("tables", {}))

    def table_path(self, table: str) -> Path:
        return self.path / self._entry(table)["file"]

    def row_count(self, table: str) -> int:
        return int(self._entry(table)["rows"])

    def _entry(self, table: str) -> dict[str, Any]:
        try:
            return self.manifest["tables"][table]
        except KeyError:
            raise KeyError(f"snapshot {self.id} has no table {table!r}; it has: "
                           f"{', '.join(self.tables)}") from None


def _root(store_dir: Path | str | None) -> Path:
    if store_dir is not None:
        return Path(store_dir)
    # Read the environment at call time, so a test (or an operator) can point a running
    # process at another store; STORE_DIR is only the value seen at import.
    env = os.environ.get("ZZMAP_STORE")
    return Path(env) if env else _REPO / "data" / "store"


def _snapshots_dir(store_dir: Path | str | None) -> Path:
    return _root(store_dir) / _SNAPSHOTS


# --- the publish lock and leftovers ---------------------------------------------------------------

_thread_lock = threading.RLock()  # flock is per open file: threads of one process queue here first
_lock_depth = threading.local()
_cleaned: set[str] = set()  # store roots cleaned by this process at open (once each)


@contextlib.contextmanager
def publish_lock(store_dir: Path | str | None = None, timeout: float = LOCK_TIMEOUT_S):
    """Serialise writers across processes: ``fcntl.flock`` on ``<store>/.publish.lock``.

    ``write_snapshot`` and ``publish`` take it themselves; callers that read the current snapshot,
    merge and write (an upsert) may hold it around the whole sequence (it is re-entrant within a
    thread). The kernel drops the lock when the holding process dies, so a killed publisher never
    blocks the next one. Raises ``LockTimeoutError`` after ``timeout`` seconds of waiting.
    """
    root = _root(store_dir)
    key = str(root.resolve()) if root.exists() else str(root)
    held: dict = getattr(_lock_depth, "held", None) or {}
    _lock_depth.held = held
    if held.get(key):
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    root.mkdir(parents=True, exist_ok=True)
    key = str(root.resolve())
    deadline = time.monotonic() + timeout
    with _thread_lock:
        fh = open(root / LOCK_FILE, "a+b")  # noqa: SIM115 - closed below, after unlocking
        try:
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LockTimeoutError(f"another process has held {root / LOCK_FILE} for over "
                                               f"{timeout:.0f} s; nothing was written") from None
                    time.sleep(0.05)
            held[key] = 1
            try:
                _remove_leftovers(root)  # nobody else can be writing now: any .tmp-* is a leftover
                yield
            finally:
                held.pop(key, None)
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        finally:
            fh.close()


def _remove_leftovers(root: Path) -> list[str]:
    """Delete half-written snapshot dirs and pointer temp files (caller holds the lock)."""
    removed = []
    snaps = root / _SNAPSHOTS
    candidates = list(snaps.glob(f"{_TMP_PREFIX}*")) if snaps.is_dir() else []
    candidates += list(root.glob(f"{CURRENT}.tmp.*"))
    for path in candidates:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def clean_leftovers(store_dir: Path | str | None = None) -> list[str]:
    """Remove what a killed writer left behind (``.tmp-*`` dirs, ``CURRENT.tmp.*``), if no writer
    is running now (the publish lock is free); returns the names removed. Never waits."""
    root = _root(store_dir)
    if not root.is_dir():
        return []
    try:
        fh = open(root / LOCK_FILE, "a+b")  # noqa: SIM115
    except OSError:  # a read-only store: nothing we could clean anyway
        return []
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []  # a writer is at work; its temp dir is not a leftover
        try:
            return _remove_leftovers(root)
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _clean_once(root: Path) -> None:
    key = str(root)
    if key not in _cleaned:
        _cleaned.add(key)
        clean_leftovers(root)


# --- writing -------------------------------------------------------------------------------------


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _hilbert_sorted(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Sort rows along a Hilbert curve so each row group covers a compact area and the bbox
    covering column lets readers skip row groups outside the map view."""
    if len(gdf) < 2:
        return gdf
    order = np.argsort(gdf.hilbert_distance().to_numpy(), kind="stable")
    return gdf.iloc[order].reset_index(drop=True)


def _write_table(table: str, frame: pd.DataFrame, path: Path) -> dict[str, Any]:
    if isinstance(frame, gpd.GeoDataFrame):
        frame = _hilbert_sorted(frame)
        frame.to_parquet(path, index=False, compression="zstd", schema_version="1.1.0",
                         write_covering_bbox=True, row_group_size=ROW_GROUP_SIZE)
        bbox = [float(v) for v in frame.total_bounds] if len(frame) else None
        crs = schema.STORAGE_CRS
    else:
        frame.to_parquet(path, engine="pyarrow", index=False, compression="zstd",
                         row_group_size=ROW_GROUP_SIZE)
        bbox, crs = None, None
    _fsync_file(path)
    return {"file": path.name, "rows": int(len(frame)), "bytes": path.stat().st_size,
            "sha256": _sha256(path), "bbox": bbox, "crs": crs}


def _read_current_id(root: Path) -> str | None:
    try:
        text = (root / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return text or None


def write_snapshot(
    tables: Mapping[str, pd.DataFrame | gpd.GeoDataFrame],
    *,
    as_of: dt.date,
    published_by: str,
    sources: list[str],
    note: str = "",
    store_dir: Path | None = None,
    publish: bool = True,
    expect_parent: str | None = None,
) -> Snapshot:
    """Validate ``tables`` against ``geo.schema`` and write them as a new immutable snapshot.

    Every schema table must be present (a snapshot is complete on its own; carry unchanged
    tables over from the current snapshot with ``read_table``). Nothing is written when any
    table fails validation (``SchemaValidationError`` lists every problem). Files are written to a
    hidden ``.tmp-*`` directory, fsynced, then renamed into place, so readers never see half a
    snapshot. With ``publish=True`` the new snapshot becomes ``CURRENT``.

    Writers are serialised by ``publish_lock`` (across processes). ``expect_parent`` makes the
    write optimistic: if ``CURRENT`` is not that id once the lock is held, ``ConcurrentChangeError``
    is raised and nothing is written (for edits prepared against a snapshot someone else replaced).
    """
    if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
        raise StoreError(f"as_of must be a datetime.date, got {as_of!r}")
    clean, problems = validate_tables(tables)
    if problems:
        raise SchemaValidationError(problems)
    with publish_lock(store_dir):
        current = _read_current_id(_root(store_dir))
        if expect_parent is not None and current != expect_parent:
            raise ConcurrentChangeError(expect_parent, current)
        return _write_locked(clean, as_of, published_by, sources, note, store_dir, publish)


def derive_snapshot(
    base: Snapshot,
    changed: Mapping[str, pd.DataFrame | gpd.GeoDataFrame],
    *,
    published_by: str,
    sources: list[str],
    note: str = "",
    store_dir: Path | None = None,
    publish: bool = True,
) -> Snapshot:
    """A new snapshot that is ``base`` with the ``changed`` tables replaced; same as-of date.

    For small edits (a task assigned or closed in a meeting): only the changed tables are
    validated and written; the others are hard links to ``base``'s files (their bytes and
    checksums are unchanged, and no snapshot file is ever modified), so an edit costs the same
    on a 1,000,000-parcel store as on the demo. Optimistic: ``ConcurrentChangeError`` when
    ``CURRENT`` is no longer ``base`` once the publish lock is held, and nothing is written.
    """
    clean, problems = validate_tables(changed, complete=False)
    if problems:
        raise SchemaValidationError(problems)
    linked = {t: (base.table_path(t), base.manifest["tables"][t]) for t in base.tables if t not in clean}
    with publish_lock(store_dir):
        current = _read_current_id(_root(store_dir))
        if current != base.id:
            raise ConcurrentChangeError(base.id, current)
        return _write_locked(clean, base.as_of, published_by, sources, note, store_dir, publish, linked)


def _write_locked(clean: dict[str, pd.DataFrame], as_of: dt.date, published_by: str, sources: list[str],
                  note: str, store_dir: Path | None, publish: bool,
                  linked: Mapping[str, tuple[Path, dict]] | None = None) -> Snapshot:
    root = _root(store_dir)
    snaps = _snapshots_dir(store_dir)
    snaps.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now(dt.timezone.utc)
    parent = _read_current_id(root)
    tmp = snaps / f"{_TMP_PREFIX}{created:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        written = {t: _write_table(t, frame, tmp / f"{t}.parquet") for t, frame in clean.items()}
        for t, (source, entry) in (linked or {}).items():
            os.link(source, tmp / f"{t}.parquet")  # same inode: unchanged bytes, unchanged sha256
            written[t] = dict(entry)
        entries = {t: written[t] for t in schema.TABLES if t in written}
        meta = {"as_of": as_of.isoformat(), "published_by": published_by, "sources": list(sources),
                "note": note, "parent": parent}
        digest = hashlib.sha256(json.dumps(
            [meta, {t: e["sha256"] for t, e in entries.items()}], sort_keys=True, ensure_ascii=False
        ).encode("utf-8")).hexdigest()[:6]
        final = None
        for bump in range(3600):  # same second and same content: move the id forward, keep order
            sid = f"{created + dt.timedelta(seconds=bump):%Y%m%dT%H%M%S}-{digest}"
            manifest = {"snapshot_id": sid, "schema_version": schema.SCHEMA_VERSION,
                        "created_at": created.isoformat(), **meta, "tables": entries}
            man_path = tmp / MANIFEST
            man_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                encoding="utf-8")
            _fsync_file(man_path)
            _fsync_dir(tmp)
            try:
                os.rename(tmp, snaps / sid)  # fails if the target exists: never overwrite
            except OSError:
                if (snaps / sid).exists():
                    continue
                raise
            final = snaps / sid
            break
        if final is None:  # pragma: no cover - 3600 identical writes in one second
            raise StoreError("could not find a free snapshot id")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync_dir(snaps)
    snapshot = Snapshot(sid, final, manifest)
    for t, e in entries.items():  # we just hashed these bytes; don't hash them again on publish
        _remember_file(snapshot.table_path(t), e["sha256"], ok=True)
    if publish:
        _publish(sid, store_dir)
    return snapshot


# --- verification --------------------------------------------------------------------------------

_verify_lock = threading.Lock()
_verified: dict[tuple, bool] = {}  # (path, sha, size, mtime_ns, ino) -> sha matched
_footer_rows: dict[tuple, int] = {}  # same key -> rows in the Parquet footer


def _file_key(path: Path, sha: str) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), sha, st.st_size, st.st_mtime_ns, st.st_ino)


def _remember_file(path: Path, sha: str, *, ok: bool) -> None:
    key = _file_key(path, sha)
    if key is not None:
        with _verify_lock:
            _verified[key] = ok


def _check_table(snapshot: Snapshot, table: str, entry: dict[str, Any], deep: bool) -> list[str]:
    where = f"{snapshot.id}/{table}.parquet"
    if entry.get("file") != f"{table}.parquet":  # also keeps a doctored manifest inside the dir
        return [f"{where}: manifest names file {entry.get('file')!r}, expected {table}.parquet"]
    path = snapshot.path / f"{table}.parquet"
    if not path.is_file():
        return [f"{where}: file missing"]
    size = path.stat().st_size
    if size != entry.get("bytes"):
        return [f"{where}: size {size} bytes, manifest says {entry.get('bytes')} (truncated or replaced)"]
    problems: list[str] = []
    key = _file_key(path, str(entry.get("sha256")))
    if deep:
        with _verify_lock:
            ok = _verified.get(key) if key else None
        if ok is None:
            ok = _sha256(path) == entry.get("sha256")
            _remember_file(path, str(entry.get("sha256")), ok=ok)
        if not ok:
            problems.append(f"{where}: sha256 differs from the manifest (file content changed)")
    # Every page run verifies the snapshot: the footer is read once per file version (~0.5 ms a
    # file otherwise); a rewritten file has a new key.
    try:
        rows = _footer_rows.get(key) if key else None
        if rows is None:
            rows = pq.read_metadata(path).num_rows
            if key:
                _footer_rows[key] = rows
    except Exception as exc:  # noqa: BLE001 - any reader failure means the same thing here
        problems.append(f"{where}: unreadable Parquet footer ({exc})")
    else:
        if rows != entry.get("rows"):
            problems.append(f"{where}: {rows} rows, manifest says {entry.get('rows')}")
    return problems


def verify_snapshot(snapshot: Snapshot, deep: bool = True) -> list[str]:
    """Problems that make ``snapshot`` unsafe to serve, as human-readable lines (empty = good).

    ``deep`` also compares each file's sha256 with the manifest. Results are cached per file
    (path, checksum, size, mtime, inode) for the life of the process, so a 150 MB file is hashed
    once, not on every page view; a rewrite of the file changes the key and is caught.
    """
    problems: list[str] = []
    man_path = snapshot.path / MANIFEST
    if not snapshot.path.is_dir():
        return [f"{snapshot.id}: snapshot directory {snapshot.path} does not exist"]
    if not man_path.is_file():
        problems.append(f"{snapshot.id}: {MANIFEST} missing")
    manifest = snapshot.manifest or {}
    version = manifest.get("schema_version")
    if version != schema.SCHEMA_VERSION:
        problems.append(f"{snapshot.id}: schema_version {version}, this code reads "
                        f"{schema.SCHEMA_VERSION}")
    entries = manifest.get("tables") or {}
    for table in schema.TABLES:
        if table not in entries:
            problems.append(f"{snapshot.id}: table {table} not in the manifest")
    for table, entry in entries.items():
        problems.extend(_check_table(snapshot, table, entry, deep))
    return problems


# --- reading -------------------------------------------------------------------------------------


def _load_manifest(path: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and "tables" in manifest else None


def get_snapshot(snapshot_id: str, store_dir: Path | None = None) -> Snapshot:
    """The snapshot with this id, without verifying its files (see ``verify_snapshot``)."""
    if not _ID_RE.match(snapshot_id or ""):
        raise SnapshotMissingError(f"{snapshot_id!r} is not a snapshot id (YYYYMMDDTHHMMSS-xxxxxx)")
    path = _snapshots_dir(store_dir) / snapshot_id
    if not path.is_dir():
        raise SnapshotMissingError(f"snapshot {snapshot_id} does not exist under {path.parent}")
    manifest = _load_manifest(path)
    if manifest is None:
        raise SnapshotCorruptError(f"snapshot {snapshot_id}: {MANIFEST} missing or unreadable",
                                   problems=[f"{snapshot_id}: {MANIFEST} missing or unreadable"])
    return Snapshot(snapshot_id, path, manifest)


def list_snapshots(store_dir: Path | None = None) -> list[Snapshot]:
    """All snapshots with a readable manifest, oldest first (by created_at, then id)."""
    snaps = _snapshots_dir(store_dir)
    if not snaps.is_dir():
        return []
    found = []
    for path in snaps.iterdir():
        if path.name.startswith(_TMP_PREFIX) or not _ID_RE.match(path.name) or not path.is_dir():
            continue
        manifest = _load_manifest(path)
        if manifest is not None:
            found.append(Snapshot(path.name, path, manifest))
    return sorted(found, key=lambda s: (str(s.manifest.get("created_at", "")), s.id))


def _last_good(store_dir: Path | None, exclude: str | None) -> Snapshot | None:
    for snap in reversed(list_snapshots(store_dir)):
        if snap.id != exclude and not verify_snapshot(snap, deep=True):
            return snap
    return None


def publish(snapshot_id: str, store_dir: Path | None = None) -> Snapshot:
    """Make ``snapshot_id`` the live snapshot. Rolling back is publishing an older id.

    Refuses a snapshot that does not verify. The switch is atomic: the new pointer is written
    to a temporary file, fsynced, ``os.replace``d onto ``CURRENT`` and the directory fsynced.
    Serialised with writers by ``publish_lock``.
    """
    with publish_lock(store_dir):
        return _publish(snapshot_id, store_dir)


def _publish(snapshot_id: str, store_dir: Path | None) -> Snapshot:
    root = _root(store_dir)
    snapshot = get_snapshot(snapshot_id, store_dir)
    problems = verify_snapshot(snapshot, deep=True)
    if problems:
        raise SnapshotCorruptError(
            f"refusing to publish {snapshot_id}: " + "; ".join(problems),
            last_good=_last_good(store_dir, snapshot_id), problems=problems)
    tmp = root / f"{CURRENT}.tmp.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(snapshot_id + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / CURRENT)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(root)
    return snapshot


def open_current(store_dir: Path | None = None) -> Snapshot:
    """The published snapshot, verified (sha256 cached per process).

    Raises a ``SnapshotUnavailableError`` subclass whose message says what is wrong and whose
    ``last_good`` names the newest snapshot that still verifies, so the caller can offer a rollback.
    """
    root = _root(store_dir)
    if not _snapshots_dir(store_dir).is_dir() and not (root / CURRENT).exists():
        raise NoStoreError(f"no store at {root} (set ZZMAP_STORE or import data first)")
    _clean_once(root)  # the first open of a process removes a killed writer's leftovers
    current = _read_current_id(root)
    if current is None:
        if not list_snapshots(store_dir):
            raise NoStoreError(f"the store at {root} holds no snapshots yet (import data first)")
        raise CurrentMissingError(f"{root / CURRENT} is missing or empty, so no snapshot is published",
                                  last_good=_last_good(store_dir, None))
    if not _ID_RE.match(current):
        raise CurrentMissingError(f"{root / CURRENT} holds {current[:40]!r}, not a snapshot id",
                                  last_good=_last_good(store_dir, None))
    path = _snapshots_dir(store_dir) / current
    if not path.is_dir():
        raise SnapshotMissingError(f"CURRENT names snapshot {current}, but {path} does not exist",
                                   last_good=_last_good(store_dir, current))
    manifest = _load_manifest(path)
    if manifest is None:
        problem = f"{current}: {MANIFEST} missing or unreadable"
        raise SnapshotCorruptError(f"published snapshot is corrupt: {problem}",
                                   last_good=_last_good(store_dir, current), problems=[problem])
    snapshot = Snapshot(current, path, manifest)
    problems = verify_snapshot(snapshot, deep=True)
    if problems:
        raise SnapshotCorruptError("published snapshot is corrupt: " + "; ".join(problems),
                                   last_good=_last_good(store_dir, current), problems=problems)
    return snapshot


def _as_datetime64(s: pd.Series) -> pd.Series:
    if s.dtype == _DATE32:  # vectorised in Arrow: ~10 ms per million rows
        return pd.Series(pc.cast(pa.array(s), pa.timestamp("us")).to_pandas(), index=s.index)
    return pd.to_datetime(s.astype(object)).astype("datetime64[us]")


def read_table(snapshot: Snapshot, table: str) -> gpd.GeoDataFrame | pd.DataFrame:
    """One table of a snapshot as a (Geo)DataFrame in schema column order.

    Dtypes: ``str`` text, float64, int64 (Int64 where the column is nullable), geometry in
    EPSG:4326, and dates as ``datetime64[us]`` at midnight with NaT for missing — the same as
    ``geo.query`` returns for DATE columns, so pandas code compares both with ``pd.Timestamp``
    and can use ``.dt``. (On disk they are Parquet DATE.) The covering ``bbox`` column is dropped:
    it is an index for readers, not data.
    """
    schema.columns(table)  # KeyError naming the known tables
    path = snapshot.table_path(table)
    if table in schema.GEO_TABLES:
        frame = gpd.read_parquet(path)
    else:
        frame = pd.read_parquet(path, engine="pyarrow")
    if "bbox" in frame.columns:
        frame = frame.drop(columns="bbox")
    for col in schema.columns(table):
        if col.dtype == "date" and col.name in frame.columns:
            frame[col.name] = _as_datetime64(frame[col.name])
    return frame[[c for c in schema.column_names(table) if c in frame.columns]]
