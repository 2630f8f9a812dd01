"""Publishing checked rows as a new immutable snapshot (replace a table or upsert by id), the
snapshot history, and rollback.

Rows are compared with the current snapshot by id (``geo.ingest.compare``), so the counts say
what an import really changes, and an import that changes nothing writes nothing: the same file
twice publishes once. The merge and
the write happen under ``geo.store_lock.publish_lock``, so two stewards publishing at once are
applied one after the other, each on top of the other's result.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema, store, task_notes
from geo.ingest.compare import compare, diff, updated_fields
from geo.ingest.coords import same_shapes
from geo.ingest.errors import IngestError
from geo.ingest.pipeline import IMPORT_TABLES, Checked
from geo.store_layout import snapshots_dir
from geo.store_lock import publish_lock
from geo.validate import validate_tables


@dataclass(frozen=True)
class Published:
    snapshot: store.Snapshot | None  # None: nothing changed, nothing written
    diff: dict[str, int]


# Columns a meeting writes and a ledger does not carry (原定时限, kept by a meeting's first move of
# a deadline): a tasks file replacing the table without them had erased every one (review).
MEETING_COLUMNS = {"tasks": ("first_due_on",)}


def merged(base_rows: pd.DataFrame, checked: Checked) -> pd.DataFrame:
    """The table after the import. Replace: the accepted rows. Upsert: stored rows whose id is not
    in the file stay as they are; rows with a known id take the file's values for the columns the
    file has and keep the stored values of the others; new ids are added. Either way a known id
    keeps what only a meeting writes (``MEETING_COLUMNS``) unless the file has that column."""
    table, new = checked.options.table, checked.accepted
    if "geometry" in new.columns and len(base_rows):
        new = _stored_shapes_kept(base_rows, new, table)
    replacing = checked.options.mode == "replace"
    missing = [c for c in schema.column_names(table) if c not in checked.provided
               and (not replacing or c in MEETING_COLUMNS.get(table, ()))]
    if not len(base_rows) or (replacing and not missing):
        return new
    pk = schema.PRIMARY_KEYS[table]
    clean, problems = validate_tables({table: base_rows})  # the same dtypes as the accepted rows
    base = clean[table]
    known = base[pk].isin(set(new[pk]))
    base_pos = pd.Series(np.flatnonzero(known.to_numpy()), index=base.loc[known, pk].to_numpy())
    updated = new.copy()
    if missing:
        hit = updated[pk].isin(base_pos.index).to_numpy()
        rows = base_pos[updated.loc[hit, pk]].to_numpy()
        for col in missing:
            values = updated[col].copy()
            values.iloc[np.flatnonzero(hit)] = base[col].iloc[rows].to_numpy()
            updated[col] = values
    out = updated if replacing else pd.concat([base[~known.to_numpy()], updated], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=schema.STORAGE_CRS) if "geometry" in out else out


def _stored_shapes_kept(base_rows: gpd.GeoDataFrame, new: gpd.GeoDataFrame, table: str) -> gpd.GeoDataFrame:
    """``new`` with the stored geometry (and the H3 cell derived from it) of each known id whose
    shape is the same (``same_shapes``): a file that edits one parcel would otherwise store every
    other outline again, reversed or moved by a rounding, though those rows count as unchanged."""
    pk = schema.PRIMARY_KEYS[table]
    stored = base_rows.set_index(base_rows[pk].astype(str).to_numpy())
    ids = new[pk].astype(str)
    known = np.flatnonzero(ids.isin(stored.index).to_numpy())
    found = stored.reindex(ids.iloc[known])
    same = same_shapes(found["geometry"].to_numpy(), new["geometry"].to_numpy()[known])
    where = new.index[known[same]]
    out = new.copy()
    for col in ("geometry", "h3_r7"):
        if col in out.columns:
            out.loc[where, col] = found[col].to_numpy()[same]
    return out


def orphaned_tasks(after: pd.DataFrame, table: str, base: store.Snapshot) -> pd.DataFrame:
    """The base snapshot's tasks whose project would be gone once ``table`` is ``after`` (a
    projects table replaced by a file without them). The import refuses a task of an unknown
    project; a projects file must not make stored tasks such tasks: the meeting page would lose
    them (an exploratory test replaced the 555 projects with 6 and the page showed 0 of 390 tasks)."""
    if table != "projects":
        return pd.DataFrame(columns=["task_id", "project_id", "status"])
    tasks = store.read_table(base, "tasks")
    return tasks[~tasks["project_id"].astype(str).isin(set(after["project_id"].astype(str)))]


def _orphan_error(orphans: pd.DataFrame) -> IngestError:
    projects = list(dict.fromkeys(orphans["project_id"].astype(str)))
    return IngestError("orphaned_tasks", n=len(orphans), open=int((orphans["status"] != "已办结").sum()),
                       projects=len(projects), examples=", ".join(projects[:5]))


def preview_orphans(checked: Checked, store_dir: Path | None = None) -> IngestError | None:
    """Why publishing ``checked`` would be refused for the tasks it would orphan, or None."""
    if checked.options.table != "projects":  # only a projects file can orphan a task: no merge to build
        return None
    base = store.open_current(store_dir)
    orphans = orphaned_tasks(_pending(checked, base)[0], checked.options.table, base)
    return _orphan_error(orphans) if len(orphans) else None


def _pending(checked: Checked, base: store.Snapshot) -> tuple[pd.DataFrame, dict[str, int]]:
    base_rows = store.read_table(base, checked.options.table)
    after = merged(base_rows, checked)
    return after, diff(base_rows, after, checked.options.table)


def preview_diff(checked: Checked, store_dir: Path | None = None) -> dict[str, int]:
    """What publishing ``checked`` would change in the current snapshot (for the page, before)."""
    return preview(checked, store_dir)[0]


def preview(checked: Checked, store_dir: Path | None = None) -> tuple[dict[str, int], tuple[pd.DataFrame, int]]:
    """``diff`` and the fields the update changes (``updated_fields``) of publishing ``checked``.

    An update leaves the stored rows the file does not name as they are, so only the named ones
    are merged and compared, the others counted unchanged: a 2,000-row parcel file at 1 M parcels
    took 15 s (most of it validating and hashing the million rows it does not touch)."""
    table = checked.options.table
    base_rows = store.read_table(store.open_current(store_dir), table)
    untouched = 0
    if checked.options.mode == "upsert":
        pk = schema.PRIMARY_KEYS[table]
        named = base_rows[pk].astype(str).isin(set(checked.accepted[pk].astype(str))).to_numpy()
        untouched = int((~named).sum())
        base_rows = base_rows[named].reset_index(drop=True)
    after = merged(base_rows, checked)
    found = compare(base_rows, after, table)
    counts = {**found.counts, "unchanged": found.counts["unchanged"] + untouched}
    return counts, updated_fields(base_rows, after, table, found)


def publish(checked: Checked, *, published_by: str, store_dir: Path | None = None,
            as_of: dt.date | None = None) -> Published:
    """Write the current snapshot with ``checked.accepted`` replacing or upserted into its table,
    and publish it; nothing is written when nothing changes. Raises ``store.StoreError``s, and
    ``IngestError`` when stored tasks would lose their project (``orphaned_tasks``) or the data
    changed after ``checked`` was checked against it (``stale_check``: check the file again)."""
    table, mode = checked.options.table, checked.options.mode
    with publish_lock(store_dir):
        base = store.open_current(store_dir)
        if checked.base_id is not None and checked.base_id != base.id:
            # Checked against data someone has replaced since: an update's columns the file lacks
            # came from there, and publishing put a colleague's just-published values back
            # (two clerks, one month's 已完成投资 and one 总投资 for the same projects: tester 12).
            raise IngestError("stale_check", snapshot=base.id, by=base.manifest.get("published_by") or "—")
        after, change = _pending(checked, base)
        orphans = orphaned_tasks(after, table, base)
        if len(orphans):
            raise _orphan_error(orphans)
        checked.report.diff = change
        new_date = as_of is not None and as_of != base.as_of
        if not (change["added"] or change["updated"] or change["removed"] or new_date):
            return Published(None, change)
        tables = {name: store.read_table(base, name) for name in schema.TABLES if name != table}
        tables[table] = after
        note = (f"import {table} ({mode}): +{change['added']} ~{change['updated']} -{change['removed']}, "
                f"{checked.report.rejected} rejected")
        snapshot = store.write_snapshot(
            tables, as_of=as_of or base.as_of, published_by=published_by,
            sources=list(checked.sources), note=note, store_dir=store_dir, expect_parent=base.id,
            origin=_origin_on_demo(base, table, mode, published_by, list(checked.sources)))
    return Published(snapshot, change)


IMPORTS_NAMED = 5  # the imports on demo data an origin names, the latest ones


def _origin_on_demo(base: store.Snapshot, table: str, mode: str, published_by: str, sources: list[str]) -> dict | None:
    """An import on demo data still holds demo rows: every table an update touched, and every
    table it did not replace. Its origin says so (``demo_tables``), and the extracts and the brief
    keep saying demo data; one project ledger imported had dropped the brief's notice though 549
    of its 550 projects were the demo's (tester 19). None once no table is the demo's."""
    before = task_notes.data_origin(base)
    # the tables an import can replace (the district boundaries are the app's own, not demo data)
    demo_tables = set(before.get("demo_tables", IMPORT_TABLES if before.get("demo") else ()))
    if mode == "replace":
        demo_tables.discard(table)
    if not demo_tables:
        return None
    imported = [*before.get("sources", ()), *sources] if "demo_tables" in before else sources
    return {"published_by": published_by, "sources": imported[-IMPORTS_NAMED:], "demo": True,
            "demo_tables": sorted(demo_tables), "task_changes": 0}


def history(store_dir: Path | None = None) -> list[dict]:
    """Every snapshot, newest first: id, when, who, sources, note, row counts, and which is live."""
    try:
        current = store.open_current(store_dir).id
    except store.StoreError:
        current = None
    out = []
    for snap in reversed(store.list_snapshots(store_dir)):
        m = snap.manifest
        out.append({"id": snap.id, "created_at": m.get("created_at", ""), "published_by": m.get("published_by", ""),
                    "sources": "; ".join(m.get("sources") or []), "note": m.get("note", ""),
                    "task_edit": task_notes.edit_of(m),
                    "as_of": m.get("as_of", ""), "parent": m.get("parent"),
                    "rows": {t: int(e.get("rows", 0)) for t, e in (m.get("tables") or {}).items()},
                    "current": snap.id == current})
    return out


def is_newer_than_current(snapshot_id: str, store_dir: Path | None = None) -> bool:
    """Whether making ``snapshot_id`` current moves forward (to a later snapshot), not back."""
    ids = [h["id"] for h in history(store_dir)]  # newest first
    current = next((h["id"] for h in history(store_dir) if h["current"]), None)
    return current in ids and snapshot_id in ids and ids.index(snapshot_id) < ids.index(current)


def switch_effect(snapshot_id: str, store_dir: Path | None = None) -> tuple[list[dict], list[dict]]:
    """What making ``snapshot_id`` current does to the live data, as two lists of ``history``
    entries, newest first: (undone, restored). Snapshots form a tree (each names its parent; a
    publish after a rollback starts a branch), so the undone ones are the current snapshot's line
    back to where it meets the target's, and the restored ones the target's line down to there.
    A steward rolling back a bad import also takes out every meeting's task changes published
    after it: the page lists them before anything is switched."""
    entries = history(store_dir)
    by_id = {h["id"]: h for h in entries}
    current = next((h["id"] for h in entries if h["current"]), None)

    parents = {h["id"]: h["parent"] for h in entries}
    ours, theirs = store.lineage(parents, current), store.lineage(parents, snapshot_id)
    meet = next((s for s in ours if s in set(theirs)), None)
    undone = ours[: ours.index(meet)] if meet else ours
    restored = theirs[: theirs.index(meet)] if meet else theirs
    return [by_id[s] for s in undone], [by_id[s] for s in restored]


@dataclass(frozen=True)
class Pruned:
    removed: list[str]  # snapshot ids, oldest first
    derived_files: int  # derived-table files no kept snapshot reads
    freed_mb: float


def prune(keep: int, store_dir: Path | None = None, *, dry_run: bool = False) -> Pruned:
    """Delete all but the newest ``keep`` snapshots (the current one is always kept) and the
    derived-table files no kept snapshot reads. Every meeting edit is a snapshot, and nothing
    ever removed one (exploratory tester 6): the steward decides how much history to keep; a
    deleted snapshot cannot be switched back to. Under the publish lock; ``dry_run`` only counts."""
    from geo import snapshot_db
    from geo.derived_files import DIR_NAME

    if keep < 1:
        raise ValueError("keep at least 1 snapshot")
    with publish_lock(store_dir):
        # Only on a healthy store: with a current snapshot that does not verify, the newest KEEP
        # could be the broken one alone, and the last good one deleted (review of session 17).
        current = store.open_current(store_dir).id  # raises SnapshotUnavailableError, naming the last good one
        snaps = store.list_snapshots(store_dir)  # oldest first
        kept = {s.id for s in snaps[-keep:]} | {current}
        gone = [s for s in snaps if s.id not in kept]
        root = snapshots_dir(store_dir)
        used = set().union(*(snapshot_db.derived_file_names(s) for s in snaps if s.id in kept))
        derived = root / DIR_NAME
        stale = [f for f in derived.glob("*.parquet") if f.name not in used] if derived.is_dir() else []
        stale += [d for d in derived.iterdir() if d.is_dir()] if derived.is_dir() else []  # the per-snapshot layout's
        size = sum(f.stat().st_size for s in gone for f in s.path.rglob("*") if f.is_file() and f.stat().st_nlink == 1)
        size += sum(f.stat().st_size for x in stale for f in ([x] if x.is_file() else x.rglob("*")) if f.is_file())
        if not dry_run:
            retire_task_ids(gone, store_dir)
            for s in gone:
                trash = s.path.with_name(f".trash-{s.id}")
                s.path.rename(trash)  # gone from listings at once; then the files
                shutil.rmtree(trash, ignore_errors=True)
            for x in stale:
                shutil.rmtree(x, ignore_errors=True) if x.is_dir() else x.unlink(missing_ok=True)
        return Pruned([s.id for s in gone], len(stale), round(size / 1e6, 1))


RETIRED_IDS = "task_ids_retired.txt"  # beside the snapshots: ids of tasks in pruned snapshots


def retire_task_ids(snapshots: list[store.Snapshot], store_dir: Path | None = None) -> None:
    """Keep the task ids of snapshots about to be deleted, so a new task never takes one
    (``task_edits`` numbers past them; a pruned id had become free again)."""
    ids: set[str] = set()
    for snap in snapshots:
        if "tasks" in snap.tables:
            ids |= set(store.read_table(snap, "tasks")["task_id"].astype(str))
    known = retired_task_ids(store_dir)
    path = snapshots_dir(store_dir).parent / RETIRED_IDS
    if ids - known:
        path.write_text("\n".join(sorted(known | ids)) + "\n", encoding="utf-8")


def retired_task_ids(store_dir: Path | None = None) -> set[str]:
    """One id a line: an imported id may hold a space ("ZB 7")."""
    path = snapshots_dir(store_dir).parent / RETIRED_IDS
    return set(filter(None, path.read_text(encoding="utf-8").splitlines())) if path.is_file() else set()


_log = logging.getLogger(__name__)
SWITCH_LOG = "switches.jsonl"  # beside the snapshots: one line per switch of the live snapshot


def rollback(snapshot_id: str, store_dir: Path | None = None, *, by: str = "") -> store.Snapshot:
    """Publish an older (or newer) snapshot again (verified first; serialised with other
    publishers) and note the switch in the store's switch log: the history had shown no trace
    of who rolled back, or when (tester 10)."""
    with publish_lock(store_dir):  # re-entrant: "from" and the log line belong to this very switch
        before = _current_id(store_dir)
        switched = store.publish(snapshot_id, store_dir)
        line = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "from": before,
                "to": switched.id, "by": by.strip()}
        try:
            with open(snapshots_dir(store_dir).parent / SWITCH_LOG, "a", encoding="utf-8") as log:
                log.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError as err:  # the switch is done: a log it cannot write must not report it failed
            _log.warning("switch to %s done, but not logged: %s", switched.id, err)
    return switched


def switches(store_dir: Path | None = None) -> list[dict]:
    """The switch log, newest first: at (UTC, ISO), from, to, by."""
    path = snapshots_dir(store_dir).parent / SWITCH_LOG
    if not path.is_file():
        return []
    lines = []
    for text in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            line = json.loads(text)
        except ValueError:  # a torn or hand-edited line: the rest of the log (and the page) still shows
            continue
        if isinstance(line, dict) and line.get("to") and line.get("at"):
            lines.append(line)
    return lines[::-1]


def _current_id(store_dir: Path | None) -> str | None:
    try:
        return store.open_current(store_dir).id
    except store.StoreError:
        return None
