"""Interrupt DuckDB queries that run past their time limit, with one thread for all of them.

A ``threading.Timer`` per query starts and stops a thread each time: ~0.8 ms per query, and a
page rerun runs 6–12 queries (measured at 1 M parcels, see README "Performance"). Here one daemon
thread sleeps until the earliest deadline and interrupts whichever cursor passed it.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from typing import Protocol

log = logging.getLogger(__name__)


class Interruptible(Protocol):
    def interrupt(self) -> None: ...


class Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: dict[int, tuple[float, Interruptible]] = {}
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, cursor: Interruptible, timeout_s: float) -> int:
        """Interrupt ``cursor`` after ``timeout_s`` seconds unless ``release`` comes first."""
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="query-watchdog", daemon=True)
                self._thread.start()
            token = next(self._tokens)
            self._due[token] = (time.monotonic() + timeout_s, cursor)
            self._cond.notify()
            return token

    def release(self, token: int) -> None:
        """The query is over: never interrupt its cursor (safe to close it after this returns)."""
        with self._cond:
            self._due.pop(token, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for token, (deadline, cursor) in list(self._due.items()):
                    if deadline <= now:
                        del self._due[token]
                        try:
                            cursor.interrupt()  # under the lock: release() cannot return meanwhile
                        except Exception:  # noqa: BLE001 - one cursor's failure must not end the watch
                            log.warning("could not interrupt an overdue query", exc_info=True)
                nearest = min((deadline for deadline, _ in self._due.values()), default=None)
                self._cond.wait(None if nearest is None else max(nearest - now, 0.001))


WATCHDOG = Watchdog()
