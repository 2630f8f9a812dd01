"""The store's publish lock, and the removal of what a killed writer left behind.

Why: two stewards publishing at once must be applied one after the other, and a writer killed
mid-write leaves a ``snapshots/.tmp-*`` directory (and maybe a ``CURRENT.tmp.*`` file) that nobody
else will finish. One lock answers both: whoever holds it is the only writer, so any temp file it
finds is a leftover. ``geo.store`` takes it to write and publish; an upsert (``geo.ingest``) holds
it around read, merge and write.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import threading
import time
from pathlib import Path

from geo.store_errors import LockTimeoutError
from geo.store_layout import CURRENT, SNAPSHOTS, TMP_PREFIX, store_root

__all__ = ["LOCK_FILE", "LOCK_TIMEOUT_S", "publish_lock", "clean_leftovers", "clean_leftovers_once"]

LOCK_FILE = ".publish.lock"
LOCK_TIMEOUT_S = 300.0  # a publish of 1M parcels takes ~1 min; waiting longer means something is stuck

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
    root = store_root(store_dir)
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
    snaps = root / SNAPSHOTS
    candidates = list(snaps.glob(f"{TMP_PREFIX}*")) if snaps.is_dir() else []
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
    root = store_root(store_dir)
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


def clean_leftovers_once(root: Path) -> None:
    """``clean_leftovers`` the first time this process opens the store at ``root``."""
    key = str(root)
    if key not in _cleaned:
        _cleaned.add(key)
        clean_leftovers(root)
