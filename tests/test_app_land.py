"""AppTest of the idle-land page: filters against direct DuckDB queries, the published 2022 rates,
the selected parcel and the project reusing it, empty results and hostile text."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import h3
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import conftest
from geo import store


def open_page(monkeypatch, store_dir: Path, **query) -> AppTest:
    return conftest.open_page(monkeypatch, store_dir, "land", **query)


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label.startswith(label))


def direct(store_dir: Path, select: str, where: str, params: list):
    path = store.open_current(store_dir).table_path("parcels")
    return duckdb.sql(f"SELECT {select} FROM read_parquet('{path}') WHERE {where}", params=params).fetchone()[0]


CASES = [
    ({}, "TRUE", []),
    ({"district": "430281"}, "district_adcode = ?", ["430281"]),
    ({"park": "醴陵经开区东富工业园"}, "park = ?", ["醴陵经开区东富工业园"]),
    ({"status": "批而未供,闲置"}, "status IN (?, ?)", ["批而未供", "闲置"]),
    ({"use": "仓储"}, "land_use = ?", ["仓储"]),
    ({"area_min": "50", "area_max": "100"}, "area_mu BETWEEN ? AND ?", [50, 100]),
    ({"disposal": "收回"}, "disposal_method = ?", ["收回"]),
    ({"disposed_year": "2022"}, "year(disposed_on) = ?", [2022]),
    ({"supply": "弹性出让"}, "supply_mode = ?", ["弹性出让"]),
    ({"district": "430223", "status": "已处置"}, "district_adcode = ? AND status = ?", ["430223", "已处置"]),
]


@pytest.mark.parametrize("query,where,params", CASES, ids=[str(c[0]) for c in CASES])
def test_each_filter_matches_a_direct_query(monkeypatch, demo_store, query, where, params):
    at = open_page(monkeypatch, demo_store, **query)
    assert not at.exception
    count = direct(demo_store, "count(*)", where, params)
    area = direct(demo_store, "coalesce(sum(area_mu), 0)", where, params)
    m = metric(at, "地块")
    assert m.value == f"{count:,} 宗"
    assert m.delta == f"{area:,.0f} 亩"


def test_published_rates_come_from_the_data(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store)
    unsupplied, inefficient = metric(at, "批而未供处置"), metric(at, "低效用地处置")
    assert unsupplied.value == "10,200 亩" and unsupplied.delta == "处置率\xa059.88\xa0%\xa0· 年初存量\xa017,034\xa0亩"  # parts kept whole
    assert inefficient.value == "10,200 亩" and inefficient.delta.replace("\xa0", " ") == "处置率 66.15 % · 年初存量 15,420 亩"
    # ... and the stock's number stays readable: the page's style lets a metric's delta wrap (Streamlit
    # cut "年初存量 17,034 亩" to "年初存量 17,0…" at 1366 px)
    styles = [css for css in conftest.stylesheets(at) if "stMetricDelta" in css]
    assert styles and "white-space: normal" in styles[0]
    assert "选择文件" in styles[0]  # and, in Chinese, the file uploader's English replaced
    ranking = next(df.value for df in at.dataframe if "排名" in df.value.columns)
    assert len(ranking) == 9 and list(ranking["排名"]) == list(range(1, 10))


@pytest.mark.parametrize("query,said", [
    ({"disposed_year": "2010"}, "已忽略链接中无法识别的参数：disposed_year=2010（可选 2019–2023）"),
    ({"disposed_year": "2015"}, "已忽略链接中无法识别的参数：disposed_year=2015（可选 2019–2023）"),
    ({"disposed_year": "20x3"}, "已忽略链接中无法识别的参数：disposed_year=20x3（可选 2019–2023）"),
    ({"area_min": "1e9"}, "已忽略链接中无法识别的参数：area_min=1e9"),
    ({"park": "不存在园区"}, "已忽略链接中无法识别的参数：park=不存在园区"),
])
def test_a_link_value_the_sidebar_cannot_show_is_ignored_and_said(monkeypatch, demo_store, query, said):
    """A disposal year the sidebar does not offer was dropped without a word (tester 11)."""
    at = open_page(monkeypatch, demo_store, **query)
    assert not at.exception
    assert [toast.value for toast in at.toast] == [said]
    assert dict(at.query_params) == {} and at.selectbox(key="f_disposed_year").value == 0
    assert metric(at, "地块").value == f"{direct(demo_store, 'count(*)', 'TRUE', []):,} 宗"


def test_an_area_range_the_wrong_way_round_is_swapped_and_said(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store, area_min="100", area_max="50", disposed_year="2022")
    assert not at.exception
    assert [toast.value for toast in at.toast] == ["链接中的面积下限大于上限，已交换"]
    assert dict(at.query_params) == {"area_min": "50", "area_max": "100", "disposed_year": "2022"}
    count = direct(demo_store, "count(*)", "area_mu BETWEEN 50 AND 100 AND year(disposed_on) = 2022", [])
    assert metric(at, "地块").value == f"{count:,} 宗"


def test_an_unknown_parcel_is_said_and_leaves_the_address(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store, parcel="DK-NOPE", status="闲置")
    assert not at.exception
    assert any("DK-NOPE" in w.value for w in at.warning)
    assert dict(at.query_params) == {"status": "闲置"}


def test_a_reused_parcel_shows_its_project(monkeypatch, demo_store):
    snap = store.open_current(demo_store)
    projects = store.read_table(snap, "projects")
    row = projects[projects["name"] == "攸县高新区原艾硅特项目地块新材料项目"].iloc[0]
    at = open_page(monkeypatch, demo_store, parcel=row["parcel_id"])
    assert not at.exception
    assert any(row["parcel_id"] in s.value for s in at.subheader)
    on_parcel = next(df.value for df in at.dataframe if "项目名称" in df.value.columns)
    assert list(on_parcel["项目名称"]) == ["攸县高新区原艾硅特项目地块新材料项目"]
    fields = next(df.value for df in at.dataframe if "字段" in df.value.columns)
    assert "100.00 亩（66,667 m²）" in set(fields["内容"])


def test_nothing_matches(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store, area_min="100000")
    assert not at.exception
    assert metric(at, "地块").value == "0 宗"
    assert any("没有匹配的地块" in i.value for i in at.info)


def test_monthly_chart_only_when_something_was_disposed(monkeypatch, demo_store):
    """Parcels in use belong to no stock class: no flat chart at 0, a sentence instead (since tester 11:
    the sentence that they have no stock class)."""
    at = open_page(monkeypatch, demo_store, district="430202", status="在用")
    assert not at.exception
    monthly = lambda page: [c for c in page.get("vega_lite_chart")  # noqa: E731  (the y axis names it)
                            if "累计处置" in json.dumps(json.loads(c.proto.spec), ensure_ascii=False)]
    assert not monthly(at)
    assert any("没有处置数字" in c.value for c in at.caption)
    whole = open_page(monkeypatch, demo_store)
    assert not any("没有处置的地块" in c.value for c in whole.caption)
    assert len(monthly(whole)) == 1


def test_a_status_filter_counts_as_the_stock_class_in_the_disposal_figures(monkeypatch, demo_store):
    """"闲置" as today's status left out every idle parcel disposed this year (it is 已处置 now): the
    chart said none was, 16 were (700 亩), and the ranking kept all three classes (tester 7)."""
    snap = store.open_current(demo_store)
    idle = duckdb.sql(f"""SELECT count(*), sum(area_mu) FROM read_parquet('{snap.table_path("parcels")}')
                          WHERE idle_class = '闲置' AND year(disposed_on) = 2023""").fetchone()
    assert idle[0] > 0
    at = open_page(monkeypatch, demo_store, status="闲置")
    chart = next(c for c in at.get("vega_lite_chart") if "累计处置" in json.dumps(json.loads(c.proto.spec), ensure_ascii=False))
    rows = pa.ipc.open_stream(chart.proto.data.data).read_all().to_pydict()
    assert set(rows["series"]) == {"闲置"} and max(rows["value"]) == pytest.approx(idle[1])
    ranking = next(df.value for df in at.dataframe if "排名" in df.value.columns)
    remaining = duckdb.sql(f"""SELECT d, sum(area_mu) FROM (SELECT district_adcode d, area_mu, status
                               FROM read_parquet('{snap.table_path("parcels")}')) WHERE status = '闲置' GROUP BY d""").df()
    assert ranking["闲置剩余存量（亩）"].sum() == pytest.approx(remaining.iloc[:, 1].sum(), abs=1)
    assert any(c.startswith("2023年至今处置率") for c in ranking.columns)


def test_the_area_remaining_ignores_the_disposal_year(monkeypatch, demo_store):
    """醴陵 under 处置年份 2023 read "0 亩 remaining" above a table of 1,879 亩 (tester 7)."""
    plain = open_page(monkeypatch, demo_store, district="醴陵")
    this_year = open_page(monkeypatch, demo_store, district="醴陵", disposed_year="2023")
    assert metric(this_year, "剩余闲置低效存量").value == metric(plain, "剩余闲置低效存量").value != "0 亩"
    assert metric(this_year, "地块").value != metric(plain, "地块").value  # the parcels themselves follow it


def test_english(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store, lang="en")
    assert at.title[0].value == "Idle land"
    assert metric(at, "Unsupplied land disposed").value == "10,200 mu"


def test_html_in_park_names_stays_text(monkeypatch, demo_store, tmp_path):
    snap = store.open_current(demo_store)
    tables = {name: store.read_table(snap, name) for name in snap.tables}
    hostile = "<script>alert(1)</script>园"
    parcels = tables["parcels"]
    biggest = parcels[parcels["status"].isin(["批而未供", "闲置", "低效"])]["area_mu"].idxmax()
    parcels.loc[biggest, "park"] = hostile
    store.write_snapshot(tables, as_of=snap.as_of, published_by="test", sources=["hostile"], store_dir=tmp_path)
    at = open_page(monkeypatch, tmp_path, parcel=parcels.loc[biggest, "parcel_id"])
    assert not at.exception
    idle = next(df.value for df in at.dataframe if "parcel_id" in df.value.columns)
    assert hostile in set(idle["park"])
    fields = next(df.value for df in at.dataframe if "字段" in df.value.columns)
    assert hostile in set(fields["内容"])


def test_invalid_outlines_are_reported_and_left_off_the_map(monkeypatch, demo_store, tmp_path):
    from shapely.geometry import Polygon

    snap = store.open_current(demo_store)
    tables = {name: store.read_table(snap, name) for name in snap.tables}
    parcels = tables["parcels"]
    x, y = parcels.geometry.iloc[5].representative_point().coords[0]
    parcels.loc[5, "geometry"] = Polygon([(x, y), (x + 0.001, y + 0.001), (x + 0.001, y), (x, y + 0.001), (x, y)])
    store.write_snapshot(tables, as_of=snap.as_of, published_by="test", sources=["bow tie"], store_dir=tmp_path)
    at = open_page(monkeypatch, tmp_path)
    assert not at.exception
    assert any("1 宗地块的几何图形有问题" in w.value and parcels.loc[5, "parcel_id"] in w.value for w in at.warning)


def test_no_idle_parcel_is_said_in_chinese_not_an_empty_table(monkeypatch, demo_store):
    """Only 已处置 parcels: the largest-idle table has no rows, so the page says so in the page
    language instead of showing Streamlit's English "empty" grid (and no sort/click note)."""
    at = open_page(monkeypatch, demo_store, status="已处置")
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert "没有符合筛选条件的地块" in captions
    assert not any("parcel_id" in df.value.columns for df in at.dataframe)
    assert all(len(df.value) for df in at.dataframe), "an empty table is shown"
    assert not any(c.startswith("点击表头排序") for c in captions)
    at = open_page(monkeypatch, demo_store, status="已处置", lang="en")
    assert "No parcels match the filters" in [c.value for c in at.caption]
    assert not any("parcel_id" in df.value.columns for df in at.dataframe)


