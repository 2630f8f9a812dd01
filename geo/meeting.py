"""Dispatch-meeting (调度会) figures: the scoreboard against plan, and the stalled projects.

Leaders go district by district: how far along is each against the plan, which projects are stuck
in one of 茶陵's 八未 states, and which assigned tasks are overdue. These functions answer that
from one snapshot, in DuckDB through ``geo.query``, as small DataFrames a page or the PDF brief
lays out. Task states and the closing rate come from ``geo.task_rates`` (one definition).

Definitions, the same as ``geo.overview`` so the scoreboard's city row equals the overview:
- the figures cover the key-project list (``schema.KEY_LEVELS``: 省重点 / 市重点); the shared
  filters narrow it further;
- "to date" is the as-of year from 1 January up to the as-of date (never the wall clock);
- investment progress is judged against the time elapsed (序时进度): completed ÷ annual plan is
  compared with the share of the year gone by at the as-of date (273 / 365 = 74.8 % on 30 Sep);
- starts and completions are compared with the projects planned to start / complete to date;
- the closing rate (``geo.task_rates``) is compared with 100 %.

Red/amber/green (``RAG_THRESHOLDS``) rate the ratio actual ÷ target: ≥ 1.00 green, ≥ 0.90
amber, below red; no target (nothing planned, no task decided yet) gives None, shown as "—".
Stalled projects and overdue tasks have no plan, so they carry no colour: they are counts to name.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd

from geo import district_sums, project_cube, schema
from geo.boundaries import DISTRICTS
from geo.filters import Filters
from geo.overview import key_project_filters  # the overview's own rule for its key projects
from geo.query import Scope, query
from geo.store import Snapshot
from geo.task_rates import TASK_STATE_SQL, rate_aggregates, task_state_params

CITY_ADCODE = "430200"  # 株洲市
# (status, minimum ratio actual ÷ target), best first; below the last one is red.
RAG_THRESHOLDS = (("green", 1.00), ("amber", 0.90))
RAG_STATUSES = ("green", "amber", "red")
RAG_METRICS = ("investment", "started", "completed", "closing")

SCOREBOARD_COLUMNS = [
    "adcode", "name_zh", "name_en", "is_city", "projects", "total_yi", "plan_yi", "completed_yi",
    "completed_pct", "time_pct", "started", "started_plan", "completed", "completed_plan", "stalled",
    "tasks", "overdue_tasks", "closing_rate_pct",
    "rag_investment", "rag_started", "rag_completed", "rag_closing",
]
STALLED_COLUMNS = [
    "project_id", "name", "district_adcode", "district_zh", "stalled_state", "stalled_since", "days_stalled",
    "stage", "owner", "total_investment_yi", "annual_plan_yi", "completed_yi", "open_tasks", "overdue_tasks",
]
# Sort keys a caller may choose for the stalled list -> ORDER BY text (fixed here, never from input).
# "state" follows the 八未 order of the schema, not the alphabet.
_STATE_ORDER = "list_position($states, stalled_state)"
STALLED_ORDERS = {
    "state": f"{_STATE_ORDER}, district_adcode, days_stalled DESC",
    "district": f"district_adcode, {_STATE_ORDER}, days_stalled DESC",
    "days": "days_stalled DESC",
    "investment": "total_investment_yi DESC",
    "overdue_tasks": "overdue_tasks DESC, open_tasks DESC",
}


def rag(ratio: float | None) -> str | None:
    """"green" / "amber" / "red" for actual ÷ target; None when there is no target."""
    if ratio is None or pd.isna(ratio):
        return None
    for status, minimum in RAG_THRESHOLDS:
        if ratio >= minimum - 1e-9:  # 0.9 computed as 9 / 10 must still be amber
            return status
    return "red"


def time_progress_pct(as_of: date) -> float:
    """序时进度: share of the as-of year elapsed at the end of the as-of day, in % (1 decimal)."""
    start, end = date(as_of.year, 1, 1), date(as_of.year, 12, 31)
    return round(((as_of - start).days + 1) / ((end - start).days + 1) * 100, 1)


def _key_projects_where(filters: Filters) -> tuple[str, dict]:
    where, params = filters.where("projects")
    return f"list_contains($key_levels, level) AND {where}", {**params, "key_levels": list(schema.KEY_LEVELS)}


def scoreboard(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """The city row, then one row per district in scope and in the district filter (adcode order).

    Columns (``SCOREBOARD_COLUMNS``): ``projects`` (个); ``total_yi``, ``plan_yi`` (2023 plan),
    ``completed_yi`` (亿元, 2 decimals); ``completed_pct`` = completed ÷ plan (%); ``time_pct``
    (序时进度, %); ``started``/``started_plan`` and ``completed``/``completed_plan`` to date (个);
    ``stalled`` (个, 八未); ``tasks`` assigned on these projects, ``overdue_tasks``,
    ``closing_rate_pct``; ``rag_*`` the colour of each metric against its target (module doc).
    The city row has ``is_city`` True and adcode 430200 (名称 "全市", or "合计" when the scope or
    any project filter leaves out part of the city). Districts without a matching project get zeros.
    """
    figures = _cube_figures(snapshot, scope, filters)
    if figures is None:
        figures = _records(_row_figures(snapshot, scope, filters))
    districts = [d for d in district_sums.in_scope(snapshot, scope) if not filters.districts or d[0] in filters.districts]
    return _assemble(snapshot, figures, districts, scope, filters)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of Python values (``to_dict("records")`` cost ~2 ms for ten rows)."""
    names = list(frame.columns)
    return [dict(zip(names, values)) for values in zip(*(frame[c].tolist() for c in names))]


