"""Per-snapshot precomputed parcel tables, so a filter change at 1 M parcels scans thousands of rows.

Why: every land figure is an aggregate over the parcels matching the shared filters. Scanning the
million-row Parquet for each of them cost 40–400 ms per query under load, ~1 s per filter change.
The filters the land page offers are categorical (district, park, status, use, disposal method,
supply mode) or a disposal year, so the parcels can be grouped by those columns once per snapshot
(a "cube", ~7,000 rows at 1 M parcels) and every figure summed from the groups:

* ``{parcel_cube}``: count ``n`` and area ``mu`` per (district, park, status, idle_class, use,
  disposal method, supply mode, listing month, disposal month, reuse flags).
* ``{parcel_cells}``: the same per (H3 res-7 cell, status, filter columns) for the aggregated map.
* ``{parcels_not_in_use}``: the ~15 % of parcels not 在用 (still idle, or disposed), every column
  with the outline, in memory: rows for the "largest idle parcels" table (a top-N needs rows, not
  groups), and the outlines the land map draws when the status filter leaves out 在用 (read from
  the 1 M-row Parquet file, 已处置 alone cost ~100 ms of query per filter change; ~2 ms here).

Exactness: the dates are truncated to the first of their month. Every date condition the land
queries use compares with 1 January of a year (stock, disposed in year, ``year()``, ``month()``),
and for those truncation to the month changes no answer. Sums of partial sums equal the raw sums
up to the order of floating-point additions, which DuckDB's parallel aggregation does not fix
either; figures are rounded to 0.01 亩. Filters the cube cannot answer (area ranges: area is summed
away) fall back to ``row_source``, the raw parcels in the same shape (``n`` = 1, ``mu`` = area).

Scope: the tables are built unscoped but keep ``district_adcode``, and the query layer restricts
them to the caller's scope like any table (``geo.snapshot_db.register_derived``). The reuse flag depends
on *which* projects are visible: ``reused`` = a project of the parcel's own district stands on it
(visible whenever the parcel is); ``reused_other`` = only projects of other districts do, which a
restricted scope may hide, so ``needs_rows`` sends such views to the raw query.
"""

from __future__ import annotations

from geo import schema
from geo.filters import Filters
from geo.query import Scope, order_by_clause, query
from geo.snapshot_db import register_derived
from geo.store import Snapshot

# Filter columns the cube keeps under their own names, so ``Filters.where("parcels")`` applies to
# the cube unchanged. (area_mu is not among them: it is what gets summed.)
_KEYS = "district_adcode, park, status, land_use, disposal_method, supply_mode"
_MONTH = "CAST(date_trunc('month', {col}) AS DATE) AS {col}"
_PROJECT_DISTRICT = "(SELECT list(DISTINCT district_adcode) FROM {projects} p WHERE p.parcel_id = l.parcel_id)"

register_derived("parcel_cube", f"""
    WITH r AS (
        SELECT l.*, {_PROJECT_DISTRICT} AS on_it FROM {{parcels}} l)
    SELECT {_KEYS}, idle_class, {_MONTH.format(col="listed_on")}, {_MONTH.format(col="disposed_on")},
           coalesce(status = '已处置' AND list_contains(on_it, district_adcode), false) AS reused,
           coalesce(status = '已处置' AND len(on_it) > 0 AND NOT list_contains(on_it, district_adcode),
                    false) AS reused_other,
           count(*) AS n, sum(area_mu) AS mu
    FROM r GROUP BY ALL""")

register_derived("parcel_cells", f"""
    SELECT {_KEYS}, {_MONTH.format(col="disposed_on")}, h3_r7, count(*) AS n, sum(area_mu) AS mu
    FROM {{parcels}} WHERE h3_r7 IS NOT NULL GROUP BY ALL""", late=True)  # the land map only

# Late: ~0.3 s at 1 M parcels (it reads the outlines); the land page's only.
IN_USE = "在用"
# Kept largest first, the idle-land table's default order: its top 50 is then a scan that stops at
# the 50th match instead of a sort of ~150 k rows (~13 → ~2 ms a status change at 1 M parcels).
# DuckDB keeps a table's order through WHERE and LIMIT (its documented order preservation).
NOT_IN_USE_ORDER = ("area_mu", True)
register_derived("parcels_not_in_use", f"""
    SELECT {", ".join(c.name for c in schema.columns("parcels"))} FROM {{parcels}} WHERE status <> '{IN_USE}'
    {order_by_clause("parcels", *NOT_IN_USE_ORDER)}, parcel_id""", late=True)

# The raw parcels in the cube's shape, for views the cube cannot answer. Same column names, so the
# land queries are written once; the dates here are exact (no truncation needed for a single row).
_ROWS = ("(SELECT l.*, 1 AS n, area_mu AS mu, "
         "coalesce(status = '已处置' AND parcel_id IN (SELECT parcel_id FROM {projects} p "
         "WHERE parcel_id IS NOT NULL), false) AS reused, false AS reused_other FROM {parcels} l)")


def answers(filters: Filters) -> bool:
    """Whether the cube can answer ``filters`` exactly (not area ranges, which it sums away)."""
    return filters.area_min is None and filters.area_max is None


def source(filters: Filters) -> str:
    """The table expression aggregate land queries read: the cube, or the raw rows in its shape."""
    return "{parcel_cube}" if answers(filters) else _ROWS


def cells_source(filters: Filters) -> str:
    return "{parcel_cells}" if answers(filters) else "(SELECT *, 1 AS n, area_mu AS mu FROM {parcels})"


def outline_source(filters: Filters) -> str:
    """Where the land map reads parcel outlines: the in-memory parcels not in use when the status
    filter leaves 在用 out (every other filter applies to them unchanged), else the Parquet file."""
    statuses = filters.parcel_statuses
    return "{parcels_not_in_use}" if statuses and IN_USE not in statuses else "{parcels}"


def needs_rows(snapshot: Snapshot, scope: Scope, filters: Filters) -> bool:
    """True when reuse under a restricted scope depends on projects the cube cannot see (parcels
    in scope built on only by projects of other districts): then reuse is counted from rows."""
    if scope.is_all or not answers(filters):
        return False
    where, params = filters.where("parcels")
    found = query(snapshot, f"SELECT count(*) AS k FROM {{parcel_cube}} l WHERE reused_other AND {where}",
                  params, scope=scope).df
    return int(found["k"].iloc[0]) > 0


def rows_source() -> str:
    return _ROWS