def test_missing_numbers_show_as_a_dash(monkeypatch, demo_store):
    """The idle table's tax column has parcels without a figure: every table on the page shows
    a missing value as "—", not Streamlit's grey "None"."""
    at = open_page(monkeypatch, demo_store)
    idle = next(df for df in at.dataframe if "parcel_id" in df.value.columns)
    assert idle.value["tax_per_mu_wan"].isna().any()  # the case exists in the demo data
    assert {df.proto.placeholder for df in at.dataframe} == {"—"}
    assert "没有符合筛选条件的地块" not in [c.value for c in at.caption]


def cells_layer(at: AppTest) -> dict:
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return next(layer for layer in deck["layers"] if layer["id"] == "cells")


def test_too_many_parcels_are_drawn_as_cells_built_once_per_view(monkeypatch, demo_store):
    """Over the outline limit the map shows H3 cells of idle area. Their layer is kept per view
    (page_cache.derived): a rerun of the same view draws the same cells, another filter others."""
    import streamlit as st

    from geo import land

    monkeypatch.setattr(land.parcel_shapes, "__kwdefaults__", {"max_parcels": 100})
    st.cache_resource.clear()  # earlier tests' outlines are cached under the same keys
    try:
        at = open_page(monkeypatch, demo_store)
        assert not at.exception
        assert any("六边形网格" in w.value for w in at.warning)
        city = cells_layer(at)
        path = store.open_current(demo_store).table_path("parcels")
        res7 = duckdb.sql(f"SELECT DISTINCT h3_r7 FROM read_parquet('{path}') WHERE h3_r7 IS NOT NULL").fetchall()
        parents = {h3.cell_to_parent(h3.int_to_str(cell), 6) for (cell,) in res7}  # several districts: res 6
        assert sorted(row["cell"] for row in city["data"]) == sorted(parents)
        at.run()
        assert cells_layer(at) == city
        at.session_state["f_district"] = ["430223"]
        at.run()
        one = cells_layer(at)
        assert one != city
        assert len(one["data"]) == direct(demo_store, "count(DISTINCT h3_r7)", "district_adcode = ?", ["430223"])
    finally:
        st.cache_resource.clear()


