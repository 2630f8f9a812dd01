"""geo.ingest end to end on tiny files: coordinates, ids, formulas/HTML, publishing, history, CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely

from geo import crs as gcrs
from geo import schema, store
from geo.boundaries import DISTRICT_SEATS
from geo.ingest import IngestError, Options, check, load
from geo.ingest import publish as pub
from geo.ingest import values, view
from geo.ingest.templates import template_xlsx

from fixtures_demo import demo_store  # noqa: F401  (session fixture: the calibrated demo store)

REPO = Path(__file__).resolve().parents[1]
HEAD = ["项目编号", "项目名称", "所属区县", "项目类别", "项目级别", "项目阶段", "总投资（亿元）", "年度计划投资（亿元）",
        "年度已完成投资（亿元）", "经度", "纬度"]
SEATS = [DISTRICT_SEATS[c] for c in ("430202", "430281", "430224", "430223")]


def ledger(rows: list[list], head=HEAD) -> bytes:
    out = io.StringIO()
    pd.DataFrame(rows, columns=head).to_csv(out, index=False)
    return out.getvalue().encode("utf-8")


def row(pid: str, lon: float, lat: float, name: str = "项目", district: str = "") -> list:
    return [pid, name, district, "产业发展", "市重点", "在建", 2.0, 1.0, 0.5, lon, lat]


def run(data: bytes, store_dir=None, name="l.csv", table="projects", **opts):
    base = store.open_current(store_dir) if store_dir else None
    return check(load(data, name, table), Options(table, **opts), base=base)


def problems(checked) -> list[tuple]:
    return [(r, k) for r, _, _, k, _, lvl in checked.report.problems if lvl == "rejected"]


# --- coordinates ---------------------------------------------------------------------------------


def test_swapped_lat_lon_stops_the_file():
    with pytest.raises(IngestError) as err:
        run(ledger([row(f"P{i}", lat, lon) for i, (lon, lat) in enumerate(SEATS)]))
    assert err.value.key == "swapped" and err.value.params["n"] == 4


def test_points_outside_the_city_stop_the_file():
    with pytest.raises(IngestError) as err:  # Changsha
        run(ledger([row("P1", 112.94, 28.23), row("P2", 112.98, 28.19), row("P3", *SEATS[0])]))
    assert err.value.key == "outside_city" and (err.value.params["n"], err.value.params["total"]) == (2, 3)


def test_one_point_outside_is_a_rejected_row():
    c = run(ledger([row("P1", *SEATS[0]), row("P2", *SEATS[1]), row("P3", 112.94, 28.23)]))
    assert problems(c) == [(4, "v_outside")] and c.report.accepted == 2


def test_one_swapped_pair_is_named_as_swapped():
    """(27.68, 113.56) read "out of range"; the file-wide "look swapped" came only when most were."""
    lon, lat = SEATS[1]
    c = run(ledger([row("P1", *SEATS[0]), row("P2", lat, lon), row("P3", *SEATS[2]), row("P4", 27.0, 200.0)]))
    assert problems(c) == [(3, "v_coords_swapped"), (5, "v_coords_range")]


def test_zero_and_nan_coordinates_are_rejected_rows():
    c = run(ledger([row("P1", *SEATS[0]), row("P2", 0, 0), row("P3", None, None), row("P4", "abc", 27.8)]))
    assert problems(c) == [(3, "v_coords_zero"), (4, "v_coords_missing"), (5, "v_not_number"), (5, "v_coords_missing")]
    assert list(c.accepted["project_id"]) == ["P1"]


def test_district_comes_from_the_point_and_a_disagreeing_ledger_is_flagged():
    c = run(ledger([row("P1", *SEATS[0], district="醴陵"), row("P2", *SEATS[1], district="醴陵市")]))
    assert list(c.accepted["district_adcode"]) == ["430202", "430281"]
    warnings = [p for p in c.report.problems if p[5] == "warning" and p[3].startswith("v_district")]
    assert [(w[0], w[3], w[4]) for w in warnings] == [(2, "v_district_differs", {"declared": "醴陵市", "found": "荷塘区"})]


@pytest.mark.parametrize("system,forward", [("gcj02", gcrs.wgs84_to_gcj02), ("bd09", gcrs.wgs84_to_bd09)])
def test_gcj02_and_bd09_are_converted_to_wgs84(system, forward):
    shifted = [forward(lon, lat) for lon, lat in SEATS]
    c = run(ledger([row(f"P{i}", x, y) for i, (x, y) in enumerate(shifted)]), crs=system)
    got = np.array([(p.x, p.y) for p in c.accepted.sort_values("project_id").geometry])
    assert np.abs(got - np.array(SEATS)).max() < 1e-8


def test_projected_cgcs2000_with_surveyors_xy():
    from pyproj import Transformer

    tr = Transformer.from_crs(4326, 4547, always_xy=True)
    east, north = tr.transform([s[0] for s in SEATS], [s[1] for s in SEATS])
    head = HEAD[:-2] + ["X", "Y"]
    rows = [row(f"P{i}", n, e) for i, (e, n) in enumerate(zip(east, north))]  # X = northing
    c = check(load(ledger(rows, head), "l.csv", "projects"), Options("projects", crs="4547"))
    got = np.array([(p.x, p.y) for p in c.accepted.sort_values("project_id").geometry])
    assert np.abs(got - np.array(SEATS)).max() < 1e-7
    assert ("ingest_n_xy_swapped", {}) in c.report.notes


@pytest.mark.parametrize("written,chosen,fits", [(4526, "4547", "4526"), (4547, "4526", "4547")])
def test_a_grid_with_or_without_the_zone_number_is_named(written, chosen, fits):
    """Surveyors' eastings with the zone number (38,5xx,xxx) read in a grid without it, or the
    other way round, stop the file naming the code that fits (every point was 'outside the
    city, e.g. inf, inf'); the fitting code imports them."""
    from pyproj import Transformer

    east, north = Transformer.from_crs(4326, written, always_xy=True).transform([s[0] for s in SEATS],
                                                                                [s[1] for s in SEATS])
    data = ledger([row(f"P{i}", e, n) for i, (e, n) in enumerate(zip(east, north))], HEAD[:-2] + ["Y", "X"])
    with pytest.raises(IngestError) as stopped:
        check(load(data, "l.csv", "projects"), Options("projects", crs=chosen))
    assert f"请选 EPSG:{fits}" in stopped.value.text("zh")
    c = check(load(data, "l.csv", "projects"), Options("projects", crs=fits))
    got = np.array([(p.x, p.y) for p in c.accepted.sort_values("project_id").geometry])
    assert c.report.rejected == 0 and np.abs(got - np.array(SEATS)).max() < 1e-7


def test_metres_declared_as_degrees_stop_the_file():
    with pytest.raises(IngestError) as err:
        run(ledger([row("P1", 3080000.0, 500000.0), row("P2", 3080100.0, 500100.0)]))
    assert err.value.key == "looks_projected"


def test_gcj02_coordinates_declared_wgs84_warn(tiny_snapshot, store_dir):
    stored = store.read_table(tiny_snapshot, "projects")
    rows = [row(pid, *gcrs.wgs84_to_gcj02(p.x, p.y)) for pid, p in zip(stored["project_id"], stored.geometry)]
    c = run(ledger(rows), store_dir)
    keys = [k for k, _ in c.report.notes]
    assert "ingest_w_gcj" in keys
    assert dict(c.report.notes)["ingest_w_gcj"]["n"] == 5
    honest = run(ledger([row(pid, p.x, p.y) for pid, p in zip(stored["project_id"], stored.geometry)]), store_dir)
    assert "ingest_w_gcj" not in [k for k, _ in honest.report.notes]


def _parcels_geojson(polygons) -> bytes:
    feats = [{"type": "Feature", "geometry": shapely.geometry.mapping(g),
              "properties": {"地块编号": f"L{i}", "面积（亩）": 10, "用途": "工业", "土地状态": "闲置"}}
             for i, g in enumerate(polygons)]
    return json.dumps({"type": "FeatureCollection", "features": feats}).encode()


def test_self_intersecting_polygon_is_flagged_and_repaired_only_on_request():
    x, y = SEATS[0]
    bowtie = shapely.Polygon([(x, y), (x + .01, y + .01), (x + .01, y), (x, y + .01), (x, y)])
    good = shapely.box(x - .02, y - .02, x - .015, y - .015)
    data = _parcels_geojson([bowtie, good])
    c = check(load(data, "p.geojson", "parcels"), Options("parcels"))
    assert problems(c) == [(1, "v_invalid_polygon")]
    # named by the schema's label and in the steward's words, at 4 decimals (tester 12: "geometry",
    # "Self-intersection[113.1206387 27.8860137]")
    at = f"{x + .005:.4f}, {y + .005:.4f}"
    zh, en = c.report.problem_frame("zh").iloc[0], c.report.problem_frame("en").iloc[0]
    assert (zh["列"], en["Column"]) == ("地块范围", "Outline")
    assert zh["原因"] == f"图形自相交（位置 {at}）：图形无效，可勾选“修复自相交图形”自动修复"
    assert en["Reason"].startswith(f"self-intersection (at {at}): an invalid geometry; tick 'repair")
    assert "geometry" not in c.report.to_text("zh") and "Self-intersection" not in c.report.to_text("zh")
    fixed = check(load(data, "p.geojson", "parcels"), Options("parcels", repair=True))
    assert fixed.report.rejected == 0 and fixed.report.changed == 1
    assert fixed.accepted.geometry.is_valid.all() and ("ingest_n_repaired", {"n": 1}) in fixed.report.notes


@pytest.mark.parametrize("wkt,zh", [
    ("POLYGON((0 0, 2 0, 1 1, 2 2, 0 2, 1 1, 0 0))", "边界环自相交（位置 1.0000, 1.0000）"),
    ("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0), (2 2, 3 2, 3 3, 2 3, 2 2))", "内环（洞）在外边界之外（位置 2.0000, 2.0000）"),
    ("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (1 1, 9 1, 9 9, 1 9, 1 1), (2 2, 3 2, 3 3, 2 3, 2 2))",
     "内环（洞）相互嵌套（位置 2.0000, 2.0000）"),
    ("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (0 5, 5 0, 10 5, 5 10, 0 5))", "内环把地块分成了不相连的几块（位置 5.0000, 0.0000）"),
    ("MULTIPOLYGON(((0 0, 10 0, 10 10, 0 10, 0 0)), ((1 1, 2 1, 2 2, 1 2, 1 1)))", "多个外边界相互嵌套（位置 1.0000, 1.0000）"),
    ("POLYGON((0 0, 1 1, 0 0))", "顶点太少，围不成面（位置 0.0000, 0.0000）"),
])
def test_geos_validity_reasons_are_said_in_chinese_with_the_position_rounded(wkt, zh):
    from geo.ingest.coords import invalid_reason

    why = invalid_reason(shapely.from_wkt(wkt))
    assert why[0] == zh and "[" not in why[1] and "(at " in why[1]


def test_a_polygon_that_repair_leaves_without_an_area_keeps_the_original_reason():
    """make_valid turns a two-point "polygon" into a line: it had been reported as "Valid Geometry"."""
    from geo.ingest.coords import check_geometry

    geom = np.array([shapely.from_wkt("POLYGON((0 0, 1 1, 0 0))")], dtype=object)
    _, reasons, _ = check_geometry(geom, polygons=True, repair=True)
    assert reasons[0][0] == "v_invalid_polygon_unrepaired" and reasons[0][1]["why"][0].startswith("顶点太少")


def test_points_in_a_parcels_file_are_rejected_by_type():
    """In words, saying what to give instead ("Point, expected Polygon" had been the reason: tester 15)."""
    c = check(load(_parcels_geojson([shapely.Point(*SEATS[0]), shapely.box(*SEATS[0], SEATS[0][0] + .001, SEATS[0][1] + .001),
                                     shapely.LineString([SEATS[0], SEATS[1]])]),
                   "p.geojson", "parcels"), Options("parcels"))
    assert problems(c) == [(1, "v_point_not_outline"), (3, "v_geom_type")]
    assert view.required_note("parcels", "zh").endswith("地块范围（WKT 面，或地理文件自带的面图形；经纬度点不够）。其他列可选；"
                                                        "只更新已有记录时（按编号更新），编号加要更新的列即可。表头写法可以不同，下一步可修改对应关系。")


def _square(mu: float, x: float, y: float) -> shapely.Polygon:
    """A square of ``mu`` 亩 centred near (x, y), in WGS84."""
    import geopandas as gpd

    centre = gpd.GeoSeries([shapely.Point(x, y)], crs=4326).to_crs(schema.METRIC_CRS).iloc[0]
    half = (mu * schema.MU_M2) ** 0.5 / 2
    square = shapely.box(centre.x - half, centre.y - half, centre.x + half, centre.y + half)
    return gpd.GeoSeries([square], crs=schema.METRIC_CRS).to_crs(4326).iloc[0]


def _bureau_geojson(areas: list[float | None], stated: list | None = None) -> bytes:
    """A land bureau's layer: pinyin field names, land-use codes, a township code for the district."""
    feats = []
    for i, mu in enumerate(areas):
        props = {"DKBH": f"ZD-{i}", "DLBM": "0601", "XZQDM": "430281100", "状态": "闲置"}
        if stated is not None:
            props["MJ"] = stated[i]
        x, y = SEATS[1]
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(_square(mu, x + .01 * i, y)),
                      "properties": props})
    return json.dumps({"type": "FeatureCollection", "features": feats}).encode()


