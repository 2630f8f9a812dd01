"""The demo store reproduces every ★ figure of seed-facts.md exactly, and is internally consistent.

Figures are read back through the real path (store -> DuckDB query layer -> geo.overview), so
these tests also prove the query layer computes them right.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import overview, store
from geo.demo.__main__ import main as demo_main
from geo.demo.build import AS_OF, Scale, build_demo
from geo.demo.places import PLACES
from geo.filters import Filters
from geo.query import Scope
from geo.schema import METRIC_CRS, MU_M2, POWER_FACTOR

ALL = Scope.all()


@pytest.fixture(scope="module")
def snap(demo_store):
    return store.open_current(demo_store)


@pytest.fixture(scope="module")
def tables(snap):
    return {name: store.read_table(snap, name) for name in snap.tables}


# --- ★ figures ---------------------------------------------------------------------------------

def test_key_project_figures(snap):
    f = overview.project_figures(snap, ALL, Filters())
    assert (f["all"].count, f["all"].total_yi, f["all"].plan_yi) == (549, 5430.0, 1135.0)
    assert (f["ge100"].count, f["ge100"].total_yi, f["ge100"].plan_yi) == (16, 2160.0, 267.0)
    assert (f["50to100"].count, f["50to100"].total_yi, f["50to100"].plan_yi) == (15, 999.0, 154.0)
    assert (f["industrial"].count, f["industrial"].total_yi, f["industrial"].plan_yi) == (340, 2913.0, 678.0)


def test_land_disposal_2022(snap):
    land = overview.land_figures(snap, ALL, Filters())
    assert land["year"] == 2022
    assert land["批而未供"]["disposed_mu"] == 10200.0 and land["批而未供"]["rate_pct"] == 59.88
    assert land["低效"]["disposed_mu"] == 10200.0 and land["低效"]["rate_pct"] == 66.15
    assert round(land["批而未供"]["stock_mu"]) == 17034 and round(land["低效"]["stock_mu"]) == 15420


def test_grid_figures(snap):
    g = overview.grid_figures(snap, ALL, Filters())
    assert g["capability_mw"] == 2900.0
    assert g["peak_mw"] == 2703.8
    assert g["new_energy_mw"] == 697.8
    assert g["new_energy_by_kind"] == {"风电": 309.0, "集中式光伏": 55.8, "分布式光伏": 333.0}
    assert (g["transformer_areas"], g["ta_with_plan"], g["ta_verified"]) == (19994, 603, 322)


# --- other published figures -------------------------------------------------------------------

def test_concentrated_starts(tables):
    p = tables["projects"]
    for day, count, total in ((date(2023, 1, 30), 103, 227.6), (date(2022, 12, 30), 76, 306.9)):
        group = p[p["actual_start"] == pd.Timestamp(day)]
        assert len(group) == count and round(group["total_investment_yi"].sum(), 1) == total


def test_liling_jan_to_jul_above_plan(tables):
    p = tables["projects"]
    liling = p[p["district_adcode"] == "430281"]
    in_window = lambda col: liling[col].between(pd.Timestamp("2023-01-01"), pd.Timestamp("2023-07-31")).sum()  # noqa: E731
    assert len(liling) == 74
    assert (in_window("actual_start"), in_window("planned_start")) == (49, 45)
    assert (in_window("actual_completion"), in_window("planned_completion")) == (12, 10)


def test_gaoxin_tasks(tables):
    t = tables["tasks"]
    gaoxin = t[t["district_adcode"] == "430211"]
    on_time = gaoxin["closed_on"].notna() & (gaoxin["closed_on"] <= gaoxin["due_on"])
    assert len(gaoxin) == 66 and on_time.sum() == 52
    rest = gaoxin[~on_time]
    assert (rest["status"] == "办理中").all() and (rest["due_on"] > pd.Timestamp(AS_OF)).all()


def test_land_supply_2022(tables):
    l = tables["parcels"]
    supplied_2022 = l[l["supplied_on"].dt.year == 2022]
    assert (supplied_2022["supply_mode"] == "标准地").sum() == 33
    flexible = supplied_2022[supplied_2022["supply_mode"] == "弹性出让"]
    assert len(flexible) == 45 and round(flexible["area_mu"].sum()) == 2392


NAMED = [
    ("projects", "name", "攸县广寒坪抽水蓄能电站建设项目", "430223", "total_investment_yi", 119.75),
    ("projects", "name", "炎陵罗萍江抽水蓄能电站项目", "430225", "total_investment_yi", 82.3),
    ("projects", "name", "田心轨道交通城城市更新项目", "430204", "stage", "在建"),
    ("projects", "name", "大唐华银株洲2×100万千瓦扩能升级改造项目", "430212", "category", "能源"),
    ("projects", "name", "湖南铂威年产5万吨锂离子电池负极材料产业化项目", "430281", "park", "醴陵经开区东富工业园"),
    ("projects", "name", "株洲智慧绿色能源互联网项目", "430211", "level", "省重点"),
    ("projects", "name", "醴陵市文家牌抽水蓄能电站项目", "430281", "category", "能源"),
    ("substations", "name", "220千伏成家(白关)智慧能源站", "430203", "capacity_mva", 240.0),
    ("substations", "name", "220千伏龙头变", "430202", "voltage_kv", 220),
    ("substations", "name", "110千伏黄沙变", "430281", "voltage_kv", 110),
    ("plants", "name", "攸县广寒坪抽水蓄能电站", "430223", "capacity_mw", 1800.0),
    ("plants", "name", "炎陵罗萍江抽水蓄能电站", "430225", "capacity_mw", 1200.0),
    ("plants", "name", "大唐华银株洲2×100万千瓦扩能电厂", "430212", "capacity_mw", 2000.0),
]


@pytest.mark.parametrize("table,key,name,adcode,column,expected", NAMED)
def test_named_features(tables, table, key, name, adcode, column, expected):
    rows = tables[table][tables[table][key] == name]
    assert len(rows) == 1, f"{name} missing from {table}"
    assert rows["district_adcode"].iloc[0] == adcode
    assert rows[column].iloc[0] == expected


def test_pingwei_started_in_q1_and_chengjia_in_service(tables):
    p = tables["projects"].set_index("name")
    assert p.loc["湖南铂威年产5万吨锂离子电池负极材料产业化项目", "actual_start"] == pd.Timestamp("2023-01-30")
    s = tables["substations"].set_index("name")
    assert s.loc["220千伏成家(白关)智慧能源站", "status"] == "在运"
    assert s.loc["220千伏成家(白关)智慧能源站", "commissioned_year"] == 2022


def test_reused_idle_parcels(tables):
    p, l = tables["projects"], tables["parcels"].set_index("parcel_id")
    youxian = p[p["name"] == "攸县高新区原艾硅特项目地块新材料项目"].iloc[0]
    parcel = l.loc[youxian["parcel_id"]]
    assert (parcel["area_mu"], parcel["idle_class"], parcel["status"], parcel["disposal_method"]) == \
        (100.0, "闲置", "已处置", "收回")
    assert youxian["total_investment_yi"] == 10.0
    nanzhou = l[(l["park"] == "南洲产业园") & (l["area_mu"] == 29.0) & (l["disposal_method"] == "解押+分割出让")]
    assert len(nanzhou) == 1 and nanzhou.index[0] in set(p["parcel_id"])


# --- consistency -------------------------------------------------------------------------------

def test_stages_and_dates_agree(tables):
    p = tables["projects"]
    as_of = pd.Timestamp(AS_OF)
    done = p[p["stage"].isin(["竣工", "投产"])]
    assert done["actual_start"].notna().all() and done["actual_completion"].notna().all()
    assert (done["actual_start"] <= done["actual_completion"]).all() and (done["actual_completion"] <= as_of).all()
    building = p[p["stage"] == "在建"]
    assert building["actual_start"].notna().all() and building["actual_completion"].isna().all()
    waiting = p[p["stage"].isin(["谋划在谈", "已签约", "前期"])]
    assert waiting["actual_start"].isna().all() and waiting["actual_completion"].isna().all()
    assert (p["annual_plan_yi"] <= p["total_investment_yi"]).all()
    assert (p["completed_yi"] <= p["total_investment_yi"]).all()
    assert (p.loc[p["stage"].isin(["谋划在谈", "已签约"]), "annual_plan_yi"] == 0).all()


STALLED_STAGES = {"洽谈未签约": {"谋划在谈"}, "签约未开工": {"已签约", "前期"}, "开工未竣工": {"在建"},
                  "在建未入库": {"在建"}, "征拆未清零": {"在建"}, "专债资金未拨付": {"在建"},
                  "竣工未投产": {"竣工"}, "投产未达产": {"投产"}}


def test_stalled_states_fit_stage(tables):
    p = tables["projects"]
    stalled = p[p["stalled_state"].notna()]
    assert len(stalled) > 50
    for state, stage, since in zip(stalled["stalled_state"], stalled["stage"], stalled["stalled_since"]):
        assert stage in STALLED_STAGES[state], (state, stage)
        assert since <= pd.Timestamp(AS_OF)
    overdue = p[(p["stage"] == "在建") & (p["planned_completion"] < pd.Timestamp(AS_OF))]
    assert (overdue["stalled_state"] == "开工未竣工").all()
    assert p["stalled_state"].isin(STALLED_STAGES).sum() == len(stalled)


def test_tasks_are_consistent(tables):
    t = tables["tasks"]
    assert ((t["status"] == "已办结") == t["closed_on"].notna()).all()
    assert (t["due_on"] > t["assigned_on"]).all()
    assert (t["closed_on"].dropna() <= pd.Timestamp(AS_OF)).all()
    assert set(t["project_id"]) <= set(tables["projects"]["project_id"])
    late = t[t["closed_on"] > t["due_on"]]
    assert len(late) > 0 and (late["status"] == "已办结").all()


def test_substation_loads_and_feeders(tables):
    s = tables["substations"]
    in_service = s[s["status"] == "在运"]
    assert (in_service["peak_load_mw"] <= in_service["capacity_mva"] * POWER_FACTOR).all()
    assert s.loc[s["status"] != "在运", "peak_load_mw"].isna().all()
    feeders = set(in_service.loc[in_service["voltage_kv"].isin([110, 35]), "station_id"])
    assert set(tables["transformer_areas"]["station_id"]) <= feeders


def test_parcels_do_not_overlap_and_match_their_area(tables):
    l = tables["parcels"].to_crs(METRIC_CRS)
    left, right = l.sindex.query(l.geometry, predicate="intersects")
    assert (left == right).all(), "two parcels overlap"
    assert np.allclose(l.geometry.area / MU_M2, l["area_mu"], rtol=1e-3)
    assert l.is_valid.all()


@pytest.mark.parametrize("table", ["projects", "parcels", "substations", "plants", "transformer_areas"])
def test_every_feature_inside_its_district(tables, table):
    districts = tables["districts"].set_index("adcode")
    gdf = tables[table]
    for adcode, group in gdf.groupby("district_adcode"):
        assert group.within(districts.loc[adcode, "geometry"]).all(), f"{table} outside {adcode}"


def test_projects_and_parcels_cluster_in_parks_and_towns(tables):
    centres = gpd.GeoSeries(shapely.points([p.lon for p in PLACES], [p.lat for p in PLACES]), crs=4326).to_crs(METRIC_CRS)
    for table, limit_km in (("projects", 8), ("parcels", 8)):
        pts = tables[table].geometry.representative_point().to_crs(METRIC_CRS)
        nearest = np.array([centres.distance(p).min() for p in pts]) / 1000
        assert np.median(nearest) < 4 and (nearest < limit_km).mean() > 0.9, table


def test_projects_on_parcels_share_district(tables):
    p = tables["projects"].dropna(subset=["parcel_id"])
    l = tables["parcels"].set_index("parcel_id")
    assert len(p) > 200 and p["parcel_id"].is_unique
    assert (l.loc[p["parcel_id"], "district_adcode"].to_numpy() == p["district_adcode"].to_numpy()).all()
    assert l.loc[p["parcel_id"], "status"].isin(["在用", "已处置"]).all()


# --- generator behaviour -----------------------------------------------------------------------

def test_same_seed_same_data():
    a, b = build_demo(7), build_demo(7)
    for name in a:
        pd.testing.assert_frame_equal(pd.DataFrame(a[name]).drop(columns="geometry", errors="ignore"),
                                      pd.DataFrame(b[name]).drop(columns="geometry", errors="ignore"))
    assert a["parcels"].geometry.geom_equals_exact(b["parcels"].geometry, 0).all()


def test_scaled_store_keeps_key_figures():
    tables = build_demo(3, Scale(parcels=5000, projects=1000, transformer_areas=100, substations=20, tasks=200))
    p = tables["projects"]
    key = p[p["level"] != "县重点"]
    assert len(p) == 1549 and len(key) == 549 and round(key["total_investment_yi"].sum(), 1) == 5430.0
    assert len(tables["parcels"]) == 1831 + 5000
    assert len(tables["transformer_areas"]) == 19994 + 100
    l = tables["parcels"].to_crs(METRIC_CRS)
    left, right = l.sindex.query(l.geometry, predicate="intersects")
    assert (left == right).all()


def test_scale_the_machine_cannot_hold_is_refused(capsys, tmp_path):
    assert demo_main(["--parcels", "10000000000", "--store", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "refused" in err and "GiB" in err
    assert not any(tmp_path.iterdir())


def test_every_substation_has_its_own_name_from_its_own_district(tables):
    """180 stations had 163 names (35千伏攸县2变 three times) and 荷塘 stood in 石峰区 (tester 7)."""
    from geo.demo.grid import STATION_TOWNS

    stations = tables["substations"]
    assert stations["name"].is_unique
    distribution = stations[stations["voltage_kv"].isin([110, 35]) & (stations["name"] != "110千伏黄沙变")]
    for name, district in zip(distribution["name"], distribution["district_adcode"]):
        town = name.split("千伏", 1)[1].rstrip("变").rstrip("0123456789")
        assert town in STATION_TOWNS[district], (name, district)


def test_idle_and_inefficient_land_was_supplied_before_it_was_listed(tables):
    """Idle land is land supplied and left unbuilt: 7 of 34 idle parcels had been listed years
    before their supply (tester 11). Only a disposal by a new supply comes after the listing."""
    parcels = tables["parcels"]
    stock = parcels[parcels["listed_on"].notna() & parcels["supplied_on"].notna()
                    & (parcels["supplied_on"] != parcels["disposed_on"])]
    assert len(stock) > 100 and (stock["supplied_on"] < stock["listed_on"]).all()
    idle = stock[stock["idle_class"] == "闲置"]
    assert len(idle) and ((idle["listed_on"] - idle["supplied_on"]).dt.days >= 730).all()