def test_the_disposal_cards_keep_their_rate_under_a_status_filter_and_say_why(monkeypatch, demo_store):
    """?status=批而未供 showed 处置率 0.00 %; the published 2022 rate is 59.88 %."""
    at = open_page(monkeypatch, demo_store, status="批而未供")
    assert not at.exception
    card = metric(at, "批而未供处置")
    assert "59.88\xa0%" in card.delta  # (non-breaking spaces keep a figure and its unit together)
    assert any("不受“处置年份”筛选影响，“土地状态”筛选按存量类别计" in c.value for c in at.caption)
    plain = open_page(monkeypatch, demo_store)
    assert metric(plain, "批而未供处置").delta == card.delta
    assert not any("“土地状态”筛选按存量类别计" in c.value for c in plain.caption)


def test_the_disposal_cards_are_of_the_classes_the_status_filter_picks(monkeypatch, demo_store):
    """Under 闲置 the cards had still shown 批而未供 and 低效 (the published pair) beside a district
    table of 闲置; under 在用 the table's heading read "各区县—存量" (tester 11)."""
    from geo import land
    from geo.filters import Filters
    from geo.query import Scope

    rates = land.disposal_rates(store.open_current(demo_store), Scope.all(), Filters()).set_index("idle_class")
    at = open_page(monkeypatch, demo_store, status="闲置")
    labels = [m.label for m in at.metric]
    assert [lb for lb in labels if "处置（" in lb] == ["闲置土地处置（2022）"]
    assert metric(at, "闲置土地处置").value == f"{rates.loc['闲置', 'disposed_mu']:,.0f} 亩"
    two = open_page(monkeypatch, demo_store, status="低效,闲置")
    assert [m.label for m in two.metric if "处置（" in m.label] == ["闲置土地处置（2022）", "低效用地处置（2022）"]
    in_use = open_page(monkeypatch, demo_store, status="在用")
    assert not [m for m in in_use.metric if "处置（" in m.label]
    assert any("不属于批而未供、闲置、低效任一存量类别" in c.value for c in in_use.caption)
    assert not any("各区县" in m.value for m in in_use.markdown)  # no ranking of no class
    plain = open_page(monkeypatch, demo_store)
    assert [m.label for m in plain.metric if "处置（" in m.label] == ["批而未供处置（2022）", "低效用地处置（2022）"]


