"""Where the store keeps things on disk: its root, the snapshots folder and the file names.

Shared by writing and reading (``geo.store``), the publish lock and its leftover cleaning
(``geo.store_lock``) and verification (``geo.store_verify``); kept apart so those modules agree on
one layout without importing each other::

    <store>/CURRENT                      text: the published snapshot id
    <store>/.publish.lock                the writers' lock file (``geo.store_lock``)
    <store>/snapshots/<id>/manifest.json row counts, checksums, as-of date, sources, parent
    <store>/snapshots/<id>/<table>.parquet
    <store>/snapshots/.tmp-*             a snapshot being written (or a killed writer's leftover)
    <store>/snapshots/.derived/<id>/     its derived tables, a cache (``geo.derived_files``)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

__all__ = ["STORE_DIR", "MANIFEST", "CURRENT", "SNAPSHOTS", "TMP_PREFIX", "ID_RE", "store_root", "snapshots_dir"]

_REPO = Path(__file__).resolve().parent.parent
STORE_DIR: Path = Path(os.environ["ZZMAP_STORE"]) if os.environ.get("ZZMAP_STORE") else _REPO / "data" / "store"
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
SNAPSHOTS = "snapshots"
TMP_PREFIX = ".tmp-"
ID_RE = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{6}$")


def store_root(store_dir: Path | str | None) -> Path:
    """``store_dir``, or the store named by ``ZZMAP_STORE``, or ``data/store`` in the repository."""
    if store_dir is not None:
        return Path(store_dir)
    # Read the environment at call time, so a test (or an operator) can point a running
    # process at another store; STORE_DIR is only the value seen at import.
    env = os.environ.get("ZZMAP_STORE")
    return Path(env) if env else _REPO / "data" / "store"


def snapshots_dir(store_dir: Path | str | None) -> Path:
    return store_root(store_dir) / SNAPSHOTS
