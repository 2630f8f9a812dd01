"""The energy page's figures (能源设施): substations, plants, transformer areas and grid
headroom.

Like ``geo.investment`` every function is ``fn(snapshot, scope, filters, ...)``, the scope applied
by the query layer and the shared filters by ``filters.where(table)``.

Definitions (README "Energy assets" repeats them):
- a substation's firm power is its capacity in MVA × ``schema.POWER_FACTOR`` (0.9) in MW; its
  load rate is peak load ÷ that; its headroom is that minus the peak load. Only in-service
  stations have a load, so only they have a load rate and a headroom.
- district headroom adds up the in-service stations of ONE voltage level: the levels are in
  series (a 110 kV load also flows through a 220 kV station), so adding levels would count the
  same load twice.

Power supply for projects (supply points, risk) is ``geo.power_supply``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from geo import district_sums, schema
from geo.filters import Filters
from geo.hexes import parent_sql, roll_up
from geo.investment import _record
from geo.query import Scope, query
from geo.store import Snapshot

# Transformer-area cells are coloured by mean voltage pass rate (%): fixed classes, so a map
# means the same thing whatever is filtered. Lower bound of each class, worst first.
PASS_RATE_CLASSES = (0.0, 98.0, 99.0, 99.5)

STATION_COLUMNS = ["station_id", "name", "district_adcode", "voltage_kv", "transformer_count", "capacity_mva",
                   "peak_load_mw", "status", "commissioned_year"]
# The stations' columns with their load rate, band, headroom and position (also geo.power_supply).
STATION_SELECT = (", ".join(STATION_COLUMNS) + f", {schema.LOAD_RATE_SQL} AS load_rate_pct, "
                   f"{schema.LOAD_BAND_SQL} AS load_band, capacity_mva * {schema.POWER_FACTOR} - peak_load_mw "
                   "AS headroom_mw, ST_X(geometry) AS lon, ST_Y(geometry) AS lat")


def _rows(snapshot: Snapshot, scope: Scope, filters: Filters, table: str, select: str, tail: str = "",
          params: dict | None = None, **kw) -> pd.DataFrame:
    """``SELECT <select> FROM {table} WHERE <filters for table> <tail>``."""
    where, fparams = filters.where(table)
    sql = f"SELECT {select} FROM {{{table}}} x WHERE {where} {tail}"
    return query(snapshot, sql, {**fparams, **(params or {})}, scope=scope, **kw).df


def _district_only(filters: Filters) -> Filters:
    return Filters(districts=filters.districts)


# --- assets ----------------------------------------------------------------------------------------
# The district filter changes only which rows count, so the page's asset figures (stations,
# plants, load bands, governance steps, district headroom) are queried once per view without it
# and a district change picks and adds up rows (``geo.district_sums``): five queries on every
# district change were ~40 ms of the energy page's ~110 at 1 M parcels (profiled). The map's
# plants and abnormal transformer areas too (rows picked: their order is kept): two queries fewer,
# the query layer's time of a district change 12 -> 5 ms at 1 M parcels (measured).


def stations(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Filtered substations with load rate (%), load band, headroom (MW) and position; biggest
    voltage first so small symbols are drawn on top. Never modify the result in place."""
    return district_sums.rows(_stations, snapshot, scope, filters)