def test_a_bureau_layer_without_areas_is_measured_on_its_outlines():
    c = check(load(_bureau_geojson([30, 12.5]), "zd.geojson", "parcels"), Options("parcels"))
    assert c.report.rejected == 0 and ("ingest_n_area_from_outline", {"n": 2}) in c.report.notes
    got = c.accepted.set_index("parcel_id")
    assert got.loc["ZD-0", "area_mu"] == pytest.approx(30, abs=0.05) and got.loc["ZD-1", "area_mu"] == pytest.approx(12.5, abs=0.05)
    assert set(got["land_use"]) == {"工业"} and set(got["district_adcode"]) == {"430281"}


def test_a_survey_layer_with_code_and_name_columns_imports_with_classes_from_status(tmp_path):
    """DLBM beside DLMC stopped the file ("mapped from several columns"); parcels with no 存量类别
    counted in the remaining card but in no class's disposal figures (tester 8)."""
    import geopandas as gpd

    x, y = SEATS[1]
    layer = gpd.GeoDataFrame({"DKBH": ["A1", "A2", "A3"], "DLBM": [601, 604, 601], "DLMC": ["工业用地", "仓储用地", "工业用地"],
                              "状态": ["闲置", "低效", "已处置"]},
                              geometry=[_square(20, x + .01 * i, y) for i in range(3)], crs=4326)
    path = tmp_path / "layer.geojson"
    layer.to_file(path, driver="GeoJSON")
    loaded = load(path.read_bytes(), "layer.geojson", "parcels")
    assert dict(zip(loaded.mapping["source"], loaded.mapping["target"]))["DLMC"] == ""  # the codes taken, DLMC named
    c = check(loaded, Options("parcels"))
    assert c.report.rejected == 0
    got = c.accepted.set_index("parcel_id")
    assert got["land_use"].tolist() == ["工业", "仓储", "工业"] and got["idle_class"].tolist()[:2] == ["闲置", "低效"]
    notes = dict(c.report.notes)
    assert notes["ingest_n_class_from_status"] == {"n": 2} and notes["ingest_w_disposed_without_class"] == {"n": 1}
    assert "DLMC" in notes["ingest_n_unmapped"]["columns"]


def test_numeric_land_use_codes_and_square_metres_get_their_own_advice():
    """601 typed as a number lost its 0; an area in m² under a bare header got the 万元 advice (tester 8)."""
    assert values.column(pd.Series([601, "604", 8.0], dtype=object), "parcels", "land_use").values.tolist() == \
        ["工业", "仓储", "公共设施"]
    with pytest.raises(IngestError) as stop:
        check(load(_bureau_geojson([30, 45, 15], stated=[20000, 30000, 10000]), "zd.geojson", "parcels"), Options("parcels"))
    assert stop.value.key == "area_unit_suspect" and stop.value.params["ratio"] == "667"


def test_areas_in_hectares_under_a_bare_header_stop_the_file_and_the_factor_reads_them():
    hectares = _bureau_geojson([30, 45, 15], stated=[2, 3, 1])  # 30 亩 = 2 公顷
    with pytest.raises(IngestError) as stop:
        check(load(hectares, "zd.geojson", "parcels"), Options("parcels"))
    assert stop.value.key == "area_unit_suspect" and stop.value.params["column"] == "MJ"
    assert stop.value.params["ratio"] == "0.0667"
    loaded = load(hectares, "zd.geojson", "parcels")
    mapping = loaded.mapping.copy()
    mapping.loc[mapping["target"] == "area_mu", "factor"] = 15.0
    c = check(loaded, Options("parcels"), mapping=mapping)
    assert c.report.rejected == 0 and sorted(c.accepted["area_mu"]) == [15.0, 30.0, 45.0]
    assert not [p for p in c.report.problems if p[3] == "v_area_differs"]


def test_one_area_a_quarter_off_its_outline_is_a_warning():
    c = check(load(_bureau_geojson([30, 45, 15], stated=[30.4, 45, 30]), "zd.geojson", "parcels"), Options("parcels"))
    assert c.report.rejected == 0 and c.report.accepted == 3
    warned = [(r, col, value, k, params["outline"]) for r, col, value, k, params, lvl in c.report.problems if lvl == "warning"]
    assert warned == [(3, "MJ", "30.0", "v_area_differs", "15.00")]  # a GIS file counts features from 1


def test_normalised_values_are_named_per_column_with_an_example():
    """"值经规范化 2" had said neither which column nor what a value became (tester 18)."""
    c = run(ledger([row("P1", *SEATS[0], district="荷塘"), row("P2", *SEATS[1], district="醴陵市"),
                    row("P3", *SEATS[2], district="430224")]))
    notes = [text for text in c.report.note_texts("zh") if "经规范化" in text]
    assert notes == ["“所属区县”列有 2 个值经规范化，如第 2 行“荷塘”记为“430202”。"]
    assert [t for t in c.report.note_texts("en") if "normalised" in t] == [
        "2 values of “所属区县” were normalised, e.g. row 2: “荷塘” stored as “430202”."]


# --- ids, text ----------------------------------------------------------------------------------


def test_duplicated_ids_reject_every_copy():
    c = run(ledger([row("P1", *SEATS[0]), row("P2", *SEATS[1]), row("P1", *SEATS[2])]))
    assert problems(c) == [(2, "v_duplicate_id"), (4, "v_duplicate_id")]
    assert c.report.problems[0][4] == {"rows": ["2", "4"]}
    said = {lang: c.report.problem_frame(lang).iloc[0, 3] for lang in ("zh", "en")}
    assert "2、4" in said["zh"] and "2, 4" in said["en"], said  # each language's separator


def test_ids_typed_full_width_dashed_or_lower_case_are_the_stored_ids():
    """"ＸＭ2023－430281－0007" (a Chinese input method's full width) or "xm…" had been new projects
    beside XM2023-430281-0007: their investment counted twice."""
    c = run(ledger([row("ＸＭ2023－430281－0007", *SEATS[1]), row("xm2023-430281-0021", *SEATS[1]),
                    row("XM2023–430202–0001", *SEATS[0])]))
    assert list(c.accepted["project_id"]) == ["XM2023-430281-0007", "XM2023-430281-0021", "XM2023-430202-0001"]
    assert c.report.changed == 3  # said as normalised
    dup = run(ledger([row("XM1", *SEATS[0]), row("ｘｍ1", *SEATS[1])]))
    assert problems(dup) == [(2, "v_duplicate_id"), (3, "v_duplicate_id")]  # the same id twice, once normalised


def test_money_without_a_unit_far_above_any_project_stops_the_file():
    """A ledger in 万元 under bare headers (总投资) was read as 亿元: an 8-亿 project became 80,000 亿
    and the city's total 135,561 亿元. Its median stops the file, naming the column and the fix; the
    same values under "总投资（万元）" are converted, and one big project in 亿元 passes."""
    bare = [h.replace("（亿元）", "") for h in HEAD]
    in_wan = [[*r[:6], 80000, 49000, 25800, *r[9:]] for r in (row("P1", *SEATS[0]), row("P2", *SEATS[1]))]
    with pytest.raises(IngestError) as stopped:
        run(ledger(in_wan, head=bare))
    assert stopped.value.key == "unit_suspect" and stopped.value.params["column"] == "总投资"
    assert "0.0001" in stopped.value.text("zh") and "80,000 亿元" in stopped.value.text("zh")
    converted = run(ledger(in_wan, head=[h.replace("（亿元）", "（万元）") for h in HEAD]))
    assert list(converted.accepted["total_investment_yi"]) == [8.0, 8.0]
    one_big = [[*row("P1", *SEATS[0])[:6], 300.0, 60.0, 54.0, *SEATS[0]]]
    assert run(ledger(one_big, head=bare)).accepted["total_investment_yi"].tolist() == [300.0]


def test_a_yi_yuan_header_over_a_column_of_wan_yuan_figures_is_said_above_the_report():
    """The header says 亿元, every figure is 万元: the per-row check compares each row with the
    column's median, as large as the row, and the file passed unremarked (8-亿 projects as 80,000
    亿 each). The column's median above any single project is said above the report, with the
    fix; not a stop, so a file of real megaprojects stays importable."""
    in_wan = [[*r[:6], 80000, 49000, 25800, *r[9:]] for r in (row("P1", *SEATS[0]), row("P2", *SEATS[1]),
                                                                row("P3", *SEATS[2]))]
    said = [p for k, p in run(ledger(in_wan)).report.notes if k == "ingest_w_column_amounts"]
    assert said[0] == {"column": "总投资（亿元）", "median": "80,000", "wan": "8"}
    assert [p["column"] for p in said] == ["总投资（亿元）", "年度计划投资（亿元）", "年度已完成投资（亿元）"]
    ordinary = [[*row(f"P{i}", *SEATS[i])[:6], 300.0, 60.0, 54.0, *SEATS[i]] for i in range(3)]
    assert "ingest_w_column_amounts" not in dict(run(ledger(ordinary)).report.notes)