def test_the_district_ranking_holds_numbers_that_sort_as_numbers(monkeypatch, demo_store):
    """As "962 亩" texts, 962 sorted after 3,993; numbers with the unit in the header sort right."""
    at = open_page(monkeypatch, demo_store)
    ranking = next(df.value for df in at.dataframe if "三类剩余存量（亩）" in df.value.columns)
    for column in ("三类剩余存量（亩）", "2022年处置（亩）", "2022年处置率（%）", "2023年至今处置（亩）", "2023年至今处置率（%）"):
        assert ranking[column].dtype == float, column
    assert ranking["三类剩余存量（亩）"].tolist() == sorted(ranking["三类剩余存量（亩）"], reverse=True)  # ranked
    assert ranking["2022年处置率（%）"].max() <= 100 and ranking["三类剩余存量（亩）"].sum() == pytest.approx(10704, abs=1)
    # this year so far, as a planner compares districts (2022's order is the opposite; DuckDB by hand: tester 7)
    now = dict(zip(ranking["区县"], ranking["2023年至今处置率（%）"]))
    assert now["醴陵市"] == pytest.approx(30.18) and now["攸县"] == pytest.approx(36.15)


def test_a_choropleth_of_two_districts_keeps_the_citys_classes(monkeypatch, demo_store):
    """Classed on the chosen districts alone, 62.5 % and 62.8 % were palest and darkest red. Now
    the classes are the city's: the chosen districts keep their city-wide colours, the others stay
    faded for context, and the view fits the chosen ones."""
    import json

    def districts_layer(at):
        deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
        layer = next(x for x in deck["layers"] if x["id"] == "districts")
        return {f["properties"]["adcode"]: f["properties"]["fill"] for f in layer["data"]["features"]}, deck

    city, city_deck = districts_layer(open_page(monkeypatch, demo_store, map="choropleth", metric="rate"))
    two, two_deck = districts_layer(open_page(monkeypatch, demo_store, map="choropleth", metric="rate",
                                              district="430202,430203"))
    assert len(city) == len(two) == 9
    for code, fill in two.items():
        assert fill[:3] == city[code][:3]
        assert fill[3] == (215 if code in ("430202", "430203") else 70)
    assert two_deck["initialViewState"]["zoom"] > city_deck["initialViewState"]["zoom"]


