"""Filters (URL round trip, SQL), number formatting, and the pydeck layer helpers on tiny data."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from pydeck.bindings.json_tools import default_serialize

from geo import district_layers, layers, map_classes, map_json
from geo.filters import AREA_SWAPPED, INV_SWAPPED, NUMBER_LIMITS, Filters, disposal_years, start_years
from geo.i18n import fmt_count, fmt_number, fmt_pct, t
from geo.join import assign_districts


# --- filters ----------------------------------------------------------------------------------

def test_url_round_trip_is_canonical():
    f = Filters(districts=("430281", "430202"), stages=("在建",), levels=("市重点", "省重点"))
    # schema order whatever the input order, so equal views compare, cache and link equal
    assert f == Filters(districts=("430202", "430281", "430202"), stages=("在建",), levels=("省重点", "市重点"))
    params = f.to_query_params()
    assert params == {"district": "430202,430281", "stage": "在建", "level": "省重点,市重点"}
    back, notices = Filters.from_query_params(params)
    assert notices == [] and back == f


@pytest.mark.parametrize("text,code", [("醴陵市", "430281"), ("醴陵", "430281"), ("430281", "430281"),
                                       ("Liling City", "430281"), ("liling", "430281"), ("攸县", "430223"),
                                       ("荷塘", "430202")])
def test_district_names_in_links(text, code):
    assert Filters.from_query_params({"district": text})[0].districts == (code,)


def test_bad_values_are_reported_not_fatal():
    f, notices = Filters.from_query_params({"district": "醴陵,atlantis", "stage": "<script>", "lang": "en"})
    assert f.districts == ("430281",) and f.stages == ()
    assert notices == ["district=atlantis", "stage=<script>"]


def test_a_search_longer_than_the_box_is_cut_and_said():
    f, notices = Filters.from_query_params({"q": "株洲" * 50 + "TAIL-beyond-the-limit"})
    assert f.search == "株洲" * 50 and len(f.search) == 100
    assert notices == ["q>100"]
    assert Filters.from_query_params({"q": "株" * 100}) == (Filters(search="株" * 100), [])


def test_where_binds_values_and_skips_columns_a_table_lacks():
    f = Filters(districts=("430281",), stages=("在建",))
    sql, params = f.where("projects")
    assert sql == "list_contains($f_districts, district_adcode) AND list_contains($f_stages, stage)"
    assert params == {"f_districts": ["430281"], "f_stages": ["在建"]}
    sql, params = f.where("parcels")
    assert sql == "list_contains($f_districts, district_adcode)" and params == {"f_districts": ["430281"]}
    assert f.where("districts", prefix="d_") == ("list_contains($d_districts, adcode)", {"d_districts": ["430281"]})
    assert Filters().where("projects") == ("TRUE", {})


def test_describe():
    assert Filters(districts=("430281", "430223"), stages=("在建",)).describe("zh") == "攸县、醴陵市 · 在建"
    assert Filters(stages=("在建",)).describe("en") == "Under construction"
    # English lists take ", " ("You County、Liling City": tester 11)
    assert Filters(districts=("430281", "430223")).describe("en") == "You County, Liling City"


def test_english_district_names_on_maps_are_the_tables_short_ones():
    """The map said "You County" above a table saying "You" (tester 11): one short form for both."""
    from geo.district_layers import _district_names

    labels = {row["name"] for row in _district_names("en").data}
    assert {"You", "Liling", "Chaling", "Hetang"} <= labels and not any(" County" in lb for lb in labels)
    assert "攸县" in {row["name"] for row in _district_names("zh").data}


# --- formatting -------------------------------------------------------------------------------

def test_numbers_carry_units_and_separators():
    assert fmt_number(5430, "亿元") == "5,430.0 亿元"
    assert fmt_number(2703.75, "MW", 1) == "2,703.8 MW"
    assert fmt_count(19994) == "19,994 个"
    assert fmt_count(549, "个", "en") == "549"
    assert fmt_number(10200, "亩", 0, "en") == "10,200 mu"
    assert fmt_number(None, "亿元") == "—" and fmt_pct(float("nan")) == "—"
    assert fmt_pct(59.8837) == "59.88 %"
    assert t("vs_plan", "zh", plan="45 个") == "计划 45 个"


# --- layers -----------------------------------------------------------------------------------

def _two_districts() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "adcode": ["430202", "430281"], "name": ["<b>荷塘</b>", "醴陵市"], "label": ["荷塘", "醴陵"],
        "value": [10.0, 30.0], "value_text": ["10.0 亿元", "<img src=x onerror=alert(1)>"],
    }, geometry=[MultiPolygon([box(113.1, 27.8, 113.2, 27.9)]), MultiPolygon([box(113.3, 27.5, 113.6, 27.8)])],
        crs="EPSG:4326")


def test_tooltip_lines_keep_braces_and_missing_values_literal():
    frame = pd.DataFrame({"name": ["{0} 项目", None], "a": ["1.0 亿元", None], "b": [2.5, float("nan")]},
                         dtype=object)
    assert layers.tooltips(frame, "name", [("总{投资}", "a"), ("{}", "b")]) == [
        "{0} 项目\n总{投资}：1.0 亿元\n{}: 2.5", "None\n总{投资}：None\n{}: nan"]
    # after an English label an ASCII colon ("Voltage：500 kV" in English: tester 16)
    assert layers.tooltips(frame.head(1), "name", [("Voltage", "b")]) == ["{0} 项目\nVoltage: 2.5"]


def test_project_points_one_layer_per_stage_biggest_first_and_the_selection_outlined():
    points = pd.DataFrame({
        "project_id": ["P1", "P2", "P3", "P4"], "name": ["甲", "乙", "丙", "丁"],
        "stage": ["在建", "前期", "在建", "不存在"], "total_investment_yi": [100.0, 25.0, 4.0, 9.0],
        "lon": [113.123456, 113.2, 113.3, 113.4], "lat": [27.654321, 27.7, 27.8, 27.9], "tip": ["a", "b", "c", "d"]})
    out = layers.project_points_layers(points, [("阶段", "tip")], "P3")
    by_id = {layer.id: layer for layer in out}
    stage_ids = list(layers.STAGE_COLOURS)
    built = by_id[f"projects-{stage_ids.index('在建')}"]
    assert [row["project_id"] for row in built.data] == ["P1", "P3"]  # the input's order (biggest first) kept
    assert built.data[0] == {"project_id": "P1", "position": [113.12346, 27.65432], "radius": 2000.0,
                             "tooltip": "甲\n阶段：a"}
    assert [row["project_id"] for row in by_id[f"projects-{stage_ids.index('前期')}"].data] == ["P2"]
    assert by_id["selected-project"].data == [built.data[1]] and by_id["selected-project"].filled is False
    assert len(out) == 3  # an unknown stage is not drawn; no layer for stages without projects
    assert "P4" not in json.dumps([layer.data for layer in out])


def test_tooltips_are_plain_text_never_markup():
    deck, _ = district_layers.district_choropleth(_two_districts(), "value", name_column="name", label_column="label",
                                         unit="亿元", decimals=1, legend_title="总投资", lang="zh",
                                         tooltip_rows=[("总投资", "value_text")])
    spec = json.loads(deck.to_json())
    # deck.gl renders a "text" tooltip as text: hostile names stay literal
    assert deck._tooltip == layers.TOOLTIP and layers.TOOLTIP["text"] == "{tooltip}"
    assert "html" not in layers.TOOLTIP
    tips = [f["properties"]["tooltip"] for f in spec["layers"][0]["data"]["features"]]
    assert tips[0] == "<b>荷塘</b>\n总投资：10.0 亿元"
    assert tips[1] == "醴陵市\n总投资：<img src=x onerror=alert(1)>"
    by_id = {layer["id"]: layer for layer in spec["layers"]}
    text_layer = by_id["district-names"]
    assert text_layer["characterSet"] == "auto" and "Noto Sans CJK SC" in text_layer["fontFamily"]
    assert [row["name"] for row in text_layer["data"]] == ["荷塘", "醴陵"]


def test_a_choropleth_of_nothing_is_pale_and_a_missing_rate_is_named():
    """No project matches: every district 0, drawn in the lightest class with the legend "0.0 亿元"
    (it was the middle red, "0.0 – 0.0 亿元": a city that looked full of investment). A rate
    without its base is grey, and the legend says 无数据."""
    zeros = _two_districts().assign(value=[0.0, 0.0])
    deck, legend = district_layers.district_choropleth(zeros, "value", name_column="name", unit="亿元", decimals=1,
                                                       legend_title="总投资", lang="zh", tooltip_rows=[])
    assert legend.entries == ((map_classes.CLASS_COLOURS[0], "0.0 亿元"),)
    fills = [f["properties"]["fill"][:3] for f in json.loads(deck.to_json())["layers"][0]["data"]["features"]]
    assert fills == [list(map_classes.CLASS_COLOURS[0])] * 2
    rates = _two_districts().assign(value=[62.5, None])
    _, legend = district_layers.district_choropleth(rates, "value", name_column="name", unit="%", decimals=1,
                                                    legend_title="完成率", lang="zh", tooltip_rows=[])
    assert legend.entries[-1] == (map_classes.NO_DATA_COLOUR, "无数据") and len(legend.entries) == 2


def test_choropleth_outlines_are_segments_with_the_selection_thick():
    """Outlines are a LineLayer (cheaper than the GeoJsonLayer's path stroke in software WebGL):
    every ring edge once per district, 3 px for a selected district, 1 px for the others."""
    deck, _ = district_layers.district_choropleth(_two_districts(), "value", name_column="name", unit="亿元", decimals=1,
                                         legend_title="总投资", lang="zh", tooltip_rows=[], selected=("430281",))
    spec = json.loads(deck.to_json())
    assert [(layer["@@type"], layer["id"]) for layer in spec["layers"]] == [
        ("GeoJsonLayer", "districts"), ("LineLayer", "district-outlines"), ("TextLayer", "district-names")]
    assert spec["layers"][0]["stroked"] is False and spec["layers"][0]["pickable"] is True
    edges = {frozenset((tuple(s["s"]), tuple(s["t"]))): s["w"] for s in spec["layers"][1]["data"]}
    assert len(edges) == 8  # two boxes, four edges each
    assert edges[frozenset(((113.1, 27.8), (113.2, 27.8)))] == 1
    assert edges[frozenset(((113.3, 27.5), (113.6, 27.5)))] == 3  # 醴陵, selected


def test_frozen_layers_give_the_same_json_and_follow_the_selection_and_language():
    """District names are cached and serialised once, outlines joined from per-district JSON;
    the map's JSON is byte for byte what encoding every layer again gives, and a new selection or
    language is a new layer."""
    def choropleth(selected, lang="zh", name="name"):
        return district_layers.district_choropleth(_two_districts().assign(en=["Hetang", "Liling"]), "value", name_column=name,
                                          unit="亿元", decimals=1, legend_title="总投资", lang=lang, tooltip_rows=[],
                                          selected=selected)[0]

    deck = choropleth(("430281",))
    assert any(layer in map_json._FROZEN_JSON for layer in deck.layers)
    decoded = lambda o: json.loads(o.json) if isinstance(o, map_json.Encoded) else default_serialize(o)  # noqa: E731
    plain = json.dumps(deck, sort_keys=True, default=decoded, separators=(",", ":"), ensure_ascii=False)
    assert deck.to_json() == plain
    again = choropleth(("430281",))
    assert again.layers[2] is deck.layers[2] and again.layers[1].data.json == deck.layers[1].data.json  # cached
    other = json.loads(choropleth(("430202",)).to_json())["layers"]
    assert {s["w"] for s in other[1]["data"] if s["s"] == [113.3, 27.5]} == {1}  # 醴陵 no longer thick
    english = json.loads(choropleth(("430281",), "en", "en").to_json())["layers"][2]
    assert [row["name"] for row in english["data"]] == ["Hetang", "Liling"]


def test_district_base_outlines_follow_the_selection_and_language():
    """The feature maps' district outlines are joined from per-district JSON encoded once: the
    selected districts thick and tinted, names in the page language, the map's JSON valid."""
    outline, names = district_layers.district_base("zh", ("430281", "430202"))
    deck = layers.point_map([outline, names], (113.0, 26.0, 114.0, 28.0))
    spec = json.loads(deck.to_json())
    features = spec["layers"][0]["data"]["features"]
    assert spec["layers"][0]["@@type"] == "GeoJsonLayer" and len(features) == 9
    thick = {f["properties"]["adcode"] for f in features if f["properties"]["line_width"] == 3}
    assert thick == {"430281", "430202"}
    assert {tuple(f["properties"]["fill"]) for f in features if f["properties"]["adcode"] in thick} == {(255, 235, 205, 90)}
    assert {f["properties"]["tooltip"] for f in features} >= {"醴陵市", "荷塘区"}
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)
    english = json.loads(layers.point_map(list(district_layers.district_base("en", ())), (113.0, 26.0, 114.0, 28.0)).to_json())
    assert {f["properties"]["line_width"] for f in english["layers"][0]["data"]["features"]} == {1}
    assert "Liling" in [row["name"] for row in english["layers"][1]["data"]]
    assert district_layers.district_base("zh", ())[1] is names  # the names layer: one per language