def _amount_rows(totals: list[float]) -> list[list]:
    return [[*row(f"P{i}", *SEATS[i % 4])[:6], total, 0.5, 0.2, *SEATS[i % 4]] for i, total in enumerate(totals)]


def _amount_warnings(c) -> list[tuple]:
    return [(r, col, k, p) for r, col, _, k, p, lvl in c.report.problems if lvl == "warning" and k.startswith("v_amount")]


def test_one_amount_in_wan_yuan_in_a_yi_yuan_ledger_is_a_warning_naming_the_row_and_the_wan_reading():
    """Tester 12 (G6_one_row_wanyuan_typo.xlsx): one 35000 among totals of 1.5–30 亿元, typed in 万元, was
    accepted unremarked and took the city's total from 5,438.8 to 40,741.8 亿元."""
    totals = [1.5, 30.0, 2.0, 8.0, 12.5, 35000.0, 4.0, 6.0, 20.0, 3.0]
    c = run(ledger(_amount_rows(totals)))
    assert c.report.rejected == 0 and c.report.accepted == 10  # warned, not rejected: see rules.implausible_amounts
    warned = _amount_warnings(c)
    assert [w[:3] for w in warned] == [(7, "总投资（亿元）", "v_amount_implausible")]
    assert warned[0][3]["value"] == "35,000 亿元" and warned[0][3]["wan"] == "3.5 亿元"
    zh, en = c.report.problem_frame("zh"), c.report.problem_frame("en")
    reason = zh[zh["列"] == "总投资（亿元）"]["原因"].item()
    assert "35,000 亿元 远超单个项目的规模" in reason and "若本格按万元填写，应为 3.5 亿元（乘 0.0001）" in reason
    assert "if this cell was written in 万元, it is 3.5 亿元" in en[en["Column"] == "总投资（亿元）"]["Reason"].item()
    assert ("ingest_w_amounts", {"column": "总投资（亿元）", "n": 1, "rows": ["7"]}) in c.report.notes
    assert c.report.note_texts("zh")[-1].startswith("注意：“总投资（亿元）”有 1 个金额远超单个项目的规模（第 7 行）")


def test_large_real_projects_and_converted_columns_are_judged_as_they_should_be():
    # the demo's largest (田心 300 亿, 150, 119.75) among ordinary ones: no warning
    assert not _amount_warnings(run(ledger(_amount_rows([300.0, 150.0, 119.75, 2.9, 1.6, 5.9, 0.4]))))
    # a list of megaprojects (median 1,500): none is far above the others
    assert not _amount_warnings(run(ledger(_amount_rows([1200.0, 1500.0, 1800.0, 2000.0, 1400.0]))))
    # one row alone (a month's update) says nothing of the file's scale: the bound decides
    assert [w[2] for w in _amount_warnings(run(ledger(_amount_rows([35000.0]))))] == ["v_amount_implausible"]
    # this year's columns have their own bound; a plan above the total is rejected (with its hint), not also warned
    plan = [[*r[:7], 5000.0 if i == 0 else 0.5, *r[8:]] for i, r in enumerate(_amount_rows([3.5, 2, 4, 6, 8, 9]))]
    c = run(ledger(plan))
    assert problems(c) == [(2, "v_above_total")] and not _amount_warnings(c)
    # a header in 万元 already converted: a cell in 元 is named, without the 万元 reading
    in_wan = [[*r[:6], total * 1e4, *r[7:]] for r, total in zip(_amount_rows([2, 3, 4, 5, 6, 35000.0]), [2, 3, 4, 5, 6, 350000000.0])]
    c = run(ledger(in_wan, head=[h.replace("总投资（亿元）", "总投资（万元）") for h in HEAD]))
    assert [(w[0], w[2]) for w in _amount_warnings(c)] == [(7, "v_amount_implausible_converted")]


def test_no_amount_of_the_calibrated_demo_is_called_implausible(demo_store):
    """The whole city's 549 projects (田心 300 亿元 the largest) pass the per-row check."""
    from geo.ingest import rules
    from geo.ingest.report import Report

    stored = store.read_table(store.open_current(demo_store), "projects")
    names = list(rules.ROW_AMOUNT_BOUND)
    assert stored["total_investment_yi"].max() >= 300
    report = Report("projects", "demo")
    rules.implausible_amounts({n: stored[n].to_numpy() for n in names}, {n: n for n in names}, stored[names], {},
                              np.arange(len(stored)) + 2, np.zeros(len(stored), bool), report)
    assert report.problems == [] and report.notes == []


def test_subtotal_and_section_rows_are_skipped_and_said():
    """"醴陵市小计" (in the name column: its id and 序号 are empty) and a lone "一、产业发展类" had
    each been a rejected row of five to nine reasons, burying the file's real problems."""
    c = run(ledger([["", "一、产业发展类", *[""] * 9], row("P1", *SEATS[1]),  # the label where the name goes
                    ["", "醴陵市小计", "", "", "", "", 2.0, 1.0, 0.5, "", ""],
                    ["合 计", "", "", "", "", "", 2.0, 1.0, 0.5, "", ""]]))
    assert problems(c) == [] and list(c.accepted["project_id"]) == ["P1"]
    notes = dict(c.report.notes)
    assert notes["ingest_n_sections"] == {"rows": "2"} and notes["ingest_n_totals"] == {"rows": "4, 5"}


def test_a_real_excel_date_in_the_problems_reads_as_its_day():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([*HEAD, "实际开工", "实际竣工"])
    ws.append([*row("P1", *SEATS[0]), dt.datetime(2023, 5, 1), dt.datetime(2023, 1, 1)])
    buf = io.BytesIO()
    wb.save(buf)
    c = run(buf.getvalue(), name="l.xlsx")
    [(_, column, value, key, _, _)] = c.report.problems
    assert (column, value, key) == ("实际竣工", "2023-01-01", "v_completion_before_start")  # not "… 00:00:00"


def test_rows_hidden_in_excel_are_imported_and_said():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD)
    for r in (row("P1", *SEATS[0]), row("P2", *SEATS[1]), row("P3", *SEATS[2])):
        ws.append(r)
    ws.row_dimensions[3].hidden = True  # P2: a cancelled project, hidden rather than deleted
    buf = io.BytesIO()
    wb.save(buf)
    c = run(buf.getvalue(), name="l.xlsx")
    assert list(c.accepted["project_id"]) == ["P1", "P2", "P3"]
    assert dict(c.report.notes)["ingest_n_hidden_rows"] == {"rows": "3", "n": 1}


def xlsx_ledger(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2023年株洲市重点项目台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEAD))
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_with_formulas_and_html_keeps_them_as_text(tiny_snapshot, store_dir):
    rows = [row("P9", *SEATS[0], name="=HYPERLINK(\"http://evil\",\"点我\")"),
            row("P8", *SEATS[1], name="<img src=x onerror=alert(1)>")]
    rows[1][6] = "=1+1"  # a formula where a number belongs: rejected, not computed
    c = run(xlsx_ledger(rows), store_dir, name="台账.xlsx")
    assert c.accepted["name"].tolist() == ["=HYPERLINK(\"http://evil\",\"点我\")"]
    assert problems(c) == [(4, "v_formula")]
    # the note counts the formula kept as text; the one in a number column is the rejected row
    assert dict(c.report.notes)["ingest_n_formulas"] == {"n": 1}
    report = openpyxl.load_workbook(io.BytesIO(c.report.to_xlsx("zh")))
    sheet = report["问题"]
    assert sheet.cell(2, 3).value == "=1+1" and sheet.cell(2, 3).data_type == "s"
    assert [c.value for c in sheet[1]] == ["行号", "列", "值", "原因", "处理"]
    about = {(r[0].value, r[1].value) for r in report["概况"].iter_rows()}
    assert ("列对应", "经度 → 经度") in about and ("坐标系", "WGS84（GPS）") in about  # not "→ lon", "wgs84"
    done = pub.publish(c, published_by="steward", store_dir=store_dir)
    back = store.read_table(done.snapshot, "projects").set_index("project_id")
    assert back.loc["P9", "name"] == "=HYPERLINK(\"http://evil\",\"点我\")"
    note = pub.history(store_dir)[0]["note"]
    assert view.note_text(note, "zh") == "导入项目（按编号更新）：新增 1，更新 0，删除 0，拒绝 1 行"
    assert view.note_text("calibrated demo", "zh") == "演示数据（按公布数字校准）"
    assert view.note_text("written by hand", "zh") == "written by hand"


# --- publishing ---------------------------------------------------------------------------------


def test_an_import_on_demo_data_is_still_demo_data_until_every_table_is_replaced(store_dir):
    """One project ledger imported on the demo had dropped the brief's demo notice, though 549 of
    550 projects were the demo's (tester 19). A real store's import says nothing of the kind."""
    from conftest import make_tiny_tables
    from geo import task_notes

    tables = make_tiny_tables()
    demo = store.write_snapshot(tables, as_of=dt.date(2023, 9, 30), published_by="geo.demo", sources=[],
                                store_dir=store_dir)
    assert task_notes.data_origin(demo)["demo"]
    one = ledger([row("P9", *SEATS[1], name="新项目")])
    upserted = pub.publish(run(one, store_dir), published_by="数据科", store_dir=store_dir).snapshot
    origin = task_notes.data_origin(upserted)
    assert origin["demo"] and origin["sources"][0].startswith("l.csv") and "projects" in origin["demo_tables"]
    from geo import export
    from geo.filters import Filters
    from geo.query import Scope
    job = export.Job(upserted, Scope.all(), Filters(), "zh", "wgs84", "", dt.datetime(2023, 10, 1), {"projects": 1})
    assert job.source().startswith("演示数据") and "其后导入：l.csv" in job.source()
    # replacing the projects leaves the other tables the demo's
    replaced = pub.publish(run(ledger([row(p, *SEATS[i % 4]) for i, p in enumerate(["P001", "P002", "P003", "P004", "P005"])]),
                               store_dir, mode="replace"), published_by="数据科", store_dir=store_dir).snapshot
    assert task_notes.data_origin(replaced)["demo"] and "projects" not in task_notes.data_origin(replaced)["demo_tables"]
    assert len(task_notes.data_origin(replaced)["sources"]) == 2  # both imports named
    # every importable table replaced: the data is no longer the demo's (the boundaries are the app's)
    from geo.ingest import publish as publish_module

    origin = task_notes.data_origin(replaced)
    for table in origin["demo_tables"]:
        fake = type("Base", (), {"manifest": {"origin": origin}})
        origin = publish_module._origin_on_demo(fake, table, "replace", "数据科", [f"{table}.csv"]) or {"demo": False}
    assert origin == {"demo": False}


