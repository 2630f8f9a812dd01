"""AppTest of the energy page: the city figures from the data, layer switches, energy filters
against direct DuckDB queries, a selected substation, the at-risk table, the data-quality note,
hostile names and English."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import conftest
from geo import energy, energy_layers, power_supply, store
from geo.filters import Filters
from geo.query import Scope


def open_page(monkeypatch, store_dir: Path, **query) -> AppTest:
    at = conftest.open_page(monkeypatch, store_dir, "energy", **query)
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def deck(at: AppTest) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)


def layer_ids(at: AppTest) -> list[str]:
    return [layer.get("id") for layer in deck(at)["layers"]]


def table(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_city_figures_come_from_the_data(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store)
    assert metric(at, "电网供电能力").value == "2,900.0 MW"
    assert metric(at, "最高负荷").value == "2,703.8 MW"
    assert metric(at, "新能源装机").value == "697.8 MW"
    assert any("风电 309.0 MW + 集中式光伏 55.8 MW + 分布式光伏 333.0 MW" in c.value for c in at.caption)
    areas = metric(at, "公变台区")
    assert areas.value == "19,994 个" and areas.delta == "603 个有治理方案，322 个已验证"
    assert not at.warning  # the demo has no data-quality problems
    assert not any("只按区县筛选" in c.value for c in at.caption)


def test_the_city_figures_say_they_follow_the_district_filter_only(monkeypatch, demo_store):
    """Under 风电 the card said 697.8 MW beside a download of 359 MW (tester 14): the figures keep
    their fixed definition, and the page now says so when another filter is set."""
    at = open_page(monkeypatch, demo_store, kind="风电", district="430281")
    assert metric(at, "新能源装机").value != "697.8 MW"  # the district filter applies
    assert any(c.value.startswith("以上四项只按区县筛选") for c in at.caption)
    assert not any("只按区县筛选" in c.value for c in open_page(monkeypatch, demo_store, district="430281").caption)


def test_layer_switches(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store)
    assert {"stations", "risk-projects", "risk-lines"} <= set(layer_ids(at))
    assert not {"plants", "ta-cells", "ta-abnormal"} & set(layer_ids(at))
    at.button_group(key="en_layers").set_value(["plants", "areas"]).run()
    assert not at.exception
    ids = set(layer_ids(at))
    assert {"plants", "ta-cells", "ta-abnormal"} <= ids and "stations" not in ids
    plants = next(layer for layer in deck(at)["layers"] if layer["id"] == "plants")
    assert len(plants["data"]) == 261
    abnormal = next(layer for layer in deck(at)["layers"] if layer["id"] == "ta-abnormal")
    assert len(abnormal["data"]) == 88 + 122 + 71  # 待治理 + 治理中 + 待验证
    assert at.query_params["layers"] == "plants,areas"
    # The layers are kept per view (map_json.cached_layers): a district change draws its own.
    at.session_state["f_district"] = ["430281"]
    at.run()
    layers = {layer["id"]: layer for layer in deck(at)["layers"]}
    assert len(layers["plants"]["data"]) == direct_count(demo_store, "plants", "district_adcode = ?", ["430281"]) < 261
    assert len(layers["ta-abnormal"]["data"]) == direct_count(
        demo_store, "transformer_areas", "district_adcode = ? AND state IN ('待治理', '治理中', '待验证')", ["430281"])
    at.segmented_control(key="en_map_mode").set_value("headroom").run()
    assert not at.exception and "districts" in layer_ids(at) and at.query_params["map"] == "headroom"


def direct_count(store_dir: Path, table: str, where: str, params: list) -> int:
    path = store.open_current(store_dir).table_path(table)
    return duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}') WHERE {where}", params=params).fetchone()[0]


def direct_stations(store_dir: Path, where: str, params: list) -> int:
    return direct_count(store_dir, "substations", where, params)


RATE = "peak_load_mw / (capacity_mva * 0.9) * 100"
CASES = [
    ({}, "TRUE", []),
    ({"kv": "110"}, "voltage_kv = ?", [110]),
    ({"kv": "220,500"}, "voltage_kv IN (?, ?)", [220, 500]),
    ({"asset": "在建"}, "status = ?", ["在建"]),
    ({"load": "负载率>80%"}, f"{RATE} > ?", [80]),
    ({"load": "负载率60-80%"}, f"{RATE} BETWEEN ? AND ?", [60, 80]),
    ({"district": "430281", "kv": "35"}, "district_adcode = ? AND voltage_kv = ?", ["430281", 35]),
]


@pytest.mark.parametrize("query,where,params", CASES, ids=[str(c[0]) for c in CASES])
def test_filters_match_a_direct_query(monkeypatch, demo_store, query, where, params):
    at = open_page(monkeypatch, demo_store, **query)
    assert len(table(at, "station_id")) == direct_stations(demo_store, where, params)
    stations = next(layer for layer in deck(at)["layers"] if layer["id"] == "stations")
    assert len(stations["data"]) == len(table(at, "station_id"))


def test_filter_widgets_write_the_url(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store)
    at.multiselect(key="f_kv").set_value(["220"]).run()
    assert not at.exception
    assert set(table(at, "station_id")["voltage_kv"]) == {220}
    assert at.query_params["kv"] == "220"
    at.multiselect(key="f_kind").set_value(["风电"]).run()
    assert at.query_params["kind"] == "风电"


def test_selected_station_shows_areas_and_projects(monkeypatch, demo_store):
    snap = store.open_current(demo_store)
    supply = power_supply.project_supply(snap, Scope.all(), Filters())
    busiest = supply["station_id"].value_counts().index[0]
    at = open_page(monkeypatch, demo_store, station=busiest)
    details = energy.station_details(snap, Scope.all(), busiest, supply)
    assert any(details.station["name"] == s.value for s in at.subheader)
    relying = table(at, "用电需求")
    assert len(relying) == len(details.projects) == int((supply["station_id"] == busiest).sum())
    fields = table(at, "字段").set_index("字段")["内容"]
    assert fields["负荷裕度"].endswith(" MW") and fields["电压等级"].endswith(" kV")
    # a value that says its unit has a name that does not say it again ("变电容量（MVA）：50.0 MVA")
    assert not [name for name in fields.index if "（" in name and fields[name].split()[-1] in name]
    rings = next(layer for layer in deck(at)["layers"] if layer["id"] == "selected-station")
    assert rings["data"][0]["station_id"] == busiest


def test_a_station_picked_in_a_table_opens_under_that_table(monkeypatch, demo_store):
    """Under the list it was picked in (the risk table, the station list), else under the map."""
    at = open_page(monkeypatch, demo_store)
    station = next(df for df in at.dataframe if df.key == "en_stations").value["station_id"].iloc[0]
    for picked_in, below in (("en_stations", "en_stations"), ("en_risk", "en_risk"), ("en_map", None)):
        at.session_state["en_station"], at.session_state["en_station_picked_in"] = station, picked_in
        at.run()
        tables = list(at.dataframe)
        fields = next(i for i, df in enumerate(tables) if "字段" in df.value.columns)
        # picks.row_pick: a table's key and, while a feature is selected, a digest of it
        keys = [re.sub(r"_[0-9a-f]{8}$", "", df.key) if df.key else None for df in tables]
        assert not at.exception
        if below:  # right after that table (its own panel's tables follow)
            assert fields > keys.index(below) and all(k is None for k in keys[keys.index(below) + 1:fields])
        else:  # before every table of the page below the map
            assert fields < min(keys.index("en_risk"), keys.index("en_stations"))


def test_at_risk_table_follows_the_threshold(monkeypatch, demo_store):
    snap = store.open_current(demo_store)
    supply = power_supply.project_supply(snap, Scope.all(), Filters())
    at = open_page(monkeypatch, demo_store, max_km="3")
    expected = power_supply.at_risk(supply, Filters(), 3.0)
    assert metric(at, "供电有风险").value == f"{len(expected):,} 个"
    assert list(table(at, "reasons")["project_id"]) == list(expected["project_id"])
    # the cards add up: secure + at risk = with a demand (331 / 328 / 7 overlapped: tester 7)
    secure = int(metric(at, "供电有保障").value.replace(",", "").split()[0])
    assert secure + len(expected) == len(supply) == int(metric(at, "有用电需求的项目").value.replace(",", "").split()[0])
    at.number_input(key="en_max_km").set_value(20.0).run()
    assert metric(at, "供电有风险").value == f"{len(power_supply.at_risk(supply, Filters(), 20.0)):,} 个"
    assert at.query_params["max_km"] == "20.0"


def test_bad_rows_are_flagged_not_hidden(monkeypatch, tiny_snapshot, store_dir):
    tables = {name: store.read_table(tiny_snapshot, name) for name in tiny_snapshot.tables}
    subs = tables["substations"]
    subs.loc[0, "peak_load_mw"] = 400.0  # 360 MVA × 0.9 = 324 MW firm: overloaded
    subs.loc[1, "capacity_mva"] = None
    subs.loc[1, "name"] = "<img src=x onerror=alert(1)>变"
    tables["plants"].loc[0, "capacity_mw"] = 0.0
    store.write_snapshot(tables, as_of=tiny_snapshot.as_of, published_by="test", sources=["bad"], store_dir=store_dir)
    at = open_page(monkeypatch, store_dir)
    assert any("4 条记录有问题" in w.value for w in at.warning)
    flagged = table(at, "问题").set_index("编号")
    assert flagged.loc["S001", "问题"] == "负载率 123.5 %，超过变电容量"
    assert flagged.loc["S002", "名称"] == "<img src=x onerror=alert(1)>变"
    assert flagged.loc["S003", "问题"] == "缺少变电容量"  # planned, no capacity yet: still flagged
    assert flagged.loc["G001", "问题"] == "装机容量为 0"
    listed = table(at, "station_id")
    assert {"S001", "S002"} <= set(listed["station_id"])  # shown, not hidden
    assert "<img src=x onerror=alert(1)>变" in set(listed["name"])


def test_an_unknown_station_is_said_and_leaves_the_address(monkeypatch, demo_store):
    """The bad id stayed in the address, and a copied link passed it on (tester 11)."""
    at = open_page(monkeypatch, demo_store, station="BDZ-XXX", kv="220")
    assert any("BDZ-XXX" in w.value for w in at.warning)
    assert dict(at.query_params) == {"kv": "220"}
    at.run()
    assert any("BDZ-XXX" in w.value for w in at.warning) and "station" not in at.query_params


def test_english(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store, lang="en")
    assert at.title[0].value == "Energy"
    assert metric(at, "Grid supply capability").value == "2,900.0 MW"
    assert any("Wind 309.0 MW + Utility PV 55.8 MW" in c.value for c in at.caption)


def test_no_matching_substation_is_said_in_the_page_language(monkeypatch, demo_store):
    """No 500 kV station is loaded above 80 %: the substation list is a caption, not an empty grid;
    stations without a peak load read "—" in the list."""
    at = open_page(monkeypatch, demo_store, kv="500", load="负载率>80%")
    assert "没有符合筛选条件的变电站" in [c.value for c in at.caption]
    assert any("侧栏的“电压等级”筛选不适用于此节" in c.value for c in at.caption)  # headroom: its own level
    assert not any("station_id" in df.value.columns for df in at.dataframe)
    assert all(len(df.value) for df in at.dataframe)
    at = open_page(monkeypatch, demo_store, kv="500", load="负载率>80%", lang="en")
    assert "No substations match the filters" in [c.value for c in at.caption]
    at = open_page(monkeypatch, demo_store)
    stations = next(df for df in at.dataframe if "station_id" in df.value.columns)
    assert stations.value["peak_load_mw"].isna().any() and stations.proto.placeholder == "—"


def test_risk_layers_follow_districts_and_distance_not_the_station_filters(monkeypatch, demo_store):
    """The at-risk projects' layers are built once per (districts, distance, language) and kept
    while station filters change; a district filter or distance change redraws them right."""
    snap = store.open_current(demo_store)
    supply = power_supply.project_supply(snap, Scope.all(), Filters())

    def risk_ring_count(at):
        return len(next(layer for layer in deck(at)["layers"] if layer["id"] == "risk-projects")["data"])

    at = open_page(monkeypatch, demo_store, max_km="3")
    shown = min(len(power_supply.at_risk(supply, Filters(), 3.0)), power_supply.MAX_RISK_SHOWN)
    assert risk_ring_count(at) == shown
    at.multiselect(key="f_kv").set_value(["35"]).run()
    assert not at.exception and risk_ring_count(at) == shown  # stations filtered, risk unchanged
    at.multiselect(key="f_district").set_value(["430281"]).run()
    liling = power_supply.at_risk(supply, Filters(districts=("430281",)), 3.0)
    assert 0 < min(len(liling), power_supply.MAX_RISK_SHOWN) == risk_ring_count(at) < shown
    at.number_input(key="en_max_km").set_value(20.0).run()
    assert risk_ring_count(at) == min(len(power_supply.at_risk(supply, Filters(districts=("430281",)), 20.0)),
                                      power_supply.MAX_RISK_SHOWN)


def test_station_symbols_are_the_filtered_stations_in_order_with_their_colours(monkeypatch, demo_store):
    """The stations layer is joined from per-station symbols encoded once per language: it must
    still show exactly the filtered stations, biggest voltage first, coloured by load band, with
    tooltips in the page language, and ring the selected one."""
    snap = store.open_current(demo_store)
    at = open_page(monkeypatch, demo_store, kv="110")
    expected = energy.stations(snap, Scope.all(), Filters(voltages=("110",)))
    layer = next(x for x in deck(at)["layers"] if x["id"] == "stations")
    assert [row["station_id"] for row in layer["data"]] == list(expected["station_id"])
    first, band = layer["data"][0], expected["load_band"].iloc[0]
    assert first["fill"][:3] == list(energy_layers.BAND_COLOURS.get(band, energy_layers.NO_BAND_COLOUR))
    assert first["radius"] == energy_layers.VOLTAGE_RADIUS_PX[110] and "110 kV" in first["tooltip"]
    assert first["tooltip"].startswith(expected["name"].iloc[0])
    at.multiselect(key="f_kv").set_value(["220"]).run()
    ids = [row["station_id"] for row in next(x for x in deck(at)["layers"] if x["id"] == "stations")["data"]]
    assert ids == list(energy.stations(snap, Scope.all(), Filters(voltages=("220",)))["station_id"])
    at.session_state["en_station"] = ids[0]
    at.run()
    ring = next(x for x in deck(at)["layers"] if x["id"] == "selected-station")
    assert [row["station_id"] for row in ring["data"]] == [ids[0]]
    english = open_page(monkeypatch, demo_store, kv="110", lang="en")
    tip = next(x for x in deck(english)["layers"] if x["id"] == "stations")["data"][0]["tooltip"]
    assert "Voltage" in tip and "电压" not in tip


def test_plants_abnormal_areas_and_risks_are_the_views_own_in_order(monkeypatch, demo_store):
    """The plants, abnormal-area and at-risk layers are joined from pieces encoded once per
    language: each shows exactly the view's rows, in order, with their colours and tooltips."""
    snap = store.open_current(demo_store)
    liling = Filters(districts=("430281",))
    at = open_page(monkeypatch, demo_store, district="430281", layers="plants,areas,risk")
    layers = {x["id"]: x["data"] for x in deck(at)["layers"]}
    plants = energy.plants(snap, Scope.all(), liling)
    assert len(plants) and [p["position"] for p in layers["plants"]] == [
        [round(x, 5), round(y, 5)] for x, y in zip(plants["lon"], plants["lat"])]
    kind = plants["kind"].iloc[0]
    assert layers["plants"][0]["fill"][:3] == list(energy_layers.PLANT_COLOURS[kind])
    assert layers["plants"][0]["tooltip"].startswith(plants["name"].iloc[0]) and "MW" in layers["plants"][0]["tooltip"]
    bad = energy.abnormal_areas(snap, Scope.all(), liling)
    assert len(bad) and [d["tooltip"].split("\n")[0] for d in layers["ta-abnormal"]] == list(bad["area_id"])
    assert layers["ta-abnormal"][0]["fill"][:3] == list(energy_layers.STATE_COLOURS[bad["state"].iloc[0]])
    supply = power_supply.project_supply(snap, Scope.all(), Filters())
    risk = power_supply.at_risk(supply, liling).head(power_supply.MAX_RISK_SHOWN)
    assert [r["tooltip"].split("\n")[0] for r in layers["risk-projects"]] == list(risk["name"])
    assert len(layers["risk-lines"]) == int(risk["station_id"].notna().sum())
    english = open_page(monkeypatch, demo_store, district="430281", layers="plants", lang="en")
    tip = next(x for x in deck(english)["layers"] if x["id"] == "plants")["data"][0]["tooltip"]
    assert "Capacity" in tip and "装机" not in tip


