"""Derived tables kept on disk beside their snapshot, so a new process reads them instead of
building them again.

Why: the derived tables (``geo.snapshot_db.register_derived``: the project and parcel cubes,
their H3 cells, …) took ~1.5 s of CPU to build at 1 M parcels, on every server start, while
the first page was being drawn on the same two cores (cold start, issue 9). A snapshot never
changes, so a derived table built once holds for every later process: each is written as
Parquet after its first build (by the app's warming thread, or by ``geo.demo`` when it
publishes a store) and read back in milliseconds from then on.

    <store>/snapshots/.derived/<table>-<key>.parquet

``key`` hashes the table's SQL, DuckDB's version and what the SQL reads (each input table's
checksum from the manifest, the as-of date), so changed code never reads an old file, and a
snapshot that changed only other tables reads its parent's: every task assigned at a meeting
is a snapshot, and each had rebuilt and written the parcel cubes again (~20 MB and ~1.5 s of CPU
at 1 M parcels; exploratory tester 6).
The files are a cache: under ``snapshots/`` (the only place the locked-down database may read
and write), written to a temporary name and renamed (a reader never sees half a file); one that
cannot be written or read is skipped and the table is built as before.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)
DIR_NAME = ".derived"  # not a snapshot id, so listings of snapshots/ skip it


def file_for(snapshots_dir: Path, inputs: str, name: str, sql: str) -> Path:
    """Where derived table ``name`` built by ``sql`` from ``inputs`` (a text naming the content it
    reads, ``snapshot_db``'s ``_inputs``) is kept."""
    key = hashlib.sha256(f"{duckdb.__version__}\n{sql}\n{inputs}".encode()).hexdigest()[:20]
    return snapshots_dir / DIR_NAME / f"{name}-{key}.parquet"


def load(cur: duckdb.DuckDBPyConnection, target: str, path: Path, quote) -> bool:
    """``CREATE TABLE target`` from the file if there is one; False (and nothing created) if not."""
    if not path.is_file():
        return False
    try:
        cur.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM read_parquet({quote(str(path))})")
        return True
    except duckdb.InterruptException:  # the process is exiting: stop, as the warming thread expects
        raise
    except duckdb.Error:
        log.warning("derived table file %s unreadable: building the table instead", path, exc_info=True)
        return False


def save(cur: duckdb.DuckDBPyConnection, target: str, path: Path, quote) -> None:
    """Write the built table ``target`` to ``path`` (atomically); a failure only costs the next start."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        cur.execute(f"COPY (SELECT * FROM {target}) TO {quote(str(tmp))} (FORMAT parquet)")
        os.replace(tmp, path)
    except duckdb.InterruptException:
        tmp.unlink(missing_ok=True)
        raise
    except (OSError, duckdb.Error):
        log.info("derived table %s not kept on disk", path.name, exc_info=True)
        tmp.unlink(missing_ok=True)
