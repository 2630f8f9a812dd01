"""Assigning, closing and rescheduling dispatch-meeting tasks (交办事项) during the meeting, and
undoing a mistake: a closing (reopen) or an assignment (withdraw).

Every change is a new snapshot (``store.derive_snapshot``: only the tasks table is written), so
nothing is lost if the app restarts and everyone sees it on their next rerun. Two people acting
at once: the store takes one change at a time, and a change prepared on a snapshot that has
been replaced in the meantime is checked again on the new one — closing a task someone else
has just closed is refused with that reason; assigning is simply applied on top.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from geo import store, task_notes
from geo.ingest.publish import retired_task_ids
from geo.query import Scope, query

TITLE_MAX = 200
UNIT_MAX = 50
_RETRIES = 3


class TaskError(ValueError):
    """A change refused, with the reason a person can act on (``code`` for tests/translation)."""

    def __init__(self, code: str, message: str, **params):
        super().__init__(message)
        self.code, self.params = code, params  # params: what the page's words name (dates, ids)


def assign(store_dir: Path, base: store.Snapshot, *, project_id: str, unit: str, title: str,
           due_on: dt.date, assigned_on: dt.date | None = None, by: str = "", scope: Scope = Scope.all(),
           new_unit: bool = False) -> tuple[store.Snapshot, str]:
    """A new open task for ``project_id``; returns (new snapshot, task id). Refused when the
    title or unit is empty or too long, the project does not exist (or is outside ``scope``), or
    the due date is before the assignment date; nothing is saved then."""
    title, unit = (title or "").strip(), (unit or "").strip()
    assigned_on = assigned_on or base.as_of
    if not title:
        raise TaskError("empty_title", "the task has no title")
    if len(title) > TITLE_MAX or len(unit) > UNIT_MAX:
        raise TaskError("too_long", f"title at most {TITLE_MAX} and unit at most {UNIT_MAX} characters",
                        title=TITLE_MAX, unit=UNIT_MAX)
    if not unit:
        raise TaskError("empty_unit", "the task has no responsible unit")
    if not isinstance(due_on, dt.date) or due_on < assigned_on:
        raise TaskError("due_before_assigned", f"due date {due_on} is before the assignment date {assigned_on}",
                        due=due_on, assigned=assigned_on)

    def change(snapshot: store.Snapshot, tasks: pd.DataFrame) -> tuple[pd.DataFrame, str]:
        found = query(snapshot, "SELECT district_adcode FROM {projects} p WHERE project_id = $pid",
                      {"pid": str(project_id)}, scope=scope).df
        if found.empty:
            raise TaskError("unknown_project", f"project {project_id!r} does not exist", project=project_id)
        # The same open task again is a second click on 交办 (a double click made two, and the
        # meeting page cannot delete one: exploratory tester 6), not a new task.
        same = tasks[(tasks["project_id"] == str(project_id)) & (tasks["status"] == "办理中")
                     & (tasks["title"].str.strip() == title) & (tasks["assigned_unit"].str.strip() == unit)
                     & (pd.to_datetime(tasks["due_on"]) == pd.Timestamp(due_on))]
        if len(same):
            raise TaskError("duplicate", f"the same open task exists: {same['task_id'].iloc[0]}",
                            task=same["task_id"].iloc[0])
        # Typing part of a unit offers "Add: 国网" above "国网株洲供电公司": taking the first option
        # made a new unit of the fragment, with its own row in the rates (tester 8).
        known = set(tasks["assigned_unit"].dropna().astype(str).str.strip())
        meant = sorted(k for k in known if unit in k and unit != k)
        if unit not in known and meant and not new_unit:  # ``new_unit``: confirmed a distinct unit ("攸县")
            raise TaskError("unit_fragment", f"{unit!r} is part of known units {meant[:3]}", units="、".join(meant[:3]))
        task_id = _new_id(tasks, assigned_on, _ids_in_history(store_dir))
        row = {"task_id": task_id, "project_id": str(project_id), "district_adcode": found["district_adcode"].iloc[0],
               "title": title, "assigned_unit": unit, "assigned_on": pd.Timestamp(assigned_on),
               "due_on": pd.Timestamp(due_on), "closed_on": pd.NaT, "status": "办理中"}
        return pd.concat([tasks, pd.DataFrame([row])], ignore_index=True), task_id

    return _apply(store_dir, base, change, by, "assign", project=project_id)


def close(store_dir: Path, base: store.Snapshot, *, task_id: str, closed_on: dt.date | None = None, by: str = "",
          scope: Scope = Scope.all()) -> tuple[store.Snapshot, str]:
    """Close an open task; refused when it does not exist (or is outside ``scope``), is already
    closed (by someone else, say), or ``closed_on`` is before it was assigned or after the data's
    as-of date (the data's "today": a task closed in 2030 counted as closed late, and in no
    rate of the meeting's period)."""
    closed_on = closed_on or base.as_of
    if closed_on > base.as_of:
        raise TaskError("closed_after_as_of", f"closing date {closed_on} is after the data's as-of date {base.as_of}",
                        closed=closed_on, as_of=base.as_of)

    def change(snapshot: store.Snapshot, tasks: pd.DataFrame) -> tuple[pd.DataFrame, str]:
        i = _open_task(snapshot, tasks, task_id, scope)
        if pd.Timestamp(closed_on) < pd.Timestamp(tasks.at[i, "assigned_on"]):
            raise TaskError("closed_before_assigned", f"closing date {closed_on} is before the task was assigned",
                            closed=closed_on, assigned=pd.Timestamp(tasks.at[i, "assigned_on"]).date())
        out = tasks.copy()
        out.loc[i, ["status", "closed_on"]] = ["已办结", pd.Timestamp(closed_on)]
        return out, str(task_id)

    return _apply(store_dir, base, change, by, "close")


def reschedule(store_dir: Path, base: store.Snapshot, *, task_id: str, due_on: dt.date, by: str = "",
               scope: Scope = Scope.all()) -> tuple[store.Snapshot, str]:
    """A new deadline for an open task (a meeting grants 延期, or corrects a date): only the wrong
    way was to import the tasks table again (exploratory tester 6). Refused when the task does not
    exist (or is outside ``scope``), is closed, the date is before its assignment or before the
    data's as-of date (a deadline moved into the past only shortens an overdue record; a wrong date
    is corrected by importing the tasks table) or unchanged.
    The first move keeps the deadline it replaces in ``first_due_on`` (原定时限); later moves
    leave that alone."""

    def change(snapshot: store.Snapshot, tasks: pd.DataFrame) -> tuple[pd.DataFrame, str]:
        i = _open_task(snapshot, tasks, task_id, scope)
        assigned = pd.Timestamp(tasks.at[i, "assigned_on"]).date()
        if not isinstance(due_on, dt.date) or due_on < assigned:
            raise TaskError("due_before_assigned", f"due date {due_on} is before the assignment date {assigned}",
                            due=due_on, assigned=assigned)
        if due_on < snapshot.as_of:  # a move into the past made a task 350 days overdue read 272 (tester 13)
            raise TaskError("due_before_as_of", f"new due date {due_on} is before the data's as-of date "
                            f"{snapshot.as_of}", due=due_on, as_of=snapshot.as_of)
        if pd.Timestamp(tasks.at[i, "due_on"]).date() == due_on:
            raise TaskError("same_due", f"task {task_id} is already due on {due_on}", due=due_on)
        out = tasks.copy()
        if pd.isna(out.at[i, "first_due_on"]):  # the first move keeps the deadline first set
            out.loc[i, "first_due_on"] = out.at[i, "due_on"]
        out.loc[i, "due_on"] = pd.Timestamp(due_on)
        return out, str(task_id)

    return _apply(store_dir, base, change, by, "reschedule", due_on=due_on.isoformat())


def reopen(store_dir: Path, base: store.Snapshot, *, task_id: str, reason: str, by: str = "",
           scope: Scope = Scope.all()) -> tuple[store.Snapshot, str]:
    """A task closed by mistake is open again (办理中, no closing date). Until now the only undo
    was a rollback of the store, which also took out every later change. Refused without a
    reason, when the task does not exist (or is outside ``scope``) or is not closed."""
    reason = _reason(reason)

    def change(snapshot: store.Snapshot, tasks: pd.DataFrame) -> tuple[pd.DataFrame, str]:
        i = _task(snapshot, tasks, task_id, scope)
        if tasks.at[i, "status"] != "已办结":
            raise TaskError("not_closed", f"task {task_id} is not closed", task=task_id)
        out = tasks.copy()
        out.loc[i, ["status", "closed_on"]] = ["办理中", pd.NaT]
        return out, str(task_id)

    return _apply(store_dir, base, change, by, "reopen", reason=reason)


def withdraw(store_dir: Path, base: store.Snapshot, *, task_id: str, reason: str, by: str = "",
             scope: Scope = Scope.all()) -> tuple[store.Snapshot, str]:
    """Take out a task assigned by mistake (the wrong project, a duplicate): it leaves the live
    data and every rate; the snapshots before keep it, the note says why, and its id is never
    given to another task. Refused without a reason or when the task does not exist (or is
    outside ``scope``)."""
    reason = _reason(reason)

    def change(snapshot: store.Snapshot, tasks: pd.DataFrame) -> tuple[pd.DataFrame, str]:
        i = _task(snapshot, tasks, task_id, scope)
        return tasks.drop(index=i).reset_index(drop=True), str(task_id)

    return _apply(store_dir, base, change, by, "withdraw", reason=reason)


REASON_MAX = 100


def _reason(reason: str) -> str:
    """An undo's reason, on one line (it is the snapshot's note)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise TaskError("empty_reason", "no reason given")
    if len(reason) > REASON_MAX:
        raise TaskError("reason_too_long", f"the reason is longer than {REASON_MAX} characters", n=REASON_MAX)
    return reason


def _task(snapshot: store.Snapshot, tasks: pd.DataFrame, task_id: str, scope: Scope):
    """The row index of task ``task_id`` in ``tasks``; refused when it is unknown or outside ``scope``."""
    if not str(task_id or "").strip():
        raise TaskError("no_task", "no task chosen")
    visible = query(snapshot, "SELECT task_id FROM {tasks} t WHERE task_id = $tid", {"tid": str(task_id)}, scope=scope).df
    at = tasks.index[tasks["task_id"] == str(task_id)]
    if visible.empty or not len(at):
        raise TaskError("unknown_task", f"task {task_id!r} does not exist", task=task_id)
    return at[0]


def _open_task(snapshot: store.Snapshot, tasks: pd.DataFrame, task_id: str, scope: Scope):
    """The row index of open task ``task_id`` in ``tasks``; refused when it is unknown, outside
    ``scope`` or closed (by someone else, say)."""
    i = _task(snapshot, tasks, task_id, scope)
    if tasks.at[i, "status"] == "已办结":
        closed = pd.Timestamp(tasks.at[i, "closed_on"]).date()
        raise TaskError("already_closed", f"task {task_id} was already closed on {closed}", closed=closed)
    return i


def _apply(store_dir: Path, base: store.Snapshot, change, by: str, action: str, **details: str) -> tuple[store.Snapshot, str]:
    """Apply ``change`` to the tasks of the published snapshot and publish the result, recorded
    as ``action`` on the task id ``change`` returns, with ``details`` (``task_notes.record``). If
    someone published in between, the change is checked again on their snapshot (it may now be
    refused)."""
    snapshot = base
    for _ in range(_RETRIES):
        tasks, key = change(snapshot, store.read_table(snapshot, "tasks"))
        edit = task_notes.record(action, key, **details)
        note = task_notes.note(edit)
        try:
            new = store.derive_snapshot(snapshot, {"tasks": tasks}, published_by=by or "meeting",
                                        sources=[f"meeting: {note}"], note=note, task_edit=edit, store_dir=store_dir,
                                        origin=task_notes.origin_after_change(snapshot))
            return new, key
        except store.ConcurrentChangeError:
            snapshot = store.open_current(store_dir)
    raise TaskError("busy", "the data changed several times while saving; try again")


def recently_changed(store_dir: Path | None, snapshot: store.Snapshot, limit: int = 200) -> list[str]:
    """Ids of the tasks the meeting changes on ``snapshot``'s line named, newest first (at most
    ``limit``): the correction form lists them first, where dates in the data had put a task
    closed at this meeting 13th of 287 (tester 10)."""
    by_id = {snap.id: snap for snap in store.list_snapshots(store_dir)}
    found: list[str] = []
    for at in store.lineage({i: snap.manifest.get("parent") for i, snap in by_id.items()}, snapshot.id):
        edit = task_notes.edit_of(by_id[at].manifest)
        if edit and edit["task_id"] not in found:
            found.append(edit["task_id"])
            if len(found) == limit:
                break
    return found


def corrections(store_dir: Path | None, new: store.Snapshot, old: store.Snapshot) -> dict[tuple[str, str], tuple[str, str]]:
    """(action, task id) -> (reason, who) of the corrections (``reopen``, ``withdraw``) published on
    ``new``'s line after ``old``, the latest of each: the changes view lists reopened and
    withdrawn tasks with why and by whom (tester 10)."""
    by_id = {snap.id: snap for snap in store.list_snapshots(store_dir)}
    found: dict[tuple[str, str], tuple[str, str]] = {}
    parents = {i: snap.manifest.get("parent") for i, snap in by_id.items()}
    at, seen = new.id, set(store.lineage(parents, old.id))  # down to where new's line meets old's (old itself, often)
    while at in by_id and at not in seen:
        seen.add(at)
        manifest = by_id[at].manifest
        edit = task_notes.edit_of(manifest)
        if edit and edit["action"] in ("reopen", "withdraw"):
            found.setdefault((edit["action"], edit["task_id"]), (edit.get("reason", ""), manifest.get("published_by") or ""))
        at = manifest.get("parent")
    return found


def _ids_in_history(store_dir: Path | None) -> set[str]:
    """Task ids assigned at a meeting in any snapshot of the store, as their notes name them. A
    rollback takes a meeting's tasks out of the live data; numbering from the live tasks alone
    then gave the next task an id an earlier one had had (JB-20230930-012 named two tasks, and the
    changes view saw no change: exploratory tester 6); ids of withdrawn tasks (an imported one's
    id is in no assignment note); and those of pruned snapshots."""
    return {edit["task_id"] for snap in store.list_snapshots(store_dir)
            if (edit := task_notes.edit_of(snap.manifest)) and edit["action"] in ("assign", "withdraw")
            } | retired_task_ids(store_dir)


def _new_id(tasks: pd.DataFrame, day: dt.date, used: set[str] = frozenset()) -> str:
    prefix = f"JB-{day:%Y%m%d}-"
    taken = {t for t in (*tasks["task_id"], *used) if str(t).startswith(prefix)}
    n = len(taken) + 1
    while f"{prefix}{n:03d}" in taken:
        n += 1
    return f"{prefix}{n:03d}"