def test_the_fields_an_update_changes_are_listed_before_publishing(tiny_snapshot, store_dir):
    """"更新 134" had been all a steward saw: not whether the resumed project's 八未 state was
    really emptied (tester 19). Each changed field, before and after; a moved point as one field."""
    stored = store.read_table(tiny_snapshot, "projects").set_index("project_id")
    head = ["项目编号", "八未状态", "年度已完成投资（亿元）", "经度", "纬度"]
    lon, lat = stored.loc["P002", "geometry"].x, stored.loc["P002", "geometry"].y
    rows = [["P001", None, float(stored.loc["P001", "completed_yi"]) + 1,
             stored.loc["P001", "geometry"].x, stored.loc["P001", "geometry"].y],
            ["P002", None, float(stored.loc["P002", "completed_yi"]), lon + 0.01, lat]]  # resumed, and moved
    c = run(ledger(rows, head), store_dir)
    counts, (updates, n) = pub.preview(c, store_dir)
    assert counts["updated"] == 2
    stored_rows = store.read_table(tiny_snapshot, "projects")  # the named rows alone give the whole table's counts
    assert counts == pub.diff(stored_rows, pub.merged(stored_rows, c), "projects")
    shown = view.updates_frame(updates, "projects", "zh")
    got = {(r.id, r.column): (r.before, r.after) for r in updates.itertuples()}
    assert n == len(updates) == len(got)
    assert got[("P001", "completed_yi")] == (stored.loc["P001", "completed_yi"], stored.loc["P001", "completed_yi"] + 1)
    assert ("P002", "geometry") in got and ("P002", "completed_yi") not in got
    assert got[("P002", "stalled_state")][0] == "签约未开工" and pd.isna(got[("P002", "stalled_state")][1])
    assert ("P001", "stalled_state") not in got
    assert shown.set_index("字段").loc["八未状态", "新值"] == "—"
    assert list(shown.columns) == ["项目编号", "字段", "原值", "新值"]
    assert "位置或范围已改" in shown["新值"].tolist()


def test_an_import_on_a_real_store_is_not_called_demo(tiny_snapshot, store_dir):
    from geo import task_notes

    done = pub.publish(run(ledger([row("P9", *SEATS[1])]), store_dir), published_by="数据科", store_dir=store_dir)
    assert "origin" not in done.snapshot.manifest and not task_notes.data_origin(done.snapshot)["demo"]




def test_a_file_checked_before_a_colleagues_publish_is_refused_then_checked_again(tiny_snapshot, store_dir):
    """Two clerks update the same projects, one 已完成投资, the other 总投资: the second file had
    been checked against the data before the first one's publish, filled the columns it lacks
    from there, and publishing it put the first one's values back, silently (tester 12)."""
    completed = "项目编号,年度已完成投资（亿元）\nP001,0.6\n".encode("utf-8")
    total = "项目编号,总投资（亿元）\nP001,3.5\n".encode("utf-8")
    first, second = run(completed, store_dir), run(total, store_dir)  # both checked on the same data
    done = pub.publish(first, published_by="甲", store_dir=store_dir).snapshot
    with pytest.raises(IngestError) as stale:
        pub.publish(second, published_by="乙", store_dir=store_dir)
    assert stale.value.key == "stale_check" and done.id in stale.value.text("zh") and "甲" in stale.value.text("zh")
    assert store.open_current(store_dir).id == done.id  # nothing published
    again = pub.publish(run(total, store_dir), published_by="乙", store_dir=store_dir).snapshot
    p001 = store.read_table(again, "projects").set_index("project_id").loc["P001"]
    assert (p001["completed_yi"], p001["total_investment_yi"]) == (0.6, 3.5)  # both clerks' values


def test_upsert_keeps_other_rows_and_columns_and_same_file_twice_changes_nothing(tiny_snapshot, store_dir):
    before = store.read_table(tiny_snapshot, "projects").set_index("project_id")
    p1 = before.loc["P001"]
    data = ledger([row("P001", p1.geometry.x, p1.geometry.y, name="硬质合金产业园（二期）"), row("P100", *SEATS[1])])
    c = run(data, store_dir, name="台账.csv")
    done = pub.publish(c, published_by="张三", store_dir=store_dir)
    assert done.diff == {"added": 1, "updated": 1, "unchanged": 4, "removed": 0}
    m = done.snapshot.manifest
    assert m["published_by"] == "张三" and m["parent"] == tiny_snapshot.id
    assert m["sources"][0].startswith("台账.csv sha256:") and "import projects (upsert)" in m["note"]
    after = store.read_table(store.open_current(store_dir), "projects").set_index("project_id")
    assert len(after) == 6 and after.loc["P001", "name"] == "硬质合金产业园（二期）"
    assert after.loc["P001", "owner"] == p1["owner"] and after.loc["P001", "park"] == p1["park"]  # not in the file: kept
    assert after.loc["P001", "total_investment_yi"] == 2.0
    assert store.read_table(done.snapshot, "parcels").equals(store.read_table(tiny_snapshot, "parcels"))
    again = pub.publish(run(data, store_dir, name="台账.csv"), published_by="张三", store_dir=store_dir)
    assert again.snapshot is None and again.diff["unchanged"] == 6
    assert len(store.list_snapshots(store_dir)) == 2
    # the same points as a ledger types them, to 6 decimals (~10 cm): unchanged, not "updated"
    stored = store.read_table(store.open_current(store_dir), "projects").set_index("project_id").loc["P001"].geometry
    typed = ledger([row("P001", round(stored.x + 3e-7, 6), round(stored.y - 3e-7, 6), name="硬质合金产业园（二期）")])
    assert pub.preview_diff(run(typed, store_dir), store_dir)["unchanged"] == 6


def test_an_update_of_stored_rows_needs_only_their_ids(tiny_snapshot, store_dir):
    """A month's 已完成投资 by 项目编号 (the most common update a steward gets) had been stopped for
    the columns it lacks: its rows keep their stored values there, a new id in it is rejected."""
    data = ledger([["P001", 3.5], ["P002", 1.25], ["P999", 1.0]], head=["项目编号", "年度已完成投资（亿元）"])
    c = run(data, store_dir)
    assert problems(c) == [(4, "v_new_needs_columns")] and "ingest_n_update_only" in dict(c.report.notes)
    done = pub.publish(c, published_by="t", store_dir=store_dir)
    assert done.diff == {"added": 0, "updated": 2, "unchanged": 3, "removed": 0}
    before = store.read_table(tiny_snapshot, "projects").set_index("project_id")
    after = store.read_table(done.snapshot, "projects").set_index("project_id")
    assert after.loc["P001", "completed_yi"] == 3.5 and after.loc["P002", "completed_yi"] == 1.25
    for column in ("name", "stage", "total_investment_yi", "district_adcode", "h3_r7", "owner"):
        assert after.loc["P001", column] == before.loc["P001", column], column
    assert after.loc["P001"].geometry.equals(before.loc["P001"].geometry)
    with pytest.raises(IngestError) as stopped:  # a replace makes the table the file: every column needed
        run(data, store_dir, mode="replace")
    assert stopped.value.key == "missing_columns"
    with pytest.raises(IngestError):  # no stored rows to update
        run(data)


def test_tasks_closed_by_id_keep_their_project_and_dates(tiny_snapshot, store_dir):
    data = ledger([["T001", "已办结", "2023-09-01"], ["T002", "已办结", "2023-07-15"]], head=["事项编号", "办理状态", "办结日期"])
    c = run(data, store_dir, table="tasks")
    assert problems(c) == [(3, "v_closed_before_assigned")]  # T002 was assigned on 08-01: checked with the stored date
    after = pub.merged(store.read_table(tiny_snapshot, "tasks"), c).set_index("task_id")
    assert (after.loc["T001", "status"], str(after.loc["T001", "closed_on"])[:10]) == ("已办结", "2023-09-01")
    assert after.loc["T001", "project_id"] == "P001" and after.loc["T001", "title"] == "协调用电接入"


def test_a_tasks_ledger_carries_its_original_deadlines(tiny_snapshot, store_dir):
    """原定时限 is read from a ledger (by the app's header or the clerks' 原办结时限); one before the
    task was assigned is rejected; a file without the column keeps the stored ones."""
    data = ledger([["T001", "2023-09-30", "2023-08-31"], ["T004", "2023-10-30", "2023-08-01"]],
                  head=["事项编号", "办结时限", "原办结时限"])
    c = run(data, store_dir, table="tasks")
    assert problems(c) == [(3, "v_first_due_before_assigned")]  # T004 was assigned on 08-20
    after = pub.merged(store.read_table(tiny_snapshot, "tasks"), c).set_index("task_id")
    assert str(after.loc["T001", "first_due_on"])[:10] == "2023-08-31" and str(after.loc["T001", "due_on"])[:10] == "2023-09-30"
    kept = pub.merged(store.read_table(tiny_snapshot, "tasks"),
                      run(ledger([["T002", "2023-10-20"]], head=["事项编号", "办结时限"]), store_dir, table="tasks"))
    assert str(kept.set_index("task_id").loc["T002", "first_due_on"])[:10] == "2023-09-20"  # the fixture's


def test_disposals_out_of_order_or_without_their_date_and_method_are_said(tiny_snapshot, store_dir):
    """One mistyped date moved the published 2022 rate, and a disposal without a date left the
    stock without entering any year (tester 15): before its listing is a rejection (checked
    against the stored 列入存量日期 in an update), no date or no method a warning."""
    data = ledger([["L001", "已处置", "挂牌出让", "2010-01-01"],  # listed 2022-06-01
                   ["L002", "已处置", "挂牌出让", ""],            # no date
                   ["L004", "已处置", "", "2023-05-01"]],          # no method
                  head=["地块编号", "土地状态", "处置方式", "处置日期"])
    c = run(data, store_dir, table="parcels")
    assert problems(c) == [(2, "v_disposed_before_listed")]
    warned = [(r, k) for r, _, _, k, _, lvl in c.report.problems if lvl == "warning" and k.startswith("v_disposed")]
    assert warned == [(3, "v_disposed_no_date"), (4, "v_disposed_no_method")]


def test_a_stored_station_with_empty_coordinate_cells_keeps_its_location(tiny_snapshot, store_dir):
    """A month's peak loads with the coordinate cells cleared had been rejected for "no
    coordinates" (tester 16); a new station without them still is."""
    data = ledger([["S001", "荷塘220kV变", 220, "在运", 230.0, "", ""],
                   ["S009", "新站", 110, "在建", 10.0, "", ""]],
                  head=["变电站编号", "变电站", "电压等级（kV）", "状态", "最高负荷（MW）", "经度", "纬度"])
    c = run(data, store_dir, table="substations")
    assert problems(c) == [(3, "v_coords_missing")]
    assert ("ingest_n_location_kept", {"n": 1}) in c.report.notes
    after = pub.merged(store.read_table(tiny_snapshot, "substations"), c).set_index("station_id")
    before = store.read_table(tiny_snapshot, "substations").set_index("station_id")
    assert after.loc["S001", "peak_load_mw"] == 230.0 and after.loc["S001", "district_adcode"] == before.loc["S001", "district_adcode"]
    assert after.geometry["S001"].equals(before.geometry["S001"])