def test_a_land_filter_carried_over_is_not_named_on_the_energy_page(monkeypatch, demo_store):
    """Filters stay in the session across pages, but the energy page's caption names (and its
    "clear all" counts) only those that change its figures."""
    at = open_page(monkeypatch, demo_store, status="批而未供")
    assert not any("批而未供" in c.value for c in at.caption)
    assert at.button(key="en_clear").disabled
    at = open_page(monkeypatch, demo_store, status="批而未供", kv="110")
    assert any("筛选范围" in c.value and "110 kV" in c.value and "批而未供" not in c.value for c in at.caption)
    assert not at.button(key="en_clear").disabled
    land = conftest.open_page(monkeypatch, demo_store, "land", status="批而未供")
    assert any("筛选范围" in c.value and "批而未供" in c.value for c in land.caption)


def test_the_headroom_ranking_holds_numbers_with_units_in_the_headers(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store)
    ranking = next(df.value for df in at.dataframe if "负荷裕度（MW）" in df.value.columns)
    assert ranking["负荷裕度（MW）"].dtype == float and ranking["变电站数（座）"].dtype == "int64"
    assert ranking["负荷裕度（MW）"].tolist() == sorted(ranking["负荷裕度（MW）"], reverse=True)


def test_a_35_kv_station_says_why_no_project_relies_on_it(monkeypatch, demo_store):
    snap = store.open_current(demo_store)
    small = energy.stations(snap, Scope.all(), Filters(voltages=("35",)))["station_id"].iloc[0]
    at = open_page(monkeypatch, demo_store, station=small)
    assert any("只计 110 千伏及以上" in c.value for c in at.caption)
    assert not any("没有项目以本站为最近供电点" in c.value for c in at.caption)


