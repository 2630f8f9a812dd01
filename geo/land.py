"""The idle-land page's figures (闲置土地): disposal rates, districts, months, parcel map, tables.

Every function is ``fn(snapshot, scope, filters, ...)`` like ``geo.investment``: the scope is
applied by the query layer, the shared filters by ``filters.where("parcels")`` in every query,
and the aggregation runs in DuckDB, so no parcel table is ever loaded whole into pandas.
Aggregates read the per-snapshot parcel cube (``geo.cube``: thousands of groups instead of a
million rows) whenever it can answer the filters exactly: they sum ``n`` (parcels) and ``mu``
(area), which the raw fallback provides too, so each query is written once.

Definitions (README "Where the demo numbers come from"):
- a parcel's ``idle_class`` is the stock list it was counted in and it keeps it after disposal;
  ``status == idle_class`` means "still idle", ``status == 已处置`` means disposed;
- stock of year Y = class parcels listed before 1 January Y and not disposed before it;
  disposed in Y = class parcels with ``disposed_on`` in Y; rate = disposed ÷ stock. The rate
  query lives here only: ``geo.overview.land_figures`` calls ``disposal_rates``.
- "now" / "remaining" is the snapshot's state (as of ``snapshot.as_of``), never the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import cube, district_sums, schema
from geo.filters import Filters
from geo.hexes import parent_sql, roll_up
from geo.investment import _record
from geo.query import Scope, order_by_clause, query, query_gdf
from geo.store import Snapshot

MAX_PARCELS = 5_000  # beyond this many the map gets H3 totals (same bound as the project map)
SIMPLIFY_DEG = 0.00002  # ≈ 2 m: invisible at city zoom, trims vertices of surveyed outlines
SHAPE_COLUMNS = ["parcel_id", "park", "district_adcode", "area_mu", "land_use", "status", "idle_class",
                 "disposal_method", "disposed_on", "supply_mode", "tax_per_mu_wan"]
IDLE_COLUMNS = ["parcel_id", "district_adcode", "park", "status", "idle_class", "land_use", "area_mu",
                "area_m2", "listed_on", "tax_per_mu_wan", "supply_mode"]
PROJECT_COLUMNS = ["project_id", "name", "stage", "total_investment_yi", "actual_start", "owner"]
# Why a parcel cannot be drawn; NULL for a good outline. Checked in this order (a NULL geometry
# is neither empty nor invalid to DuckDB, it is unknown).
GEOMETRY_PROBLEM = ("CASE WHEN geometry IS NULL THEN 'missing' WHEN ST_IsEmpty(geometry) THEN 'empty' "
                    "WHEN NOT ST_IsValid(geometry) THEN 'invalid' END")
# Stock on 1 January / disposed during the year, for parcels that have an idle_class.
_STOCK = "l.listed_on < $y0 AND (l.disposed_on IS NULL OR l.disposed_on >= $y0)"
_DISPOSED = "l.disposed_on BETWEEN $y0 AND $y1"
_REMAINING = "l.status = l.idle_class"


@dataclass(frozen=True, eq=False)
class ParcelsResult:
    """Either parcel outlines (``parcels``) or H3 totals (``cells``); ``total`` = filtered count
    (outlines that cannot be drawn included); ``invalid`` = those outlines, always computed."""

    parcels: gpd.GeoDataFrame | None
    cells: pd.DataFrame | None
    total: int
    invalid: pd.DataFrame


@dataclass(frozen=True, eq=False)
class ParcelDetails:
    parcel: dict
    projects: pd.DataFrame


def _parcels(snapshot: Snapshot, scope: Scope, filters: Filters, select: str, tail: str = "",
             params: dict | None = None, table: str = "{parcels}", **kw) -> pd.DataFrame:
    """``SELECT <select> FROM <table> l WHERE <filters> <tail>``: one place applies the filters."""
    where, fparams = filters.where("parcels")
    sql = f"SELECT {select} FROM {table} l WHERE {where} {tail}"
    return query(snapshot, sql, {**fparams, **(params or {})}, scope=scope, **kw).df


def _year(year: int | None, default: int) -> int:
    if year is None:
        return default
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"year must be an int, got {year!r}")
    return year


def _window(year: int, as_of: date) -> dict[str, date]:
    """``year`` from 1 January, up to the as-of date: "so far" is to the data's date, and a
    disposal dated after it was counted in the table but not in the monthly chart beside it
    (tester 15). (The cube dates disposals by month: a month-end as-of date cuts exactly.)"""
    return {"y0": date(year, 1, 1), "y1": min(date(year, 12, 31), as_of)}


def _rate(disposed: pd.Series, stock: pd.Series) -> pd.Series:
    """Percent with 2 decimals; missing (NaN) where the stock is 0 — no rate, not 0 %."""
    return (disposed / stock.where(stock > 0) * 100).round(2)


# What a disposal rate ignores: the current status and the disposal year pick parcels by the very
# outcome the rate measures (批而未供 now leaves out what was disposed: 0 %; disposed in 2022
# leaves out what was not: 100 %). The rate is of the stock on 1 January, whatever became of it.
RATE_IGNORES = {"parcel_statuses": (), "disposed_year": None}


def rate_filters(filters: Filters) -> Filters:
    """``filters`` as the disposal rates apply them (``RATE_IGNORES`` left out)."""
    return replace(filters, **RATE_IGNORES)


def classes_of(statuses: tuple[str, ...]) -> tuple[str, ...]:
    """The stock classes a status filter means for the disposal figures, which count by class: a
    disposed parcel keeps its class and its status becomes 已处置, so "闲置" read as a status left
    out every idle parcel disposed this year (the chart said none was; 16 were, 700 亩: tester 7).
    An idle status is its class, 已处置 (or no filter) is every class, 在用 none."""
    if not statuses or "已处置" in statuses:
        return schema.IDLE_CLASSES
    return tuple(c for c in schema.IDLE_CLASSES if c in statuses)


def stock_filters(filters: Filters) -> Filters:
    """``filters`` for the area still idle: without the disposal year, which keeps only parcels
    disposed (醴陵 under 2023 read "0 亩 remaining" above a table of 1,879 亩)."""
    return replace(filters, disposed_year=None)


def disposal_rates(snapshot: Snapshot, scope: Scope, filters: Filters, year: int | None = None) -> pd.DataFrame:
    """One row per idle class (schema order): stock on 1 Jan ``year``, disposed in ``year``, rate,
    and the area still idle now. Default year: the last full year before as-of. Summed over the
    districts in the filter from sums per district and class (``geo.district_sums``). The status
    and disposal-year filters do not apply (``RATE_IGNORES``)."""
    filters = rate_filters(filters)
    year = _year(year, snapshot.as_of.year - 1)
    groups = district_sums.rows(_disposal_groups, snapshot, scope, filters, year)
    # Plain arrays for three rows: a merge and column-by-column steps cost ~3 ms a call (profiled).
    classes, columns = list(schema.IDLE_CLASSES), ("stock_mu", "disposed_mu", "remaining_mu")
    found = {c: district_sums.sums(groups[groups["idle_class"] == c], columns) for c in classes}
    sums = {col: np.round([found[c][col] or 0.0 for c in classes], 2) for col in columns}
    rate = np.round(sums["disposed_mu"] / np.where(sums["stock_mu"] > 0, sums["stock_mu"], np.nan) * 100, 2)
    return pd.DataFrame({"idle_class": classes, "stock_mu": sums["stock_mu"], "disposed_mu": sums["disposed_mu"],
                         "rate_pct": rate, "remaining_mu": sums["remaining_mu"],
                         "year": np.full(len(classes), year, dtype=np.int64)})


def _disposal_groups(snapshot: Snapshot, scope: Scope, filters: Filters, year: int) -> pd.DataFrame:
    return _parcels(snapshot, scope, filters,
                    f"district_adcode, idle_class, sum(mu) FILTER (WHERE {_STOCK}) AS stock_mu, "
                    f"sum(mu) FILTER (WHERE {_DISPOSED}) AS disposed_mu, "
                    f"sum(mu) FILTER (WHERE {_REMAINING}) AS remaining_mu",
                    "AND idle_class IS NOT NULL GROUP BY district_adcode, idle_class ORDER BY district_adcode, idle_class",
                    _window(year, snapshot.as_of), table=cube.source(filters))


def district_disposal(snapshot: Snapshot, scope: Scope, filters: Filters, year: int | None = None,
                      classes: tuple[str, ...] = schema.IDLE_CLASSES) -> pd.DataFrame:
    """Every district in scope and in the district filter (zeros where no parcel matches), the idle
    ``classes`` together, ranked by the area still idle (rank 1 = most; equal areas share a rank).
    The status and disposal-year filters do not apply (``RATE_IGNORES``; ``classes_of`` turns a
    status filter into classes). One query per view gives every class; the classes are summed
    here, so a status change runs none."""
    filters = rate_filters(filters)
    year = _year(year, snapshot.as_of.year - 1)
    rows = district_sums.rows(_district_class_rows, snapshot, scope, filters, year, key="adcode")
    columns = ("remaining_mu", "disposed_mu", "stock_mu", "parcels_remaining")
    totals: dict[str, list] = {}  # adcode -> [name_zh, name_en, *columns]: ~36 rows, plain Python
    for code, zh, en, cls, *values in zip(*(rows[c].tolist() for c in ("adcode", "name_zh", "name_en", "idle_class",
                                                                       *columns))):
        acc = totals.setdefault(code, [zh, en, 0.0, 0.0, 0.0, 0])
        if cls in classes:
            for i, v in enumerate(values, start=2):
                acc[i] += v
    df = pd.DataFrame([(code, *acc) for code, acc in totals.items()], columns=["adcode", "name_zh", "name_en", *columns])
    for col in columns[:3]:
        df[col] = df[col].astype(float).round(2)
    df["parcels_remaining"] = df["parcels_remaining"].astype("int64")
    df["rate_pct"] = _rate(df["disposed_mu"], df["stock_mu"])
    df = df.sort_values(["remaining_mu", "adcode"], ascending=[False, True]).reset_index(drop=True)
    df["rank"] = df["remaining_mu"].rank(method="min", ascending=False).astype("int64")
    return df[["rank", "adcode", "name_zh", "name_en", "remaining_mu", "disposed_mu", "stock_mu",
               "rate_pct", "parcels_remaining"]]


def district_progress(snapshot: Snapshot, scope: Scope, filters: Filters,
                      classes: tuple[str, ...] = schema.IDLE_CLASSES) -> pd.DataFrame:
    """``district_disposal`` of the last full year with the as-of year's disposal so far beside it
    (``disposed_now_mu``, ``rate_now_pct``): the rates that compare districts "this year" (醴陵
    ahead of 攸县 on 2022's rate, behind on 2023's: tester 7). Cached per view by the page."""
    rows = district_disposal(snapshot, scope, filters, classes=classes)
    now = district_disposal(snapshot, scope, filters, year=snapshot.as_of.year, classes=classes)
    now = now[["adcode", "disposed_mu", "rate_pct"]].rename(columns={"disposed_mu": "disposed_now_mu",
                                                                    "rate_pct": "rate_now_pct"})
    return rows.merge(now, on="adcode", how="left")


def _district_class_rows(snapshot: Snapshot, scope: Scope, filters: Filters, year: int) -> pd.DataFrame:
    """Per district and idle class (NULL for a district with no such parcel): the area still idle,
    disposed in ``year``, in stock on 1 January, and the parcels still idle."""
    where, params = filters.where("parcels")
    dwhere, dparams = filters.where("districts", prefix="d_")
    df = query(snapshot, f"""
        SELECT d.adcode, d.name_zh, d.name_en, l.idle_class,
               coalesce(sum(l.mu) FILTER (WHERE {_REMAINING}), 0) AS remaining_mu,
               coalesce(sum(l.mu) FILTER (WHERE {_DISPOSED}), 0) AS disposed_mu,
               coalesce(sum(l.mu) FILTER (WHERE {_STOCK}), 0) AS stock_mu,
               coalesce(sum(l.n) FILTER (WHERE {_REMAINING}), 0) AS parcels_remaining
        FROM {{districts}} d
        LEFT JOIN (SELECT * FROM {cube.source(filters)} l WHERE idle_class IS NOT NULL AND {where}) l
               ON l.district_adcode = d.adcode
        WHERE {dwhere}
        GROUP BY d.adcode, d.name_zh, d.name_en, l.idle_class ORDER BY d.adcode, l.idle_class""",
               {**params, **dparams, **_window(year, snapshot.as_of)}, scope=scope).df
    for col in ("remaining_mu", "disposed_mu", "stock_mu"):
        df[col] = df[col].astype(float)
    df["parcels_remaining"] = df["parcels_remaining"].astype("int64")
    return df


def monthly_disposal(snapshot: Snapshot, scope: Scope, filters: Filters, year: int | None = None,
                     classes: tuple[str, ...] = schema.IDLE_CLASSES) -> pd.DataFrame:
    """Area and parcels disposed per month × idle class of ``classes`` in ``year`` (default: the
    as-of year), with the running total per class. Months that start after as-of are NULL: not
    "0 disposed" but not happened yet. The status and disposal-year filters do not apply, as for
    the rates (``classes_of`` turns a status filter into classes)."""
    filters = rate_filters(filters)
    year = _year(year, snapshot.as_of.year)
    df = district_sums.rows(_monthly_groups, snapshot, scope, filters, year)
    # 36 rows in plain arrays: a MultiIndex reindex and per-class cumsum cost ~7 ms a call (profiled).
    found: dict[tuple[int, str], tuple[float, int]] = {}
    for m, c, mu, n in zip(df["month"].tolist(), df["idle_class"].tolist(), df["disposed_mu"].tolist(),
                           df["parcels"].tolist()):
        area, count = found.get((int(m), c), (0.0, 0))
        found[int(m), c] = (area + (0.0 if mu is None or mu != mu else float(mu)), count + int(n))  # NULL area: 0
    classes = [c for c in schema.IDLE_CLASSES if c in classes]
    keys = [(m, c) for m in range(1, 13) for c in classes]
    totals = [found.get(k, (0.0, 0)) for k in keys]
    disposed = np.round(np.array([area for area, _ in totals]), 2)
    parcels = [count for _, count in totals]
    cumulative = np.round(disposed.reshape(12, len(classes)).cumsum(axis=0).reshape(-1), 2)  # per class, by month
    future = [date(year, m, 1) > snapshot.as_of for m, _ in keys]
    return pd.DataFrame({
        "month": np.array([m for m, _ in keys], dtype=np.int64),
        "idle_class": [c for _, c in keys],
        "disposed_mu": pd.array([None if f else v for v, f in zip(disposed.tolist(), future)], dtype="Float64"),
        "parcels": pd.array([None if f else v for v, f in zip(parcels, future)], dtype="Int64"),
        "cum_disposed_mu": pd.array([None if f else v for v, f in zip(cumulative.tolist(), future)], dtype="Float64"),
    })


def _monthly_groups(snapshot: Snapshot, scope: Scope, filters: Filters, year: int) -> pd.DataFrame:
    return _parcels(snapshot, scope, filters,
                    "district_adcode, month(disposed_on) AS month, idle_class, sum(mu) AS disposed_mu, sum(n) AS parcels",
                    f"AND idle_class IS NOT NULL AND {_DISPOSED} GROUP BY ALL ORDER BY ALL", _window(year, snapshot.as_of),
                    table=cube.source(filters))


def parcel_shapes(snapshot: Snapshot, scope: Scope, filters: Filters, *,
                  max_parcels: int = MAX_PARCELS) -> ParcelsResult:
    """Parcel outlines when at most ``max_parcels`` match, else H3 cells (res 6 when the parcels
    span several districts, 7 within one). Outlines that are missing, empty or invalid are never
    drawn; they are listed in ``invalid`` so the page can say so instead of hiding them."""
    if isinstance(max_parcels, bool) or not isinstance(max_parcels, int) or max_parcels < 0:
        raise ValueError(f"max_parcels must be a non-negative int, got {max_parcels!r}")
    head = _parcels(snapshot, scope, filters, "coalesce(sum(n), 0) AS n, count(DISTINCT district_adcode) AS districts",
                    table=cube.source(filters)).iloc[0]
    total = int(head["n"])
    if total > max_parcels:
        # Validity of a million outlines costs ~0.5 s: the cells view skips it (its counts come
        # from h3_r7, not from outlines); ``invalid_geometries`` reports the store once.
        res = 7 if int(head["districts"]) <= 1 else 6
        return ParcelsResult(parcels=None, cells=_cells(snapshot, scope, filters, res), total=total,
                             invalid=pd.DataFrame(columns=["parcel_id", "reason"]))
    # The store's bad outlines are found once per snapshot (checking validity scans every outline
    # of the Parquet file: ~200 ms per filter change at 1 M parcels, measured); this view's are
    # those among its parcels.
    bad = _bad_outlines(snapshot, scope)
    where, params = filters.where("parcels")
    # Biggest first: deck.gl draws in order, so any small outline ends up on top and clickable.
    rows = query_gdf(snapshot, f"""
        SELECT {", ".join(SHAPE_COLUMNS)},
               CASE WHEN list_contains($bad, parcel_id) THEN NULL
                    ELSE ST_SimplifyPreserveTopology(geometry, $tolerance) END AS geometry
        FROM {cube.outline_source(filters)} l WHERE {where}
        ORDER BY area_mu DESC, parcel_id""", {**params, "tolerance": SIMPLIFY_DEG, "bad": list(bad["parcel_id"])},
                     scope=scope, max_rows=max(total, 1)).df
    drawn = ~rows["parcel_id"].isin(bad["parcel_id"])
    invalid = bad[bad["parcel_id"].isin(rows.loc[~drawn, "parcel_id"])].reset_index(drop=True)
    return ParcelsResult(parcels=rows[drawn].reset_index(drop=True), cells=None, total=total, invalid=invalid)


@lru_cache(maxsize=8)
def _bad_outlines(snapshot: Snapshot, scope: Scope) -> pd.DataFrame:
    return _invalid(snapshot, scope, Filters())


def invalid_geometries(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every parcel in ``filters`` whose outline is missing, empty or invalid (parcel_id, reason).

    Pages call it with empty filters once per snapshot, to report the store's bad outlines
    whatever the view; ``parcel_shapes`` leaves such parcels off the map."""
    if filters == Filters():
        return _bad_outlines(snapshot, scope).copy()
    return _invalid(snapshot, scope, filters)


