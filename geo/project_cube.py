"""Per-snapshot precomputed project tables, so a filter change at 100 k projects sums ~2,000 groups.

Why: the investment page's and the overview's project figures are sums over the projects matching
the shared filters; each query scanned the 100 k-row table again (10–60 ms a query on 2 cores,
5–7 queries per filter change). The list filters are categorical, and 100 k projects fall in
~1,700 combinations of district, park, stage, 八未 state, level, category and industry chain, so
the projects are grouped by those once per snapshot (as ``geo.cube`` does for the parcels):

* ``{project_cube}``: per combination (plus the investment band the overview splits by): the
  count ``n``, the sums ``total``, ``plan``, ``done``, and the events of the as-of year — for
  each of actual/planned start/completion, the count per month in its window (1 January to as-of
  for what happened, the whole year for what is planned: ``started_m1`` …) and to as-of
  (``started_to_date`` …).
  It also holds the assigned tasks' counts the meeting scoreboard shows (``TASK_MEASURES``), so
  the scoreboard sums groups instead of adding up 100 k projects' tasks per filter change.
* ``{project_cells}``: count and total per combination and H3 res-7 cell, for the aggregated map.
* ``{stalled_days}``: one row per project in a 八未 state with its days since ``stalled_since``:
  a median needs the values, not sums.

Exact: a group's sums are sums of the same rows, up to the order of floating-point additions
(figures are rounded to 0.01). The scalar filters (investment range, start year, name search) are
not among the keys: such views read the raw projects in the same shape (``source``).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from geo import district_sums
from geo.filters import Filters
from geo.query import Scope, order_by_clause, query
from geo.snapshot_db import register_derived
from geo.store import Snapshot
from geo.task_rates import rate_aggregates, task_state_at

_KEYS = "district_adcode, park, stage, stalled_state, level, category, industry_chain, inv_band"
# The overview's investment bands (≥ 100 亿元, 50–100 亿元), so its split needs no raw rows.
INV_BANDS = {"ge100": 2, "50to100": 1}
_BAND = ("CASE WHEN total_investment_yi >= 100 THEN 2 WHEN total_investment_yi >= 50 THEN 1 "
         "ELSE 0 END AS inv_band")
# Event -> its date column; what happened is counted up to as-of, what is planned over the year.
EVENTS = {"started": "actual_start", "started_plan": "planned_start",
          "completed": "actual_completion", "completed_plan": "planned_completion"}


def _measures(as_of: str) -> dict[str, str]:
    """One project's measures, name -> SQL (0/1 per event bucket); ``as_of`` is SQL for the
    as-of date."""
    y0 = f"date_trunc('year', {as_of})"
    y1 = f"(date_trunc('year', {as_of}) + INTERVAL 1 YEAR - INTERVAL 1 DAY)"
    out = {"n": "1", "total": "total_investment_yi", "plan": "annual_plan_yi", "done": "completed_yi"}
    for event, col in EVENTS.items():
        end = y1 if event.endswith("_plan") else as_of
        for m in range(1, 13):
            out[f"{event}_m{m}"] = f"CAST(coalesce({col} BETWEEN {y0} AND {end} AND month({col}) = {m}, false) AS INTEGER)"
        out[f"{event}_to_date"] = f"CAST(coalesce({col} BETWEEN {y0} AND {as_of}, false) AS INTEGER)"
    return out


_SUMS = ("total", "plan", "done")  # DOUBLE; every other measure is a count


def count(measure: str, where: str = "") -> str:
    """SQL for the sum of a count measure over groups (``where``: only some groups), as BIGINT
    (DuckDB sums integers to HUGEINT, which pandas receives as float) and 0 over no group."""
    only = f" FILTER (WHERE {where})" if where else ""
    return f"CAST(coalesce(sum({measure}){only}, 0) AS BIGINT)"


def _rows(as_of: str) -> str:
    """The raw projects with their measures: the cube before grouping, and the fallback."""
    measures = ", ".join(f"{sql} AS {name}" for name, sql in _measures(as_of).items())
    return f"(SELECT p.*, {_BAND}, {measures} FROM {{projects}} p)"


# Cube column -> per-project count of ``geo.task_rates.rate_aggregates`` (its one definition of
# a task's state). ``split_tasks`` counts projects with a task filed under another district than
# the project's: a restricted scope may show or hide such a task apart from its project, so the
# scoreboard counts those views from rows (``geo.meeting``).
TASK_MEASURES = {"tasks": "assigned", "overdue_tasks": "overdue", "closed_on_time": "closed_on_time",
                 "decided": "decided"}
_PROJECT_TASKS = f"""(
    SELECT project_id, {rate_aggregates("state")}, min(district_adcode) AS d_min, max(district_adcode) AS d_max
    FROM (SELECT *, {task_state_at("{as_of}")} AS state FROM {{tasks}}) GROUP BY project_id)"""

# Every project measure summed over groups: builds the cube (with the task counts), and groups the
# raw rows the same way when the cube cannot answer a view (``view``).
_SUMMED = ", ".join(f"sum({m}) AS {m}" if m in _SUMS else f"{count(m)} AS {m}" for m in _measures(""))
register_derived("project_cube", f"""
    SELECT {_KEYS}, {_SUMMED},
           {", ".join(f"{count(m)} AS {m}" for m in TASK_MEASURES)}, {count("split_tasks")} AS split_tasks
    FROM (SELECT r.*, {", ".join(f"coalesce(k.{c}, 0) AS {m}" for m, c in TASK_MEASURES.items())},
                 CAST(coalesce(k.d_min <> r.district_adcode OR k.d_max <> r.district_adcode, false) AS INTEGER)
                     AS split_tasks
          FROM {_rows("{as_of}")} r LEFT JOIN {_PROJECT_TASKS} k ON k.project_id = r.project_id)
    GROUP BY ALL""")

register_derived("project_cells", f"""
    SELECT {_KEYS}, h3_r7, count(*) AS n, sum(total_investment_yi) AS total
    FROM (SELECT *, {_BAND} FROM {{projects}}) WHERE h3_r7 IS NOT NULL GROUP BY ALL""", late=True)

register_derived("stalled_days", f"""
    SELECT {_KEYS}, date_diff('day', stalled_since, {{as_of}}) AS days
    FROM (SELECT *, {_BAND} FROM {{projects}}) WHERE stalled_state IS NOT NULL""", late=True)
# The projects biggest first (the project table's default order), so its top 50 under any filter
# is a scan that stops at the 50th match (DuckDB keeps a table's order through WHERE and LIMIT)
# instead of sorting every matching row: 8 ms -> 2 ms at 100 k projects (measured).
TOP_ORDER = ("total_investment_yi", True)
register_derived("projects_by_investment", f"""
    SELECT * EXCLUDE (geometry) FROM {{projects}} p
    {order_by_clause("projects", *TOP_ORDER)}, project_id""", late=True)
# (late: the investment page's only; the overview, the landing page, needs only the cube)


def answers(filters: Filters) -> bool:
    """Whether the cube answers ``filters`` exactly: only list filters (its keys)."""
    return (filters.inv_min is None and filters.inv_max is None and filters.year is None
            and not filters.search)


def source(snapshot: Snapshot, filters: Filters) -> tuple[str, dict]:
    """(table expression, its parameters) that project sums read: the cube, or the raw rows in
    its shape."""
    if answers(filters):
        return "{project_cube}", {}
    return _rows("$cube_as_of"), {"cube_as_of": snapshot.as_of}


def cells_source(filters: Filters) -> str:
    if answers(filters):
        return "{project_cells}"
    return f"(SELECT *, 1 AS n, total_investment_yi AS total, {_BAND} FROM {{projects}})"


def stalled_source(snapshot: Snapshot, filters: Filters) -> tuple[str, dict]:
    if answers(filters):
        return "{stalled_days}", {}
    return ("(SELECT *, date_diff('day', stalled_since, $cube_as_of) AS days FROM {projects} "
            "WHERE stalled_state IS NOT NULL)"), {"cube_as_of": snapshot.as_of}


@lru_cache(maxsize=32)
def view(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """The cube's rows that match ``filters`` in ``scope`` (or the matching raw projects grouped
    the same way when the cube cannot answer): one query per view, after which a page's counts,
    sums and breakdowns are pandas over these few thousand rows (five queries before: ~20 ms of
    a filter change at 100 k projects). Queried without the district filter and remembered
    (``geo.district_sums``): changing districts, the commonest change, runs no query. Kept per
    view too: a page reads it seven times, and picking the districts' rows of its ~60 columns
    costs ~1.5 ms each time (profiled). Callers must not modify the frame."""
    return district_sums.rows(_view_rows, snapshot, scope, filters)


def _view_rows(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    where, params = filters.where("projects")
    table, cube_params = source(snapshot, filters)
    # The cube's own rows as they are; raw rows grouped by the cube's keys into the same shape.
    sql = (f"SELECT * FROM {table} p WHERE {where}" if answers(filters) else
           f"SELECT {_KEYS}, {_SUMMED} FROM {table} p WHERE {where} GROUP BY ALL")
    return query(snapshot, sql, {**params, **cube_params}, scope=scope, max_rows=10_000_000).df