def test_a_districts_grid_figures_are_its_110_kv_stations_as_in_the_headroom_table(monkeypatch, demo_store):
    """荷塘区 showed 最高负荷 184.8 MW (one 220 kV station sited there) above a table giving the
    district 607.5 MW; 炎陵县's peak stood above its capability (exploratory tester 7)."""
    at = open_page(monkeypatch, demo_store, district="荷塘区,炎陵县")
    ranking = next(df.value for df in at.dataframe if "负荷裕度（MW）" in df.value.columns)
    assert "电网供电能力" not in [m.label for m in at.metric]
    capacity = float(metric(at, "区内110千伏可供容量").value.removesuffix(" MW").replace(",", ""))
    peak = float(metric(at, "区内110千伏最高负荷").value.removesuffix(" MW").replace(",", ""))
    peak_column = next(c for c in ranking.columns if c.startswith("最高负荷"))
    assert peak == pytest.approx(ranking[peak_column].sum(), abs=0.15) and capacity > peak > 600
    assert capacity == pytest.approx(ranking["负荷裕度（MW）"].sum() + ranking[peak_column].sum(), abs=0.25)
    assert any("选定区县时按区内在运110千伏变电站计" in c.value for c in at.caption)
    city = open_page(monkeypatch, demo_store)
    assert metric(city, "电网供电能力").value == "2,900.0 MW" and metric(city, "最高负荷").value == "2,703.8 MW"