def test_a_tasks_ledger_replacing_the_table_keeps_the_moved_deadlines(tiny_snapshot, store_dir):
    """A ledger does not carry 原定时限 (a meeting writes it): replacing the tasks with one had
    erased every one, as "N updated" (review); a file that has the column sets it."""
    from geo import export
    from geo.filters import Filters
    from geo.query import Scope

    sheet = export.build(tiny_snapshot, Scope.all(), Filters(), ["tasks"], "csv").data
    frame = pd.read_csv(io.BytesIO(sheet), encoding="utf-8-sig", dtype=str)
    without = frame.drop(columns=["原定时限"]).to_csv(index=False).encode("utf-8")
    c = run(without, store_dir, table="tasks", mode="replace")
    after = pub.merged(store.read_table(tiny_snapshot, "tasks"), c).set_index("task_id")
    assert str(after.loc["T002", "first_due_on"])[:10] == "2023-09-20" and after["first_due_on"].notna().sum() == 1
    assert pub.preview_diff(c, store_dir) == {"added": 0, "updated": 0, "unchanged": 4, "removed": 0}
    frame.loc[frame["事项编号"] == "T002", "原定时限"] = ""  # the column given, emptied: the file says so
    c = run(frame.to_csv(index=False).encode("utf-8"), store_dir, table="tasks", mode="replace")
    assert pub.merged(store.read_table(tiny_snapshot, "tasks"), c)["first_due_on"].isna().all()


def test_replace_removes_rows_not_in_the_file(tiny_snapshot, store_dir):
    keep = ["P001", "P002", "P004", "P005"]  # the projects with tasks; P003 has none
    c = run(ledger([row(p, *SEATS[1]) for p in keep] + [row("P100", *SEATS[1])]), store_dir, mode="replace")
    assert pub.preview_diff(c, store_dir)["removed"] == 1 and pub.preview_orphans(c, store_dir) is None
    done = pub.publish(c, published_by="t", store_dir=store_dir)
    assert sorted(store.read_table(done.snapshot, "projects")["project_id"]) == [*keep, "P100"]


def test_a_replace_that_would_leave_tasks_without_their_project_is_refused(tiny_snapshot, store_dir):
    """Replacing 555 projects with 6 left 390 tasks pointing nowhere: the meeting page showed 0."""
    c = run(ledger([row("P100", *SEATS[1])]), store_dir, mode="replace")
    assert pub.preview_diff(c, store_dir) == {"added": 1, "updated": 0, "unchanged": 0, "removed": 5}
    refusal = pub.preview_orphans(c, store_dir)
    assert refusal.key == "orphaned_tasks" and refusal.params["n"] == 4 and refusal.params["projects"] == 4
    assert "P001" in refusal.params["examples"] and "4 assigned tasks" in str(refusal)
    with pytest.raises(IngestError) as refused:
        pub.publish(c, published_by="t", store_dir=store_dir)
    assert refused.value.key == "orphaned_tasks"
    assert store.open_current(store_dir).id == tiny_snapshot.id  # nothing published


def test_a_meetings_snapshot_reads_in_the_pages_language():
    """The Chinese history showed 发布人 "meeting" and 来源文件 "meeting: close task JB-QA-006"."""
    assert view.publisher_text("meeting", "zh") == "调度会" and view.publisher_text("张三", "zh") == "张三"
    # the source is the meeting page; the note (beside it) says what: said twice, it pushed the reason out of sight
    assert view.sources_text("meeting: close task JB-QA-006", "zh") == "调度会"
    assert view.note_text("close task JB-QA-006", "zh") == "调度会办结：事项 JB-QA-006"
    assert view.sources_text("台账.csv", "zh") == "台账.csv"


def test_history_and_rollback(tiny_snapshot, store_dir):
    done = pub.publish(run(ledger([row("P100", *SEATS[1])]), store_dir), published_by="t", store_dir=store_dir)
    hist = pub.history(store_dir)
    assert [h["id"] for h in hist] == [done.snapshot.id, tiny_snapshot.id]
    assert hist[0]["current"] and not hist[1]["current"] and hist[0]["rows"]["projects"] == 6
    pub.rollback(tiny_snapshot.id, store_dir)
    frame = view.history_frame(pub.history(store_dir), "zh").set_index("快照")  # the rolled-back one is marked
    assert frame.loc[done.snapshot.id, "当前"] == "不在当前数据中" and frame.loc[tiny_snapshot.id, "当前"] == "●"
    assert frame.loc[done.snapshot.id, "交办事项"] == 4
    assert store.open_current(store_dir).id == tiny_snapshot.id
    assert [h["current"] for h in pub.history(store_dir)] == [False, True]


def test_a_switch_names_what_it_undoes_and_what_it_restores_across_branches(tiny_snapshot, store_dir):
    """A rollback past a meeting's task change takes it out of the live data too: the page lists
    it (and says it is a meeting's) before switching. Snapshots branch after a rollback."""
    from geo import task_edits

    imported = pub.publish(run(ledger([row("P100", *SEATS[1])]), store_dir), published_by="t", store_dir=store_dir).snapshot
    closed, _ = task_edits.close(store_dir, imported, task_id="T001")

    def ids(entries):
        return [e["id"] for e in entries]

    undone, restored = pub.switch_effect(tiny_snapshot.id, store_dir)
    assert ids(undone) == [closed.id, imported.id] and restored == []
    assert [view.is_meeting_change(e) for e in undone] == [True, False]
    assert pub.switch_effect(closed.id, store_dir) == ([], [])
    pub.rollback(tiny_snapshot.id, store_dir)
    branch = pub.publish(run(ledger([row("P101", *SEATS[2])]), store_dir), published_by="t", store_dir=store_dir).snapshot
    undone, restored = pub.switch_effect(closed.id, store_dir)  # from the branch to the first line's end
    assert ids(undone) == [branch.id] and ids(restored) == [closed.id, imported.id]
    undone, restored = pub.switch_effect(imported.id, store_dir)
    assert ids(undone) == [branch.id] and ids(restored) == [imported.id]
    lines = view.switch_lines(pub.switch_effect(tiny_snapshot.id, store_dir)[0] * 5, "zh", limit=3)
    assert lines.count("\n- ") == 3 and lines.endswith("另有 2 次") and "新增 1" in lines


def test_tasks_take_their_projects_district(tiny_snapshot, store_dir):
    head = ["事项编号", "项目编号", "交办事项", "责任单位", "交办日期", "办结时限", "办理状态"]
    data = ledger([["T9", "P003", "协调", "醴陵市", "2023/9/1", "2023年10月1日", "进行中"],
                   ["T8", "P999", "协调", "某局", "2023-09-01", "2023-10-01", "办理中"]], head)
    c = check(load(data, "t.csv", "tasks"), Options("tasks"), base=tiny_snapshot)
    assert c.accepted["district_adcode"].tolist() == ["430281"] and c.accepted["status"].tolist() == ["办理中"]
    assert problems(c) == [(3, "v_project_unknown")]


def test_a_task_needs_its_project_and_dates_in_order(tiny_snapshot):
    """A ledger's own district does not let a task of an unknown project in, nor override its
    project's district (a warning says so); dates out of order and a status that contradicts
    the closing date are rejected with the column and the reason."""
    head = ["事项编号", "项目编号", "所属区县", "交办事项", "责任单位", "交办日期", "办结时限", "办结日期", "办理状态"]
    data = ledger([["T1", "P003", "荷塘区", "协调", "某局", "2023-09-01", "2023-10-01", "", "办理中"],
                   ["T2", "XM-NOT-EXIST", "醴陵市", "协调", "某局", "2023-09-01", "2023-10-01", "", "办理中"],
                   ["T3", "P003", "", "协调", "某局", "2023-09-01", "2023-08-01", "", "办理中"],
                   ["T4", "P003", "", "协调", "某局", "2023-09-01", "2023-10-01", "", "已办结"],
                   ["T5", "P003", "", "协调", "某局", "2023-09-01", "2023-10-01", "2023-09-20", "办理中"],
                   ["T6", "P003", "", "协调", "某局", "2023-09-01", "2023-10-01", "2023-08-20", "已办结"],
                   ["T7", "P003", "", "协调", "某局", "2023-09-01", "2023-10-01", "2023-09-20", "已办结"]], head)
    c = check(load(data, "t.csv", "tasks"), Options("tasks"), base=tiny_snapshot)
    assert problems(c) == [(3, "v_project_unknown"), (4, "v_due_before_assigned"), (5, "v_closed_without_date"),
                           (6, "v_open_with_closing_date"), (7, "v_closed_before_assigned")]
    assert c.accepted["task_id"].tolist() == ["T1", "T7"]
    assert c.accepted["district_adcode"].tolist() == ["430281", "430281"]  # P003's, not the ledger's 荷塘区
    warnings = [(r, col, k) for r, col, _, k, _, lvl in c.report.problems if lvl == "warning"]
    assert warnings == [(2, "所属区县", "v_task_district_differs")]
    columns = {r: col for r, col, *_ in c.report.problems}
    assert (columns[4], columns[5], columns[7]) == ("办结时限", "办结日期", "办结日期")


def test_a_project_completes_after_it_starts_and_spends_within_its_total():
    """Completion before the start and a year's plan or spending above the total are rejected,
    with the column and the reason; spending above the year's plan (over-fulfilment) is not."""
    head = [*HEAD, "计划开工", "计划竣工", "实际开工", "实际竣工"]
    lon, lat = SEATS[0]
    base = ["产业发展", "市重点", "在建"]
    data = ledger([["P1", "好", "", *base, 2.0, 1.0, 1.5, lon, lat, "2023-03-01", "2024-06-30", "2023-03-05", ""],
                   ["P2", "竣工早于开工", "", *base, 2.0, 1.0, 0.5, lon, lat, "2023-03-01", "2022-06-30", "", ""],
                   ["P3", "实际竣工早于实际开工", "", *base, 2.0, 1.0, 0.5, lon, lat, "", "", "2023-05-01", "2023-04-01"],
                   ["P4", "计划超总投资", "", *base, 2.0, 3.0, 0.5, lon, lat, "", "", "", ""],
                   ["P5", "完成超总投资", "", *base, 2.0, 1.0, 2.5, lon, lat, "", "", "", ""]], head)
    c = check(load(data, "p.csv", "projects"), Options("projects"))
    assert problems(c) == [(3, "v_completion_before_start"), (4, "v_completion_before_start"),
                           (5, "v_above_total"), (6, "v_above_total")]
    assert c.accepted["project_id"].tolist() == ["P1"]
    columns = {r: col for r, col, *_ in c.report.problems}
    assert [columns[r] for r in (3, 4, 5, 6)] == ["计划竣工", "实际竣工", "年度计划投资（亿元）", "年度已完成投资（亿元）"]
    text = c.report.problem_frame("zh").to_string()
    assert "竣工日期早于开工日期" in text and "超过总投资" in text and "0.0001" in text


