"""Power supply for projects (the energy page's 项目供电保障, a project's panel on the
investment page): each project's supply point, and which projects are at risk.

Definitions (README "Energy assets" repeats them):
- a project's supply point is the nearest in-service substation of 110 kV or above, with the
  distance measured in ``schema.METRIC_CRS`` (CGCS2000 / 3-degree Gauss-Kruger CM 114E). Its
  demand is covered when it is at most the station's headroom (``geo.energy``). The new load
  waiting on a station is the demand of the projects relying on it that are not producing yet (a
  producing project's load is already in the measured peak).
- a project is at risk when it has no supply point, its demand exceeds the headroom, its
  station's pending load does (the project not producing yet: the station cannot take every
  project waiting on it, though each alone fits), or the station is farther than the chosen
  distance (``RISK_REASONS``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo import schema
from geo.energy import STATION_SELECT
from geo.filters import Filters
from geo.query import Scope, query
from geo.store import Snapshot

SUPPLY_MIN_KV = 110  # projects connect to 110 kV and above
DEFAULT_MAX_DISTANCE_KM = 10.0
# At-risk projects drawn and listed (largest demand first); the count is always whole. At 1 M
# parcels (100 k projects on the same 2,000 stations) 51 k wait on overcommitted stations: 2,000
# rows and rings made a voltage change send 2.1 MB, above the 2 MB a filter change may send.
MAX_RISK_SHOWN = 1_000
_TO_METRIC = Transformer.from_crs(schema.STORAGE_CRS, schema.METRIC_CRS, always_xy=True)


def project_supply(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every project with a power demand, its nearest in-service substation of 110 kV or above,
    the distance (km) and whether the station's headroom covers the demand.

    Pages call it with empty filters (once per snapshot, cached) and filter the result. Columns:
    project_id, name, district_adcode, stage, demand_mw, lon, lat, station_id, station_name,
    station_kv, station_lon, station_lat, distance_km, headroom_mw, covered, pending_mw (new
    load waiting on the station, see the module docstring), overcommitted (the project waits on a
    station whose pending load is above its headroom). A project with no candidate station has
    station_id None and covered False.
    """
    where, params = filters.where("projects")
    projects = query(snapshot, "SELECT project_id, name, district_adcode, stage, power_demand_mw AS demand_mw, "
                     f"ST_X(geometry) AS lon, ST_Y(geometry) AS lat FROM {{projects}} p WHERE {where} "
                     "AND power_demand_mw IS NOT NULL AND power_demand_mw > 0 ORDER BY project_id", params,
                     scope=scope, max_rows=10_000_000).df
    candidates = query(snapshot, f"SELECT {STATION_SELECT} FROM {{substations}} s WHERE status = '在运' "
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
    out["pending_mw"] = out["station_id"].map(pending_load(out)).fillna(0.0).astype(float).round(2)
    out["overcommitted"] = ((out["stage"] != "投产") & (out["pending_mw"] > out["headroom_mw"])).fillna(False).astype(bool)
    return out


def pending_load(supply: pd.DataFrame) -> pd.Series:
    """station_id -> the new load waiting on it (MW): the demand of the projects it supplies that
    are not producing yet (``project_supply``'s rows). Stations no project waits on are absent."""
    return supply[supply["stage"] != "投产"].groupby("station_id")["demand_mw"].sum()


def with_pending(stations: pd.DataFrame, supply: pd.DataFrame) -> pd.DataFrame:
    """``stations`` with ``pending_mw``: 0 for a supply point no project waits on, empty for a
    station that supplies no project (below ``SUPPLY_MIN_KV``, not in service). Beside the
    headroom in the station list, the tooltip and the extracts: a station showing 22.9 MW free
    had 44.8 MW waiting on it, in its panel only (tester 18)."""
    supplies = (stations["status"] == "在运") & (stations["voltage_kv"].astype(float) >= SUPPLY_MIN_KV)
    pending = stations["station_id"].map(pending_load(supply)).astype(float)
    return stations.assign(pending_mw=pending.where(~supplies | pending.notna(), 0.0).where(supplies).round(2))


def _nearest(lon, lat, station_lon, station_lat) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest station for each point and the distance in metres (metric CRS)."""
    px, py = _TO_METRIC.transform(np.asarray(lon, float), np.asarray(lat, float))
    sx, sy = _TO_METRIC.transform(np.asarray(station_lon, float), np.asarray(station_lat, float))
    tree = shapely.STRtree(shapely.points(sx, sy))
    (point_idx, station_idx), distance = tree.query_nearest(shapely.points(px, py), return_distance=True,
                                                            all_matches=False)
    order = np.argsort(point_idx, kind="stable")
    return station_idx[order], distance[order]


# "overcommitted" only for a project whose own demand fits (else "over_headroom" says more): at
# 月塘变 36.9 MW of headroom awaited 67.9 MW, and none of its projects had been flagged (tester 7).
RISK_REASONS = ("no_station", "over_headroom", "overcommitted", "too_far")


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
    covered = supply["covered"].to_numpy(dtype=bool)
    flags = np.column_stack([no_station, ~no_station & ~covered, covered & supply["overcommitted"].to_numpy(dtype=bool),
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


def supply_by_district(supply: pd.DataFrame, max_distance_km: float = DEFAULT_MAX_DISTANCE_KM) -> SupplyByDistrict:
    risk = at_risk(supply, Filters(), max_distance_km)
    demand, covered = supply["demand_mw"].to_numpy(dtype=float), supply["covered"].to_numpy(dtype=bool)
    sums = {code: (len(at), float(demand[at].sum()), int(covered[at].sum()))
            for code, at in supply.groupby("district_adcode", sort=False).indices.items()}
    sums[None] = (len(supply), float(demand.sum()), int(covered.sum()))
    return SupplyByDistrict(risk, risk.groupby("district_adcode", sort=False).indices, sums)


def supply_view(by_district: SupplyByDistrict, filters: Filters) -> dict:
    """For the filtered districts: ``supply_summary``'s figures, the number of projects at risk
    ("at_risk") and of the others ("secure": the two add up to "projects"; "covered", each
    project against its station's headroom alone, overlaps the risks) and the first
    ``MAX_RISK_SHOWN`` of them, the ones pages draw and list ("risk"; "risk_rows":
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
            "secure": int(projects) - len(at),
            "risk": risk.take(at[:MAX_RISK_SHOWN]).reset_index(drop=True), "risk_rows": at[:MAX_RISK_SHOWN]}
