"""The investment page's figures (项目投资): counts, map points or H3 cells, breakdowns, progress.

Every function is ``fn(snapshot, scope, filters, ...)``: it applies the scope (through the query
layer) and the shared filters (``filters.where("projects")``) and returns a small DataFrame or
dataclass — no Streamlit, no whole table loaded into pandas. The counts and sums come from the
view's rows of the project cube (``project_cube.view``: a few thousand groups, added up here with
numpy); the map's points and cells, the medians and the top table from DuckDB.

Dates: "this year" is ``snapshot.as_of.year`` and "to date" means up to ``snapshot.as_of``, never
the wall clock, so a snapshot's figures do not change as time passes. Unlike the overview (which
shows the city's key-project list), these figures cover every project level; the level filter
narrows them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo import district_sums, project_cube, schema
from geo.filters import Filters
from geo.hexes import parent_sql, roll_up
from geo.query import Scope, order_by_clause, query
from geo.store import Snapshot
from geo.task_rates import TASK_STATE_SQL, task_state_params

# What the map draws (id, stage colour, size, the tooltip's name and investment); the details
# panel reads the rest. Eight more columns cost ~10 ms for a district's 3,000 projects (measured).
POINT_COLUMNS = ["project_id", "name", "stage", "total_investment_yi"]
TOP_COLUMNS = ["project_id", "name", "district_adcode", "park", "stage", "stalled_state", "level",
               "category", "industry_chain", "total_investment_yi", "annual_plan_yi",
               "completed_yi", "planned_start", "actual_start", "planned_completion",
               "actual_completion", "power_demand_mw", "owner"]
TASK_COLUMNS = ["task_id", "title", "assigned_unit", "assigned_on", "due_on", "first_due_on", "closed_on", "status"]
# Beyond this many projects the map gets H3 totals instead of circles: ~250 bytes a circle
# keeps one filter change under ~1.3 MB sent (DESIGN "Maps at any size": ≤ 2 MB).
MAX_POINTS = 5_000

@dataclass(frozen=True, eq=False)
class PointsResult:
    """Either one row per project (``points``) or per H3 cell (``cells``); ``total`` = filtered count."""

    points: pd.DataFrame | None
    cells: pd.DataFrame | None
    total: int


@dataclass(frozen=True, eq=False)
class ProjectDetails:
    project: dict
    parcel: dict | None
    tasks: pd.DataFrame


def _projects(snapshot: Snapshot, scope: Scope, filters: Filters, select: str, tail: str = "",
              params: dict | None = None, table: str = "{projects}", **kw) -> pd.DataFrame:
    """``SELECT <select> FROM <table> p WHERE <filters> <tail>`` — every function goes through
    here (or applies ``filters.where`` itself), so no figure can forget the filters."""
    where, fparams = filters.where("projects")
    sql = f"SELECT {select} FROM {table} p WHERE {where} {tail}"
    return query(snapshot, sql, {**fparams, **(params or {})}, scope=scope, **kw).df


def _half_away(values, digits: int):
    """DuckDB's ``round`` (half away from zero; numpy's is half to even), so figures summed in
    pandas are the ones the SQL gave."""
    scale = 10.0 ** digits
    return np.trunc(np.asarray(values, dtype="float64") * scale + np.copysign(0.5, values)) / scale


_SUMMED = {"n": "projects", "total": "total_yi", "plan": "plan", "done": "done"}


def _sum_by(rows: pd.DataFrame, key: str, columns: list[str]) -> tuple[list, np.ndarray]:
    """(the values of ``key`` in sorted order, missing ones left out; the sums of ``columns`` per
    value, one row each). numpy over the view's few hundred rows: a pandas groupby costs ~3 ms
    and a page sums five ways per filter change (measured)."""
    codes, values = pd.factorize(rows[key], sort=True)  # missing -> -1
    keep = codes >= 0
    matrix = np.nan_to_num(rows[columns].to_numpy("float64")[keep])
    sums = np.zeros((len(values), len(columns)))
    np.add.at(sums, codes[keep], matrix)
    return values.tolist(), sums


def _summed(rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """``projects``, ``total_yi``, ``plan``, ``done`` (亿元, 2 decimals) of the view's cube rows
    per value of ``key``, in sorted order (missing values left out)."""
    values, sums = _sum_by(rows, key, list(_SUMMED))
    out = {key: values, "projects": sums[:, 0].astype("int64")}
    for i, name in enumerate(list(_SUMMED.values())[1:], start=1):
        out[name] = _half_away(sums[:, i], 2)
    return pd.DataFrame(out)


def _per_value(df: pd.DataFrame, key: str, values: tuple[str, ...], zero: list[str]) -> pd.DataFrame:
    """One row per enum value in schema order; the ``zero`` columns are 0 where nothing matched,
    the others missing. Plain lists: a pandas reindex and fills cost ~0.6 ms (measured)."""
    at = {v: i for i, v in enumerate(df[key].tolist())}
    picks = [at.get(v) for v in values]
    out = {key: list(values)}
    for col in df.columns.drop(key):
        found = df[col].tolist()
        missing = 0 if col in zero else None
        column = [found[i] if i is not None else missing for i in picks]
        out[col] = np.array(column, dtype="int64" if col == "projects" and col in zero else "float64")
    return pd.DataFrame(out)


def _totals(snapshot: Snapshot, scope: Scope, filters: Filters) -> dict:
    """The view's totals: projects, total_yi, plan, done (亿元, 2 decimals), and the number of
    districts they are in."""
    rows = project_cube.view(snapshot, scope, filters)
    out = {name: float(_half_away(rows[col].sum(), 2)) for col, name in _SUMMED.items() if col != "n"}
    return {**out, "projects": int(rows["n"].sum()), "districts": rows["district_adcode"].nunique()}


def count_projects(snapshot: Snapshot, scope: Scope, filters: Filters) -> int:
    return int(_totals(snapshot, scope, filters)["projects"])


def project_points(snapshot: Snapshot, scope: Scope, filters: Filters, *, max_points: int = MAX_POINTS,
                   resolution: int | None = None) -> PointsResult:
    """Project circles when there are at most ``max_points``, else H3 cells (res 6 when the
    filtered projects span several districts, 7 within one; ``resolution`` overrides, ≤ 7)."""
    head = _totals(snapshot, scope, filters)
    total = int(head["projects"])
    if total <= max_points:
        # Biggest first: deck.gl draws rows in order, so small circles land on top of big ones
        # and stay clickable.
        points = _projects(
            snapshot, scope, filters,
            ", ".join(POINT_COLUMNS) + ", ST_X(geometry) AS lon, ST_Y(geometry) AS lat",
            "ORDER BY total_investment_yi DESC, project_id", max_rows=max(total, 1))
        return PointsResult(points=points, cells=None, total=total)
    res = resolution if resolution is not None else (7 if int(head["districts"]) <= 1 else 6)
    return PointsResult(points=None, cells=_cells(snapshot, scope, filters, res), total=total)


def _cells(snapshot: Snapshot, scope: Scope, filters: Filters, res: int) -> pd.DataFrame:
    """Aggregate per (res-``res`` cell, stage) in DuckDB; ``roll_up`` adds the dominant stage and outlines.

    Counts are kept per stage so the dominant stage of a parent cell is computed from its
    projects, not as the mode of its children's modes. Projects without ``h3_r7`` are left out.
    The query groups by district too and runs once per view without the district filter
    (``geo.district_sums``): a cell on a border adds up the chosen districts' rows, and a
    district change runs no query (~4 ms at 100 k projects; measured).
    """
    return roll_up(district_sums.rows(_cell_rows, snapshot, scope, filters, res),
                   category="stage", order=schema.STAGES, count="projects", sums={"total_yi": "total"})


def _cell_rows(snapshot: Snapshot, scope: Scope, filters: Filters, res: int) -> pd.DataFrame:
    # Bounded by geography, not by data size: Zhuzhou has ~2,200 res-7 cells × 6 stages.
    return _projects(snapshot, scope, filters,
                     f"district_adcode, {parent_sql('h3_r7', res)} AS cell, stage, {project_cube.count('n')} AS n, "
                     "sum(total) AS total", "AND h3_r7 IS NOT NULL GROUP BY ALL", max_rows=500_000,
                     table=project_cube.cells_source(filters))


def stage_funnel(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    df = _summed(project_cube.view(snapshot, scope, filters), "stage")[["stage", "projects", "total_yi"]]
    return _per_value(df, "stage", schema.STAGES, ["projects", "total_yi"])


def stalled_breakdown(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Projects per 八未 state; ``median_days`` since ``stalled_since`` up to as-of (NaN when the
    state has no project or no start date)."""
    df = _summed(project_cube.view(snapshot, scope, filters), "stalled_state")[["stalled_state", "projects", "total_yi"]]
    days = district_sums.rows(_stalled_days, snapshot, scope, filters)
    # As SQL's median: missing days left out, the mean of the two middle values for an even count.
    codes, states = pd.factorize(days["stalled_state"])
    values = days["days"].to_numpy("float64")
    medians = {}
    for i, state in enumerate(states.tolist()):
        known = values[(codes == i) & ~np.isnan(values)]
        medians[state] = float(np.median(known)) if len(known) else np.nan
    df["median_days"] = [medians.get(state, np.nan) for state in df["stalled_state"].tolist()]
    return _per_value(df, "stalled_state", schema.STALLED_STATES, ["projects", "total_yi"])