def test_class_breaks_and_legend():
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, None])
    breaks = map_classes.class_breaks(values, classes=5)
    assert breaks == pytest.approx([1.8, 2.6, 3.4, 4.2, 5.0])
    assert map_classes.classify(values, breaks) == [0, 1, 2, 3, 4, None]
    assert map_classes.classify(pd.Series([1.0, 5.0, None]), breaks) == [0, 4, None]
    _, legend = district_layers.district_choropleth(_two_districts(), "value", name_column="name", unit="亿元",
                                           decimals=1, legend_title="总投资", lang="zh", tooltip_rows=[])
    assert [label for _, label in legend.entries] == ["10.0 亿元", "30.0 亿元"]  # what each class holds
    html = map_classes.legend_html(legend)
    assert html.count("background:rgb(") == 2
    assert "background:rgb(254, 229, 217)" in html and "background:rgb(165, 15, 21)" in html  # lowest, highest class
    assert html.index("10.0 亿元") < html.index("30.0 亿元") and ">总投资<" in html


def test_zeros_are_a_class_of_their_own_and_labels_give_each_class_its_values():
    """Under one chain: seven districts at 0, 渌口 10.4, 石峰 310.4 亿元 had shared a class under
    "0.0 – 0.0" and "0.0 – 310.4" (tester 17); neighbouring classes had shared their bounds."""
    values = pd.Series([0.0] * 7 + [10.4, 310.4])
    breaks = map_classes.class_breaks(values)
    classes = map_classes.classify(values, breaks)
    assert breaks[0] == 0.0 and classes[:7] == [0] * 7 and len({classes[7], classes[8]}) == 2 and classes[7] > 0
    assert map_classes.break_labels(breaks, values, "亿元", 1, "zh") == ["0.0 亿元", "10.4 亿元", "310.4 亿元"]
    rates = pd.Series([54.6, 55.2, 55.8, 56.9, 57.7, 60.1, 61.0, 63.2, 66.0])
    labels = map_classes.break_labels(map_classes.class_breaks(rates), rates, "%", 1, "zh")
    lows_highs = [tuple(float(x.rstrip(" %")) for x in label.split(" – ")) for label in labels]
    assert all(a[-1] < b[0] for a, b in zip(lows_highs, lows_highs[1:]))  # no bound shared by two classes
    assert lows_highs[0][0] == 54.6 and lows_highs[-1][-1] == 66.0
    assert map_classes.break_labels(map_classes.class_breaks(pd.Series([0.0, 0.0])), pd.Series([0.0, 0.0]), "亿元", 1,
                                    "zh") == ["0.0 亿元"]  # nothing anywhere: one class
    # negative values (an overloaded level's headroom): plain quantiles, every class holding a value
    headroom = pd.Series([-3.0, 0.0, 0.0, 10.0])
    breaks = map_classes.class_breaks(headroom)
    assert breaks == sorted(set(breaks)) and set(map_classes.classify(headroom, breaks)) == set(range(len(breaks)))
    labels = map_classes.break_labels(breaks, headroom, "MW", 1, "zh")
    assert labels[0].startswith("-3.0") and labels[-1] == "10.0 MW"