def _stations(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    df = _rows(snapshot, scope, filters, "substations", STATION_SELECT,
               "ORDER BY voltage_kv DESC, station_id", max_rows=200_000)
    df["load_rate_pct"] = df["load_rate_pct"].astype(float).round(1)
    df["headroom_mw"] = df["headroom_mw"].astype(float).round(1)
    return df


def plants(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Filtered power plants with position, largest first. Never modify the result in place."""
    return district_sums.rows(_plants, snapshot, scope, filters)


def _plants(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    return _rows(snapshot, scope, filters, "plants",
                 "plant_id, name, district_adcode, kind, capacity_mw, status, commissioned_year, "
                 "ST_X(geometry) AS lon, ST_Y(geometry) AS lat", "ORDER BY capacity_mw DESC, plant_id",
                 max_rows=200_000)


def plant_capacity(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Capacity (MW) and count per plant kind and status, every kind listed."""
    groups = district_sums.rows(_plant_groups, snapshot, scope, filters)
    mw, count = defaultdict(float), defaultdict(int)
    for kind, status, n, total in zip(groups["kind"].tolist(), groups["status"].tolist(),
                                      groups["plants"].tolist(), groups["mw"].tolist()):
        count[kind] += n
        if total is not None and total == total:  # a group of unknown capacities adds nothing
            mw[kind, status] += total
    kinds = list(schema.PLANT_KINDS)
    out = pd.DataFrame({"kind": kinds})
    for status in schema.ASSET_STATUSES:
        out[f"mw_{status}"] = [round(mw[kind, status], 2) for kind in kinds]
    out["plants"] = [count[kind] for kind in kinds]
    out["mw"] = out[[f"mw_{s}" for s in schema.ASSET_STATUSES]].sum(axis=1).round(2)
    return out


def _plant_groups(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    return _rows(snapshot, scope, filters, "plants",
                 "district_adcode, kind, status, count(*) AS plants, sum(capacity_mw) AS mw",
                 "GROUP BY district_adcode, kind, status ORDER BY ALL")


def load_band_counts(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """In-service stations per load band (every band listed)."""
    groups = district_sums.rows(_band_groups, snapshot, scope, filters)
    count = defaultdict(int)
    for band, n in zip(groups["load_band"].tolist(), groups["stations"].tolist()):
        count[band] += n
    return pd.DataFrame({"load_band": list(schema.LOAD_BANDS),
                         "stations": pd.array([count[b] for b in schema.LOAD_BANDS], dtype="int64")})


def _band_groups(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    return _rows(snapshot, scope, filters, "substations",
                 f"district_adcode, {schema.LOAD_BAND_SQL} AS load_band, count(*) AS stations",
                 "AND status = '在运' GROUP BY ALL ORDER BY ALL")


# --- transformer areas -----------------------------------------------------------------------------


def ta_cells(snapshot: Snapshot, scope: Scope, filters: Filters, res: int | None = None) -> pd.DataFrame:
    """Transformer areas per H3 cell (res 6 over several districts, 7 within one): areas, mean
    voltage pass rate (%) and abnormal areas. Columns: cell, areas, pass_rate_pct, abnormal,
    rated, state (dominant), lon, lat, boundary."""
    if res is None:
        res = 7 if len(filters.districts) == 1 else 6
    # grouped by district too, once per view without the district filter (as the assets above):
    # a district change runs no query (~5 ms at 20 k areas; profiled)
    df = district_sums.rows(_ta_cell_rows, snapshot, scope, filters, res)
    cells = roll_up(df, category="state", order=schema.TA_STATES, count="areas",
                    sums={"rate_sum": "rate_sum", "rated": "rated", "abnormal": "bad"})
    cells["rated"] = cells["rated"].astype("int64")
    cells["abnormal"] = cells["abnormal"].astype("int64")
    cells["pass_rate_pct"] = (cells["rate_sum"] / cells["rated"].where(cells["rated"] > 0)).round(2)
    return cells.drop(columns="rate_sum")


def _ta_cell_rows(snapshot: Snapshot, scope: Scope, filters: Filters, res: int) -> pd.DataFrame:
    return _rows(snapshot, scope, filters, "transformer_areas",
                 f"district_adcode, {parent_sql('h3_r7', res)} AS cell, state, count(*) AS n, "
                 "coalesce(sum(voltage_pass_rate), 0) AS rate_sum, count(voltage_pass_rate) AS rated, "
                 "count(*) FILTER (WHERE list_contains($abnormal, state)) AS bad",
                 "AND h3_r7 IS NOT NULL GROUP BY ALL", {"abnormal": list(schema.TA_ABNORMAL_STATES)},
                 max_rows=500_000)


def pass_rate_class(rate: float | None) -> int | None:
    """Index into ``PASS_RATE_CLASSES`` (0 = worst); None without a rate."""
    if rate is None or pd.isna(rate):
        return None
    return max(i for i, low in enumerate(PASS_RATE_CLASSES) if rate >= low)


def abnormal_areas(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Transformer areas under governance (待治理 / 治理中 / 待验证), one row each, worst pass
    rate first. Never modify the result in place."""
    return district_sums.rows(_abnormal_areas, snapshot, scope, filters)


def _abnormal_areas(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    return _rows(snapshot, scope, filters, "transformer_areas",
                 "area_id, station_id, district_adcode, voltage_pass_rate, low_voltage_users, imbalance_pct, state, "
                 "ST_X(geometry) AS lon, ST_Y(geometry) AS lat",
                 "AND list_contains($abnormal, state) ORDER BY voltage_pass_rate NULLS LAST, area_id",
                 {"abnormal": list(schema.TA_ABNORMAL_STATES)}, max_rows=200_000)


def governance_funnel(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """All areas, those with a governance plan, then each governance state (count per step)."""
    groups = district_sums.rows(_state_groups, snapshot, scope, filters)
    by_state = defaultdict(int)
    for state, n in zip(groups["state"].tolist(), groups["n"].tolist()):
        by_state[state] += int(n)
    steps = [("all", sum(by_state.values())), ("with_plan", sum(by_state[s] for s in schema.TA_GOVERNANCE_STATES))]
    steps += [(s, by_state[s]) for s in schema.TA_GOVERNANCE_STATES]
    return pd.DataFrame(steps, columns=["step", "areas"])


def _state_groups(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    return _rows(snapshot, scope, filters, "transformer_areas", "district_adcode, state, count(*) AS n",
                 "GROUP BY ALL ORDER BY ALL")


# --- headroom --------------------------------------------------------------------------------------


def district_headroom(snapshot: Snapshot, scope: Scope, filters: Filters, voltage_kv: int = 110) -> pd.DataFrame:
    """Per district: in-service stations of ``voltage_kv``, capacity (MVA and MW), peak (MW),
    headroom (MW) and load rate (%), most headroom first. Only the district filter applies: the
    figure is defined on in-service stations of one level whatever else is filtered."""
    if voltage_kv not in schema.VOLTAGES_KV:
        raise ValueError(f"voltage_kv must be one of {schema.VOLTAGES_KV}, got {voltage_kv!r}")
    return district_sums.rows(_district_headroom, snapshot, scope, _district_only(filters), voltage_kv, key="adcode")


def _district_headroom(snapshot: Snapshot, scope: Scope, filters: Filters, voltage_kv: int) -> pd.DataFrame:
    where, params = filters.where("districts", prefix="d_")
    df = query(snapshot, f"""
        SELECT d.adcode, d.name_zh, d.name_en, count(s.station_id) AS stations,
               coalesce(sum(s.capacity_mva), 0) AS capacity_mva,
               coalesce(sum(s.capacity_mva), 0) * {schema.POWER_FACTOR} AS capacity_mw,
               coalesce(sum(s.peak_load_mw), 0) AS peak_mw
        FROM {{districts}} d
        LEFT JOIN (SELECT * FROM {{substations}} WHERE status = '在运' AND voltage_kv = $kv
                   AND capacity_mva IS NOT NULL) s ON s.district_adcode = d.adcode
        WHERE {where} GROUP BY d.adcode, d.name_zh, d.name_en""", {**params, "kv": voltage_kv}, scope=scope).df
    for col in ("capacity_mva", "capacity_mw", "peak_mw"):
        df[col] = df[col].astype(float).round(1)
    df["headroom_mw"] = (df["capacity_mw"] - df["peak_mw"]).round(1)
    df["load_rate_pct"] = (df["peak_mw"] / df["capacity_mw"].where(df["capacity_mw"] > 0) * 100).round(1)
    return df.sort_values(["headroom_mw", "adcode"], ascending=[False, True], ignore_index=True)


# --- one station -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class StationDetails:
    station: dict
    areas: pd.DataFrame  # per governance state: areas, mean pass rate, low-voltage users
    abnormal: pd.DataFrame  # the station's abnormal areas, worst first
    projects: pd.DataFrame  # projects whose supply point it is


def station_record(snapshot: Snapshot, scope: Scope, station_id: str) -> dict | None:
    """One substation's fields with its lon/lat (the map moves to a station opened by a link, as
    to a project); None if unknown or out of scope."""
    found = query(snapshot, f"SELECT {STATION_SELECT} FROM {{substations}} s WHERE station_id = $sid",
                  {"sid": str(station_id)}, scope=scope).df
    return None if found.empty else _record(found)


def station_details(snapshot: Snapshot, scope: Scope, station_id: str, supply: pd.DataFrame) -> StationDetails | None:
    """A substation with the transformer areas it feeds and the projects that rely on it
    (``supply`` is ``project_supply``'s result). None if unknown or out of scope."""
    station = station_record(snapshot, scope, station_id)
    if station is None:
        return None
    areas = query(snapshot, """
        SELECT state, count(*) AS areas, avg(voltage_pass_rate) AS pass_rate_pct,
               sum(low_voltage_users) AS low_voltage_users
        FROM {transformer_areas} t WHERE station_id = $sid GROUP BY state""", {"sid": str(station_id)}, scope=scope).df
    areas = pd.DataFrame({"state": list(schema.TA_STATES)}).merge(areas, on="state", how="left")
    areas["areas"] = areas["areas"].fillna(0).astype("int64")
    areas["pass_rate_pct"] = areas["pass_rate_pct"].astype(float).round(2)
    abnormal = query(snapshot, """
        SELECT area_id, state, voltage_pass_rate, low_voltage_users, imbalance_pct
        FROM {transformer_areas} t WHERE station_id = $sid AND list_contains($abnormal, state)
        ORDER BY voltage_pass_rate NULLS LAST, area_id""",
                     {"sid": str(station_id), "abnormal": list(schema.TA_ABNORMAL_STATES)}, scope=scope).df
    projects = supply[supply["station_id"] == str(station_id)].sort_values(
        ["demand_mw", "project_id"], ascending=[False, True], ignore_index=True)
    return StationDetails(station=station, areas=areas, abnormal=abnormal, projects=projects)


# --- data quality ----------------------------------------------------------------------------------

QUALITY_PROBLEMS = ("overloaded", "no_capacity", "no_load", "zero_capacity")


def quality_problems(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Rows the page must show and flag rather than hide: substations loaded above their firm
    capacity (load rate > 100 %), substations without a capacity, in-service substations
    without a load, plants with zero capacity. Columns: table, id, name, problem, value."""
    stations_ = _rows(snapshot, scope, filters, "substations",
                      f"station_id AS id, name, status, capacity_mva, peak_load_mw, {schema.LOAD_RATE_SQL} AS rate",
                      "AND (capacity_mva IS NULL OR capacity_mva <= 0 OR "
                      f"{schema.LOAD_RATE_SQL} > 100 OR (status = '在运' AND peak_load_mw IS NULL))")
    rows = []
    for r in stations_.itertuples(index=False):
        if pd.isna(r.capacity_mva) or r.capacity_mva <= 0:
            rows.append(("substations", r.id, r.name, "no_capacity", r.capacity_mva))
        elif pd.notna(r.rate) and r.rate > 100:
            rows.append(("substations", r.id, r.name, "overloaded", round(float(r.rate), 1)))
        else:
            rows.append(("substations", r.id, r.name, "no_load", None))
    plants_ = _rows(snapshot, scope, filters, "plants", "plant_id AS id, name, capacity_mw",
                    "AND (capacity_mw IS NULL OR capacity_mw <= 0)")
    rows += [("plants", r.id, r.name, "zero_capacity", r.capacity_mw) for r in plants_.itertuples(index=False)]
    return pd.DataFrame(rows, columns=["table", "id", "name", "problem", "value"])
