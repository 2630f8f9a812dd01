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


def data_origin(snapshot: store.Snapshot) -> dict:
    """Where a snapshot's data came from: ``{"published_by", "sources", "demo", "task_changes"}``,
    the import or demo it descends from and how many meeting task changes were made on it since
    (``"unknown": True`` when that snapshot is gone).

    A task change publishes a snapshot whose own publisher and sources name the change, not the
    data: an extract's "source" read "副秘书长 · meeting: assign task …" and no longer said that
    the data was the demo's (tester 13). Each change keeps the origin in its manifest
    (``origin_after_change``), so it survives the pruning of older snapshots (review); a change
    written before that is followed back through its parents."""
    changes, seen = 0, set()
    while True:
        manifest = snapshot.manifest
        if isinstance(manifest.get("origin"), dict):
            origin = manifest["origin"]
            return {**origin, "task_changes": int(origin.get("task_changes", 0)) + changes}
        if edit_of(manifest) is None:
            return {"published_by": manifest.get("published_by") or "", "sources": list(manifest.get("sources") or []),
                    "demo": is_demo(manifest), "task_changes": changes}
        changes, parent = changes + 1, manifest.get("parent")
        seen.add(snapshot.id)
        try:
            if parent in seen or parent is None:
                raise store.SnapshotMissingError(f"no parent of {snapshot.id}")
            snapshot = store.get_snapshot(parent, Path(snapshot.path).parent.parent)
        except store.StoreError:  # pruned before origins were kept: unknown, not an edit's words
            return {"published_by": "", "sources": [], "demo": False, "unknown": True, "task_changes": changes}


def origin_after_change(base: store.Snapshot) -> dict:
    """The ``origin`` a task change on ``base`` keeps in its manifest."""
    origin = data_origin(base)
    return {**origin, "task_changes": origin["task_changes"] + 1}
