"""What a meeting's task change records in its snapshot, and reading it back.

Each change (``geo.task_edits``) writes a structured record into the snapshot's manifest
(``task_edit``: the action, the task id and, where they apply, the project, the new deadline or
the reason) beside a one-line English note for people and logs. Readers take the record. A
snapshot written before the record existed is read from its note, by patterns that cannot tell
where an id with a space ends: an imported id such as "ZB 7" was not found in those notes (the
reason the record was added).
"""

from __future__ import annotations

import re
from pathlib import Path

from geo import store

ACTIONS = ("assign", "close", "reschedule", "reopen", "withdraw")


def record(action: str, task_id: str, **details: str) -> dict:
    """The ``task_edit`` record of one change: ``details`` are ``project`` (assign), ``due_on``
    (reschedule, ISO date) or ``reason`` (reopen, withdraw)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown task action {action!r}; known: {', '.join(ACTIONS)}")
    return {"action": action, "task_id": str(task_id), **{k: str(v) for k, v in details.items()}}


def note(edit: dict) -> str:
    """The snapshot note of a change (the words older snapshots carry, unchanged)."""
    action, task_id = edit["action"], edit["task_id"]
    if action == "assign":
        return f"assign task {task_id} for {edit['project']}"
    if action == "reschedule":
        return f"reschedule task {task_id} to {edit['due_on']}"
    if action in ("reopen", "withdraw"):
        return f"{action} task {task_id}: {edit['reason']}"
    return f"close task {task_id}"


# The notes written before the record, as ``note`` writes them (ids without spaces).
_LEGACY = (
    (re.compile(r"assign task (\S+) for (.+)"), lambda m: record("assign", m[1], project=m[2])),
    (re.compile(r"close task (\S+)"), lambda m: record("close", m[1])),
    (re.compile(r"reschedule task (\S+) to (\S+)"), lambda m: record("reschedule", m[1], due_on=m[2])),
    (re.compile(r"(reopen|withdraw) task (\S+): (.+)"), lambda m: record(m[1], m[2], reason=m[3])),
)


def edit_of(manifest: dict) -> dict | None:
    """The task change a snapshot made (its ``record``), or None when it made none (an import,
    the demo, an assignment noted without its id)."""
    edit = manifest.get("task_edit")
    if isinstance(edit, dict) and edit.get("action") in ACTIONS and edit.get("task_id") is not None:
        return edit
    text = manifest.get("note") or ""
    for pattern, read in _LEGACY:
        found = pattern.fullmatch(text)
        if found:
            return read(found)
    return None


def is_demo(manifest: dict) -> bool:
    """A snapshot the demo builder published (``python -m geo.demo`` or the app's first start)."""
    return manifest.get("published_by") == "geo.demo" or "calibrated demo" in (manifest.get("note") or "")


def data_origin(snapshot: store.Snapshot) -> tuple[store.Snapshot, int]:
    """The snapshot the data comes from, and how many meeting task changes were made on it since.

    A task change publishes a snapshot whose manifest names the change and its recorder, not the
    data: an extract's "source" then read "副秘书长 · meeting: assign task …" and no longer said
    that the data was the demo's (tester 13). Walks the parents past task changes to the import
    or demo before them (or the oldest snapshot the store still has)."""
    store_dir, changes, seen = Path(snapshot.path).parent.parent, 0, {snapshot.id}
    while edit_of(snapshot.manifest) is not None and snapshot.manifest.get("parent") not in seen | {None}:
        try:
            parent = store.get_snapshot(snapshot.manifest["parent"], store_dir)
        except store.StoreError:  # a parent pruned or unreadable: the oldest one known
            break
        snapshot, changes = parent, changes + 1
        seen.add(snapshot.id)
    return snapshot, changes