def _cube_figures(snapshot: Snapshot, scope: Scope, filters: Filters) -> list[dict] | None:
    """The scoreboard's sums from the project cube (~1,700 groups, tasks included): a row per
    district in the filter (``geo.district_sums``: queried once for every district selection)
    and the city row, their sums (so it equals the overview's ``project_figures``, summed alike).
    None when the cube cannot answer: scalar filters, or a restricted scope showing projects with
    tasks filed under another district (the scope hides those tasks apart from their project)."""
    if not project_cube.answers(filters):
        return None
    groups = district_sums.rows(_cube_groups, snapshot, scope, filters)
    if not scope.is_all and groups["split"].any():
        return None
    city = district_sums.sums(groups, [c for c in groups.columns if c != "district_adcode"])
    return [{**city, "is_city": 1}, *({**rec, "is_city": 0} for rec in _records(groups))]


def _cube_groups(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    where, params = _key_projects_where(filters)
    count = project_cube.count
    return query(snapshot, f"""
        SELECT district_adcode, {count("n")} AS projects,
               sum(total) AS total_yi, sum(plan) AS plan_yi, sum(done) AS completed_yi,
               {", ".join(f"{count(f'{e}_to_date')} AS {e}" for e in project_cube.EVENTS)},
               {count("n", "stalled_state IS NOT NULL")} AS stalled,
               {", ".join(f"{count(m)} AS {m}" for m in project_cube.TASK_MEASURES)}, {count("split_tasks")} AS split
        FROM {{project_cube}} p WHERE {where} GROUP BY district_adcode ORDER BY district_adcode""",
                 params, scope=scope).df


def _row_figures(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """The same sums from the raw projects, with each project's tasks added up in Python."""
    where, params = _key_projects_where(filters)
    year = {"y0": date(snapshot.as_of.year, 1, 1), "as_of": snapshot.as_of}
    figures = query(snapshot, f"""
        SELECT district_adcode, GROUPING(district_adcode) AS is_city, count(*) AS projects,
               sum(total_investment_yi) AS total_yi, sum(annual_plan_yi) AS plan_yi,
               sum(completed_yi) AS completed_yi,
               count(*) FILTER (WHERE actual_start BETWEEN $y0 AND $as_of) AS started,
               count(*) FILTER (WHERE planned_start BETWEEN $y0 AND $as_of) AS started_plan,
               count(*) FILTER (WHERE actual_completion BETWEEN $y0 AND $as_of) AS completed,
               count(*) FILTER (WHERE planned_completion BETWEEN $y0 AND $as_of) AS completed_plan,
               count(*) FILTER (WHERE stalled_state IS NOT NULL) AS stalled,
               coalesce(list(project_id), []) AS ids
        FROM {{projects}} p WHERE {where} GROUP BY ROLLUP (district_adcode)""",
                    {**params, **year}, scope=scope).df
    tasks, none = _task_counts(snapshot, scope), (0,) * len(_TASK_FIGURES)
    sums = [[sum(column) for column in zip(none, *(tasks.get(pid, none) for pid in ids))]
            for ids in figures["ids"].tolist()]
    figures = figures.drop(columns="ids")
    for i, column in enumerate(_TASK_FIGURES):
        figures[column] = [row[i] for row in sums]
    return figures


# Scoreboard column -> per-project task count (``rate_aggregates`` names).
_TASK_FIGURES = {"tasks": "assigned", "overdue_tasks": "overdue", "closed_on_time": "closed_on_time",
                 "decided": "decided"}


@lru_cache(maxsize=16)
def _task_counts(snapshot: Snapshot, scope: Scope) -> dict[str, tuple[int, ...]]:
    """project_id -> its task counts in ``_TASK_FIGURES`` order (``rate_aggregates``), for
    ``_row_figures``. Filter-independent, so computed once per snapshot and scope."""
    df = query(snapshot, f"""
        SELECT project_id, {rate_aggregates('state')}
        FROM (SELECT t.project_id, {TASK_STATE_SQL} AS state FROM {{tasks}} t) GROUP BY project_id""",
               task_state_params(snapshot.as_of), scope=scope, max_rows=10_000_000).df
    return dict(zip(df["project_id"].tolist(), zip(*(df[c].tolist() for c in _TASK_FIGURES.values()))))


_COUNTS = ["projects", "started", "started_plan", "completed", "completed_plan", "stalled", "tasks",
           "overdue_tasks"]


def _number(value) -> float:
    return 0 if value is None or pd.isna(value) else value


def _assemble(snapshot: Snapshot, figures: list[dict], districts: list[tuple[str, str, str]], scope: Scope,
              filters: Filters) -> pd.DataFrame:
    """The city row and the district rows (``figures``: sums, ``is_city`` marks the city's;
    ``districts``: adcode, names), with ratios and RAG colours. Plain Python over ten rows: the
    same steps as pandas operations cost ~20 ms per call (profiled)."""
    city, by_code = {}, {}
    for rec in figures:  # with no matching project there is still a city row
        if rec["is_city"]:
            city = rec
        else:
            by_code[rec["district_adcode"]] = rec
    # "全市" only for every project of the city: under a park or chain filter the row had read
    # "全市 56 个 / 415.5 亿元" beside the published 549 / 5,430 (tester 17)
    whole = scope.is_all and filters.where("projects")[0] == "TRUE"
    time_pct = time_progress_pct(snapshot.as_of)
    rows = [_score_row(CITY_ADCODE, "全市" if whole else "合计", "Whole city" if whole else "Total", True, city,
                       time_pct)]
    rows += [_score_row(code, zh, en, False, by_code.get(code, {}), time_pct) for code, zh, en in districts]
    floats = ("total_yi", "plan_yi", "completed_yi", "completed_pct", "time_pct", "closing_rate_pct")
    columns = {}
    for column in SCOREBOARD_COLUMNS:  # typed arrays: an astype per column costs ~1 ms each
        values = [row[column] for row in rows]
        if column in _COUNTS:
            columns[column] = np.array(values, dtype=np.int64)
        elif column in floats:
            columns[column] = np.array([np.nan if v is None else v for v in values], dtype=float)
        elif column == "is_city":
            columns[column] = np.array(values, dtype=bool)
        elif column.startswith("rag_"):  # object: "no target" stays None, not NaN
            columns[column] = pd.Series(values, dtype=object)
        else:
            columns[column] = values
    return pd.DataFrame(columns)


def _score_row(code: str, name_zh: str, name_en: str, is_city: bool, rec: dict, time_pct: float) -> dict:
    row = {"adcode": code, "name_zh": name_zh, "name_en": name_en, "is_city": is_city, "time_pct": time_pct}
    row.update({c: int(_number(rec.get(c))) for c in _COUNTS})
    row.update({c: float(np.round(float(_number(rec.get(c))), 2)) for c in ("total_yi", "plan_yi", "completed_yi")})
    plan, done = row["plan_yi"], row["completed_yi"]
    row["completed_pct"] = float(np.round(done / plan * 100, 1)) if plan > 0 else None
    closed, decided = int(_number(rec.get("closed_on_time"))), int(_number(rec.get("decided")))
    row["closing_rate_pct"] = float(np.round(closed / decided * 100, 1)) if decided else None
    row["rag_investment"] = rag(None if row["completed_pct"] is None else row["completed_pct"] / time_pct)
    row["rag_started"] = rag(row["started"] / row["started_plan"] if row["started_plan"] > 0 else None)
    row["rag_completed"] = rag(row["completed"] / row["completed_plan"] if row["completed_plan"] > 0 else None)
    row["rag_closing"] = rag(None if row["closing_rate_pct"] is None else row["closing_rate_pct"] / 100)
    return row


def stalled_projects(snapshot: Snapshot, scope: Scope, filters: Filters, *, order_by: str = "state",
                     limit: int | None = None, key_only: bool = True) -> tuple[pd.DataFrame, int]:
    """Every project in a 八未 state, with days in that state, owner and its open/overdue tasks.

    Returns ``(rows, total)``: ``STALLED_COLUMNS`` — ``days_stalled`` = as-of − ``stalled_since``
    (天; NULL when the start is unknown, or after the as-of date: a brief had read "-62 天"),
    ``open_tasks`` (every open task, overdue included) and
    ``overdue_tasks`` — sorted by ``order_by`` (a key of ``STALLED_ORDERS``; project_id breaks
    ties), at most ``limit`` rows; ``total`` is the count before the limit (for "+N more").
    ``key_only`` keeps the key-project list, as the scoreboard does.
    """
    if order_by not in STALLED_ORDERS:
        raise ValueError(f"order_by must be one of {', '.join(STALLED_ORDERS)}, got {order_by!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"limit must be a non-negative int or None, got {limit!r}")
    where, params = _key_projects_where(filters) if key_only else filters.where("projects")
    total = int(query(snapshot, f"SELECT count(*) AS n FROM {{projects}} p "
                                f"WHERE stalled_state IS NOT NULL AND {where}", params, scope=scope).df.iloc[0]["n"])
    params = {**params, "task_as_of": snapshot.as_of, "as_of": snapshot.as_of}
    if "$states" in STALLED_ORDERS[order_by]:  # DuckDB refuses unused parameters
        params["states"] = list(schema.STALLED_STATES)
    base = f"""
        WITH s AS (SELECT * FROM {{projects}} p WHERE stalled_state IS NOT NULL AND {where}),
        tc AS (SELECT t.project_id, count(*) AS open_tasks,
                      count(*) FILTER (WHERE t.due_on < $task_as_of) AS overdue_tasks
               FROM {{tasks}} t WHERE t.status = '办理中' AND t.project_id IN (SELECT project_id FROM s)
               GROUP BY t.project_id)"""
    tail = "" if limit is None else "LIMIT $limit"
    rows = query(snapshot, f"""{base}
        SELECT * FROM (
            SELECT s.project_id, s.name, s.district_adcode, s.stalled_state, s.stalled_since,
                   CASE WHEN s.stalled_since <= $as_of THEN date_diff('day', s.stalled_since, $as_of) END
                       AS days_stalled, s.stage, s.owner,
                   s.total_investment_yi, s.annual_plan_yi, s.completed_yi,
                   coalesce(tc.open_tasks, 0) AS open_tasks, coalesce(tc.overdue_tasks, 0) AS overdue_tasks
            FROM s LEFT JOIN tc ON tc.project_id = s.project_id) x
        ORDER BY {STALLED_ORDERS[order_by]} NULLS LAST, project_id {tail}""",
                 {**params, **({} if limit is None else {"limit": limit})}, scope=scope,
                 max_rows=max(total, 1)).df
    rows["days_stalled"] = rows["days_stalled"].astype("Int64")
    for col in ("open_tasks", "overdue_tasks"):
        rows[col] = rows[col].astype("int64")
    rows["district_zh"] = [DISTRICTS.get(code, (code,))[0] for code in rows["district_adcode"].tolist()]
    return rows[STALLED_COLUMNS], total


def extract_filters(filters: Filters, view: str) -> Filters:
    """The rows behind a meeting view, for its download panel: the key-project list, as the page
    counts; under the stalled view without a 八未 filter, its stalled projects (and their tasks)."""
    chosen = key_project_filters(filters)
    if view == "stalled" and not chosen.stalled:
        chosen = replace(chosen, stalled=schema.STALLED_STATES)
    return chosen


def stalled_summary(snapshot: Snapshot, scope: Scope, filters: Filters, *, key_only: bool = True) -> pd.DataFrame:
    """Stalled projects per (八未 state, district): ``projects``, ``total_yi`` (亿元),
    ``median_days`` and ``max_days`` (天), ``overdue_tasks``; only the pairs that occur, in 八未
    order then adcode. For a state × district grid, pivot it."""
    rows, _ = stalled_projects(snapshot, scope, filters, key_only=key_only)
    grouped = rows.groupby(["stalled_state", "district_adcode"], sort=False).agg(
        projects=("project_id", "count"), total_yi=("total_investment_yi", "sum"),
        median_days=("days_stalled", "median"), max_days=("days_stalled", "max"),
        overdue_tasks=("overdue_tasks", "sum")).reset_index()
    grouped["total_yi"] = grouped["total_yi"].round(2)
    grouped["median_days"] = grouped["median_days"].astype(float)
    grouped["max_days"] = grouped["max_days"].astype("Int64")
    order = {s: i for i, s in enumerate(schema.STALLED_STATES)}
    grouped["_o"] = grouped["stalled_state"].map(order)
    return grouped.sort_values(["_o", "district_adcode"], ignore_index=True).drop(columns="_o")