def test_a_plan_in_wan_yuan_is_rejected_until_its_factor_is_set():
    """A year's plan typed in 万元 under a header without a unit reads as 亿元: far above any
    project (the file stops, naming the column) and above the total (a rejected row, when only a
    few rows are so); setting the column's factor in the mapping makes the row import."""
    head = ["项目编号", "项目名称", "项目类别", "项目级别", "项目阶段", "总投资（亿元）", "年度计划投资", "年度已完成投资（亿元）",
            "经度", "纬度"]
    data = ledger([["P1", "项目", "产业发展", "市重点", "在建", 2.0, 8000, 0.5, *SEATS[0]]], head)
    loaded = load(data, "p.csv", "projects")
    with pytest.raises(IngestError) as stopped:
        check(loaded, Options("projects"))
    assert stopped.value.key == "unit_suspect" and stopped.value.params["column"] == "年度计划投资"
    mixed = ledger([["P1", "项目", "产业发展", "市重点", "在建", 2.0, 8000, 0.5, *SEATS[0]],
                    *[[f"P{i}", "项目", "产业发展", "市重点", "在建", 2.0, 1.0, 0.5, *SEATS[0]] for i in (2, 3)]], head)
    assert problems(check(load(mixed, "p.csv", "projects"), Options("projects"))) == [(2, "v_above_total")]
    mapping = loaded.mapping.copy()
    mapping.loc[mapping["source"] == "年度计划投资", "factor"] = 0.0001
    c = check(loaded, Options("projects"), mapping)
    assert problems(c) == [] and c.accepted["annual_plan_yi"].tolist() == [0.8]
    # above the total once converted: said without the hint to set the factor (it is set)
    over = ledger([["P1", "项目", "产业发展", "市重点", "在建", 2.0, 80000, 0.5, *SEATS[0]]], head)
    converted = load(over, "p.csv", "projects")
    mapping = converted.mapping.copy()
    mapping.loc[mapping["source"] == "年度计划投资", "factor"] = 0.0001
    assert problems(check(converted, Options("projects"), mapping)) == [(2, "v_above_total_converted")]


def _check_filled_in(wb, sheet, table: str, base, *, project: str, district: tuple[str, str]):
    """A template filled in as a steward does (a copy of the example row under it, id NEW-1),
    checked: its example row must be skipped. A task's project must be in the store: P003, in 醴陵."""
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=1).value = "NEW-1"
    for j in range(2, len(header) + 1):
        sheet.cell(row=3, column=j).value = sheet.cell(row=2, column=j).value
    if table == "tasks":
        sheet.cell(row=3, column=header.index(project) + 1).value = "P003"
        sheet.cell(row=3, column=header.index(district[0]) + 1).value = district[1]
    out = io.BytesIO()
    wb.save(out)
    loaded = load(out.getvalue(), f"{table}.xlsx", table)
    assert ("ingest_n_example_skipped", {"row": 2}) in loaded.notes
    return check(loaded, Options(table), base=base)


@pytest.mark.parametrize("table", ["projects", "tasks", "parcels", "substations", "plants", "transformer_areas"])
def test_templates_import_with_nothing_to_correct(table, tiny_snapshot):
    """A filled-in template imports as it is; its example row, left unchanged, is not a record."""
    data = template_xlsx(table)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["数据", "说明"] and wb["数据"].max_row == 2
    with pytest.raises(IngestError) as stopped:
        load(data, f"{table}.xlsx", table)
    assert stopped.value.key == "only_example" and "只有模板的示例行（第 2 行" in stopped.value.text("zh")
    c = _check_filled_in(wb, wb["数据"], table, tiny_snapshot, project="项目编号", district=("所属区县", "醴陵市"))
    assert c.report.rejected == 0 and c.report.accepted == 1 and c.accepted.iloc[0, 0] == "NEW-1"
    assert c.report.problems == []  # not even a warning: the example is a record to copy (tester 15)
    assert "ingest_n_unmapped" not in dict(c.report.notes) and "ingest_n_parts" not in dict(c.report.notes)


@pytest.mark.parametrize("table", ["projects", "tasks", "parcels", "substations", "plants", "transformer_areas"])
def test_english_templates_are_english_and_import_as_they_are(table, tiny_snapshot):
    """The English template had Chinese headers, drop-downs and units, and the projects' money
    note in every table's (tester 16): English throughout, read back by the import."""
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx(table, "en")))
    assert wb.sheetnames == ["Data", "About"]
    header = [c.value for c in wb["Data"][1]]
    assert all(h[0].isascii() for h in header), header  # English labels ("Total investment (亿元)" keeps its unit)
    c = _check_filled_in(wb, wb["Data"], table, tiny_snapshot, project="Project ID", district=("District code", "430281"))
    assert (c.report.rejected, c.report.accepted, c.report.problems) == (0, 1, [])
    notes = [r[0].value for r in wb["About"].iter_rows() if r[0].value]
    assert ("Money in 亿元" in " ".join(notes)) == (table == "projects")


# --- the CLI -------------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo.ingest", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def test_cli_reports_and_exit_codes(tiny_snapshot, store_dir, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(ledger([row("P100", *SEATS[1])]).decode().encode("gbk"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(ledger([row("P101", *SEATS[1]), row("P102", 0, 0)]))
    s = str(store_dir)
    out = cli(str(good), "--table", "projects", "--store", s, "--encoding", "gbk")
    assert out.returncode == 0 and "接受 1 行" in out.stdout and "新增 1" in out.stdout
    assert store.open_current(store_dir).id == tiny_snapshot.id  # no --publish: nothing written
    out = cli(str(bad), "--table", "projects", "--store", s, "--publish", "--lang", "en", "--report", str(tmp_path / "r.xlsx"))
    assert out.returncode == 1 and "1 rejected" in out.stdout and "coordinates (0, 0)" in out.stdout
    assert store.open_current(store_dir).id == tiny_snapshot.id and (tmp_path / "r.xlsx").stat().st_size > 0
    out = cli(str(bad), "--table", "projects", "--store", s, "--publish-valid", "--user", "李四")
    assert out.returncode == 0 and "已发布快照" in out.stdout
    assert store.open_current(store_dir).manifest["published_by"] == "李四"
    out = cli(str(bad), "--table", "projects", "--store", s, "--publish-valid")
    assert out.returncode == 0 and "未生成新快照" in out.stdout
    out = cli(str(tmp_path / "nope.csv"), "--table", "projects", "--store", s)
    assert out.returncode == 2 and "找不到文件" in out.stderr
    out = cli(str(good), "--table", "projects", "--store", s, "--crs", "mars")
    assert out.returncode == 2 and "mars" in out.stderr
    # a replace that would leave tasks without their project: said (check only too), exit 2, no traceback
    before = store.open_current(store_dir).id
    for extra in ((), ("--publish",)):
        out = cli(str(good), "--table", "projects", "--store", s, "--encoding", "gbk", "--mode", "replace", *extra)
        assert out.returncode == 2 and "找不到所属项目" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert store.open_current(store_dir).id == before


def test_cli_names_dates_after_the_as_of_date_as_the_page_does(tiny_snapshot, store_dir, tmp_path):
    late = tmp_path / "late.csv"
    late.write_bytes(ledger([[*row("P100", *SEATS[1]), "2024-03-01"]], head=[*HEAD, "实际开工"]))
    out = cli(str(late), "--table", "projects", "--store", str(store_dir))
    assert out.returncode == 0 and "实际开工 1 行（最晚 2024-03-01）" in out.stdout, out.stdout


# --- real files with the awkward shapes ----------------------------------------------------------


def test_xlsx_with_merged_two_row_header_and_title():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["株洲市2023年重点项目台账"])
    ws.append(["项目编号", "项目名称", "项目类别", "项目级别", "项目阶段", "投资（万元）", None, None, "坐标", None, "备注"])
    ws.append([None, None, None, None, None, "总投资", "年度计划", "年度已完成", "经度", "纬度", None])
    ws.append(["P1", "甲", "产业发展", "市重点", "在建", 120000, 30000, 10000, *SEATS[0], "x"])
    ws.merge_cells("A1:K1")
    for col in "ABCDEK":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("F2:H2")
    ws.merge_cells("I2:J2")
    buf = io.BytesIO()
    wb.save(buf)
    c = check(load(buf.getvalue(), "merged.xlsx", "projects"), Options("projects"))
    assert c.report.rejected == 0
    row0 = c.accepted.iloc[0]
    assert (row0["total_investment_yi"], row0["annual_plan_yi"], row0["completed_yi"]) == (12.0, 3.0, 1.0)
    assert ("ingest_n_header_row", {"row": 2, "rows": 2, "skipped": 1}) in c.report.notes
    assert dict(c.report.notes)["ingest_n_unmapped"] == {"columns": ["备注"]}  # the extra column, named


def _stations_zip(tmp_path, drop=()) -> bytes:
    import zipfile

    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"变电站编号": ["S9"], "站名": ["荷塘变"], "电压": ["110kV"], "状态": ["运行"]},
                           geometry=[shapely.Point(*gcrs.wgs84_to_gcj02(*SEATS[0]))], crs="EPSG:4326")
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    gdf.to_file(folder / "s.shp", encoding="GBK")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in folder.iterdir():
            if f.suffix not in drop:
                zf.write(f, f.name)
    return buf.getvalue()


def test_shapefile_zip_end_to_end_in_gcj02(tmp_path):
    c = check(load(_stations_zip(tmp_path), "s.zip", "substations"), Options("substations", crs="gcj02"))
    got = c.accepted.iloc[0]
    assert (got["station_id"], got["name"], got["voltage_kv"], got["status"]) == ("S9", "荷塘变", 110, "在运")
    assert abs(got.geometry.x - SEATS[0][0]) < 1e-8 and got["district_adcode"] == "430202"


def test_shapefile_without_prj_needs_the_system_stated(tmp_path):
    data = _stations_zip(tmp_path, drop=(".prj", ".cpg"))
    with pytest.raises(IngestError) as err:
        check(load(data, "s.zip", "substations"), Options("substations"))
    assert err.value.key == "no_crs"
    c = check(load(data, "s.zip", "substations"), Options("substations", crs="gcj02"))
    assert c.report.accepted == 1 and c.accepted.iloc[0]["name"] == "荷塘变"


def test_blank_required_cells_are_rejected_not_stored_empty():
    rows = [row("P1", *SEATS[0]), row("P2", *SEATS[1]), row("P3", *SEATS[2])]
    rows[1][1] = "   "  # a name of spaces
    rows[2][5] = None  # no stage
    c = run(ledger(rows))
    assert problems(c) == [(3, "v_required"), (4, "v_required")]
    assert c.accepted["project_id"].tolist() == ["P1"]


def test_a_new_as_of_date_is_a_change_even_with_the_same_rows(tiny_snapshot, store_dir):
    import datetime as dt

    stored = store.read_table(tiny_snapshot, "projects")
    data = ledger([row("P100", *SEATS[1])])
    first = pub.publish(run(data, store_dir), published_by="t", store_dir=store_dir)
    same = pub.publish(run(data, store_dir), published_by="t", store_dir=store_dir, as_of=first.snapshot.as_of)
    assert same.snapshot is None
    later = pub.publish(run(data, store_dir), published_by="t", store_dir=store_dir, as_of=dt.date(2023, 10, 31))
    assert later.snapshot is not None and later.snapshot.as_of == dt.date(2023, 10, 31)
    assert len(store.read_table(later.snapshot, "projects")) == len(stored) + 1


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_extract_of_this_app_imports_back_unchanged(demo_store, fmt):
    """The analyst's round trip: download an extract, edit it in Excel, import it back. The
    extract carries the district's name beside its code (both read as the district: the code is
    taken) and coordinates as written; unedited rows must count as unchanged, one edit as one."""
    from geo import export
    from geo.filters import Filters
    from geo.query import Scope

    snapshot = store.open_current(demo_store)
    stored = store.read_table(snapshot, "projects")
    extract = export.build(snapshot, Scope.all(), Filters(districts=("430281",)), ["projects"], fmt)
    data = extract.data
    if fmt == "xlsx":  # one edit, as an analyst makes it in Excel
        book = openpyxl.load_workbook(io.BytesIO(data))
        sheet = book.worksheets[0]
        header = [c.value for c in sheet[1]]
        sheet.cell(row=2, column=header.index("项目名称") + 1).value = "改过的名称"
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    loaded = load(data, extract.file_name, "projects")
    mapped = loaded.mapping.set_index("source")["target"]
    assert mapped["区县代码"] == "district_adcode" and mapped["区县"] == ""
    checked = check(loaded, Options("projects"), base=snapshot)
    assert checked.report.rejected == 0 and checked.report.accepted == (stored["district_adcode"] == "430281").sum()
    changed = pub.preview_diff(checked, demo_store)
    edits = 1 if fmt == "xlsx" else 0
    assert changed == {"added": 0, "updated": edits, "unchanged": len(stored) - edits, "removed": 0}


