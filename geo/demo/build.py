"""Assemble the whole demo store: every table, joined to districts, checked, ready to write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.boundaries import load_districts
from geo.demo import grid, land, projects, tasks
from geo.demo.layout import Frame, scatter
from geo.demo.places import PLACE_BY_NAME, PLACES, places_in
from geo.join import add_h3_cells, assign_districts
from geo.schema import PRIMARY_KEYS, STORAGE_CRS, column_names

AS_OF = date(2023, 9, 30)  # 数据截至: "overdue", "this year" … are computed against this date
DEFAULT_SEED = 20230930


@dataclass(frozen=True)
class Scale:
    """Rows added on top of the calibrated demo, for benchmark stores (0 = the plain demo).

    Extra projects are county-level (县重点), so the 549 city key projects and their ★ figures
    stay exact; extra parcels are listed after 2022, so the 2022 disposal rates stay exact too.
    Extra transformer areas, substations and tasks do change those tables' counts.
    """

    parcels: int = 0
    projects: int = 0
    transformer_areas: int = 0
    substations: int = 0
    tasks: int = 0

    @property
    def is_demo(self) -> bool:
        return not any((self.parcels, self.projects, self.transformer_areas, self.substations, self.tasks))


class DemoBuildError(RuntimeError):
    pass


def build_demo(seed: int = DEFAULT_SEED, scale: Scale = Scale(), *, progress=None) -> dict[str, pd.DataFrame]:
    """Every table of the store as (Geo)DataFrames in schema column order. Deterministic in ``seed``."""
    say = progress or (lambda message: None)
    rng = np.random.default_rng(seed)
    districts = load_districts()
    frame = Frame.from_districts(districts)
    say("parcels")
    parcels = land.build_parcels(rng, frame, AS_OF, extra=scale.parcels)
    say("projects")
    key = projects.build_projects(rng, AS_OF)
    _place_projects(rng, frame, key, parcels)
    if scale.projects:
        county = projects.build_county_projects(rng, scale.projects, AS_OF)
        _place_projects(rng, frame, county, None)
        key = pd.concat([key, county], ignore_index=True)
    say("grid")
    stations = grid.build_substations(rng, frame, extra=scale.substations)
    plants = grid.build_plants(rng, frame)
    areas = grid.build_transformer_areas(rng, frame, stations, count=grid.TA_COUNT + scale.transformer_areas)
    say("tasks")
    task_rows = tasks.build_tasks(rng, key[key["level"] != "县重点"], AS_OF, extra=scale.tasks)
    say("district join")
    tables = {
        "districts": districts,
        "projects": key,
        "tasks": task_rows,
        "parcels": parcels,
        "substations": stations,
        "plants": plants,
        "transformer_areas": areas,
    }
    return {name: _finish(name, frame_, districts) for name, frame_ in tables.items()}


def _place_projects(rng: np.random.Generator, frame: Frame, rows: pd.DataFrame, parcels: pd.DataFrame | None) -> None:
    """Put each project on a parcel (industrial projects with land) or at a point near its place."""
    rows["parcel_id"] = None
    rows["geometry"] = None
    if parcels is not None:
        _link_parcels(rng, rows, parcels)
    todo = rows["geometry"].isna().to_numpy().copy()
    fixed = todo & rows.get("lonlat", pd.Series(None, index=rows.index)).notna().to_numpy()
    for k in np.flatnonzero(fixed):
        rows.at[k, "geometry"] = shapely.Point(*rows.at[k, "lonlat"])
    todo &= ~fixed
    # Everything else: scattered around its park, or a town of its district.
    anchor_place = np.array([p if isinstance(p, str) else None for p in rows["park"]], dtype=object)
    for k in np.flatnonzero(todo & pd.isna(anchor_place)):
        towns = places_in(rows.at[k, "district_adcode"], "town")
        anchor_place[k] = towns[int(rng.integers(len(towns)))].name
    for name in pd.unique(anchor_place[todo]):
        idx = np.flatnonzero(todo & (anchor_place == name))
        x, y = scatter(rng, frame, PLACE_BY_NAME[name], len(idx), spread_km=PLACE_BY_NAME[name].spread_km * 0.8)
        lon, lat = frame.lonlat(x, y)
        rows.loc[idx, "geometry"] = pd.Series(list(shapely.points(lon, lat)), index=idx)


def _link_parcels(rng: np.random.Generator, rows: pd.DataFrame, parcels: pd.DataFrame) -> None:
    """Industrial projects with land stand on a parcel of their district: land in use, or
    formerly idle land disposed before the project started (the "idle land reused" story)."""
    used = np.zeros(len(parcels), bool)
    usable = (parcels["status"].isin(["在用", "已处置"]) & parcels["land_use"].isin(["工业", "仓储"])).to_numpy()
    p_adcode = parcels["place_adcode"].to_numpy()
    p_place = parcels["place"].to_numpy()
    ready = np.array([d if isinstance(d, date) else None for d in
                      parcels["disposed_on"].where(parcels["disposed_on"].notna(), parcels["supplied_on"])],
                     dtype=object)
    for k in range(len(rows)):
        named = rows.at[k, "parcel"] if "parcel" in rows else None
        if isinstance(named, str):
            hit = np.flatnonzero((p_place == named) & parcels["named_area"].notna().to_numpy())[0]
            _settle_on(rows, k, parcels, hit, used)
            continue
        wants = rows.at[k, "category"] == "产业发展" and (
            rows.at[k, "stage"] in ("在建", "竣工", "投产") or rng.random() < 0.15)
        if not wants:
            continue
        start = rows.at[k, "actual_start"]
        ok = usable & ~used & (p_adcode == rows.at[k, "district_adcode"])
        if isinstance(start, date):
            ok &= np.array([r is None or r <= start for r in ready])
        same_park = ok & (p_place == rows.at[k, "park"])
        pool = np.flatnonzero(same_park) if same_park.any() else np.flatnonzero(ok)
        if len(pool):
            _settle_on(rows, k, parcels, int(rng.choice(pool)), used)


def _settle_on(rows: pd.DataFrame, k: int, parcels: pd.DataFrame, hit: int, used: np.ndarray) -> None:
    used[hit] = True
    rows.at[k, "parcel_id"] = parcels.at[hit, "parcel_id"]
    rows.at[k, "geometry"] = parcels.at[hit, "geometry"].representative_point()
    if isinstance(parcels.at[hit, "park"], str):
        rows.at[k, "park"] = parcels.at[hit, "park"]


def _finish(table: str, rows: pd.DataFrame, districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """Schema columns only; district from the spatial join, checked against the intended one."""
    if table in ("districts", "tasks"):
        return rows[column_names(table)].reset_index(drop=True)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=STORAGE_CRS)
    intended = gdf.pop("place_adcode") if "place_adcode" in gdf else gdf.get("district_adcode")
    joined, outside = assign_districts(gdf, districts, id_column=PRIMARY_KEYS[table])
    if len(outside):
        raise DemoBuildError(f"{table}: {len(outside)} features outside every district, e.g. "
                             f"{outside.head(3).to_dict('records')}")
    if intended is not None:
        wrong = joined["district_adcode"].to_numpy() != np.asarray(intended, dtype=object)
        if wrong.any():
            sample = joined.loc[wrong, [PRIMARY_KEYS[table], "district_adcode"]].head(3).to_dict("records")
            raise DemoBuildError(f"{table}: {wrong.sum()} features landed outside their intended district: {sample}")
    if "h3_r7" in column_names(table):
        joined = add_h3_cells(joined)
    return joined[column_names(table)].reset_index(drop=True)


__all__ = ["AS_OF", "DEFAULT_SEED", "Scale", "DemoBuildError", "build_demo", "PLACES"]