def test_the_park_list_offers_the_chosen_districts_parks(monkeypatch, demo_store):
    """Picking 荷塘区 still offered 醴陵's parks; a park chosen before stays listed."""
    snap = store.open_current(demo_store)
    names = {}
    for table in ("parcels", "projects"):
        rows = duckdb.sql(f"SELECT DISTINCT district_adcode, park FROM read_parquet('{snap.table_path(table)}') "
                          "WHERE park IS NOT NULL").fetchall()
        for code, park in rows:
            names.setdefault(code, set()).add(park)
    at = open_page(monkeypatch, demo_store, district="430202")
    assert set(at.multiselect(key="f_park").options) == names["430202"]
    everywhere = open_page(monkeypatch, demo_store)
    assert set(everywhere.multiselect(key="f_park").options) == set().union(*names.values())
    kept = open_page(monkeypatch, demo_store, district="430202", park="醴陵经开区东富工业园")
    assert "醴陵经开区东富工业园" in kept.multiselect(key="f_park").options


def _view(at: AppTest) -> dict:
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return deck["initialViewState"]


def test_a_parcel_opened_by_a_link_is_where_the_map_opens(monkeypatch, demo_store):
    """A shared ?parcel= link: at the county's view a 100-亩 parcel is 2 × 3 px, so the map opens
    on it (12 km across). Clicked on the map instead, the view stays the user's; a district
    chosen afterwards gets its district, not the parcel again."""
    from geo import layers
    from geo.boundaries import bounds as district_bounds

    parcels = store.read_table(store.open_current(demo_store), "parcels")
    row = parcels[parcels["district_adcode"] == "430223"].iloc[0]
    x, y = row.geometry.representative_point().coords[0]
    county = layers.fit_view(district_bounds(["430223"]))
    at = open_page(monkeypatch, demo_store, district="430223", parcel=row["parcel_id"])
    view = _view(at)
    assert (view["longitude"], view["latitude"]) == pytest.approx((x, y), abs=1e-6)
    assert view["zoom"] == layers.fit_view(layers.padded_bounds([x], [y])).zoom > county.zoom + 1
    at.session_state["land_parcel_picked_in"] = "land_map"  # the same parcel, clicked on the map
    at.run()
    assert _view(at)["zoom"] == county.zoom
    at.session_state["land_parcel_picked_in"] = None  # from the link again; then the user picks 醴陵
    at.run()
    assert _view(at)["zoom"] > county.zoom + 1
    at.session_state["f_district"] = ["430281"]
    at.run()
    liling = layers.fit_view(district_bounds(["430281"]))
    assert (_view(at)["longitude"], _view(at)["zoom"]) == (liling.longitude, liling.zoom)
    assert any(row["parcel_id"] in s.value for s in at.subheader)  # still selected


def test_a_parcel_not_drawn_on_its_own_gets_a_ring(monkeypatch, demo_store):
    """Over the outline limit the map draws cells: the linked parcel is ringed at its place."""
    import streamlit as st

    from geo import land

    parcels = store.read_table(store.open_current(demo_store), "parcels")
    row = parcels.iloc[7]
    at = open_page(monkeypatch, demo_store, parcel=row["parcel_id"])  # outlines drawn: its own outline is yellow
    assert "selected-ring" not in [layer["id"] for layer in json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]]
    monkeypatch.setattr(land.parcel_shapes, "__kwdefaults__", {"max_parcels": 100})
    st.cache_resource.clear()
    try:
        at = open_page(monkeypatch, demo_store, parcel=row["parcel_id"])
        deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
        ring = next(layer for layer in deck["layers"] if layer["id"] == "selected-ring")
        assert ring["data"][0]["position"] == pytest.approx(list(row.geometry.representative_point().coords[0]), abs=1e-6)
        assert "cells" in [layer["id"] for layer in deck["layers"]]
    finally:
        st.cache_resource.clear()