def test_a_station_opened_by_a_link_is_where_the_map_opens(monkeypatch, demo_store):
    """/energy?station=… opened the whole city, the station lost in the centre's cluster (tester 7)."""
    from geo import layers

    stations = store.read_table(store.open_current(demo_store), "substations")
    row = stations[stations["voltage_kv"] == 110].iloc[0]
    view = deck(open_page(monkeypatch, demo_store, station=row["station_id"]))["initialViewState"]
    assert (view["longitude"], view["latitude"]) == pytest.approx((row.geometry.x, row.geometry.y), abs=1e-6)
    assert view["zoom"] == layers.fit_view(layers.padded_bounds([row.geometry.x], [row.geometry.y])).zoom
    city = deck(open_page(monkeypatch, demo_store))["initialViewState"]
    assert city["zoom"] < view["zoom"]


def test_tooltip_names_do_not_repeat_the_unit_their_values_carry(demo_store):
    """"年度完成率（%）：68.6 %" (tester 7): a tooltip's name is bare where its value has the unit."""
    from geo import energy_view, overview

    snap = store.open_current(demo_store)
    for lang in ("zh", "en"):
        rows = [*energy_view.station_tooltips(energy.stations(snap, Scope.all(), Filters()), lang).attrs["tooltip"],
                *energy_view.plant_tooltips(energy.plants(snap, Scope.all(), Filters()), lang).attrs["tooltip"],
                *energy_view.abnormal_tooltips(energy.abnormal_areas(snap, Scope.all(), Filters()), lang).attrs["tooltip"],
                *energy_view.headroom_tooltip_rows(lang)]
        deck, _ = overview.investment_choropleth(overview.district_summary(snap, Scope.all(), Filters()), "progress",
                                                 lang, ())
        names = [name for name, _ in rows] + [line for line in json.dumps(deck.to_json(), ensure_ascii=False).split("<br")]
        assert not [n for n in names if "（%）" in n or "(%)" in n or "（MW）" in n or "(MW)" in n or "（MVA）" in n], lang


