"""Reading the store: the published snapshot, any snapshot by id, and one table of it.

Part of ``geo.store`` (its public face; import from there): ``open_current`` verifies the
published snapshot's files (``geo.store_verify``) and says what is wrong with a broken store and
which snapshot still verifies, so a page can offer a rollback instead of failing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo import schema
from geo.store_errors import CurrentMissingError, NoStoreError, SnapshotCorruptError, SnapshotMissingError
from geo.store_layout import CURRENT, ID_RE, MANIFEST, TMP_PREFIX, snapshots_dir, store_root
from geo.store_lock import clean_leftovers_once
from geo.store_verify import verify_snapshot
from geo.validate import DATE32 as _DATE32


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


def current_id(root: Path) -> str | None:
    try:
        text = (root / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return text or None


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


def lineage(parent_of: dict[str, str | None], snapshot_id: str | None) -> list[str]:
    """``snapshot_id`` and its ancestors, newest first, from a snapshot -> parent map (snapshots
    form a tree: a publish after a rollback starts a branch). Stops at an unknown id or a cycle."""
    line: list[str] = []
    while snapshot_id in parent_of and snapshot_id not in line:
        line.append(snapshot_id)
        snapshot_id = parent_of[snapshot_id]
    return line


def last_good(store_dir: Path | None, exclude: str | None) -> Snapshot | None:
    for snap in reversed(list_snapshots(store_dir)):
        if snap.id != exclude and not verify_snapshot(snap, deep=True):
            return snap
    return None


def open_current(store_dir: Path | None = None) -> Snapshot:
    """The published snapshot, verified (sha256 cached per process).

    Raises a ``SnapshotUnavailableError`` subclass whose message says what is wrong and whose
    ``last_good`` names the newest snapshot that still verifies, so the caller can offer a rollback.
    """
    root = store_root(store_dir)
    if not snapshots_dir(store_dir).is_dir() and not (root / CURRENT).exists():
        raise NoStoreError(f"no store at {root} (set ZZMAP_STORE or import data first)")
    clean_leftovers_once(root)  # the first open of a process removes a killed writer's leftovers
    current = current_id(root)
    if current is None:
        if not list_snapshots(store_dir):
            raise NoStoreError(f"the store at {root} holds no snapshots yet (import data first)")
        raise CurrentMissingError(f"{root / CURRENT} is missing or empty, so no snapshot is published",
                                  last_good=last_good(store_dir, None))
    if not ID_RE.match(current):
        raise CurrentMissingError(f"{root / CURRENT} holds {current[:40]!r}, not a snapshot id",
                                  last_good=last_good(store_dir, None))
    path = snapshots_dir(store_dir) / current
    if not path.is_dir():
        raise SnapshotMissingError(f"CURRENT names snapshot {current}, but {path} does not exist",
                                   last_good=last_good(store_dir, current))
    manifest = _load_manifest(path)
    if manifest is None:
        problem = f"{current}: {MANIFEST} missing or unreadable"
        raise SnapshotCorruptError(f"published snapshot is corrupt: {problem}",
                                   last_good=last_good(store_dir, current), problems=[problem])
    snapshot = Snapshot(current, path, manifest)
    problems = verify_snapshot(snapshot, deep=True)
    if problems:
        raise SnapshotCorruptError("published snapshot is corrupt: " + "; ".join(problems),
                                   last_good=last_good(store_dir, current), problems=problems)
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
    for col in schema.absent_columns(table, frame.columns):  # a file older than the column
        frame[col.name] = pd.Series(pd.NaT if col.dtype == "date" else None, index=frame.index,
                                    dtype="datetime64[us]" if col.dtype == "date" else object)
    for col in schema.columns(table):
        if col.dtype == "date" and col.name in frame.columns:
            frame[col.name] = _as_datetime64(frame[col.name])
    return frame[[c for c in schema.column_names(table) if c in frame.columns]]
