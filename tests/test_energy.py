"""geo.energy on a tiny hand-made grid: load rates and bands, headroom, the nearest supply
substation and its distance, projects at risk, data-quality flags, energy filters.

All assets lie on the meridian 114°E, the central meridian of EPSG:4547, where the projection's
northing is the meridian arc: the expected distances are geodesics along the meridian (pyproj's
Geod), independent of the code under test.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point

from conftest import AS_OF, CHALING, HETANG, LILING, make_tiny_tables
from geo import energy, energy_view, power_supply, store
from geo.filters import Filters
from geo.query import Scope

ALL = Scope.all()
LON = 114.0


def km_along_meridian(lat1: float, lat2: float) -> float:
    return Geod(ellps="GRS80").inv(LON, lat1, LON, lat2)[2] / 1000.0


def energy_tables() -> dict[str, pd.DataFrame]:
    tables = make_tiny_tables()
    crs = "EPSG:4326"
    tables["substations"] = gpd.GeoDataFrame({
        "station_id": ["S1", "S2", "S3", "S4", "S5", "S6"],
        "name": ["一号220kV变", "二号110kV变", "三号35kV变", "四号110kV在建", "<b>五号</b>110kV变", "六号35kV变"],
        "district_adcode": [HETANG, LILING, LILING, LILING, CHALING, CHALING],
        "voltage_kv": [220, 110, 35, 110, 110, 35],
        "transformer_count": pd.array([2, 2, 1, 2, 2, 1], dtype="Int64"),
        # firm MW = MVA × 0.9: S1 90, S2 45, S3 18, S6 9
        "capacity_mva": [100.0, 50.0, 20.0, 80.0, None, 10.0],
        "peak_load_mw": [60.0, 44.0, 5.0, None, 10.0, 12.0],
        "status": ["在运", "在运", "在运", "在建", "在运", "在运"],
        "commissioned_year": pd.array([2010, 2012, 2000, None, 2015, 2001], dtype="Int64"),
    }, geometry=[Point(LON, 27.80), Point(LON, 27.90), Point(LON, 27.85), Point(LON, 27.86), Point(114.6, 27.0),
                 Point(LON, 26.5)], crs=crs)
    projects = tables["projects"]
    # P001..P005: demand, position; P002 has no demand; P003 is producing (its load is in the peak).
    projects["power_demand_mw"] = [5.0, None, 1.0, 3.0, 2.0]
    projects["stage"] = ["在建", "前期", "投产", "在建", "谋划在谈"]
    projects["geometry"] = [Point(LON, 27.81), Point(LON, 27.70), Point(LON, 27.79), Point(LON, 27.89),
                            Point(LON, 28.10)]
    tables["plants"].loc[1, "capacity_mw"] = 0.0
    tables["transformer_areas"]["station_id"] = ["S1", "S2", None]
    return tables


@pytest.fixture
def snap(store_dir):
    return store.write_snapshot(energy_tables(), as_of=AS_OF, published_by="pytest", sources=["test_energy"],
                                store_dir=store_dir)


def test_load_rate_band_and_headroom(snap):
    df = energy.stations(snap, ALL, Filters()).set_index("station_id")
    assert df.loc["S1", "load_rate_pct"] == pytest.approx(66.7) and df.loc["S1", "load_band"] == "负载率60-80%"
    assert df.loc["S1", "headroom_mw"] == pytest.approx(30.0)
    assert df.loc["S2", "load_rate_pct"] == pytest.approx(97.8) and df.loc["S2", "load_band"] == "负载率>80%"
    assert df.loc["S3", "load_band"] == "负载率<60%" and df.loc["S3", "headroom_mw"] == pytest.approx(13.0)
    assert df.loc["S6", "load_rate_pct"] == pytest.approx(133.3) and df.loc["S6", "headroom_mw"] == pytest.approx(-3.0)
    assert pd.isna(df.loc["S4", "load_band"]) and pd.isna(df.loc["S5", "headroom_mw"])
    assert list(df["voltage_kv"]) == sorted(df["voltage_kv"], reverse=True)  # big symbols drawn first


def test_energy_filters(snap):
    ids = lambda f: set(energy.stations(snap, ALL, f)["station_id"])  # noqa: E731
    assert ids(Filters(voltages=("110",))) == {"S2", "S4", "S5"}
    assert ids(Filters(load_bands=("负载率>80%",))) == {"S2", "S6"}
    assert ids(Filters(asset_statuses=("在建",))) == {"S4"}
    assert ids(Filters(voltages=("35",), districts=(CHALING,))) == {"S6"}
    assert set(energy.plants(snap, ALL, Filters(plant_kinds=("风电",)))["plant_id"]) == {"G002"}
    assert set(energy.plants(snap, ALL, Filters(asset_statuses=("在运",)))["plant_id"]) == {"G001"}
    # energy filters never touch other tables: parcels have a "status" column too
    assert Filters(asset_statuses=("在运",), voltages=("110",)).where("parcels") == ("TRUE", {})
    link = Filters(voltages=("220",), load_bands=("负载率<60%",), plant_kinds=("储能",)).to_query_params()
    assert Filters.from_query_params(link)[0] == Filters(voltages=("220",), load_bands=("负载率<60%",),
                                                         plant_kinds=("储能",))


def test_nearest_substation_distance_and_coverage(snap):
    supply = power_supply.project_supply(snap, ALL, Filters()).set_index("project_id")
    assert set(supply.index) == {"P001", "P003", "P004", "P005"}  # P002 has no demand
    # Candidates: in service, >= 110 kV -> S1, S2, S5 (S3 is 35 kV, S4 is being built).
    expected = {"P001": ("S1", km_along_meridian(27.81, 27.80)), "P003": ("S1", km_along_meridian(27.79, 27.80)),
                "P004": ("S2", km_along_meridian(27.89, 27.90)), "P005": ("S2", km_along_meridian(28.10, 27.90))}
    for pid, (station, km) in expected.items():
        assert supply.loc[pid, "station_id"] == station
        assert supply.loc[pid, "distance_km"] == pytest.approx(km, abs=0.006)  # rounded to 10 m
    assert supply.loc["P005", "distance_km"] == pytest.approx(22.17, abs=0.02)
    assert bool(supply.loc["P001", "covered"]) is True  # 5 MW <= 30 MW
    assert bool(supply.loc["P004", "covered"]) is False  # 3 MW > 1 MW
    # Pending load on S1 leaves out P003 (producing); on S2 it is P004 + P005.
    assert supply.loc["P001", "pending_mw"] == pytest.approx(5.0)
    assert supply.loc["P004", "pending_mw"] == pytest.approx(5.0)


def test_each_station_carries_the_load_waiting_on_it(snap):
    """Beside its headroom (tester 18: 22.9 MW free, 44.8 MW waiting, shown in its panel only)."""
    stations = power_supply.with_pending(energy.stations(snap, ALL, Filters()), power_supply.project_supply(snap, ALL, Filters()))
    pending = stations.set_index("station_id")["pending_mw"]
    assert pending["S1"] == pytest.approx(5.0)  # P001 (P003 produces: its load is in the peak)
    assert pending["S2"] == pytest.approx(5.0)  # P004 + P005
    assert pending["S5"] == 0.0  # a supply point nothing waits on
    assert pending[["S3", "S4"]].isna().all()  # 35 kV, and not in service: they supply no project


def test_projects_at_risk_and_threshold(snap):
    supply = power_supply.project_supply(snap, ALL, Filters())
    risk = power_supply.at_risk(supply, Filters(), max_distance_km=10)
    assert list(risk["project_id"]) == ["P004", "P005"]  # largest demand first
    assert risk.set_index("project_id").loc["P005", "reasons"] == ("over_headroom", "too_far")
    assert risk.set_index("project_id").loc["P004", "reasons"] == ("over_headroom",)
    # every project is ~1.1 km or more from its station
    assert list(power_supply.at_risk(supply, Filters(), max_distance_km=1.0)["project_id"]) == ["P001", "P004", "P005", "P003"]
    assert list(power_supply.at_risk(supply, Filters(), max_distance_km=1.2)["project_id"]) == ["P004", "P005"]
    assert power_supply.at_risk(supply, Filters(districts=(HETANG,)), 10).empty  # P004/P005 are elsewhere


def test_projects_waiting_on_an_overcommitted_station_are_at_risk(store_dir):
    """Each fits the station's headroom alone, together they do not: at 月塘变 36.9 MW awaited
    67.9 MW and none of its projects was flagged (tester 7). A producing project is not waiting."""
    tables = energy_tables()
    tables["projects"].loc[1, "power_demand_mw"] = 26.0  # P002 (前期), nearest S1: 5 + 26 > 30 MW of headroom
    snap = store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=["x"], store_dir=store_dir)
    supply = power_supply.project_supply(snap, ALL, Filters()).set_index("project_id")
    assert supply.loc["P002", "station_id"] == "S1" and supply.loc["P002", "pending_mw"] == pytest.approx(31.0)
    assert supply.loc[["P001", "P002"], "covered"].all() and supply.loc[["P001", "P002"], "overcommitted"].all()
    assert not supply.loc["P003", "overcommitted"]  # producing: its load is in the peak already
    reasons = power_supply.at_risk(supply.reset_index(), Filters(), 20).set_index("project_id")["reasons"]
    assert reasons["P002"] == ("overcommitted",) and reasons["P001"] == ("overcommitted",)
    assert reasons["P004"] == ("over_headroom",) and "P003" not in reasons.index  # alone above: the stronger reason
    view = power_supply.supply_view(power_supply.supply_by_district(supply.reset_index(), 20), Filters())
    assert view["secure"] + view["at_risk"] == view["projects"] == 5
    line = energy_view.supply_text(supply.reset_index(), "P001", "zh")
    assert "单看本项目裕度可满足，但该站待接入负荷 31.0 MW 超过裕度" in line


def test_supply_view_keeps_the_count_and_the_first_rows(snap, monkeypatch):
    supply = power_supply.project_supply(snap, ALL, Filters())
    monkeypatch.setattr(power_supply, "MAX_RISK_SHOWN", 3)
    by_district = power_supply.supply_by_district(supply, max_distance_km=1.0)
    view = power_supply.supply_view(by_district, Filters())
    assert view["at_risk"] == 4 and list(view["risk"]["project_id"]) == ["P001", "P004", "P005"]
    assert view["projects"] == len(supply) and view["covered"] == int(supply["covered"].sum())
    # a district selection: its projects' figures, its risks in the same order
    for districts in [(LILING,), (HETANG,), (HETANG, LILING), (LILING, HETANG, CHALING), ("430999",)]:
        chosen = Filters(districts=districts)
        view, expected = power_supply.supply_view(by_district, chosen), power_supply.supply_summary(supply, chosen)
        risk = power_supply.at_risk(supply, chosen, 1.0)
        assert {k: view[k] for k in expected} == pytest.approx(expected) and view["at_risk"] == len(risk)
        assert view["risk"]["project_id"].tolist() == risk["project_id"].head(3).tolist()


def test_no_candidate_station_means_uncovered(store_dir):
    tables = energy_tables()
    tables["substations"]["status"] = "规划"
    snap = store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=["x"], store_dir=store_dir)
    supply = power_supply.project_supply(snap, ALL, Filters())
    assert len(supply) == 4 and supply["station_id"].isna().all() and not supply["covered"].any()
    risk = power_supply.at_risk(supply, Filters())
    assert set(risk["reasons"]) == {("no_station",)}


def test_district_headroom_adds_one_level(snap):
    rows = energy.district_headroom(snap, ALL, Filters(), 110).set_index("adcode")
    # 110 kV in service with a capacity: only S2 (醴陵); S5 has no capacity, S4 is being built.
    assert rows.loc[LILING, ["stations", "capacity_mw", "peak_mw", "headroom_mw"]].tolist() == [1, 45.0, 44.0, 1.0]
    assert rows.loc[HETANG, "stations"] == 0 and rows.loc[HETANG, "headroom_mw"] == 0.0
    assert pd.isna(rows.loc[HETANG, "load_rate_pct"])
    rows35 = energy.district_headroom(snap, ALL, Filters(), 35).set_index("adcode")
    assert rows35.loc[CHALING, "headroom_mw"] == pytest.approx(-3.0)  # overloaded S6 shows as negative
    assert list(energy.district_headroom(snap, ALL, Filters(districts=(LILING,)), 35)["adcode"]) == [LILING]
    with pytest.raises(ValueError):
        energy.district_headroom(snap, ALL, Filters(), 10)


def test_quality_problems_are_listed(snap):
    problems = energy.quality_problems(snap, ALL, Filters())
    found = {(r.id, r.problem) for r in problems.itertuples()}
    assert found == {("S5", "no_capacity"), ("S6", "overloaded"), ("G002", "zero_capacity")}
    assert problems.set_index("id").loc["S6", "value"] == pytest.approx(133.3)


def test_station_details(snap):
    supply = power_supply.project_supply(snap, ALL, Filters())
    details = energy.station_details(snap, ALL, "S2", supply)
    assert details.station["name"] == "二号110kV变"
    assert list(details.projects["project_id"]) == ["P004", "P005"]
    areas = details.areas.set_index("state")
    assert areas.loc["正常", "areas"] == 1 and areas.loc["正常", "pass_rate_pct"] == pytest.approx(99.9)
    assert details.abnormal.empty
    s1 = energy.station_details(snap, ALL, "S1", supply)
    assert list(s1.abnormal["area_id"]) == ["A001"]
    assert energy.station_details(snap, ALL, "nope", supply) is None
    assert energy.station_details(snap, Scope((CHALING,)), "S2", supply) is None  # out of scope


def test_transformer_area_cells_and_funnel(snap):
    cells = energy.ta_cells(snap, ALL, Filters())
    assert cells["areas"].sum() == 3 and cells["abnormal"].sum() == 2
    rated = cells[cells["rated"] > 0]
    assert sorted(rated["pass_rate_pct"]) == [98.5, 99.9]
    assert energy.pass_rate_class(98.5) == 1 and energy.pass_rate_class(97.0) == 0
    assert energy.pass_rate_class(99.5) == 3 and energy.pass_rate_class(None) is None
    funnel = energy.governance_funnel(snap, ALL, Filters()).set_index("step")["areas"]
    assert funnel["all"] == 3 and funnel["with_plan"] == 2 and funnel["待治理"] == 1 and funnel["已验证"] == 0
    assert list(energy.abnormal_areas(snap, ALL, Filters())["area_id"]) == ["A001", "A003"]


def test_plant_capacity_by_kind_and_status(snap):
    capacity = energy.plant_capacity(snap, ALL, Filters()).set_index("kind")
    assert capacity.loc["集中式光伏", "mw_在运"] == 50.0 and capacity.loc["集中式光伏", "plants"] == 1
    assert capacity.loc["风电", "mw"] == 0.0 and capacity.loc["风电", "plants"] == 1
    assert capacity.loc["储能", "plants"] == 0
