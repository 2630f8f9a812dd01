"""The energy page's figures (能源设施): substations, plants, transformer areas, grid headroom and
power supply for projects.

Like ``geo.investment`` every function is ``fn(snapshot, scope, filters, ...)``, the scope applied
by the query layer and the shared filters by ``filters.where(table)``.

Definitions (README "Energy assets" repeats them):
- a substation's firm power is its capacity in MVA × ``schema.POWER_FACTOR`` (0.9) in MW; its
  load rate is peak load ÷ that; its headroom is that minus the peak load. Only in-service
  stations have a load, so only they have a load rate and a headroom.
- district headroom adds up the in-service stations of ONE voltage level: the levels are in
  series (a 110 kV load also flows through a 220 kV station), so adding levels would count the
  same load twice.
- a project's supply point is the nearest in-service substation of 110 kV or above, with the
  distance measured in ``schema.METRIC_CRS`` (CGCS2000 / 3-degree Gauss-Kruger CM 114E). Its
  demand is covered when it is at most the station's headroom. The new load waiting on a
  station is the demand of the projects relying on it that are not producing yet (a producing
  project's load is already in the measured peak).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import district_sums, schema
from geo.filters import Filters
from geo.hexes import parent_sql, roll_up
from geo.investment import _record
from geo.query import Scope, query
from geo.store import Snapshot

SUPPLY_MIN_KV = 110  # projects connect to 110 kV and above
DEFAULT_MAX_DISTANCE_KM = 10.0
MAX_RISK_SHOWN = 2_000  # at-risk projects drawn and listed (largest demand first); the count is always whole
# Transformer-area cells are coloured by mean voltage pass rate (%): fixed classes, so a map
# means the same thing whatever is filtered. Lower bound of each class, worst first.
PASS_RATE_CLASSES = (0.0, 98.0, 99.0, 99.5)

STATION_COLUMNS = ["station_id", "name", "district_adcode", "voltage_kv", "transformer_count", "capacity_mva",
                   "peak_load_mw", "status", "commissioned_year"]
_STATION_SELECT = (", ".join(STATION_COLUMNS) + f", {schema.LOAD_RATE_SQL} AS load_rate_pct, "
                   f"{schema.LOAD_BAND_SQL} AS load_band, capacity_mva * {schema.POWER_FACTOR} - peak_load_mw "
                   "AS headroom_mw, ST_X(geometry) AS lon, ST_Y(geometry) AS lat")
_TO_METRIC = Transformer.from_crs(schema.STORAGE_CRS, schema.METRIC_CRS, always_xy=True)


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
    df = _rows(snapshot, scope, filters, "substations", _STATION_SELECT,
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


# --- power supply for projects ---------------------------------------------------------------------


def project_supply(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every project with a power demand, its nearest in-service substation of 110 kV or above,
    the distance (km) and whether the station's headroom covers the demand.

    Pages call it with empty filters (once per snapshot, cached) and filter the result. Columns:
    project_id, name, district_adcode, stage, demand_mw, lon, lat, station_id, station_name,
    station_kv, station_lon, station_lat, distance_km, headroom_mw, covered, pending_mw (new
    load waiting on the station, see the module docstring). A project with no candidate station
    has station_id None and covered False.
    """
    projects = _rows(snapshot, scope, filters, "projects",
                     "project_id, name, district_adcode, stage, power_demand_mw AS demand_mw, "
                     "ST_X(geometry) AS lon, ST_Y(geometry) AS lat",
                     "AND power_demand_mw IS NOT NULL AND power_demand_mw > 0 ORDER BY project_id", max_rows=10_000_000)
    candidates = query(snapshot, f"SELECT {_STATION_SELECT} FROM {{substations}} s WHERE status = '在运' "
                       "AND voltage_kv >= $kv ORDER BY station_id", {"kv": SUPPLY_MIN_KV}, scope=scope).df
    out = projects.copy()
    if len(candidates) and len(out):
        nearest, distance = _nearest(out["lon"], out["lat"], candidates["lon"], candidates["lat"])
        pick = candidates.iloc[nearest].reset_index(drop=True)
    else:  # nothing to connect to: every project is uncovered
        distance = np.full(len(out), np.nan)
        pick = pd.DataFrame(index=range(len(out)), columns=["station_id", "name", "voltage_kv", "lon", "lat",
                                                             "headroom_mw"], dtype=object)
    out["station_id"] = pick["station_id"].to_numpy()
    out["station_name"] = pick["name"].to_numpy()
    out["station_kv"] = pick["voltage_kv"].to_numpy()
    out["station_lon"] = pick["lon"].astype(float).to_numpy()
    out["station_lat"] = pick["lat"].astype(float).to_numpy()
    out["distance_km"] = np.round(distance / 1000.0, 2)
    out["headroom_mw"] = pick["headroom_mw"].astype(float).round(1).to_numpy()
    out["covered"] = (out["demand_mw"] <= out["headroom_mw"]).fillna(False).astype(bool)
    waiting = out[out["stage"] != "投产"].groupby("station_id")["demand_mw"].sum()
    out["pending_mw"] = out["station_id"].map(waiting).fillna(0.0).astype(float).round(2)
    return out