def test_risk_table_and_station_list_show_the_views_rows_in_order(monkeypatch, demo_store):
    """Both tables are formatted once for the whole store and a view takes its rows: under a
    district, a voltage and a distance they list exactly that view's projects and stations, in the
    order a direct computation gives (largest demand first; most loaded first)."""
    snap = store.open_current(demo_store)
    supply = power_supply.project_supply(snap, Scope.all(), Filters())
    at = open_page(monkeypatch, demo_store, max_km="3")
    at.multiselect(key="f_district").set_value(["430281", "430223"]).run()
    at.multiselect(key="f_kv").set_value(["110"]).run()
    assert not at.exception
    two = Filters(districts=("430281", "430223"))
    risk = power_supply.at_risk(supply, two, 3.0).head(power_supply.MAX_RISK_SHOWN)
    shown = table(at, "reasons")
    assert shown["project_id"].tolist() == risk["project_id"].tolist() and len(shown) > 1
    assert set(shown["district"]) <= {"醴陵市", "攸县"}
    stations = energy.stations(snap, Scope.all(), Filters(districts=("430281", "430223"), voltages=("110",)))
    ranked = stations.sort_values(["load_rate_pct", "station_id"], ascending=[False, True], na_position="last")
    listed = table(at, "station_id")
    assert listed["station_id"].tolist() == ranked["station_id"].tolist() and len(listed) > 1
    assert set(listed["voltage_kv"]) == {110}
    # the load waiting on each, beside its headroom, as the station's panel counts it (tester 18)
    waiting = supply[supply["stage"] != "投产"].groupby("station_id")["demand_mw"].sum()
    assert list(listed.columns[:5]) == ["name", "district", "load_rate_pct", "headroom_mw", "pending_mw"]
    expected = listed["station_id"].map(waiting).fillna(0.0).round(2).tolist()
    assert listed["pending_mw"].tolist() == pytest.approx(expected) and max(expected) > 0
    tips = {row["station_id"]: row["tooltip"] for row in next(x for x in deck(at)["layers"] if x["id"] == "stations")["data"]}
    busiest = listed.loc[listed["pending_mw"].idxmax()]
    assert f"待接入负荷：{busiest['pending_mw']:,.1f} MW" in tips[busiest["station_id"]]