def _invalid(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    return _parcels(snapshot, scope, filters, f"parcel_id, {GEOMETRY_PROBLEM} AS reason",
                    f"AND ({GEOMETRY_PROBLEM}) IS NOT NULL ORDER BY parcel_id", max_rows=100_000)


def _cells(snapshot: Snapshot, scope: Scope, filters: Filters, res: int) -> pd.DataFrame:
    """Per (res-``res`` cell, status) in DuckDB, then ``roll_up``; the dominant status of a
    cell is computed from its parcels (most parcels, then more area, then schema order).

    Parcels without ``h3_r7`` are left out; a parcel with an invalid outline still has its cell."""
    df = _parcels(snapshot, scope, filters,
                  f"{parent_sql('h3_r7', res)} AS cell, status, sum(n) AS n, sum(mu) AS mu, "
                  "coalesce(sum(mu) FILTER (WHERE list_contains($idle, status)), 0) AS idle",
                  "AND h3_r7 IS NOT NULL GROUP BY 1, status", {"idle": list(schema.IDLE_CLASSES)},
                  max_rows=200_000, table=cube.cells_source(filters))
    return roll_up(df, category="status", order=schema.PARCEL_STATUSES, count="parcels",
                   sums={"area_mu": "mu", "idle_mu": "idle"})


def largest_idle(snapshot: Snapshot, scope: Scope, filters: Filters, *, order_by: str = "area_mu",
                 descending: bool = True, limit: int = 50) -> pd.DataFrame:
    """Parcels still idle (status 批而未供 / 闲置 / 低效); ``order_by`` must be a sortable parcels
    column (ValueError otherwise), ties broken by parcel_id. ``area_m2`` for people who think in m²."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a non-negative int, got {limit!r}")
    order = order_by_clause("parcels", order_by, descending)
    if (order_by, descending) == cube.NOT_IN_USE_ORDER:  # the table's own order: no sort
        order = ""
    else:
        order += ", parcel_id"
    select = ", ".join("round(area_mu * 2000.0 / 3) AS area_m2" if c == "area_m2" else c
                       for c in IDLE_COLUMNS)
    return _parcels(snapshot, scope, filters, select,
                    f"AND list_contains($idle, status) {order} LIMIT $limit",
                    {"idle": list(schema.IDLE_CLASSES), "limit": limit}, max_rows=limit,
                    table="{parcels_not_in_use}")  # in memory (geo.cube)


def parcel_details(snapshot: Snapshot, scope: Scope, parcel_id: str) -> ParcelDetails | None:
    """One parcel (every column but the outline, plus a point inside it) and the projects built on
    it — "idle land reused by project X". None if unknown or out of scope."""
    found = query(snapshot, "SELECT * EXCLUDE (geometry), ST_X(ST_PointOnSurface(geometry)) AS lon, "
                  "ST_Y(ST_PointOnSurface(geometry)) AS lat FROM {parcels} l WHERE parcel_id = $pid",
                  {"pid": str(parcel_id)}, scope=scope).df
    if found.empty:
        return None
    projects = query(snapshot, f"SELECT {', '.join(PROJECT_COLUMNS)} FROM {{projects}} p "
                     "WHERE parcel_id = $pid ORDER BY project_id", {"pid": str(parcel_id)}, scope=scope).df
    return ParcelDetails(parcel=_record(found), projects=projects)


def land_summary(snapshot: Snapshot, scope: Scope, filters: Filters) -> dict:
    """Headline numbers: parcels and area in total and per status, area still idle, and disposed
    area that now carries a project (reuse, the point of disposal). Summed over the districts in
    the filter from sums per district and status (``geo.district_sums``)."""
    groups = district_sums.rows(_status_groups, snapshot, scope, filters)
    totals: dict[str, list] = {}  # status -> [parcels, area, reused area]
    for status, n, mu, reused in zip(groups["status"].tolist(), groups["n"].tolist(), groups["mu"].tolist(),
                                     groups["reused"].tolist()):
        acc = totals.setdefault(status, [0, 0.0, 0.0])
        acc[0] += int(n)
        acc[1] += 0.0 if mu is None or mu != mu else float(mu)
        acc[2] += 0.0 if reused is None or reused != reused else float(reused)  # NULL: no reuse
    by_status = {s: (totals[s][0], round(totals[s][1], 2)) if s in totals else (0, 0.0) for s in schema.PARCEL_STATUSES}
    return {
        "parcels": sum(acc[0] for acc in totals.values()),
        "area_mu": round(sum(acc[1] for acc in totals.values()), 2),
        "by_status": by_status,
        "remaining_idle_mu": round(sum(totals[s][1] for s in schema.IDLE_CLASSES if s in totals), 2),
        "reused_mu": round(sum(acc[2] for acc in totals.values()), 2),
    }


def _status_groups(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    # Reuse under a restricted scope may need the rows (``cube.needs_rows``); decided for the view
    # without the district filter, the rows answer every district selection exactly.
    table = cube.rows_source() if cube.needs_rows(snapshot, scope, filters) else cube.source(filters)
    return _parcels(snapshot, scope, filters,
                    "district_adcode, status, sum(n) AS n, sum(mu) AS mu, "
                    "sum(mu) FILTER (WHERE reused OR reused_other) AS reused",
                    "GROUP BY district_adcode, status ORDER BY ALL", table=table)
