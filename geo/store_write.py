"""Writing the store: a new immutable snapshot from validated tables, and publishing one.

Part of ``geo.store`` (its public face; import from there). Every write produces a complete new
directory, written under a hidden temporary name, fsynced and renamed into place; publishing
replaces ``CURRENT`` atomically. Writers are serialised by ``geo.store_lock``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema
from geo.i18n import BEIJING
from geo.store_errors import ConcurrentChangeError, SchemaValidationError, SnapshotCorruptError, StoreError
from geo.store_layout import CURRENT, MANIFEST, TMP_PREFIX, snapshots_dir, store_root
from geo.store_lock import publish_lock
from geo.store_read import Snapshot, current_id, get_snapshot, last_good
from geo.store_verify import file_sha256, remember_checksum, verify_snapshot
from geo.validate import validate_tables

ROW_GROUP_SIZE = 50_000  # small enough for bbox pruning to skip most of a 1M-row table


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
    origin: dict | None = None,
) -> Snapshot:
    """Validate ``tables`` against ``geo.schema`` and write them as a new immutable snapshot.
    ``origin``: where its data came from, kept in the manifest (``geo.task_notes.data_origin``).

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
        current = current_id(store_root(store_dir))
        if expect_parent is not None and current != expect_parent:
            raise ConcurrentChangeError(expect_parent, current)
        return _write_locked(clean, as_of, published_by, sources, note, store_dir, publish, records={"origin": origin})


def derive_snapshot(
    base: Snapshot,
    changed: Mapping[str, pd.DataFrame | gpd.GeoDataFrame],
    *,
    published_by: str,
    sources: list[str],
    note: str = "",
    store_dir: Path | None = None,
    publish: bool = True,
    task_edit: dict | None = None,
    origin: dict | None = None,
) -> Snapshot:
    """A new snapshot that is ``base`` with the ``changed`` tables replaced; same as-of date.
    ``task_edit``: a meeting's change of one task, and ``origin``: where the data it changed came
    from, both kept in the manifest (``geo.task_notes``).

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
        current = current_id(store_root(store_dir))
        if current != base.id:
            raise ConcurrentChangeError(base.id, current)
        return _write_locked(clean, base.as_of, published_by, sources, note, store_dir, publish, linked,
                             {"task_edit": task_edit, "origin": origin})


def _write_locked(clean: dict[str, pd.DataFrame], as_of: dt.date, published_by: str, sources: list[str],
                  note: str, store_dir: Path | None, publish: bool,
                  linked: Mapping[str, tuple[Path, dict]] | None = None, records: dict | None = None) -> Snapshot:
    root = store_root(store_dir)
    snaps = snapshots_dir(store_dir)
    snaps.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now(dt.timezone.utc)
    parent = current_id(root)
    tmp = snaps / f"{TMP_PREFIX}{created:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        written = {t: _write_table(t, frame, tmp / f"{t}.parquet") for t, frame in clean.items()}
        for t, (source, entry) in (linked or {}).items():
            os.link(source, tmp / f"{t}.parquet")  # same inode: unchanged bytes, unchanged sha256
            written[t] = dict(entry)
        entries = {t: written[t] for t in schema.TABLES if t in written}
        meta = {"as_of": as_of.isoformat(), "published_by": published_by, "sources": list(sources),
                "note": note, "parent": parent, **{k: dict(v) for k, v in (records or {}).items() if v}}
        digest = hashlib.sha256(json.dumps(
            [meta, {t: e["sha256"] for t, e in entries.items()}], sort_keys=True, ensure_ascii=False
        ).encode("utf-8")).hexdigest()[:6]
        final = None
        for bump in range(3600):  # same second and same content: move the id forward, keep order
            # in Beijing time, as the city reads it: UTC ids made a snapshot published at 07:30 on a
            # meeting morning read as the day before (tester 10). Older UTC ids still sort right:
            # snapshots are listed by created_at (UTC, in the manifest), ids compared for nothing else.
            sid = f"{(created + dt.timedelta(seconds=bump)).astimezone(BEIJING):%Y%m%dT%H%M%S}-{digest}"
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
            last_good=last_good(store_dir, snapshot_id), problems=problems)
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
