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

The public face of the store: everything is imported from here. Behind it, one module a concern:
``geo.store_read`` (open and read snapshots), ``geo.store_write`` (write and publish them),
``geo.store_layout`` (paths and file names), ``geo.store_errors`` (the errors), ``geo.store_lock``
(the publish lock, a killed writer's leftovers) and ``geo.store_verify`` (files checked against
the manifest).
"""

from __future__ import annotations

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
from geo.store_layout import STORE_DIR
from geo.store_read import Snapshot, get_snapshot, lineage, list_snapshots, open_current, read_table
from geo.store_write import ROW_GROUP_SIZE, derive_snapshot, publish, write_snapshot

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
    "lineage",
    "get_snapshot",
    "open_current",
    "read_table",
]