def test_the_headroom_map_is_green_where_there_is_most_to_spare_and_red_where_load_is_highest(monkeypatch, demo_store):
    """The district with the most headroom was darkest red on a projector, above the same district
    in green in the bar chart (tester 11): headroom is on greens, the load rate on reds."""
    from geo.map_classes import CLASS_COLOURS, GOOD_COLOURS

    rows = energy.district_headroom(store.open_current(demo_store), Scope.all(), Filters(), 110).set_index("adcode")

    def fill_of(at, code):
        districts = next(layer for layer in deck(at)["layers"] if layer["id"] == "districts")
        return next(f["properties"]["fill"][:3] for f in districts["data"]["features"] if f["properties"]["adcode"] == code)

    at = open_page(monkeypatch, demo_store, map="headroom")
    assert fill_of(at, rows["headroom_mw"].idxmax()) == list(GOOD_COLOURS[-1])
    assert fill_of(at, rows["headroom_mw"].idxmin()) == list(GOOD_COLOURS[0])
    at = open_page(monkeypatch, demo_store, map="headroom", metric="load_rate")
    assert fill_of(at, rows["load_rate_pct"].idxmax()) == list(CLASS_COLOURS[-1])


def test_the_park_filter_is_not_offered_where_no_table_has_a_park(monkeypatch, demo_store):
    """On the energy page the park chip filtered nothing and said nothing (tester 16): not drawn
    there, and kept for the pages that use it."""
    at = open_page(monkeypatch, demo_store, park="株洲高新区")
    assert "f_park" not in [m.key for m in at.multiselect]
    assert at.query_params["park"] == "株洲高新区" and at.session_state["f_park"] == ["株洲高新区"]
    land = conftest.open_page(monkeypatch, demo_store, "land", park="株洲高新区")
    assert land.multiselect(key="f_park").value == ["株洲高新区"]



def test_the_plant_list_is_the_views_plants_largest_first(monkeypatch, demo_store):
    """A plant's capacity had been only in its tooltip and the extract (tester 18)."""
    snap = store.open_current(demo_store)
    at = open_page(monkeypatch, demo_store, district="430223")
    plants = table(at, "plant_id")
    expected = energy.plants(snap, Scope.all(), Filters(districts=("430223",)))
    assert plants["plant_id"].tolist() == expected["plant_id"].tolist() and len(plants) > 1
    assert plants["capacity_mw"].is_monotonic_decreasing and set(plants["district"]) == {"攸县"}
    assert plants["capacity_mw"].sum() == pytest.approx(expected["capacity_mw"].sum())