def test_every_header_this_app_writes_is_read_back_as_its_column():
    """An English extract's "Area (mu)" and "Tax per mu (10k CNY/mu)" were not recognised: "mu" is
    how the app writes 亩 in English, not a unit the importer converted (tester 9)."""
    from geo.ingest import headers

    for table in schema.TABLES:
        for col in schema.columns(table):
            if col.name in headers.targets(table):
                for lang in ("zh", "en"):
                    assert headers.match(col.label(lang), table)[:2] == (col.name, 1.0), (table, col.label(lang))


def test_the_formula_guard_of_a_csv_extract_comes_off_on_import(store_dir):
    """A CSV extract prefixes =, +, -, @ and tab with ' (Excel would run them): imported back, the
    values had gained the ' for good, six "updates" that were none (tester 9)."""
    from conftest import AS_OF, make_tiny_tables

    from geo import export
    from geo.filters import Filters
    from geo.query import Scope

    tables = make_tiny_tables()
    p = tables["projects"]
    p.loc[0, "owner"], p.loc[1, "name"], p.loc[2, "owner"] = '=HYPERLINK("http://x","y")', "-2%资金缺口项目", "+86-731-2222"
    p.loc[3, "owner"] = "'=已带单引号"  # a ' of its own before a formula sign: guarded too, so it comes back
    snapshot = store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=[], store_dir=store_dir)
    extract = export.build(snapshot, Scope.all(), Filters(), ["projects"], "csv")
    assert extract.formula_cells == 4 and b"'-2%" in extract.data and "''=已带单引号".encode() in extract.data
    checked = check(load(extract.data, extract.file_name, "projects"), Options("projects"), base=snapshot)
    assert checked.report.rejected == 0
    back = checked.accepted.set_index("project_id")[["name", "owner"]].sort_index()
    assert back.equals(store.read_table(snapshot, "projects").set_index("project_id")[["name", "owner"]].sort_index())
    assert values.column(pd.Series(["'=1+1", "'O'Brien", "'-5"]), "projects", "owner").values.tolist() == [
        "=1+1", "'O'Brien", "-5"]  # only the guard's ' comes off


def test_degrees_minutes_seconds_are_read_as_degrees():
    """Old ledgers write 113°08′30.2″ or 113度8分30.2秒: read as decimal degrees (a normalised
    value), where 'unit °08′30.2″ cannot be converted' and 'no coordinates' were reported."""
    def dms(value: float, style: int) -> str:
        total = round(value * 3600, 3)  # in seconds, rounded once: no "60.000″"
        d, m = int(total // 3600), int(total % 3600 // 60)
        s = total - d * 3600 - m * 60
        return f"{d}°{m:02d}′{s:06.3f}″" if style == 0 else f"{d}度{m}分{s:.3f}秒"

    rows = [row(f"P{i}", dms(lon, i % 2), dms(lat, i % 2)) for i, (lon, lat) in enumerate(SEATS)]
    c = check(load(ledger(rows), "l.csv", "projects"), Options("projects"))
    assert c.report.rejected == 0 and c.report.changed == len(SEATS)
    got = np.array([(p.x, p.y) for p in c.accepted.sort_values("project_id").geometry])
    assert np.abs(got - np.array(SEATS)).max() < 1e-6  # within the 0.001″ written
    assert values.dms_degrees("113°60′") is None and values.dms_degrees("113.5") is None  # not DMS
    assert values.dms_degrees("27°50′00″S") == -values.dms_degrees("27度50分")


def test_cli_lists_the_history_and_switches_only_when_told(tiny_snapshot, store_dir):
    from geo import task_edits

    closed, _ = task_edits.close(store_dir, tiny_snapshot, task_id="T001")
    listed = cli("--history", "--store", str(store_dir))
    assert listed.returncode == 0
    assert [line[:1] for line in listed.stdout.splitlines()] == ["●", " "] and closed.id in listed.stdout.splitlines()[0]
    asked = cli("--switch-to", tiny_snapshot.id, "--store", str(store_dir))
    assert asked.returncode == 1 and "当前数据将撤销这 1 次发布的变更" in asked.stdout and "调度会办结：事项 T001" in asked.stdout
    assert "其中 1 次是调度会上对交办事项的变更" in asked.stdout and store.open_current(store_dir).id == closed.id
    assert "未切换：加 --yes 确认设为当前" in asked.stderr
    assert cli("--switch-to", "20990101T000000-000000", "--store", str(store_dir)).returncode == 2
    done = cli("--switch-to", tiny_snapshot.id, "--yes", "--store", str(store_dir))
    assert done.returncode == 0 and store.open_current(store_dir).id == tiny_snapshot.id
    logged = pub.switches(store_dir)  # the switch is logged, from what to what, by whom
    assert [(s["from"], s["to"]) for s in logged] == [(closed.id, tiny_snapshot.id)]
    assert logged[0]["by"].endswith("(geo.ingest CLI)")
    with open(store_dir / pub.SWITCH_LOG, "a", encoding="utf-8") as log:  # a torn line, a line of another shape
        log.write('{"at": "2023-10-01T00:00:00+00:00", "to"\n[1, 2]\n')
    assert pub.switches(store_dir) == logged  # skipped: the history tab still opens


def test_a_stage_that_disagrees_with_the_dates_is_a_warning_on_the_stage():
    """A 谋划在谈 project with an actual start counted among the starts, unremarked (tester 5)."""
    head = [*HEAD, "实际开工", "实际竣工"]
    base = lambda pid, stage, start, done: [*row(pid, *SEATS[1])[:5], stage, *row(pid, *SEATS[1])[6:], start, done]  # noqa: E731
    c = run(ledger([base("P1", "谋划在谈", "2023-03-01", ""), base("P2", "在建", "", ""),
                    base("P3", "竣工", "2022-01-01", ""), base("P4", "在建", "2022-01-01", "2023-05-01"),
                    base("P5", "在建", "2022-01-01", ""), base("P6", "投产", "2021-01-01", "2022-06-30")], head))
    assert c.report.rejected == 0 and c.report.accepted == 6
    warned = [(r, col, k) for r, col, _, k, _, lvl in c.report.problems if lvl == "warning"]
    assert warned == [(2, "项目阶段", "v_stage_has_start"), (3, "项目阶段", "v_stage_no_start"),
                      (4, "项目阶段", "v_stage_no_completion"), (5, "项目阶段", "v_stage_has_completion")]
    named = run(ledger([base("P1", "前期", "2023-03-01", "")], [*HEAD, "实际开工日期", "实际竣工日期"]))
    assert [p[3] for p in named.report.problems if p[5] == "warning"] == ["v_stage_has_start"]  # the long headers


def test_a_new_project_under_way_without_a_start_is_warned_of_with_or_without_the_date_column(tiny_snapshot, store_dir):
    """Tester 12: 20 new 在建 projects in a file without 实际开工 passed unremarked, while a file with an
    empty 实际开工 column warned. A stored project the file only updates keeps its stored dates: not
    this file's to judge (tester 8)."""
    def stage_warnings(c):
        return [(r, k) for r, _, _, k, _, lvl in c.report.problems if lvl == "warning" and k.startswith("v_stage")]

    def with_stage(pid, stage, seat):
        return [*row(pid, *seat)[:5], stage, *row(pid, *seat)[6:]]

    lines = [with_stage("P001", "在建", (113.15, 27.85)), with_stage("P9", "在建", SEATS[0]),
             with_stage("P8", "竣工", SEATS[0]), with_stage("P7", "前期", SEATS[0])]
    without = run(ledger(lines), store_dir)
    expected = [(3, "v_stage_no_start"), (4, "v_stage_no_start"), (4, "v_stage_no_completion")]
    assert without.report.rejected == 0 and stage_warnings(without) == expected
    empty = run(ledger([[*r, "", ""] for r in lines[1:]], [*HEAD, "实际开工", "实际竣工"]), store_dir)
    assert stage_warnings(empty) == [(r - 1, k) for r, k in expected]  # the same rows (one line up: no P001)
    assert stage_warnings(run(ledger(lines[1:2]))) == [(2, "v_stage_no_start")]  # no store: every id is new


def test_prune_keeps_the_newest_and_the_current_and_the_files_they_read(tiny_snapshot, store_dir):
    """Every meeting edit is a snapshot and nothing removed one (tester 6): the steward prunes."""
    from geo import derived_files, snapshot_db, task_edits
    from geo.store_verify import verify_snapshot

    snaps = [tiny_snapshot]
    for task in ("T001", "T002", "T004"):
        snaps.append(task_edits.close(store_dir, snaps[-1], task_id=task)[0])
    for snap in snaps:
        snapshot_db.precompute_derived(snap)
    pub.rollback(snaps[0].id, store_dir)  # the current one is old: kept whatever its age
    counted = pub.prune(2, store_dir, dry_run=True)
    assert counted.removed == [snaps[1].id] and store.list_snapshots(store_dir)[1].id == snaps[1].id  # nothing deleted
    done = pub.prune(2, store_dir)
    assert done.removed == [snaps[1].id] and done.derived_files >= 1
    assert [s.id for s in store.list_snapshots(store_dir)] == [snaps[0].id, snaps[2].id, snaps[3].id]
    on_disk = {f.name for f in (store_dir / "snapshots" / derived_files.DIR_NAME).glob("*.parquet")}
    for kept in (snaps[0], snaps[2], snaps[3]):
        assert snapshot_db.derived_file_names(kept) <= on_disk
        assert verify_snapshot(store.get_snapshot(kept.id, store_dir)) == []  # their files intact (hard links kept)
    assert store.open_current(store_dir).id == snaps[0].id
    assert cli("--prune", "1", "--store", str(store_dir)).returncode == 1  # says, deletes nothing without --yes
    assert len(store.list_snapshots(store_dir)) == 3
    assert cli("--prune", "1", "--yes", "--store", str(store_dir)).returncode == 0
    assert [s.id for s in store.list_snapshots(store_dir)] == [snaps[0].id, snaps[3].id]


def test_an_upsert_without_class_or_area_columns_keeps_the_stored_ones(tiny_snapshot, store_dir):
    """The class taken from the status and the area measured on the outline are the pipeline's, not
    the file's: an upsert had erased a disposed parcel's stored class and replaced register areas
    with measured ones (review of session 17)."""
    stored = store.read_table(tiny_snapshot, "parcels").set_index("parcel_id")
    feats = [{"type": "Feature", "geometry": shapely.geometry.mapping(stored.loc[pid, "geometry"]),
              "properties": {"DKBH": pid, "DLBM": "0601", "状态": status}}
             for pid, status in (("L001", "已处置"), ("L002", "闲置"))]
    data = json.dumps({"type": "FeatureCollection", "features": feats}).encode()
    c = check(load(data, "up.geojson", "parcels"), Options("parcels"), base=tiny_snapshot)
    done = pub.publish(c, published_by="t", store_dir=store_dir).snapshot
    after = store.read_table(done, "parcels").set_index("parcel_id")
    assert after.loc["L001", "status"] == "已处置" and after.loc["L001", "idle_class"] == "闲置"  # kept, not NULL
    assert after.loc["L002", "idle_class"] == "批而未供"  # the stored class, not the status's
    assert after.loc["L001", "area_mu"] == 120.0 and after.loc["L002", "area_mu"] == 30.5  # the register's areas


def test_prune_refuses_a_store_whose_current_snapshot_is_broken_and_ids_stay_retired(tiny_snapshot, store_dir):
    """With the current snapshot broken the newest KEEP could be it alone and the last good one
    deleted; a pruned snapshot's task ids must not come back (review of session 17)."""
    from geo import task_edits

    first, gone_id = task_edits.assign(store_dir, tiny_snapshot, project_id="P003", unit="u", title="a",
                                       due_on=dt.date(2023, 10, 2))
    second, _ = task_edits.close(store_dir, first, task_id=gone_id)
    third, _ = task_edits.close(store_dir, second, task_id="T001")
    broken = third.table_path("tasks")
    good_bytes = broken.read_bytes()
    broken.write_bytes(good_bytes[:-10] + b"0123456789")
    with pytest.raises(store.StoreError):
        pub.prune(1, store_dir)
    assert len(store.list_snapshots(store_dir)) == 4
    broken.write_bytes(good_bytes)
    pub.rollback(tiny_snapshot.id, store_dir)  # back before the assignment: its id is in snapshots to prune
    pub.prune(1, store_dir)
    assert [s.id for s in store.list_snapshots(store_dir)] == [tiny_snapshot.id, third.id]  # the newest and the current
    _, again = task_edits.assign(store_dir, tiny_snapshot, project_id="P001", unit="u", title="b",
                                 due_on=dt.date(2023, 10, 2))
    assert again != gone_id


SUB_HEAD = ["变电站编号", "变电站名称", "电压等级", "主变台数", "主变容量（MVA）", "最高负荷（MW）", "运行状态", "投运年份", "经度", "纬度"]


def test_a_substation_ledgers_year_and_count_times_size_are_read_and_an_overload_is_a_warning():
    """Tester 12: 投运年份 "2023年" and 主变容量 "2×50" rejected every row of S1_substations.xlsx, and a
    station loaded above its capacity (120 MW on 100 MVA × 0.9) passed the report unremarked."""
    stations = [["BDZ-1", "测试0变", "110千伏", 2, "2×50", 45, "运行", "2023年", *SEATS[0]],
                ["BDZ-2", "测试1变", "110千伏", 2, "100", "120MW", "运行", "2023 年", *SEATS[1]],
                ["BDZ-3", "测试2变", "110千伏", 2, "63MVA", 30, "运行", 2019, *SEATS[2]]]
    c = run(ledger(stations, SUB_HEAD), table="substations")
    assert c.report.rejected == 0 and c.accepted["commissioned_year"].tolist() == [2023, 2023, 2019]
    assert c.accepted["capacity_mva"].tolist() == [100.0, 100.0, 63.0]
    warned = {(r, col, k): p for r, col, _, k, p, lvl in c.report.problems if lvl == "warning"}
    assert list(warned) == [(2, "主变容量（MVA）", "v_product"), (3, "最高负荷（MW）", "v_load_above_capacity")]
    assert warned[(3, "最高负荷（MW）", "v_load_above_capacity")]["rate"] == "133.3%"
    text = c.report.problem_frame("zh")["原因"].tolist()
    assert text == ["按“台数×单台容量”读作 2 × 50 = 100 MVA，请核对",
                    "负载率 133.3%：最高负荷 120 MW 超过变电容量 100 MVA × 功率因数 0.9 = 90 MW，请核对负荷或容量（能源页将标为数据问题）"]
    assert "read as units × capacity each: 2 × 50 = 100 MVA" in c.report.problem_frame("en")["Reason"].iat[0]
    at_90 = [[*stations[1][:4], "100", 90, *stations[1][6:]]]  # 100 %: at its capacity, not above
    assert not run(ledger(at_90, SUB_HEAD), table="substations").report.problems


# --- this app's GIS extracts imported back (tester 14) -------------------------------------------


@pytest.fixture
def roundtrip_snapshot(store_dir):
    """The tiny tables as an import reads them back: each parcel's area that of its outline (an
    import of the tiny areas stops on the area check), and P002 and L001 moved from 天元区 into
    荷塘区, their stored district (an import takes a row's district from its location)."""
    from conftest import AS_OF, make_tiny_tables

    from geo.join import add_h3_cells

    tables = make_tiny_tables()
    parcels, projects = tables["parcels"], tables["projects"]
    parcels.loc[parcels["parcel_id"] == "L001", "geometry"] = shapely.box(113.17, 27.87, 113.18, 27.88)
    parcels["area_mu"] = (parcels.geometry.to_crs(schema.METRIC_CRS).area / schema.MU_M2).round(2)
    projects.loc[projects["project_id"] == "P002", "geometry"] = shapely.Point(113.16, 27.87)
    tables["parcels"], tables["projects"] = add_h3_cells(parcels), add_h3_cells(projects)  # cells of the new places
    return store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=[], store_dir=store_dir)


