"""Verification of a snapshot's files against its manifest, with per-process caches.

Why apart: every page run verifies the published snapshot, so the checks are cached per file
version (path, checksum, size, mtime, inode): a 150 MB file is hashed once per process, its
Parquet footer read once, and a rewritten file gets a new key and is checked again. ``geo.store``
verifies before it publishes or opens a snapshot, and records the checksums of the files it has
just written (``remember_checksum``) so a publish does not hash them a second time.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from geo import schema
from geo.store_layout import MANIFEST

if TYPE_CHECKING:
    from geo.store import Snapshot

__all__ = ["file_sha256", "remember_checksum", "verify_snapshot"]

_verify_lock = threading.Lock()
_verified: dict[tuple, bool] = {}  # (path, sha, size, mtime_ns, ino) -> sha matched
_footer_rows: dict[tuple, int] = {}  # same key -> rows in the Parquet footer


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _file_key(path: Path, sha: str) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path.resolve()), sha, st.st_size, st.st_mtime_ns, st.st_ino)


def remember_checksum(path: Path, sha: str, *, ok: bool) -> None:
    """Record whether the file now at ``path`` has checksum ``sha``, so ``verify_snapshot`` trusts it."""
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
            ok = file_sha256(path) == entry.get("sha256")
            remember_checksum(path, str(entry.get("sha256")), ok=ok)
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
    if version not in schema.READABLE_SCHEMA_VERSIONS:
        problems.append(f"{snapshot.id}: schema_version {version}, this code reads "
                        f"{', '.join(map(str, schema.READABLE_SCHEMA_VERSIONS))}")
    entries = manifest.get("tables") or {}
    for table in schema.TABLES:
        if table not in entries:
            problems.append(f"{snapshot.id}: table {table} not in the manifest")
    for table, entry in entries.items():
        problems.extend(_check_table(snapshot, table, entry, deep))
    return problems
