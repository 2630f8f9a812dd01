"""Changes since the last meeting: what differs between two snapshots of the store.

A dispatch meeting opens with "what happened since last time". Every snapshot is immutable and
complete, so the answer is a comparison of two of them, keyed by the tables' primary keys. Each
table is compared in one DuckDB query over both snapshots' Parquet files (``geo.query`` with
``previous=``: ``{prev_projects}`` is the older snapshot's table, scoped the same way), which
returns only the changed rows — at 100k projects the work is one hash join, not a pandas merge.

Semantics (old → new; README "Dispatch meetings" repeats them):
- new / removed projects: ``project_id`` present only in the new / only in the old snapshot;
- stage changes: in both, ``stage`` differs (from → to);
- newly stalled: no 八未 state before, one now; unstalled: a state before, none now; stalled
  state changes: a different 八未 state;
- tasks opened: ``task_id`` new in the new snapshot; tasks closed: 已办结 now and not before
  (a task opened and closed between the two meetings is in both lists); tasks rescheduled: in
  both, with another deadline (``due_from`` the old one); tasks reopened: 已办结 before, not now
  (``closed_from`` the old closing date); tasks withdrawn: only in the old snapshot (as it was
  there);
- investment progress: in both, this year's completed investment (``completed_yi``) differs
  (``completed_from`` → ``completed_to``, ``delta_yi``): a month's ledger is mostly this;
- tasks newly overdue: open and due before the new as-of date, and not so in the old snapshot
  (absent, closed, or due on or after the old as-of date): the as-of date moving makes them;
- parcels disposed: disposed now (status 已处置 or ``disposed_on`` set) and not before; a parcel
  that is new in the new snapshot counts only if its disposal date is after the old as-of date
  (or unknown), so importing a ledger of historical disposals does not flood the list.
Only the district filter applies: the other filters describe a state, not a change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from geo.filters import Filters
from geo.query import Scope, query
from geo.store import Snapshot

_MAX_ROWS = 5_000_000  # changed rows only; bounded by the tables, never capped silently below that
PROJECT_COLUMNS = ["project_id", "name", "district_adcode", "stage", "total_investment_yi"]
STAGE_COLUMNS = ["project_id", "name", "district_adcode", "stage_from", "stage_to", "total_investment_yi"]
STALLED_COLUMNS = ["project_id", "name", "district_adcode", "stage", "stalled_from", "stalled_to",
                   "stalled_since", "total_investment_yi"]
TASK_COLUMNS = ["task_id", "project_id", "project_name", "district_adcode", "title", "assigned_unit",
                "assigned_on", "due_on", "closed_on", "closed_on_time"]
RESCHEDULED_COLUMNS = ["task_id", "project_id", "project_name", "district_adcode", "title", "assigned_unit",
                       "assigned_on", "due_from", "due_on", "closed_on"]
REOPENED_COLUMNS = ["task_id", "project_id", "project_name", "district_adcode", "title", "assigned_unit",
                    "assigned_on", "due_on", "closed_from"]
PROGRESS_COLUMNS = ["project_id", "name", "district_adcode", "stage", "completed_from", "completed_to", "delta_yi",
                    "annual_plan_yi"]
OVERDUE_COLUMNS = ["task_id", "project_id", "project_name", "district_adcode", "title", "assigned_unit",
                   "assigned_on", "due_on", "days_overdue"]
PARCEL_COLUMNS = ["parcel_id", "district_adcode", "park", "area_mu", "idle_class", "status_from",
                  "disposal_method", "disposed_on"]


@dataclass(frozen=True, eq=False)
class SnapshotChanges:
    """What changed from ``old`` to ``new``; each frame holds only changed rows."""

    old: Snapshot
    new: Snapshot
    new_projects: pd.DataFrame        # PROJECT_COLUMNS (as in the new snapshot)
    removed_projects: pd.DataFrame    # PROJECT_COLUMNS (as in the old snapshot)
    stage_changes: pd.DataFrame       # STAGE_COLUMNS
    newly_stalled: pd.DataFrame       # STALLED_COLUMNS (stalled_from is NULL)
    unstalled: pd.DataFrame           # STALLED_COLUMNS (stalled_to is NULL)
    stalled_state_changes: pd.DataFrame  # STALLED_COLUMNS (both set, different)
    investment_progress: pd.DataFrame  # PROGRESS_COLUMNS (delta_yi = completed_to - completed_from)
    tasks_opened: pd.DataFrame        # TASK_COLUMNS
    tasks_closed: pd.DataFrame        # TASK_COLUMNS (closed_on_time: closed on or before due)
    tasks_rescheduled: pd.DataFrame   # RESCHEDULED_COLUMNS (due_from: the old deadline)
    tasks_reopened: pd.DataFrame      # REOPENED_COLUMNS (closed_from: the old closing date)
    tasks_withdrawn: pd.DataFrame     # TASK_COLUMNS (as in the old snapshot)
    tasks_overdue: pd.DataFrame       # OVERDUE_COLUMNS (days_overdue at the new as-of date)
    parcels_disposed: pd.DataFrame    # PARCEL_COLUMNS

    def counts(self) -> dict[str, int]:
        """Number of rows of each kind of change, in field order."""
        return {f.name: len(getattr(self, f.name)) for f in fields(self) if f.name not in ("old", "new")}

    def by_district(self) -> pd.DataFrame:
        """One row per district with any change: ``district_adcode`` and a count per kind."""
        parts = [getattr(self, name)[["district_adcode"]].assign(kind=name) for name in self.counts()]
        every = pd.concat(parts, ignore_index=True)
        table = pd.crosstab(every["district_adcode"], every["kind"]) if len(every) else pd.DataFrame()
        return (table.reindex(columns=list(self.counts()), fill_value=0).rename_axis(columns=None)
                .reset_index().astype({k: "int64" for k in self.counts()}))


def changes_between(old: Snapshot, new: Snapshot, scope: Scope, filters: Filters | None = None) -> SnapshotChanges:
    """Compare snapshot ``old`` with ``new`` (both of one store) within ``scope`` and the
    district filter of ``filters``; see the module doc for what counts as each change."""
    only_districts = Filters(districts=(filters or Filters()).districts)
    projects = _project_changes(old, new, scope, only_districts)
    tasks = _task_changes(old, new, scope, only_districts)
    presence = projects.pop("presence")
    both = presence == "both"
    was, now = projects["stalled_from"], projects["stalled_to"]
    pick = lambda mask, cols: projects.loc[mask, cols].reset_index(drop=True)  # noqa: E731
    return SnapshotChanges(
        old=old, new=new,
        new_projects=pick(presence == "new", PROJECT_COLUMNS),
        removed_projects=pick(presence == "removed", PROJECT_COLUMNS),
        stage_changes=pick(both & (projects["stage_from"] != projects["stage_to"]), STAGE_COLUMNS),
        newly_stalled=pick(both & was.isna() & now.notna(), STALLED_COLUMNS),
        unstalled=pick(both & was.notna() & now.isna(), STALLED_COLUMNS),
        stalled_state_changes=pick(both & was.notna() & now.notna() & (was != now), STALLED_COLUMNS),
        # to a millionth of 亿元 (100 元): a 万元 ledger's conversion noise is not progress (review)
        investment_progress=pick(both & (projects["completed_from"].round(6) != projects["completed_to"].round(6)),
                                 PROGRESS_COLUMNS)
        .sort_values(["delta_yi", "project_id"], ascending=[False, True], ignore_index=True),
        **tasks,
        parcels_disposed=_parcel_changes(old, new, scope, only_districts),
    )


def _project_changes(old: Snapshot, new: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    where, params = filters.where("projects")
    cols = ("project_id, name, district_adcode, stage, stalled_state, stalled_since, total_investment_yi, "
            "completed_yi, annual_plan_yi")
    return query(new, f"""
        WITH n AS (SELECT {cols} FROM {{projects}} p WHERE {where}),
             o AS (SELECT {cols} FROM {{prev_projects}} p WHERE {where})
        SELECT coalesce(n.project_id, o.project_id) AS project_id, coalesce(n.name, o.name) AS name,
               coalesce(n.district_adcode, o.district_adcode) AS district_adcode,
               coalesce(n.stage, o.stage) AS stage, o.stage AS stage_from, n.stage AS stage_to,
               o.stalled_state AS stalled_from, n.stalled_state AS stalled_to,
               coalesce(n.stalled_since, o.stalled_since) AS stalled_since,
               coalesce(n.total_investment_yi, o.total_investment_yi) AS total_investment_yi,
               o.completed_yi AS completed_from, n.completed_yi AS completed_to,
               round(n.completed_yi - o.completed_yi, 2) AS delta_yi,
               coalesce(n.annual_plan_yi, o.annual_plan_yi) AS annual_plan_yi,
               CASE WHEN o.project_id IS NULL THEN 'new' WHEN n.project_id IS NULL THEN 'removed'
                    ELSE 'both' END AS presence
        FROM n FULL OUTER JOIN o ON n.project_id = o.project_id
        WHERE o.project_id IS NULL OR n.project_id IS NULL
           OR o.stage IS DISTINCT FROM n.stage OR o.stalled_state IS DISTINCT FROM n.stalled_state
           OR round(o.completed_yi, 6) IS DISTINCT FROM round(n.completed_yi, 6)
        ORDER BY district_adcode, total_investment_yi DESC, project_id""",
                 params, scope=scope, previous=old, max_rows=_MAX_ROWS).df


def _task_changes(old: Snapshot, new: Snapshot, scope: Scope, filters: Filters) -> dict[str, pd.DataFrame]:
    """The task fields of ``SnapshotChanges``: tasks_opened, tasks_closed, tasks_rescheduled,
    tasks_reopened, tasks_withdrawn, tasks_overdue."""
    where, params = filters.where("tasks")
    either = lambda c: f"coalesce(n.{c}, o.{c}) AS {c}"  # noqa: E731  (a withdrawn task: the old row)
    # task_rates' overdue (open, due before the as-of date) at each snapshot's own date
    overdue_now = "(n.status IS DISTINCT FROM '已办结' AND n.due_on < $new_as_of)"
    overdue_before = "coalesce(o.status IS DISTINCT FROM '已办结' AND o.due_on < $old_as_of, FALSE)"
    df = query(new, f"""
        WITH n AS (SELECT * FROM {{tasks}} t WHERE {where}),
             o AS (SELECT * FROM {{prev_tasks}} t WHERE {where})
        SELECT {either("task_id")}, {either("project_id")}, coalesce(pr.name, opr.name) AS project_name,
               {either("district_adcode")},
               {either("title")}, {either("assigned_unit")}, {either("assigned_on")}, o.due_on AS due_from,
               {either("due_on")}, {either("closed_on")}, o.closed_on AS closed_from,
               CASE WHEN n.status = '已办结' THEN n.closed_on <= n.due_on
                    WHEN n.task_id IS NULL AND o.status = '已办结' THEN o.closed_on <= o.due_on END AS closed_on_time,
               o.task_id IS NULL AS opened,
               n.status = '已办结' AND coalesce(o.status, '') <> '已办结' AS closed,
               n.task_id IS NOT NULL AND o.task_id IS NOT NULL AND o.due_on IS DISTINCT FROM n.due_on AS rescheduled,
               n.status IS DISTINCT FROM '已办结' AND o.status = '已办结' AND n.task_id IS NOT NULL AS reopened,
               n.task_id IS NULL AS withdrawn,
               coalesce({overdue_now} AND NOT {overdue_before}, FALSE) AS overdue,
               date_diff('day', n.due_on, $new_as_of) AS days_overdue
        FROM n FULL OUTER JOIN o ON o.task_id = n.task_id
        LEFT JOIN (SELECT project_id, name FROM {{projects}} p) pr ON pr.project_id = n.project_id
        LEFT JOIN (SELECT project_id, name FROM {{prev_projects}} p) opr ON opr.project_id = o.project_id
        WHERE o.task_id IS NULL OR n.task_id IS NULL OR n.status IS DISTINCT FROM o.status
           OR o.due_on IS DISTINCT FROM n.due_on OR ({overdue_now} AND NOT {overdue_before})
        ORDER BY district_adcode, due_on, task_id""",
               {**params, "new_as_of": new.as_of, "old_as_of": old.as_of}, scope=scope, previous=old,
               max_rows=_MAX_ROWS).df
    kinds = {"opened": TASK_COLUMNS, "closed": TASK_COLUMNS, "rescheduled": RESCHEDULED_COLUMNS,
             "reopened": REOPENED_COLUMNS, "withdrawn": TASK_COLUMNS, "overdue": OVERDUE_COLUMNS}
    return {f"tasks_{kind}": df[df[kind].fillna(False).astype(bool)][columns].reset_index(drop=True)
            for kind, columns in kinds.items()}


def _parcel_changes(old: Snapshot, new: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    where, params = filters.where("parcels")
    return query(new, f"""
        WITH n AS (SELECT parcel_id, district_adcode, park, area_mu, idle_class, status, disposal_method,
                          disposed_on FROM {{parcels}} l WHERE {where}),
             o AS (SELECT parcel_id, status, disposed_on FROM {{prev_parcels}} l WHERE {where})
        SELECT n.parcel_id, n.district_adcode, n.park, n.area_mu, n.idle_class, o.status AS status_from,
               n.disposal_method, n.disposed_on
        FROM n LEFT JOIN o ON o.parcel_id = n.parcel_id
        WHERE (n.status = '已处置' OR n.disposed_on IS NOT NULL)
          AND CASE WHEN o.parcel_id IS NULL THEN n.disposed_on IS NULL OR n.disposed_on > $prev_as_of
                   ELSE NOT (o.status = '已处置' OR o.disposed_on IS NOT NULL) END
        ORDER BY n.district_adcode, n.disposed_on, n.parcel_id""",
                 {**params, "prev_as_of": old.as_of}, scope=scope, previous=old, max_rows=_MAX_ROWS).df
