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
without this module. Querying lives in ``geo.query``; this module only writes, publishes and opens.

The public face of the store. Beside it, one module a concern: ``geo.store_layout`` (paths and
file names), ``geo.store_errors`` (the errors, re-exported here), ``geo.store_lock`` (the publish
lock, a killed writer's leftovers) and ``geo.store_verify`` (files checked against the manifest).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
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

from geo import schema
from geo.store_errors import (
    ConcurrentChangeError,
    CurrentMissingError,
    LockTimeoutError,
    NoStoreError,
    SchemaValidationError,
    SnapshotCorruptError,
    SnapshotMissingError,
    SnapshotUnavailableError,
    StoreError,
)
from geo.store_layout import CURRENT, ID_RE, MANIFEST, STORE_DIR, TMP_PREFIX, snapshots_dir, store_root
from geo.store_lock import clean_leftovers_once, publish_lock
from geo.store_verify import file_sha256, remember_checksum, verify_snapshot
from geo.validate import DATE32 as _DATE32
from geo.validate import validate_tables

__all__ = [
    "STORE_DIR",
    "ROW_GROUP_SIZE",
    "Snapshot",
    # the errors, defined in geo.store_errors and re-exported: callers catch them as store.X
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
    "publish",
    "list_snapshots",
    "get_snapshot",
    "open_current",
    "read_table",
]

ROW_GROUP_SIZE = 50_000  # small enough for bbox pruning to skip most of a 1M-row table


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
            "sha256": file_sha256(path), "bbox": bbox, "crs": crs}


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
        current = _read_current_id(store_root(store_dir))
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
        current = _read_current_id(store_root(store_dir))
        if current != base.id:
            raise ConcurrentChangeError(base.id, current)
        return _write_locked(clean, base.as_of, published_by, sources, note, store_dir, publish, linked)


def _write_locked(clean: dict[str, pd.DataFrame], as_of: dt.date, published_by: str, sources: list[str],
                  note: str, store_dir: Path | None, publish: bool,
                  linked: Mapping[str, tuple[Path, dict]] | None = None) -> Snapshot:
    root = store_root(store_dir)
    snaps = snapshots_dir(store_dir)
    snaps.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now(dt.timezone.utc)
    parent = _read_current_id(root)
    tmp = snaps / f"{TMP_PREFIX}{created:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
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
        remember_checksum(snapshot.table_path(t), e["sha256"], ok=True)
    if publish:
        _publish(sid, store_dir)
    return snapshot


# --- reading -------------------------------------------------------------------------------------


def _load_manifest(path: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and "tables" in manifest else None


def get_snapshot(snapshot_id: str, store_dir: Path | None = None) -> Snapshot:
    """The snapshot with this id, without verifying its files (see ``geo.store_verify``)."""
    if not ID_RE.match(snapshot_id or ""):
        raise SnapshotMissingError(f"{snapshot_id!r} is not a snapshot id (YYYYMMDDTHHMMSS-xxxxxx)")
    path = snapshots_dir(store_dir) / snapshot_id
    if not path.is_dir():
        raise SnapshotMissingError(f"snapshot {snapshot_id} does not exist under {path.parent}")
    manifest = _load_manifest(path)
    if manifest is None:
        raise SnapshotCorruptError(f"snapshot {snapshot_id}: {MANIFEST} missing or unreadable",
                                   problems=[f"{snapshot_id}: {MANIFEST} missing or unreadable"])
    return Snapshot(snapshot_id, path, manifest)


def list_snapshots(store_dir: Path | None = None) -> list[Snapshot]:
    """All snapshots with a readable manifest, oldest first (by created_at, then id)."""
    snaps = snapshots_dir(store_dir)
    if not snaps.is_dir():
        return []
    found = []
    for path in snaps.iterdir():
        if path.name.startswith(TMP_PREFIX) or not ID_RE.match(path.name) or not path.is_dir():
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
    root = store_root(store_dir)
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
    root = store_root(store_dir)
    if not snapshots_dir(store_dir).is_dir() and not (root / CURRENT).exists():
        raise NoStoreError(f"no store at {root} (set ZZMAP_STORE or import data first)")
    clean_leftovers_once(root)  # the first open of a process removes a killed writer's leftovers
    current = _read_current_id(root)
    if current is None:
        if not list_snapshots(store_dir):
            raise NoStoreError(f"the store at {root} holds no snapshots yet (import data first)")
        raise CurrentMissingError(f"{root / CURRENT} is missing or empty, so no snapshot is published",
                                  last_good=_last_good(store_dir, None))
    if not ID_RE.match(current):
        raise CurrentMissingError(f"{root / CURRENT} holds {current[:40]!r}, not a snapshot id",
                                  last_good=_last_good(store_dir, None))
    path = snapshots_dir(store_dir) / current
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