def _nearest(lon, lat, station_lon, station_lat) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest station for each point and the distance in metres (metric CRS)."""
    px, py = _TO_METRIC.transform(np.asarray(lon, float), np.asarray(lat, float))
    sx, sy = _TO_METRIC.transform(np.asarray(station_lon, float), np.asarray(station_lat, float))
    tree = shapely.STRtree(shapely.points(sx, sy))
    (point_idx, station_idx), distance = tree.query_nearest(shapely.points(px, py), return_distance=True,
                                                            all_matches=False)
    order = np.argsort(point_idx, kind="stable")
    return station_idx[order], distance[order]


RISK_REASONS = ("no_station", "over_headroom", "too_far")


def _in_districts(supply: pd.DataFrame, filters: Filters) -> np.ndarray:
    """Which of ``supply``'s rows are in the filtered districts (all without a district filter).
    Masks, not sub-frames: taking 20 k of 57 k rows' 16 columns cost more than the figures."""
    if not filters.districts:
        return np.ones(len(supply), dtype=bool)
    return supply["district_adcode"].isin(filters.districts).to_numpy()


def supply_summary(supply: pd.DataFrame, filters: Filters) -> dict:
    """Projects with a demand in the filtered districts: count, total demand (MW), covered."""
    mask = _in_districts(supply, filters)
    return {"projects": int(mask.sum()), "demand_mw": float(supply["demand_mw"].to_numpy()[mask].sum()),
            "covered": int(supply["covered"].to_numpy()[mask].sum())}


def at_risk(supply: pd.DataFrame, filters: Filters, max_distance_km: float = DEFAULT_MAX_DISTANCE_KM) -> pd.DataFrame:
    """Projects whose supply is at risk: no candidate station, demand above the station's headroom,
    or farther than ``max_distance_km``; in the filtered districts, largest demand first. Adds
    ``reasons``: the RISK_REASONS that apply, in that order."""
    no_station = supply["station_id"].isna().to_numpy()
    flags = np.column_stack([no_station, ~no_station & ~supply["covered"].to_numpy(dtype=bool),
                             supply["distance_km"].to_numpy(dtype=float) > max_distance_km])  # NaN: not far
    risky = flags.any(axis=1) & _in_districts(supply, filters)
    out = supply[risky].copy()
    out["reasons"] = [tuple(r for r, on in zip(RISK_REASONS, row) if on) for row in flags[risky].tolist()]
    return out.sort_values(["demand_mw", "project_id"], ascending=[False, True], ignore_index=True)


@dataclass(frozen=True, eq=False)
class SupplyByDistrict:
    """The supply table's figures at one distance, ready for any district selection: the
    projects at risk of the whole store (largest demand first) with each district's positions
    among them, and each district's (projects, demand MW, covered). A district change then picks
    rows and adds up nine numbers; matching 57 k projects' districts and sorting their risks
    again took ~7 ms of every district change at 1 M parcels (profiled)."""

    risk: pd.DataFrame
    risk_rows: dict  # district -> ascending positions in ``risk``: picked rows keep its order
    sums: dict  # district -> (projects, demand_mw, covered); None -> the whole table's
    far_only: np.ndarray  # per row of ``risk``: at risk only for the distance (so also "covered")


def supply_by_district(supply: pd.DataFrame, max_distance_km: float = DEFAULT_MAX_DISTANCE_KM) -> SupplyByDistrict:
    risk = at_risk(supply, Filters(), max_distance_km)
    demand, covered = supply["demand_mw"].to_numpy(dtype=float), supply["covered"].to_numpy(dtype=bool)
    sums = {code: (len(at), float(demand[at].sum()), int(covered[at].sum()))
            for code, at in supply.groupby("district_adcode", sort=False).indices.items()}
    sums[None] = (len(supply), float(demand.sum()), int(covered.sum()))
    far_only = np.array([reasons == ("too_far",) for reasons in risk["reasons"].tolist()], dtype=bool)
    return SupplyByDistrict(risk, risk.groupby("district_adcode", sort=False).indices, sums, far_only)


def supply_view(by_district: SupplyByDistrict, filters: Filters) -> dict:
    """For the filtered districts: ``supply_summary``'s figures, the number of projects at risk
    ("at_risk"; "far_only" of them are at risk only for the distance, so also among the covered)
    and the first ``MAX_RISK_SHOWN`` of them, the ones pages draw and list ("risk"; "risk_rows":
    their positions in ``by_district.risk``). Only those are kept: a cached view of all 57 k projects at 1 M parcels was ~35 MB."""
    risk = by_district.risk
    if filters.districts:
        codes = list(dict.fromkeys(filters.districts))
        picked = [by_district.risk_rows[c] for c in codes if c in by_district.risk_rows]
        at = np.sort(np.concatenate(picked)) if picked else np.empty(0, dtype=np.intp)
        figures = [by_district.sums.get(c, (0, 0.0, 0)) for c in codes]
        projects, demand, covered = (sum(f[i] for f in figures) for i in range(3))
    else:
        at = np.arange(len(risk))
        projects, demand, covered = by_district.sums[None]
    return {"projects": int(projects), "demand_mw": float(demand), "covered": int(covered), "at_risk": len(at),
            "far_only": int(by_district.far_only[at].sum()),
            "risk": risk.take(at[:MAX_RISK_SHOWN]).reset_index(drop=True), "risk_rows": at[:MAX_RISK_SHOWN]}


# --- one station -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class StationDetails:
    station: dict
    areas: pd.DataFrame  # per governance state: areas, mean pass rate, low-voltage users
    abnormal: pd.DataFrame  # the station's abnormal areas, worst first
    projects: pd.DataFrame  # projects whose supply point it is


def station_details(snapshot: Snapshot, scope: Scope, station_id: str, supply: pd.DataFrame) -> StationDetails | None:
    """A substation with the transformer areas it feeds and the projects that rely on it
    (``supply`` is ``project_supply``'s result). None if unknown or out of scope."""
    found = query(snapshot, f"SELECT {_STATION_SELECT} FROM {{substations}} s WHERE station_id = $sid",
                  {"sid": str(station_id)}, scope=scope).df
    if found.empty:
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
    return StationDetails(station=_record(found), areas=areas, abnormal=abnormal, projects=projects)


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
