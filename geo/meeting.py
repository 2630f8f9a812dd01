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

from datetime import date

import pandas as pd

from geo import schema
from geo.boundaries import DISTRICTS
from geo.filters import Filters
from geo.query import Scope, query
from geo.store import Snapshot
from geo.task_rates import TASK_STATE_SQL, closing_rate, rate_aggregates, task_state_params

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
    the district filter leaves out part of the city). Districts without a matching project get zeros.
    """
    where, params = _key_projects_where(filters)
    dwhere, dparams = filters.where("districts", prefix="d_")
    year = {"y0": date(snapshot.as_of.year, 1, 1), "as_of": snapshot.as_of}
    # ROLLUP gives the district rows and the city row in one pass over the projects, so the city
    # row is computed over exactly the rows the overview counts (not as a sum of rounded rows).
    figures = query(snapshot, f"""
        WITH p AS (SELECT * FROM {{projects}} p WHERE {where}),
        tk AS (SELECT p.district_adcode, {TASK_STATE_SQL} AS state
               FROM {{tasks}} t JOIN p ON p.project_id = t.project_id),
        pf AS (
            SELECT district_adcode, GROUPING(district_adcode) AS is_city, count(*) AS projects,
                   sum(total_investment_yi) AS total_yi, sum(annual_plan_yi) AS plan_yi,
                   sum(completed_yi) AS completed_yi,
                   count(*) FILTER (WHERE actual_start BETWEEN $y0 AND $as_of) AS started,
                   count(*) FILTER (WHERE planned_start BETWEEN $y0 AND $as_of) AS started_plan,
                   count(*) FILTER (WHERE actual_completion BETWEEN $y0 AND $as_of) AS completed,
                   count(*) FILTER (WHERE planned_completion BETWEEN $y0 AND $as_of) AS completed_plan,
                   count(*) FILTER (WHERE stalled_state IS NOT NULL) AS stalled
            FROM p GROUP BY ROLLUP (district_adcode)),
        tf AS (
            SELECT district_adcode, GROUPING(district_adcode) AS is_city, {rate_aggregates('state')}
            FROM tk GROUP BY ROLLUP (district_adcode))
        SELECT pf.*, tf.assigned AS tasks, tf.overdue AS overdue_tasks, tf.closed_on_time, tf.decided
        FROM pf LEFT JOIN tf ON pf.is_city = tf.is_city
                            AND pf.district_adcode IS NOT DISTINCT FROM tf.district_adcode""",
                    {**params, **year, **task_state_params(snapshot.as_of)}, scope=scope).df
    districts = query(snapshot, f"SELECT adcode, name_zh, name_en FROM {{districts}} d WHERE {dwhere} "
                                "ORDER BY adcode", dparams, scope=scope).df
    return _assemble(snapshot, figures, districts, scope, filters)


def _assemble(snapshot: Snapshot, figures: pd.DataFrame, districts: pd.DataFrame, scope: Scope,
              filters: Filters) -> pd.DataFrame:
    figures = figures.assign(is_city=figures["is_city"].astype(bool))
    city = figures[figures["is_city"]]
    whole = scope.is_all and not filters.districts
    city_row = pd.DataFrame({"adcode": [CITY_ADCODE], "name_zh": ["全市" if whole else "合计"],
                             "name_en": ["Whole city" if whole else "Total"], "is_city": [True]})
    # With no matching project at all, ROLLUP still yields the (empty) city row; merge keeps zeros.
    city_row = city_row.merge(city.drop(columns=["district_adcode", "is_city"]), how="cross")
    rows = districts.merge(figures[~figures["is_city"]].drop(columns="is_city"), how="left",
                           left_on="adcode", right_on="district_adcode").drop(columns="district_adcode")
    rows["is_city"] = False
    out = pd.concat([city_row, rows], ignore_index=True)
    counts = ["projects", "started", "started_plan", "completed", "completed_plan", "stalled", "tasks",
              "overdue_tasks", "closed_on_time", "decided"]
    for col in counts:
        out[col] = out[col].fillna(0).astype("int64")
    for col in ("total_yi", "plan_yi", "completed_yi"):
        out[col] = out[col].astype(float).fillna(0.0).round(2)
    out["completed_pct"] = (out["completed_yi"] / out["plan_yi"].where(out["plan_yi"] > 0) * 100).round(1)
    out["time_pct"] = time_progress_pct(snapshot.as_of)
    out["closing_rate_pct"] = closing_rate(out["closed_on_time"], out["decided"])
    ratios = {
        "investment": out["completed_pct"] / out["time_pct"],
        "started": out["started"] / out["started_plan"].where(out["started_plan"] > 0),
        "completed": out["completed"] / out["completed_plan"].where(out["completed_plan"] > 0),
        "closing": out["closing_rate_pct"] / 100,
    }
    for metric, ratio in ratios.items():  # object dtype: "no target" stays None, not a string NaN
        out[f"rag_{metric}"] = pd.Series([rag(r) for r in ratio], index=out.index, dtype=object)
    return out[SCOREBOARD_COLUMNS]


def stalled_projects(snapshot: Snapshot, scope: Scope, filters: Filters, *, order_by: str = "state",
                     limit: int | None = None, key_only: bool = True) -> tuple[pd.DataFrame, int]:
    """Every project in a 八未 state, with days in that state, owner and its open/overdue tasks.

    Returns ``(rows, total)``: ``STALLED_COLUMNS`` — ``days_stalled`` = as-of − ``stalled_since``
    (天; NULL when the start is unknown), ``open_tasks`` (every open task, overdue included) and
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
                   date_diff('day', s.stalled_since, $as_of) AS days_stalled, s.stage, s.owner,
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
