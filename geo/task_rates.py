"""Assigned tasks (交办事项) at dispatch meetings: one definition of a task's state, and the rates.

Why one module: the investment page's project panel, the meeting scoreboard, the task tables and
the meeting brief all say "overdue" or "closed on time"; if each derived it, they would disagree
on the edge days. The stored status is only 办理中 / 已办结 (README "Data model"); everything
else is derived here against the snapshot's as-of date, never the wall clock:

- ``closed_on_time``: closed (已办结) on or before its due date;
- ``closed_late``:    closed after its due date;
- ``overdue``:        open and due *before* the as-of date (a task due on the as-of day can still
  be closed that day, so it is not overdue yet);
- ``due_soon``:       open and due from the as-of date to as-of + 7 days, inclusive;
- ``open``:           open and due later than that.

Closing rate (按期办结率) = closed on time ÷ *decided* tasks, where a task is decided once it is
closed (on time or late) or overdue. Tasks still open and not yet due are left out: they have not
failed, and counting early closures of not-yet-due tasks against "tasks due by as-of" could push
the rate above 100 %. 高新区 in the demo: 66 assigned, 52 closed on time, the other 14 open and
not due, so the rate is 52 / 52 = 100 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd

from geo import schema
from geo.filters import Filters
from geo.query import Scope, query
from geo.store import Snapshot

DUE_SOON_DAYS = 7  # "due within 7 days of as_of", inclusive
TASK_STATES = ("overdue", "due_soon", "open", "closed_on_time", "closed_late")
STATE_TEXT = {"overdue": ("已逾期", "Overdue"), "due_soon": ("7日内到期", "Due within 7 days"),
              "open": ("未到期", "Not yet due"), "closed_on_time": ("按期办结", "Closed on time"),
              "closed_late": ("逾期办结", "Closed late")}

# The one derivation of a task's state; bind its parameters with ``task_state_params``.
TASK_STATE_SQL = """CASE WHEN status = '已办结' THEN
             CASE WHEN closed_on <= due_on THEN 'closed_on_time' ELSE 'closed_late' END
         WHEN due_on < $task_as_of THEN 'overdue'
         WHEN due_on <= $task_soon THEN 'due_soon'
         ELSE 'open' END"""

RATE_COLUMNS = ["assigned", "open", "due_soon", "overdue", "closed", "closed_on_time", "closed_late",
                "decided", "closing_rate_pct"]
# ``by`` -> (grouping expressions, output names). Fixed here: nothing from a caller reaches SQL.
_GROUPS = {
    "unit": (["t.assigned_unit"], ["assigned_unit"]),
    "project": (["t.project_id", "p.name", "p.district_adcode"], ["project_id", "name", "district_adcode"]),
    "district": (["p.district_adcode"], ["district_adcode"]),
}
TASK_LIST_COLUMNS = ["task_id", "project_id", "project_name", "district_adcode", "title", "assigned_unit",
                     "assigned_on", "due_on", "first_due_on", "closed_on", "state", "days_overdue"]
# Days past the deadline of an overdue task (NULL otherwise), over a column holding the state.
DAYS_OVERDUE_SQL = "CASE WHEN {state} = 'overdue' THEN date_diff('day', {due}, $task_as_of) END"
# A task whose deadline a meeting moved (延期): its first deadline is kept (``first_due_on``).
MOVED_SQL = "(first_due_on IS NOT NULL AND first_due_on <> due_on)"


def task_state_params(as_of: date) -> dict[str, date]:
    """The parameters ``TASK_STATE_SQL`` references."""
    return {"task_as_of": as_of, "task_soon": as_of + timedelta(days=DUE_SOON_DAYS)}


def task_state_at(as_of_sql: str) -> str:
    """``TASK_STATE_SQL`` with the as-of date given as SQL instead of parameters: derived tables
    (``geo.snapshot_db.register_derived``) take no parameters, only ``{as_of}``."""
    return TASK_STATE_SQL.replace("$task_as_of", as_of_sql).replace("$task_soon", f"({as_of_sql} + {DUE_SOON_DAYS})")


def rate_aggregates(state: str = "state") -> str:
    """SELECT items counting tasks per state over a column holding ``TASK_STATE_SQL``'s value.

    Shared with the scoreboard so the per-district task figures are these very expressions."""
    return f"""count(*) AS assigned,
        count(*) FILTER (WHERE {state} IN ('overdue', 'due_soon', 'open')) AS open,
        count(*) FILTER (WHERE {state} = 'due_soon') AS due_soon,
        count(*) FILTER (WHERE {state} = 'overdue') AS overdue,
        count(*) FILTER (WHERE {state} IN ('closed_on_time', 'closed_late')) AS closed,
        count(*) FILTER (WHERE {state} = 'closed_on_time') AS closed_on_time,
        count(*) FILTER (WHERE {state} = 'closed_late') AS closed_late,
        count(*) FILTER (WHERE {state} IN ('closed_on_time', 'closed_late', 'overdue')) AS decided"""


def closing_rate(closed_on_time, decided):
    """Closing rate in % (one decimal); None/NaN where no task is decided yet. Scalars or Series."""
    if isinstance(decided, pd.Series):
        return (closed_on_time / decided.where(decided > 0) * 100).astype(float).round(1)
    return round(closed_on_time / decided * 100, 1) if decided else None


def _project_filter(filters: Filters, key_only: bool) -> tuple[str, dict]:
    where, params = filters.where("projects")
    if key_only:
        where = f"list_contains($key_levels, p.level) AND {where}"
        params = {**params, "key_levels": list(schema.KEY_LEVELS)}
    return where, params


def _tasks_cte(snapshot: Snapshot, filters: Filters, key_only: bool) -> tuple[str, dict]:
    """``WITH t AS (tasks of the filtered projects, with their state)``: the filters select
    projects, and a task goes with its project (tasks have no stage, level or park of their own)."""
    where, params = _project_filter(filters, key_only)
    cte = f"""WITH p AS (SELECT project_id, name, district_adcode FROM {{projects}} p WHERE {where}),
        t AS (SELECT tk.*, {TASK_STATE_SQL} AS state FROM {{tasks}} tk
              WHERE tk.project_id IN (SELECT project_id FROM p))"""
    return cte, {**params, **task_state_params(snapshot.as_of)}


def task_rates(snapshot: Snapshot, scope: Scope, filters: Filters, by: str = "unit", *,
               key_only: bool = True) -> pd.DataFrame:
    """Task counts per responsible unit (``by="unit"``), project or district, and the closing rate.

    Columns: the group key(s) (``assigned_unit`` | ``project_id, name, district_adcode`` |
    ``district_adcode``) then ``RATE_COLUMNS``. ``open`` counts every open task (overdue and due
    soon included). Sorted by overdue (desc), then closing rate (asc), then the key, so the units
    a meeting should ask about come first. ``key_only`` keeps the key-project list (省重点/市重点),
    as the scoreboard does.
    """
    if by not in _GROUPS:
        raise ValueError(f"by must be one of {', '.join(_GROUPS)}, got {by!r}")
    exprs, names = _GROUPS[by]
    cte, params = _tasks_cte(snapshot, filters, key_only)
    select = ", ".join(f"{e} AS {n}" for e, n in zip(exprs, names))
    df = query(snapshot, f"""{cte}
        SELECT {select}, {rate_aggregates('t.state')}
        FROM t JOIN p ON p.project_id = t.project_id
        GROUP BY {', '.join(exprs)}""", params, scope=scope, max_rows=1_000_000).df
    df["closing_rate_pct"] = closing_rate(df["closed_on_time"], df["decided"])
    df = df.sort_values(["overdue", "closing_rate_pct", *names], ascending=[False, True, *[True] * len(names)],
                        na_position="last", kind="stable", ignore_index=True)
    for col in RATE_COLUMNS[:-1]:
        df[col] = df[col].astype("int64")
    return df[[*names, *RATE_COLUMNS]]


def task_totals(snapshot: Snapshot, scope: Scope, filters: Filters, *, key_only: bool = True) -> dict:
    """The same counts for every filtered task together: ``{column: value}`` for RATE_COLUMNS,
    and ``moved``: how many have had their deadline moved (延期)."""
    cte, params = _tasks_cte(snapshot, filters, key_only)
    row = query(snapshot, f"{cte} SELECT {rate_aggregates('t.state')}, count(*) FILTER (WHERE {MOVED_SQL}) AS moved "
                          "FROM t", params, scope=scope).df.iloc[0]
    out = {col: int(row[col]) for col in [*RATE_COLUMNS[:-1], "moved"]}
    out["closing_rate_pct"] = closing_rate(out["closed_on_time"], out["decided"])
    return out


def task_list(snapshot: Snapshot, scope: Scope, filters: Filters, *, states: Sequence[str] = ("overdue",),
              limit: int = 1000, key_only: bool = True, latest_first: bool = False) -> tuple[pd.DataFrame, int]:
    """Tasks in the given states, most overdue first (then earliest due), and how many there are;
    ``latest_first``: the last closed or assigned first (a mistake to undo is usually recent).

    Returns ``(rows, total)``: at most ``limit`` rows with ``TASK_LIST_COLUMNS``
    (``days_overdue`` = as-of − due date for overdue tasks, else NULL), and the total count, so a
    caller can say "+N more".
    """
    unknown = set(states) - set(TASK_STATES)
    if unknown:
        raise ValueError(f"unknown task states {sorted(unknown)}; known: {', '.join(TASK_STATES)}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a non-negative int, got {limit!r}")
    cte, params = _tasks_cte(snapshot, filters, key_only)
    params = {**params, "states": list(states)}
    total = int(query(snapshot, f"{cte} SELECT count(*) AS n FROM t WHERE list_contains($states, state)",
                      params, scope=scope).df.iloc[0]["n"])
    params["limit"] = limit
    rows = query(snapshot, f"""{cte}
        SELECT t.task_id, t.project_id, p.name AS project_name, p.district_adcode, t.title, t.assigned_unit,
               t.assigned_on, t.due_on, t.first_due_on, t.closed_on, t.state,
               {DAYS_OVERDUE_SQL.format(state="t.state", due="t.due_on")} AS days_overdue
        FROM t JOIN p ON p.project_id = t.project_id
        WHERE list_contains($states, t.state)
        ORDER BY {"coalesce(t.closed_on, t.assigned_on) DESC, t.task_id DESC" if latest_first else
                  "days_overdue DESC NULLS LAST, t.due_on, t.task_id"}
        LIMIT $limit""", params, scope=scope, max_rows=max(limit, 1)).df
    rows["days_overdue"] = rows["days_overdue"].astype("Int64")
    return rows[TASK_LIST_COLUMNS], total
