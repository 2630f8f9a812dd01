"""The errors the snapshot store raises on purpose, all subclasses of ``StoreError``.

Apart from the code that raises them (``geo.store``, ``geo.store_lock``) so that each module can
raise them without importing the others. Callers catch them as ``store.StoreError`` etc.:
``geo.store`` re-exports every one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geo.store import Snapshot

__all__ = [
    "StoreError",
    "SchemaValidationError",
    "SnapshotUnavailableError",
    "NoStoreError",
    "CurrentMissingError",
    "SnapshotMissingError",
    "SnapshotCorruptError",
    "ConcurrentChangeError",
    "LockTimeoutError",
]


class StoreError(Exception):
    """Base class of every error the store raises on purpose."""


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
    """Another process held the publish lock for longer than ``geo.store_lock.LOCK_TIMEOUT_S``."""