def test_legend_html_escapes_labels():
    html = map_classes.legend_html(map_classes.Legend("<b>t</b>", (((1, 2, 3), "a < b & <script>x</script>"),)))
    assert "<script>" not in html and "<b>" not in html
    assert "a &lt; b &amp; &lt;script&gt;" in html and "&lt;b&gt;t&lt;/b&gt;" in html


def test_fit_view_shows_the_whole_city():
    view = layers.fit_view((112.96, 26.04, 114.10, 28.03), width_px=900, height_px=560)
    assert (view.longitude, view.latitude) == pytest.approx((113.53, 27.035))
    # deck.gl world = 512 px at zoom 0: the city's 2.2° of Mercator latitude fit in 560 px
    assert 7.0 < view.zoom < 7.6


# --- district join ----------------------------------------------------------------------------

def test_join_assigns_and_reports_outside_features():
    districts = gpd.GeoDataFrame({"adcode": ["A", "B"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:4326")
    features = gpd.GeoDataFrame({"fid": ["p1", "p2", "p3", "edge", "poly"]}, geometry=gpd.GeoSeries.from_wkt([
        "POINT (0.5 0.5)", "POINT (1.5 0.5)", "POINT (5 5)", "POINT (1 0.5)",
        "POLYGON ((1.2 0.2, 1.8 0.2, 1.8 0.8, 1.2 0.8, 1.2 0.2))"]), crs="EPSG:4326")
    joined, outside = assign_districts(features, districts, id_column="fid")
    assert list(joined["fid"]) == ["p1", "p2", "p3", "edge", "poly"]  # nothing dropped, order kept
    assert list(joined["district_adcode"].fillna("-")) == ["A", "B", "-", "-", "B"]
    assert list(outside["id"]) == ["p3", "edge"]
    assert outside.loc[outside["id"] == "p3", ["lon", "lat"]].values.tolist() == [[5.0, 5.0]]


def test_join_refuses_a_foreign_crs():
    districts = gpd.GeoDataFrame({"adcode": ["A"]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4326")
    with pytest.raises(ValueError, match="EPSG:4326"):
        assign_districts(districts.to_crs(3857), districts, id_column="adcode")


def test_scalar_filters_round_trip_and_sql():
    f = Filters(stalled=("签约未开工",), inv_min=10, inv_max=50.5, year=2023, year_by="planned", search="  铂威 ")
    params = f.to_query_params()
    assert params == {"stalled": "签约未开工", "inv_min": "10", "inv_max": "50.5", "year": "2023",
                      "year_by": "planned", "q": "铂威"}
    assert Filters.from_query_params(params) == (f, [])
    sql, bound = f.where("projects")
    assert "total_investment_yi >= $f_inv_min" in sql and "total_investment_yi <= $f_inv_max" in sql
    assert "year(planned_start) = $f_year" in sql and "contains(lower(name), lower($f_search))" in sql
    assert bound["f_search"] == "铂威" and bound["f_year"] == 2023 and bound["f_stalled"] == ["签约未开工"]
    assert f.where("parcels") == ("TRUE", {})  # none of these columns exist on parcels


@pytest.mark.parametrize("params,notice", [
    ({"inv_min": "abc"}, "inv_min=abc"), ({"inv_max": "-3"}, "inv_max=-3"), ({"inv_min": "nan"}, "inv_min=nan"),
    ({"year": "20x3"}, "year=20x3"), ({"year": "1800"}, "year=1800"), ({"year_by": "maybe"}, "year_by=maybe"),
])
def test_malformed_scalar_params_give_notices(params, notice):
    f, notices = Filters.from_query_params(params)
    assert notice in notices
    assert f.year is None or f.year == 2023


def test_a_range_written_the_wrong_way_round_is_read_as_the_range_between_and_said():
    """As the sidebar reads it (it swapped, the link dropped the maximum): both keep the range,
    and the swap is said (it was silent: tester 11)."""
    f, notices = Filters.from_query_params({"area_min": "100", "area_max": "50", "inv_min": "50", "inv_max": "10"})
    assert (f.area_min, f.area_max, f.inv_min, f.inv_max) == (50.0, 100.0, 10.0, 50.0)
    assert notices == [INV_SWAPPED, AREA_SWAPPED]
    assert Filters.from_query_params({"inv_min": "10", "inv_max": "10"})[1] == []  # equal: nothing swapped


@pytest.mark.parametrize("key,text", [("inv_min", "1e308"), ("inv_max", "100001"), ("area_min", "1e400"),
                                      ("area_max", "17000001"), ("inv_min", "inf"), ("area_max", "-0.5")])
def test_absurd_numbers_are_ignored_and_said(key, text):
    """``inv_min=1e308`` was taken ("≥ 1e+308 亿元", no project) while -5 and 1e400 were refused."""
    f, notices = Filters.from_query_params({key: text})
    assert f == Filters() and notices == [f"{key}={text}"]


def test_numbers_up_to_the_limits_are_taken():
    f, notices = Filters.from_query_params({"inv_max": "100000", "area_max": "17000000", "inv_min": "0"})
    assert (f.inv_min, f.inv_max, f.area_max, notices) == (0.0, NUMBER_LIMITS["inv_max"], NUMBER_LIMITS["area_max"], [])


def test_years_and_parks_outside_the_offered_choices_are_ignored_and_said():
    """A year the sidebar does not offer (2018 when it offers 2019–2024) was dropped without a word,
    and an unknown park was a filter matching nothing; both are ignored and said."""
    choices = {"year": start_years(2023), "disposed_year": disposal_years(2023), "park": ("荷塘工业园", "醴陵经开区")}
    assert choices["year"] == (2019, 2020, 2021, 2022, 2023, 2024)
    assert choices["disposed_year"] == (2019, 2020, 2021, 2022, 2023)
    f, notices = Filters.from_query_params({"year": "2018", "year_by": "planned", "disposed_year": "2024",
                                            "park": "醴陵经开区,不存在园区"}, choices)
    assert (f.year, f.disposed_year, f.parks) == (None, None, ("醴陵经开区",))
    assert notices == ["park=不存在园区", "year=2018", "disposed_year=2024"]
    f, notices = Filters.from_query_params({"year": "2024", "disposed_year": "2019"}, choices)
    assert (f.year, f.disposed_year, notices) == (2024, 2019, [])
    assert Filters.from_query_params({"year": "2018", "park": "不存在园区"})[1] == []  # no choices: any park, 2000–2100


def test_search_text_is_a_value_not_sql():
    f = Filters(search="x') OR 1=1 --")
    sql, bound = f.where("projects")
    assert "OR 1=1" not in sql and bound["f_search"] == "x') OR 1=1 --"


def test_page_url_parameters_never_collide_with_filter_keys():
    """A page's own URL parameter named like a shared filter would be rewritten by the sidebar
    (it happened: the energy page's voltage level used "level", the project-level filter)."""
    import re
    from pathlib import Path

    from geo.filters import ALL_URL_KEYS

    pages = Path(__file__).resolve().parents[1] / "pages"
    used = set()
    for page in pages.glob("*.py"):
        used |= set(re.findall(r'url_(?:state|value)\(\s*"([a-z_]+)"', page.read_text(encoding="utf-8")))
    assert used, "no page parameters found: the pattern is out of date"
    assert not used & set(ALL_URL_KEYS), sorted(used & set(ALL_URL_KEYS))
    assert not used & {"lang", "present", "agenda", "item"}


def test_only_for_keeps_exactly_the_filters_that_change_a_tables_condition():
    f = Filters(districts=("430281",), stages=("在建",), search="株洲", area_min=5.0, voltages=("110",),
                parks=("株洲高新区",), year=2023)
    assert f.only_for("substations") == Filters(districts=("430281",), voltages=("110",))
    assert f.only_for("parcels") == Filters(districts=("430281",), area_min=5.0, parks=("株洲高新区",))
    assert f.only_for("projects") == Filters(districts=("430281",), stages=("在建",), search="株洲",
                                             parks=("株洲高新区",), year=2023)
    assert f.only_for("parcels", "substations").voltages == ("110",)
    for table in ("projects", "parcels", "substations", "plants", "transformer_areas"):
        assert f.only_for(table).where(table) == f.where(table)


def test_parcel_parts_and_holes_become_rows_of_rings_in_order():
    from shapely.geometry import Polygon

    holed = Polygon([(113.0, 27.0), (113.01, 27.0), (113.01, 27.01), (113.0, 27.01)],
                    [[(113.002, 27.002), (113.004, 27.002), (113.004, 27.004)]])
    parcels = gpd.GeoDataFrame({"parcel_id": ["A", "B"], "status": ["低效", "不存在"]},
                               geometry=[MultiPolygon([box(113.1, 27.1, 113.2, 27.2), holed]),
                                         box(113.12345678, 27.5, 113.3, 27.6)], crs="EPSG:4326")
    parcels["tip"] = ["甲", "乙"]
    rows = layers.parcel_layers(parcels, [("说明", "tip")], selected=None)[-1].data
    assert [row["parcel_id"] for row in rows] == ["A", "A", "B"]  # one row per part, the parcel's order
    assert rows[0]["polygon"] == [[list(c) for c in box(113.1, 27.1, 113.2, 27.2).exterior.coords]]
    exterior, hole = rows[1]["polygon"]  # a hole is the part's second ring
    assert exterior[0] == exterior[-1] == [113.0, 27.0] and len(exterior) == 5
    assert hole == [[113.002, 27.002], [113.004, 27.002], [113.004, 27.004], [113.002, 27.002]]
    assert rows[2]["polygon"] == [[[113.3, 27.5], [113.3, 27.6], [113.123457, 27.6], [113.123457, 27.5],
                                   [113.3, 27.5]]]  # 6 decimals
    assert rows[0]["tooltip"] == rows[1]["tooltip"] == "A\n说明：甲"
    assert rows[2]["fill"][:3] == [120, 120, 120]  # an unknown status drawn grey, not dropped


def test_a_clickable_parcel_view_has_a_small_target_under_each_parcel():
    """A sub-pixel parcel at a district's zoom could not be clicked (tester 15; measured in
    Chromium): an invisible dot of at least PARCEL_TARGET_PX under each, named by its id only."""
    parcels = gpd.GeoDataFrame({"parcel_id": ["L1", "L2"], "status": ["闲置", "在用"], "tip": ["甲", "乙"]},
                               geometry=[box(113.1, 27.8, 113.1001, 27.8001), box(113.2, 27.8, 113.2001, 27.8001)],
                               crs="EPSG:4326")
    targets, polygons = layers.parcel_layers(parcels, [("说明", "tip")], selected=None)
    assert targets.id.startswith("parcels") and targets.id != polygons.id  # picked as a parcel, drawn under it
    assert targets.radius_min_pixels == layers.PARCEL_TARGET_PX and targets.get_fill_color == [0, 0, 0, 0]
    assert [(r["parcel_id"], r["tooltip"]) for r in targets.data] == [("L1", "L1"), ("L2", "L2")]
    x, y = targets.data[0]["position"]
    assert parcels.geometry.iloc[0].contains(shapely.Point(x, y))
    assert layers.parcel_layers(parcels, [], selected=None, pickable=False)[0].id == "parcels"  # none when not clickable


def test_parcels_show_their_status_colour_at_any_zoom():
    """Outlined in a darker shade of their status colour, 1.5 px at any zoom: at city zoom a parcel
    is smaller than a pixel and only its outline shows (a dark outline made them all grey)."""
    parcels = gpd.GeoDataFrame({"parcel_id": ["L1", "L2"], "status": ["闲置", "在用"]},
                               geometry=[box(113.1, 27.8, 113.1001, 27.8001), box(113.2, 27.8, 113.2001, 27.8001)],
                               crs="EPSG:4326")
    rows = layers.parcel_layers(parcels, [], selected="L2")[-1].data
    idle, chosen = rows
    assert idle["fill"][:3] == list(layers.PARCEL_COLOURS["闲置"]) and idle["line_px"] == 1.5
    assert idle["line"] == [int(c * 0.75) for c in layers.PARCEL_COLOURS["闲置"]]
    assert chosen["line"] == [255, 200, 0] and chosen["line_px"] == 3  # the selected parcel stands out


def test_chart_tooltips_show_texts_not_field_names():
    """One joined text per bar or point: a list of fields showed each under the code's field name."""
    from geo import charts

    df = pd.DataFrame({"k": ["a", "b"], "label": ["开工（实际）", "竣工"], "v": [49, 0],
                       "month_label": ["7月", "7月"], "v_text": ["49 个", None]})
    spec = charts.bar_chart(df, key="k", label="label", value="v", value_title="个", tooltip=["label", "month_label", "v_text"])
    assert spec["encoding"]["tooltip"] == {"field": charts.TIP, "type": "nominal"}
    assert spec["data"]["values"].column(charts.TIP).to_pylist() == ["开工（实际） · 7月 · 49 个", "竣工 · 7月 · —"]


def test_a_bar_chart_starts_with_the_filters_values_selected_for_a_shift_click_to_add_to():
    from geo import charts

    df = pd.DataFrame({"k": ["a", "b", "c"], "label": ["在建", "竣工", "投产"], "v": [3, 2, 1]})
    spec = charts.bar_chart(df, key="k", label="label", value="v", value_title="n", tooltip=["label"], selected=("a", "c"))
    assert spec["params"][0]["value"] == [{"k": "a"}, {"k": "c"}]
    plain = charts.bar_chart(df, key="k", label="label", value="v", value_title="n", tooltip=["label"])
    assert "value" not in plain["params"][0]  # nothing chosen: nothing selected


def test_a_stacked_bar_chart_folds_its_parts_in_order_with_a_legend():
    from geo import charts
    from geo.energy_view import plant_frame, plant_parts

    capacity = pd.DataFrame({"kind": ["风电", "抽水蓄能"], "mw_在运": [309.0, 0.0], "mw_在建": [50.0, 1200.0],
                             "mw_规划": [0.0, 3000.0], "plants": [12, 1], "mw": [359.0, 4200.0]})
    frame = plant_frame(capacity, "en")
    spec = charts.bar_chart(frame, key="kind", label="label", value="mw", value_title="MW", tooltip=["label", "mw_text"],
                            parts=plant_parts("en"))
    names = ["In service", "Building", "Planned"]
    assert spec["transform"][0] == {"fold": names, "as": ["_part", "_part_value"]}
    assert spec["encoding"]["x"]["field"] == "_part_value" and spec["encoding"]["order"]["field"] == "_part_order"
    assert spec["encoding"]["color"]["scale"]["domain"] == names and spec["encoding"]["color"]["legend"]
    data = spec["data"]["values"].to_pydict()
    assert data["In service"] == [309.0, 0.0] and data["Planned"] == [0.0, 3000.0]  # pumped storage: none in service


def test_projector_charts_have_room_for_their_larger_labels():
    """At 20 px "Building, not in statistics" was cut to "Building, not in statis…" (220 px)."""
    from geo import charts

    df = pd.DataFrame({"k": ["a"], "label": ["Building, not in statistics"], "v": [3]})
    spec = charts.bar_chart(df, key="k", label="label", value="v", value_title="n", tooltip=["label"])
    big = charts.for_projector(spec)
    assert spec["encoding"]["y"]["axis"]["labelLimit"] == 220 and big["encoding"]["y"]["axis"]["labelLimit"] == 338
    assert big["config"]["axis"]["labelFontSize"] == 20 and big["height"] == {"step": charts.PROJECTOR_BAR_STEP}
    # a line chart grows too: at 20 px its legend and axes had left the plot ~40 px of 300
    lines = pd.DataFrame({"m": ["1月", "2月"], "s": ["开工（实际）"] * 2, "v": [1, 2], "k": ["actual"] * 2, "tip": ["x", "y"]})
    line = charts.plan_vs_actual_chart(lines, x="m", x_title="月份", series="s", value="v", kind="k",
                                       value_title="项目数", tooltip=["tip"], x_order=["1月", "2月"])
    assert charts.for_projector(line)["height"] == charts.PROJECTOR_LINE_HEIGHT > line["height"] == charts.LINE_HEIGHT


def test_a_lone_point_gets_a_view_with_its_surroundings():
    from geo import layers

    minx, miny, maxx, maxy = layers.padded_bounds([113.1], [27.8])
    assert round(maxx - minx, 6) == round(maxy - miny, 6) == layers.MIN_SPAN_DEG
    assert (minx + maxx) / 2 == pytest.approx(113.1) and (miny + maxy) / 2 == pytest.approx(27.8)
    wide = layers.padded_bounds([113.0, 113.5], [27.5, 27.9])  # wider than the minimum: only padded
    assert wide == pytest.approx((112.98, 27.48, 113.52, 27.92))


def test_times_people_read_are_beijing_time():
    import datetime as dt

    from geo.i18n import beijing

    assert beijing("2026-12-02T20:02:37+00:00").strftime("%Y-%m-%d %H:%M %z") == "2026-12-03 04:02 +0800"
    assert beijing(dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)).hour == 20


def test_a_hexagon_tooltip_is_titled_in_words_not_its_h3_id():
    from geo import layers
    from geo.investment_view import point_tooltip

    cells = pd.DataFrame({"cell": ["87418d2ceffffff"], "boundary": [[[113.0, 27.0], [113.1, 27.0], [113.0, 27.1]]],
                          "stage": ["在建"], "projects": [3], "total_yi": [12.5]})
    shown = point_tooltip(cells, "zh", cells=True)
    tip = layers.cells_layer(shown, shown.attrs["tooltip"]).data[0]["tooltip"]
    assert tip.startswith("此六边形网格内\n") and "87418d2ceffffff" not in tip and "12.5 亿元" in tip


def test_a_selection_gets_a_view_round_it_unless_clicked_on_the_map_or_without_a_position():
    bounds = layers.selection_bounds({"lon": 113.1, "lat": 27.8}, picked_on_map=False)
    minx, miny, maxx, maxy = bounds
    assert ((minx + maxx) / 2, (miny + maxy) / 2) == pytest.approx((113.1, 27.8))
    assert maxx - minx == pytest.approx(layers.MIN_SPAN_DEG) and maxy - miny == pytest.approx(layers.MIN_SPAN_DEG)
    assert layers.selection_bounds({"lon": 113.1, "lat": 27.8}, picked_on_map=True) is None
    for record in (None, {"lon": float("nan"), "lat": 27.8}, {"lon": None, "lat": None}, {}):
        assert layers.selection_bounds(record, picked_on_map=False) is None
        assert layers.selection_ring(record, "ring") == []
    (ring,) = layers.selection_ring({"lon": 113.1234567, "lat": 27.8}, "ring")
    assert ring.data == [{"position": [113.123457, 27.8]}]