def _stalled_days(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """District, state and days stalled of every stalled project matching ``filters``: the values
    a median needs (medians do not add up), read once per view without the district filter
    (``geo.district_sums``), so a district change runs no query (~3 ms each at 100 k projects)."""
    table, params = project_cube.stalled_source(snapshot, filters)
    return _projects(snapshot, scope, filters, "district_adcode, stalled_state, days", "", params, table=table,
                     max_rows=snapshot.row_count("projects"))


def without_chain(snapshot: Snapshot, scope: Scope, filters: Filters) -> tuple[int, float]:
    """(projects, 总投资 亿元) of the view's projects with no industry chain: the chain chart has no
    bar for them (a bar picks a filter value, and "none" is not one), so its bars add up to less
    than the headline (天元区's stalled: 119.2 of 138.5 亿元; tester 7) and the page says by how much."""
    rows = project_cube.view(snapshot, scope, filters)
    missing = rows["industry_chain"].isna().to_numpy()
    return int(np.nan_to_num(rows["n"].to_numpy("float64")[missing]).sum()), \
        float(_half_away(np.nan_to_num(rows["total"].to_numpy("float64")[missing]).sum(), 2))


def chain_breakdown(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every industry chain, largest first, zeros where no project matches: a chain's bar stays
    to click when another filter leaves it no project (as the stage and 八未 charts' do)."""
    df = _summed(project_cube.view(snapshot, scope, filters), "industry_chain")[["industry_chain", "projects", "total_yi"]]
    df = _per_value(df, "industry_chain", schema.INDUSTRY_CHAINS, ["projects", "total_yi"])
    return df.sort_values(["total_yi", "industry_chain"], ascending=[False, True]).reset_index(drop=True)


def district_breakdown(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every district in scope and in the district filter, zeros where no project matches; the
    this-year counts are events in [1 January, as-of]."""
    districts = pd.DataFrame([d for d in district_sums.in_scope(snapshot, scope)
                              if not filters.districts or d[0] in filters.districts],
                             columns=["adcode", "name_zh", "name_en"])
    events = [f"{e}_to_date" for e in project_cube.EVENTS]
    codes, sums = _sum_by(project_cube.view(snapshot, scope, filters), "district_adcode",
                          ["n", "total", "plan", "done", *events])
    at = {code: i for i, code in enumerate(codes)}
    picked = np.array([sums[at[c]] if c in at else np.zeros(sums.shape[1]) for c in districts["adcode"].tolist()])
    picked = picked.reshape(len(districts), sums.shape[1])
    counts = np.delete(picked, [1, 2, 3], axis=1).astype("int64")
    total, plan, done = picked[:, 1], picked[:, 2], picked[:, 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        progress = _half_away(np.where(plan != 0, done / plan * 100, np.nan), 1)
    return districts.assign(
        projects=counts[:, 0], total_yi=_half_away(total, 2), plan_yi=_half_away(plan, 2),
        completed_yi=_half_away(done, 2), progress_pct=progress,
        **{e: counts[:, 1 + i] for i, e in enumerate(project_cube.EVENTS)})


def monthly_progress(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Starts and completions per month of the as-of year, actual vs planned, with cumulative
    columns. Actual counts after the as-of month are NULL (not happened yet); plans cover the
    whole year."""
    months = range(1, 13)
    rows = project_cube.view(snapshot, scope, filters)
    names = [f"{name}_m{m}" for name in project_cube.EVENTS for m in months]
    summed = rows[names].to_numpy("int64").sum(axis=0).reshape(len(project_cube.EVENTS), 12)  # one op, not 48
    counts = dict(zip(project_cube.EVENTS, summed))
    future = np.arange(1, 13) > snapshot.as_of.month
    out = {"month": np.arange(1, 13)}
    for name, values in counts.items():
        for column, series in ((name, values), (f"cum_{name}", values.cumsum())):
            # what happened is not known after as-of: NULL there; plans cover the whole year
            out[column] = pd.array(series, dtype="Int64") if name in ("started", "completed") else series
            if name in ("started", "completed"):
                out[column][future] = pd.NA
    return pd.DataFrame(out)[["month", *project_cube.EVENTS, *(f"cum_{n}" for n in project_cube.EVENTS)]]


def investment_progress(snapshot: Snapshot, scope: Scope, filters: Filters) -> dict:
    row = _totals(snapshot, scope, filters)
    plan, done = float(row["plan"]), float(row["done"])
    return {"plan_yi": plan, "completed_yi": done,
            "pct": round(done / plan * 100, 1) if plan else None, "projects": int(row["projects"])}


def top_projects(snapshot: Snapshot, scope: Scope, filters: Filters, *,
                 order_by: str = "total_investment_yi", descending: bool = True,
                 limit: int = 50) -> pd.DataFrame:
    """The project table; ``order_by`` must be a sortable projects column (ValueError otherwise),
    ties broken by project_id so the order never depends on file layout."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a non-negative int, got {limit!r}")
    order = order_by_clause("projects", order_by, descending)
    if (order_by, descending) == project_cube.TOP_ORDER and filters.districts:
        # The top of any districts is among each district's own top ``limit``, kept per view
        # without the district filter (``geo.district_sums``): a district change runs no query.
        rows = district_sums.rows(_top_per_district, snapshot, scope, filters, limit)
        return (rows.sort_values(["total_investment_yi", "project_id"], ascending=[False, True], na_position="last")
                .head(limit).reset_index(drop=True))
    if (order_by, descending) == project_cube.TOP_ORDER:  # already in that order: no sort
        return _projects(snapshot, scope, filters, ", ".join(TOP_COLUMNS), "LIMIT $limit", {"limit": limit},
                         max_rows=limit, table="{projects_by_investment}")
    return _projects(snapshot, scope, filters, ", ".join(TOP_COLUMNS),
                     f"{order}, project_id LIMIT $limit", {"limit": limit}, max_rows=limit)


def _top_per_district(snapshot: Snapshot, scope: Scope, filters: Filters, limit: int) -> pd.DataFrame:
    """Each district's first ``limit`` projects in the table's order: scans of the biggest-first
    copy that each stop at the ``limit``-th match."""
    codes = [code for code, *_ in district_sums.in_scope(snapshot, scope)]
    if not codes:
        return pd.DataFrame(columns=TOP_COLUMNS)
    where, params = filters.where("projects")
    parts = " UNION ALL ".join(
        f"(SELECT {', '.join(TOP_COLUMNS)} FROM {{projects_by_investment}} p "
        f"WHERE district_adcode = $d{i} AND {where} LIMIT $limit)" for i in range(len(codes)))
    return query(snapshot, parts, {**params, **{f"d{i}": c for i, c in enumerate(codes)}, "limit": limit},
                 scope=scope, max_rows=limit * len(codes)).df


def project_details(snapshot: Snapshot, scope: Scope, project_id: str) -> ProjectDetails | None:
    """One project with its parcel and dispatch-meeting tasks; None if unknown or out of scope.

    The task ``state`` is derived against as-of by ``geo.task_rates.TASK_STATE_SQL`` (the one
    definition): overdue / due_soon / open / closed_on_time / closed_late.
    """
    found = query(snapshot, "SELECT * EXCLUDE (geometry), ST_X(geometry) AS lon, "
                  "ST_Y(geometry) AS lat FROM {projects} p WHERE project_id = $pid",
                  {"pid": str(project_id)}, scope=scope).df
    if found.empty:
        return None
    project = _record(found)
    parcel = None
    if project.get("parcel_id") is not None:
        rows = query(snapshot, "SELECT * EXCLUDE (geometry) FROM {parcels} l WHERE parcel_id = $parcel",
                     {"parcel": project["parcel_id"]}, scope=scope).df
        parcel = _record(rows) if len(rows) else None
    tasks = query(snapshot, f"""
        SELECT {", ".join(TASK_COLUMNS)},
               {TASK_STATE_SQL} AS state
        FROM {{tasks}} t WHERE project_id = $pid
        ORDER BY due_on, task_id""",
                  {"pid": str(project_id), **task_state_params(snapshot.as_of)}, scope=scope).df
    return ProjectDetails(project=project, parcel=parcel, tasks=tasks)


def _record(df: pd.DataFrame) -> dict:
    """First row as plain Python values: dates as ``date``, missing values as None.

    Read column by column: a row Series of a mixed frame could upcast 64-bit ints to float."""
    out = {}
    for key in df.columns:
        value = df[key].iloc[0]
        if value is None or (not isinstance(value, (list, dict, bytes)) and pd.isna(value)):
            out[key] = None
        elif isinstance(value, pd.Timestamp):
            out[key] = value.date()
        else:
            out[key] = value.item() if hasattr(value, "item") else value
    return out