def test_a_gcj02_parcel_extract_declared_wgs84_warns_as_points_do(roundtrip_snapshot):
    """Polygons were never compared: a GCJ-02 parcel extract imported back moved parcels ~660 m unremarked."""
    from conftest import extract

    shifted = check(load(extract(roundtrip_snapshot, ["parcels"], "gpkg", crs="gcj02"), "p.gpkg", "parcels"),
                    Options("parcels"), base=roundtrip_snapshot)
    warning = dict(shifted.report.notes)["ingest_w_gcj"]
    assert (warning["n"], warning["total"]) == (4, 4) and 400 < float(warning["m"]) < 800
    honest = check(load(extract(roundtrip_snapshot, ["parcels"], "gpkg"), "p.gpkg", "parcels"),
                   Options("parcels"), base=roundtrip_snapshot)
    assert "ingest_w_gcj" not in dict(honest.report.notes)


def _edited_shapefile(data: bytes, folder: Path, edit, keep_fields: bool = True) -> bytes:
    """A Shapefile extract opened, edited and saved in a GIS (written again by GDAL), zipped back."""
    import zipfile

    import geopandas as gpd

    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    shp = next(folder.glob("*.shp"))
    layer = gpd.read_file(shp, use_arrow=True)  # dates as dates, so written back as DBF dates
    edit(layer)
    layer.to_file(shp, encoding="UTF-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in folder.iterdir():
            if keep_fields or f.name != "fields.csv":
                zf.write(f, f.name)
    return buf.getvalue()


def test_an_unedited_parcel_shapefile_changes_nothing_and_an_edit_keeps_the_other_outlines(roundtrip_snapshot, store_dir,
                                                                                         tmp_path):
    """The Shapefile writer makes outer rings clockwise: a round-tripped parcel layer "updated"
    every parcel, and publishing it stored every outline again."""
    from conftest import extract

    stored = store.read_table(roundtrip_snapshot, "parcels").set_index("parcel_id")
    data = extract(roundtrip_snapshot, ["parcels"], "shp")
    checked = check(load(data, "parcels.zip", "parcels"), Options("parcels"), base=roundtrip_snapshot)
    back = checked.accepted.set_index("parcel_id")
    assert not shapely.equals_exact(back.geometry["L001"], stored.geometry["L001"])  # reversed rings …
    assert pub.preview_diff(checked, store_dir) == {"added": 0, "updated": 0, "unchanged": 4, "removed": 0}  # … same shape

    def edit(layer):
        layer.loc[layer["parcel_id"] == "L004", "status"] = "闲置"

    edited = _edited_shapefile(data, tmp_path, edit)
    published = pub.publish(check(load(edited, "parcels.zip", "parcels"), Options("parcels"), base=roundtrip_snapshot),
                            published_by="t", store_dir=store_dir)
    assert published.diff == {"added": 0, "updated": 1, "unchanged": 3, "removed": 0}
    after = store.read_table(published.snapshot, "parcels").set_index("parcel_id")
    assert after.loc["L004", "status"] == "闲置"
    assert all(after.geometry[i].wkb == stored.geometry[i].wkb for i in stored.index)  # the stored outlines


def test_a_tasks_geopackage_imports_as_tasks_and_is_refused_in_words_for_a_map_table(tiny_snapshot, store_dir):
    """A tasks GeoPackage crashed the page with AttributeError: 'DataFrame' object has no attribute 'crs'."""
    from conftest import extract

    data = extract(tiny_snapshot, ["tasks"], "gpkg")
    checked = check(load(data, "tasks.gpkg", "tasks"), Options("tasks"), base=tiny_snapshot)
    assert checked.report.rejected == 0 and checked.accepted["task_id"].tolist() == ["T001", "T002", "T003", "T004"]
    assert pub.preview_diff(checked, store_dir) == {"added": 0, "updated": 0, "unchanged": 4, "removed": 0}
    with pytest.raises(IngestError) as err:
        check(load(data, "tasks.gpkg", "parcels"), Options("parcels"), base=tiny_snapshot)
    assert err.value.key == "layer_without_geometry"
    assert "没有图形" in err.value.text("zh") and "“地块”需要位置" in err.value.text("zh")
    assert "has no geometry" in err.value.text("en") and "Parcels needs locations" in err.value.text("en")


@pytest.mark.parametrize("keep_fields", [True, False])
def test_an_edited_shapefile_extract_imports_its_edit_as_the_one_update(roundtrip_snapshot, store_dir, tmp_path,
                                                                        keep_fields):
    """An edit of total_inve in QGIS came back as "0 updated" and was lost: the cut field names
    were not read back (through fields.csv, or the cut itself without it)."""
    from conftest import extract

    def edit(layer):
        layer.loc[layer["project_id"] == "P003", "total_inve"] = 999.0

    data = _edited_shapefile(extract(roundtrip_snapshot, ["projects"], "shp"), tmp_path, edit, keep_fields)
    checked = check(load(data, "projects.zip", "projects"), Options("projects"), base=roundtrip_snapshot)
    assert checked.report.rejected == 0
    assert checked.accepted.set_index("project_id").loc["P003", "total_investment_yi"] == 999.0
    assert pub.preview_diff(checked, store_dir) == {"added": 0, "updated": 1, "unchanged": 4, "removed": 0}
