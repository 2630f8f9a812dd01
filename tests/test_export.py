"""Extracts (geo.export): every format built from the tiny snapshot and read back with the
readers people's programs use (pandas, openpyxl, GeoPandas/pyogrio, pyarrow)."""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import subprocess
import zipfile
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from pyproj import Geod

from conftest import AS_OF, CHALING, HETANG, LILING, make_tiny_tables
from geo import energy, export, export_gis, power_supply, schema, store
from geo.boundaries import DISTRICTS
from geo.filters import Filters
from geo.query import Scope

ALL = Scope.all()
NONE = Filters()
NOW = dt.datetime(2023, 10, 8, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ZHUZHOU = (112.8, 26.0, 114.3, 28.3)  # lon/lat box around the city
GEO_TABLES = [t for t in export.EXPORT_TABLES if t != "tasks"]


def build(snap, tables, fmt, scope=ALL, filters=NONE, **kw) -> export.Extract:
    return export.build(snap, scope, filters, list(tables), fmt, now=NOW, **kw)


def counts(snap, scope=ALL, filters=NONE) -> dict[str, int]:
    return {t: export.count_rows(snap, scope, filters, t) for t in export.EXPORT_TABLES}


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def in_zhuzhou(lon: float, lat: float) -> bool:
    return ZHUZHOU[0] <= lon <= ZHUZHOU[2] and ZHUZHOU[1] <= lat <= ZHUZHOU[3]


@pytest.fixture
def tricky_snapshot(tmp_path: Path):
    """The tiny tables with formula-like text and a real negative number (亩均税收 −3.5)."""
    tables = make_tiny_tables()
    p = tables["projects"]
    p.loc[0, "owner"] = "=SUM(A1)"
    p.loc[1, "name"] = "+1"
    p.loc[2, "park"] = "@x"
    p.loc[3, "owner"] = "-abc"
    tables["parcels"].loc[2, "tax_per_mu_wan"] = -3.5
    return store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=["test_export"],
                                store_dir=tmp_path / "tricky")


# --- reading through the query layer -------------------------------------------------------------


def test_a_tasks_extract_says_what_the_meeting_page_says(tiny_snapshot):
    """Beside the stored fields: the project's name, the state at the as-of date (2023-09-30) and
    the days overdue, in the spreadsheet formats, with their rule in 说明 (tester 14)."""
    tasks = export.filtered_table(tiny_snapshot, ALL, NONE, "tasks").set_index("task_id")
    assert tasks.loc["T001", ["project_name", "task_state", "days_overdue"]].tolist() == ["硬质合金产业园", "overdue", 30]
    assert tasks.loc["T003", "task_state"] == "closed_on_time" and pd.isna(tasks.loc["T003", "days_overdue"])
    data = export.build(tiny_snapshot, ALL, NONE, ["tasks"], "xlsx", lang="zh").data
    sheet = pd.read_excel(io.BytesIO(data), sheet_name="交办事项").set_index("事项编号")
    assert sheet.loc["T001", ["项目名称", "办理情况", "逾期天数"]].tolist() == ["硬质合金产业园", "已逾期", 30]
    assert sheet.loc["T002", "原定时限"] == pd.Timestamp("2023-09-20") and sheet.loc["T002", "办理情况"] == "7日内到期"
    about = pd.read_excel(io.BytesIO(data), sheet_name="说明")
    assert about.iloc[:, 1].astype(str).str.contains("按数据截至日 2023-09-30 计算").any()
    en = pd.read_csv(io.BytesIO(export.build(tiny_snapshot, ALL, NONE, ["tasks"], "csv", lang="en").data), encoding="utf-8-sig")
    assert en.set_index("Task ID").loc["T001", ["Project", "State", "Days overdue"]].tolist() == [
        "硬质合金产业园", "Overdue", 30]


def test_filtered_table_has_every_column_in_key_order(tiny_snapshot):
    for table in export.EXPORT_TABLES:
        df = export.filtered_table(tiny_snapshot, ALL, NONE, table)
        assert list(df.columns) == schema.column_names(table) + list(export.EXTRA_COLUMNS.get(table, ()))
        assert len(df) == export.count_rows(tiny_snapshot, ALL, NONE, table)
        key = df[schema.PRIMARY_KEYS[table]]
        assert key.is_monotonic_increasing and key.is_unique
        if table in schema.GEO_TABLES:
            assert isinstance(df, gpd.GeoDataFrame) and df.crs.to_epsg() == 4326
    assert counts(tiny_snapshot) == {"projects": 5, "tasks": 4, "parcels": 4, "substations": 3,
                                     "plants": 2, "transformer_areas": 3, "districts": 3}
    building = export.filtered_table(tiny_snapshot, ALL, Filters(stages=("在建",)), "projects")
    assert building["project_id"].tolist() == ["P001", "P004"]
    # tasks follow their projects' filters: stage 在建 -> tasks of P001 and P004
    tasks = export.filtered_table(tiny_snapshot, ALL, Filters(stages=("在建",)), "tasks")
    assert tasks["task_id"].tolist() == ["T001", "T003"]
    assert export.count_rows(tiny_snapshot, ALL, Filters(stages=("在建",)), "tasks") == 2
    # a park (tasks have no park column) and a search reach tasks through their project too
    assert export.filtered_table(tiny_snapshot, ALL, Filters(parks=("荷塘工业园",)), "tasks")["task_id"].tolist() == ["T001"]
    assert export.count_rows(tiny_snapshot, ALL, Filters(search="学校"), "tasks") == 1


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_one_table_utf8_bom_units_iso_dates_lonlat(tiny_snapshot):
    ex = build(tiny_snapshot, ["projects"], "csv")
    assert ex.data.startswith(b"\xef\xbb\xbf")
    assert (ex.file_name, ex.ascii_name, ex.mime) == (
        "项目_全市_2023-09-30.csv", "projects_all_2023-09-30.csv", "text/csv")
    df = pd.read_csv(io.BytesIO(ex.data), encoding="utf-8-sig", dtype={"区县代码": str})
    assert len(df) == ex.rows["projects"] == export.count_rows(tiny_snapshot, ALL, NONE, "projects")
    assert "总投资（亿元）" in df.columns and "用电需求（MW）" in df.columns
    assert df["总投资（亿元）"].sum() == pytest.approx(24.75)
    first = df.set_index("项目编号").loc["P001"]
    assert first["实际开工"] == "2023-03-15" and first["项目名称"] == "硬质合金产业园"
    assert (first["经度"], first["纬度"]) == (113.15, 27.85)
    assert first["区县代码"] == HETANG
    assert "geometry" not in df.columns


def test_csv_several_tables_zip_and_polygon_wkt(tiny_snapshot):
    ex = build(tiny_snapshot, export.EXPORT_TABLES, "csv")
    assert (ex.file_name, ex.ascii_name, ex.mime) == (  # the format named: four formats zip
        "数据导出_全市_2023-09-30_CSV.zip", "extract_all_2023-09-30_CSV.zip", "application/zip")
    files = unzip(ex.data)
    assert sorted(files) == sorted([*(f"{export.TABLE_LABELS[t][0]}.csv" for t in export.EXPORT_TABLES), "README.txt"])
    about = files["README.txt"].decode("utf-8-sig")  # what a CSV cannot carry: filters, snapshot, coordinates
    assert "筛选条件: 全部" in about and tiny_snapshot.id in about and "EPSG:4326" in about and "\r\n" in about
    members = zipfile.ZipFile(io.BytesIO(ex.data)).infolist()
    assert all(m.date_time == (2023, 10, 8, 9, 30, 0) and (m.external_attr >> 16) == 0o644 for m in members)  # not 1980, not 0600
    expected = counts(tiny_snapshot)
    for table in export.EXPORT_TABLES:
        raw = files[f"{export.TABLE_LABELS[table][0]}.csv"]
        assert raw.startswith(b"\xef\xbb\xbf")
        assert len(pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")) == expected[table] == ex.rows[table]
    parcels = pd.read_csv(io.BytesIO(files["地块.csv"]), encoding="utf-8-sig")
    assert "面积（亩）" in parcels.columns and "亩均税收（万元/亩）" in parcels.columns
    outline = shapely.from_wkt(parcels.set_index("地块编号").loc["L001", "几何（WKT）"])
    assert outline.geom_type == "Polygon"
    assert outline.bounds == pytest.approx((113.13, 27.83, 113.14, 27.84))


# --- formula injection ---------------------------------------------------------------------------


def test_formula_like_text_is_prefixed_real_negative_numbers_are_not(tricky_snapshot):
    ex = build(tricky_snapshot, ["projects", "parcels"], "csv")
    assert ex.formula_cells == 4
    files = unzip(ex.data)
    projects = pd.read_csv(io.BytesIO(files["项目.csv"]), encoding="utf-8-sig").set_index("项目编号")
    assert projects.loc["P001", "业主单位"] == "'=SUM(A1)"
    assert projects.loc["P002", "项目名称"] == "'+1"
    assert projects.loc["P003", "所在园区"] == "'@x"
    assert projects.loc["P004", "业主单位"] == "'-abc"
    assert projects.loc["P005", "业主单位"].startswith("O'Brien")  # ordinary text untouched
    parcels = pd.read_csv(io.BytesIO(files["地块.csv"]), encoding="utf-8-sig").set_index("地块编号")
    assert parcels["亩均税收（万元/亩）"].dtype == float
    assert parcels.loc["L003", "亩均税收（万元/亩）"] == -3.5
    # a task's project name is a ledger's text too: guarded and counted (the review's finding)
    tasks = build(tricky_snapshot, ["tasks"], "csv")
    assert tasks.formula_cells == 1
    assert pd.read_csv(io.BytesIO(tasks.data), encoding="utf-8-sig").set_index("事项编号").loc["T002", "项目名称"] == "'+1"

    # XLSX cells are typed text that Excel never runs: the values stay exactly as stored
    xl = build(tricky_snapshot, ["projects", "parcels"], "xlsx")
    assert xl.formula_cells == 0
    wb = openpyxl.load_workbook(io.BytesIO(xl.data))
    owner = wb["项目"]["U2"]
    assert wb["项目"]["U1"].value == "业主单位"
    assert (owner.value, owner.data_type) == ("=SUM(A1)", "s")
    assert wb["项目"]["U5"].value == "-abc"
    tax_col = [c.value for c in wb["地块"][1]].index("亩均税收（万元/亩）") + 1
    tax = wb["地块"].cell(row=4, column=tax_col)
    assert (tax.value, tax.data_type) == (-3.5, "n")
    about = dict(wb["说明"].iter_rows(min_row=2, values_only=True))
    assert "公式防护" not in about


# --- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_sheets_types_and_about(tiny_snapshot):
    ex = build(tiny_snapshot, export.EXPORT_TABLES, "xlsx", user="张三")
    assert ex.file_name == "数据导出_全市_2023-09-30.xlsx"
    assert ex.mime == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = openpyxl.load_workbook(io.BytesIO(ex.data))
    assert wb.sheetnames == ["项目", "交办事项", "地块", "变电站", "电源", "公变台区", "区县边界", "说明"]
    expected = counts(tiny_snapshot)
    for table in export.EXPORT_TABLES:
        ws = wb[export.TABLE_LABELS[table][0]]
        assert ws.freeze_panes == "A2"
        assert ws.max_row - 1 == expected[table]
    ws = wb["项目"]
    header = [c.value for c in ws[1]]
    assert header[:2] == ["项目编号", "项目名称"] and "总投资（亿元）" in header
    assert header[-2:] == ["经度", "纬度"]
    row = {h: c for h, c in zip(header, ws[2])}  # P001
    assert (row["总投资（亿元）"].value, row["总投资（亿元）"].data_type) == (10.5, "n")
    assert row["实际开工"].is_date and row["实际开工"].value == dt.datetime(2023, 3, 15)
    assert row["实际开工"].number_format == "yyyy-mm-dd"
    assert row["实际竣工"].value is None
    assert row["经度"].value == pytest.approx(113.15) and row["经度"].data_type == "n"
    assert int(row["H3网格（7级）"].value, 16) > 0  # hex text: Excel would round an 18-digit number
    assert 8 <= ws.column_dimensions["B"].width <= 62
    stations = wb["变电站"]
    assert [c.value for c in stations[1]][4] == "电压等级（kV）" and stations["E2"].value == 220
    header = [c.value for c in stations[1]]  # the district's name beside its code: no lookup needed in Excel
    code, name = header.index("区县代码"), header.index("区县")
    names = {r[name] for r in stations.iter_rows(min_row=2, values_only=True)}
    assert name == code + 1 and names and names <= {zh for zh, _ in DISTRICTS.values()}
    assert wb["地块"][1][-1].value == "几何（WKT）"

    about = dict(wb["说明"].iter_rows(min_row=2, values_only=True))
    assert about["筛选条件"] == "全部" and about["数据权限"] == "全市"
    assert about["数据快照"] == tiny_snapshot.id and about["数据截至"] == "2023-09-30"
    assert about["导出时间"] == "2023-10-08 09:30 +0800" and about["导出人"] == "张三"
    assert about["行数 · 项目"] == "5" and about["行数 · 公变台区"] == "3"
    assert "WGS84" in about["坐标系"] and "公式防护" not in about and "超长单元格" not in about
    assert row["总投资（亿元）"].number_format == "#,##0.00"  # money with two decimals
    assert row["经度"].number_format == "General"


def test_xlsx_says_what_an_excel_cell_cannot_hold_and_keeps_empty_sheets_readable(tiny_snapshot, tmp_path):
    """An outline longer than Excel's 32,767 characters a cell is not cut into broken WKT: the
    cell says so and the About sheet counts it. A sheet without rows still has column widths."""
    tables = make_tiny_tables()
    ring = [(113.13 + 0.01 * i / 2000, 27.83 + 0.00001 * (i % 2)) for i in range(2000)]
    tables["parcels"].loc[0, "geometry"] = shapely.Polygon([*ring, (113.13, 27.84)])
    snap = store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=["t"], store_dir=tmp_path / "long")
    wb = openpyxl.load_workbook(io.BytesIO(build(snap, ["parcels"], "xlsx").data))
    header = [c.value for c in wb["地块"][1]]
    wkt = [r[header.index("几何（WKT）")] for r in wb["地块"].iter_rows(min_row=2, values_only=True)]
    assert wkt[0].startswith("（内容过长") and all(w.startswith("POLYGON") for w in wkt[1:])
    about = dict(wb["说明"].iter_rows(min_row=2, values_only=True))
    assert about["超长单元格"].startswith("1 个单元格超过 Excel 每格 32,767 个字符")
    empty = build(tiny_snapshot, ["projects", "plants"], "xlsx", filters=Filters(districts=(HETANG,)))
    sheet = openpyxl.load_workbook(io.BytesIO(empty.data))["电源"]
    assert empty.rows["plants"] == 0 and sheet.max_row == 1 and sheet.column_dimensions["A"].width >= 10


def test_a_file_name_says_which_filters_narrowed_it(tiny_snapshot):
    """醴陵 在建 and 醴陵 竣工 were both 项目_醴陵市_已筛选_…: the filters are named when short."""
    assert build(tiny_snapshot, ["projects"], "csv", filters=Filters(search="园")).file_name == \
        "项目_全市_“园”_2023-09-30.csv"
    both = Filters(districts=(LILING,), stages=("在建", "竣工"))
    assert build(tiny_snapshot, ["projects"], "xlsx", filters=both).file_name == "项目_醴陵市_在建+竣工_2023-09-30.xlsx"
    many = Filters(stages=("在建", "竣工"), levels=("省重点", "市重点"), inv_min=10.0)
    assert build(tiny_snapshot, ["projects"], "xlsx", filters=many).file_name == "项目_全市_已筛选_2023-09-30.xlsx"
    named = build(tiny_snapshot, ["projects"], "csv", filters=Filters(districts=(LILING,), stages=("在建",)), lang="en")
    # English: short district names and the filters in ASCII (codes and "filtered": tester 11)
    assert named.file_name == "projects_Liling_Under-construction_2023-09-30.csv"
    kv = build(tiny_snapshot, ["substations"], "csv", filters=Filters(voltages=("110",)), lang="en")
    assert kv.file_name == "substations_all_110-kV_2023-09-30.csv"
    assert export._ascii_tag(["Load > 80 %"]) == "Load-gt-80-%"
    money = build(tiny_snapshot, ["projects"], "csv", filters=Filters(inv_min=10.0), lang="en")
    assert money.file_name == "projects_all_filtered_2023-09-30.csv"  # "≥ 10 亿元" is not ASCII



def test_a_file_name_keeps_a_filters_signs_in_a_form_every_system_takes(tmp_path):
    """"负载率>80%" and "负载率<60%" had become "负载率80%" and "负载率60%" (Windows refuses < and >)."""
    tables = make_tiny_tables()
    stations = tables["substations"]
    stations.loc[0, "peak_load_mw"] = stations.loc[0, "capacity_mva"] * 0.9 * 0.95  # 95 % loaded
    snap = store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=[], store_dir=tmp_path / "s")
    hot = build(snap, ["substations"], "csv", filters=Filters(load_bands=("负载率>80%",)))
    assert hot.rows == {"substations": 1} and hot.file_name == "变电站_全市_负载率＞80%_2023-09-30.csv"
    searched = build(snap, ["projects", "substations"], "csv", filters=Filters(search="园\t区"))
    assert not any(c in searched.file_name for c in '\t\n<>:"/\\|?*')



def test_an_extract_says_only_the_filters_that_narrowed_each_table(tiny_snapshot):
    """Substations under a project-stage filter are filtered by district only: the file said
    "筛选条件: 醴陵市 · 在建" and was named _已筛选 (tester 9: 34 stations, 1 of them 在建)."""
    stage = Filters(districts=(LILING,), stages=("在建",))
    stations = build(tiny_snapshot, ["substations"], "xlsx", filters=stage)
    assert stations.file_name == "变电站_醴陵市_2023-09-30.xlsx"
    about = dict(openpyxl.load_workbook(io.BytesIO(stations.data))["说明"].iter_rows(min_row=2, values_only=True))
    assert about["筛选条件"] == "醴陵市" and about["未用于本文件的筛选"] == "在建（所导出的表没有这些字段）"
    assert about["负载率"].startswith("负载率 = 最高负荷（MW）÷（变电容量（MVA）× 功率因数 0.9）")
    assert "负荷裕度（MW）= 变电容量 × 0.9 − 最高负荷" in about["负载率"]
    sheet = openpyxl.load_workbook(io.BytesIO(stations.data))["变电站"]
    header = [c.value for c in sheet[1]]
    assert header[header.index("负载率（%）") + 1:][:2] == ["负荷裕度（MW）", "待接入负荷（MW）"]  # a grid planner's (tester 18)
    assert "待接入负荷（MW）= 以该站为最近 110 kV 及以上在运变电站" in about["负载率"]
    stored = store.read_table(tiny_snapshot, "substations").set_index("station_id")
    assert sheet.max_row >= 2  # a station row to check
    for r in sheet.iter_rows(min_row=2, values_only=True):
        got, (cap, peak) = r[header.index("负荷裕度（MW）")], stored.loc[r[0], ["capacity_mva", "peak_load_mw"]]
        assert got == (None if pd.isna(peak) else pytest.approx(round(cap * 0.9 - peak, 2)))
    assert stations.rows["substations"] == export.count_rows(tiny_snapshot, ALL, Filters(districts=(LILING,)), "substations")
    mixed = build(tiny_snapshot, ["projects", "tasks", "substations"], "xlsx", filters=stage)
    about = dict(openpyxl.load_workbook(io.BytesIO(mixed.data))["说明"].iter_rows(min_row=2, values_only=True))
    assert (about["筛选条件 · 项目"], about["筛选条件 · 交办事项"], about["筛选条件 · 变电站"]) == (
        "醴陵市 · 在建", "醴陵市 · 在建", "醴陵市")  # tasks: those of the filtered projects
    # 在建 narrowed two of its three tables: the name says "filtered", 说明 says which (tester 14)
    assert "未用于本文件的筛选" not in about and mixed.file_name == "数据导出_醴陵市_已筛选_2023-09-30.xlsx"
    both = build(tiny_snapshot, ["projects", "tasks"], "xlsx", filters=stage)  # narrowed alike: named
    assert both.file_name == "数据导出_醴陵市_在建_2023-09-30.xlsx"
    land = build(tiny_snapshot, ["projects"], "csv", filters=Filters(parcel_statuses=("闲置",)))
    assert land.file_name == "项目_全市_2023-09-30.csv"  # a land status carried in the URL filters no project


def test_xlsx_filters_english_and_scoped_user(tiny_snapshot):
    filters = Filters(stages=("在建",))
    ex = build(tiny_snapshot, ["projects"], "xlsx", filters=filters, lang="en")
    assert ex.file_name == ex.ascii_name == "projects_all_Under-construction_2023-09-30.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(ex.data))
    assert wb.sheetnames == ["Projects", "About"]
    header = [c.value for c in wb["Projects"][1]]
    assert "Total investment (亿元)" in header and header[-2:] == ["Longitude", "Latitude"]
    stage = header.index("Stage") + 1
    assert [wb["Projects"].cell(r, stage).value for r in (2, 3)] == ["Under construction"] * 2
    about = dict(wb["About"].iter_rows(min_row=2, values_only=True))
    assert about["Filters"] == filters.describe("en") == "Under construction"
    assert about["Rows · Projects"] == "2"

    liling = Scope((LILING,))
    ex = build(tiny_snapshot, ["projects"], "xlsx", scope=liling)
    assert (ex.file_name, ex.ascii_name) == ("项目_醴陵市_2023-09-30.xlsx", "projects_Liling_2023-09-30.xlsx")
    df = pd.read_excel(io.BytesIO(ex.data), sheet_name="项目", dtype={"区县代码": str})
    assert set(df["区县代码"]) == {LILING} and len(df) == export.count_rows(tiny_snapshot, liling, NONE, "projects") == 2
    about = pd.read_excel(io.BytesIO(ex.data), sheet_name="说明").set_index("条目")["内容"]
    assert about["数据权限"] == "醴陵市"


def test_file_names_for_several_districts_and_gcj02(tiny_snapshot):
    two = build(tiny_snapshot, ["projects", "tasks"], "csv", filters=Filters(districts=(LILING, HETANG)))
    assert (two.file_name, two.ascii_name) == ("数据导出_荷塘区+醴陵市_2023-09-30_CSV.zip",
                                               "extract_Hetang+Liling_2023-09-30_CSV.zip")
    four = Filters(districts=(HETANG, LILING, CHALING, "430203"))
    many = build(tiny_snapshot, ["parcels"], "gpkg", filters=four, crs="gcj02")
    assert (many.file_name, many.ascii_name) == ("地块_多区县_2023-09-30_GCJ-02.gpkg",
                                                 "parcels_multi_2023-09-30_gcj02.gpkg")
    # the scope narrows the filter: a 醴陵 user asking for 荷塘+醴陵 gets 醴陵
    mine = build(tiny_snapshot, ["plants"], "shp", scope=Scope((LILING,)), filters=Filters(districts=(LILING, HETANG)))
    assert mine.file_name == "电源_醴陵市_2023-09-30_Shapefile.zip" and mine.rows == {"plants": 1}


def test_nothing_to_export(tiny_snapshot):
    with pytest.raises(export.NothingToExport, match="项目"):
        build(tiny_snapshot, ["projects"], "xlsx", filters=Filters(stages=("竣工",)))
    with pytest.raises(export.NothingToExport, match="tasks"):
        build(tiny_snapshot, ["tasks"], "geojson")
    with pytest.raises(export.NothingToExport):
        build(tiny_snapshot, ["projects", "parcels"], "csv", scope=Scope(()))
    # one empty table among others is still exported (an empty sheet says "none matched")
    ex = build(tiny_snapshot, ["projects", "plants"], "xlsx", filters=Filters(stages=("竣工",), districts=(LILING,)))
    assert ex.rows == {"projects": 0, "plants": 1}
    with pytest.raises(ValueError):
        build(tiny_snapshot, ["boundaries"], "csv")
    with pytest.raises(ValueError):
        build(tiny_snapshot, ["projects"], "kml")
    with pytest.raises(ValueError):
        build(tiny_snapshot, ["projects"], "csv", crs="bd09")


# --- GeoJSON -------------------------------------------------------------------------------------


def test_geojson_rfc7946_lonlat_in_zhuzhou(tiny_snapshot):
    ex = build(tiny_snapshot, ["projects"], "geojson")
    assert ex.file_name == "项目_全市_2023-09-30.geojson" and ex.mime == "application/geo+json"
    doc = json.loads(ex.data)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert "数据截至: 2023-09-30" in doc["description"]
    feats = {f["properties"]["project_id"]: f for f in doc["features"]}
    assert len(feats) == export.count_rows(tiny_snapshot, ALL, NONE, "projects")
    assert feats["P001"]["geometry"]["coordinates"] == [113.15, 27.85]  # lon, lat
    assert all(in_zhuzhou(*f["geometry"]["coordinates"]) for f in feats.values())
    props = feats["P001"]["properties"]
    assert props["actual_start"] == "2023-03-15" and props["total_investment_yi"] == 10.5
    assert props["actual_completion"] is None and props["name"] == "硬质合金产业园"
    assert len(gpd.read_file(io.BytesIO(ex.data))) == 5
    # in English the enumerated values are English, as in the spreadsheets (tester 16)
    en = json.loads(build(tiny_snapshot, ["projects"], "geojson", lang="en").data)
    props = {f["properties"]["project_id"]: f["properties"] for f in en["features"]}["P001"]
    stored = store.read_table(tiny_snapshot, "projects").set_index("project_id").loc["P001"]
    assert props["stage"] == schema.enum_label(stored["stage"], "en") != stored["stage"]
    assert props["category"] == "Industrial development" and props["district_name"] == "Hetang District"

    several = build(tiny_snapshot, export.EXPORT_TABLES, "geojson")
    assert several.skipped == ["tasks"] and "tasks" not in several.rows
    files = unzip(several.data)
    assert sorted(files) == sorted([*(f"{t}.geojson" for t in GEO_TABLES), "README.txt"])
    assert several.file_name == "数据导出_全市_2023-09-30_GeoJSON.zip" and "数据截至: 2023-09-30" in files["README.txt"].decode("utf-8-sig")
    parcels = json.loads(files["parcels.geojson"])
    ring = parcels["features"][0]["geometry"]["coordinates"][0]
    assert all(in_zhuzhou(*xy) for xy in ring)


def test_gcj02_is_600_to_700_m_from_wgs84(tiny_snapshot):
    geod = Geod(ellps="WGS84")
    wgs = json.loads(build(tiny_snapshot, ["substations"], "geojson").data)["features"]
    gcj_ex = build(tiny_snapshot, ["substations"], "geojson", crs="gcj02")
    assert "GCJ-02" in json.loads(gcj_ex.data)["description"]
    gcj = json.loads(gcj_ex.data)["features"]
    assert [f["properties"]["station_id"] for f in wgs] == [f["properties"]["station_id"] for f in gcj]
    for a, b in zip(wgs, gcj):
        _, _, dist = geod.inv(*a["geometry"]["coordinates"], *b["geometry"]["coordinates"])
        assert 600 <= dist <= 700
    # the same shift in the spreadsheet's lon/lat columns, and the About sheet says why
    xl = build(tiny_snapshot, ["substations"], "xlsx", crs="gcj02")
    frame = pd.read_excel(io.BytesIO(xl.data), sheet_name="变电站")
    _, _, dist = geod.inv(113.18, 27.88, frame.loc[0, "经度"], frame.loc[0, "纬度"])
    assert 600 <= dist <= 700
    about = pd.read_excel(io.BytesIO(xl.data), sheet_name="说明").set_index("条目")["内容"]
    assert "GCJ-02" in about["坐标系"] and "高德" in about["坐标系"]
    # an H3 cell is of the WGS84 position: not beside shifted coordinates
    assert "此文件不含该列" in about["坐标系"]
    for crs, has_h3 in (("wgs84", True), ("gcj02", False)):
        features = json.loads(build(tiny_snapshot, ["projects"], "geojson", crs=crs).data)["features"]
        sheet = pd.read_excel(io.BytesIO(build(tiny_snapshot, ["projects"], "xlsx", crs=crs).data), sheet_name="项目")
        assert ("h3_r7" in features[0]["properties"]) == ("H3网格（7级）" in sheet.columns) == has_h3


# --- GeoPackage ----------------------------------------------------------------------------------


def test_gpkg_layers_and_attribute_table(tiny_snapshot, tmp_path):
    ex = build(tiny_snapshot, export.EXPORT_TABLES, "gpkg", crs="gcj02")
    assert ex.skipped == [] and ex.mime == "application/geopackage+sqlite3"
    path = tmp_path / ex.ascii_name
    path.write_bytes(ex.data)
    layers = dict(pyogrio.list_layers(path))
    assert layers == {"projects": "Point", "tasks": None, "parcels": "Polygon", "substations": "Point",
                      "plants": "Point", "transformer_areas": "Point", "districts": "MultiPolygon"}
    expected = counts(tiny_snapshot)
    for table in export.EXPORT_TABLES:
        df = pyogrio.read_dataframe(path, layer=table)
        assert len(df) == expected[table]
        # GCJ-02: every column but the WGS84 H3 cell; the district's name beside its code (tester 11)
        expected_columns = [c for c in schema.column_names(table) if c not in ("geometry", "h3_r7")]
        if "district_adcode" in expected_columns:
            expected_columns.insert(expected_columns.index("district_adcode") + 1, "district_name")
        expected_columns += export.EXTRA_COLUMNS.get(table, ())  # a task's project name, state, days overdue
        if table == "substations":  # the load rate the energy page bands by (tester 14)
            expected_columns.remove("pending_mw")  # beside the headroom (tester 18)
            at = expected_columns.index("peak_load_mw") + 1
            expected_columns[at:at] = ["load_rate_pct", "headroom_mw", "pending_mw"]
        assert [c for c in df.columns if c != "geometry"] == expected_columns
        if "district_adcode" in df.columns:
            assert all(DISTRICTS[c][0] == n for c, n in zip(df["district_adcode"], df["district_name"]))
    projects = pyogrio.read_dataframe(path, layer="projects").set_index("project_id")
    assert projects.loc["P001", "actual_start"] == pd.Timestamp("2023-03-15")
    assert projects.loc["P001", "name"] == "硬质合金产业园"
    assert projects.crs.to_epsg() == 4326
    moved = projects.geometry["P001"]
    assert 600 <= Geod(ellps="WGS84").inv(113.15, 27.85, moved.x, moved.y)[2] <= 700
    tasks = pyogrio.read_dataframe(path, layer="tasks")
    assert tasks[["title", "task_state", "days_overdue"]].iloc[0].tolist() == ["协调用电接入", "已逾期", 30]  # in words
    with closing(sqlite3.connect(path)) as db:
        desc = dict(db.execute("SELECT table_name, description FROM gpkg_contents").fetchall())
    assert "GCJ-02" in desc["projects"] and "数据截至" in desc["tasks"]


# --- GeoParquet ----------------------------------------------------------------------------------


def test_geoparquet_one_and_several(tiny_snapshot):
    ex = build(tiny_snapshot, ["parcels"], "parquet")
    assert ex.file_name == "地块_全市_2023-09-30.parquet"
    gdf = gpd.read_parquet(io.BytesIO(ex.data))
    assert len(gdf) == 4 and gdf.crs.to_epsg() == 4326
    assert gdf["area_mu"].sum() == pytest.approx(275.75)
    meta = pq.read_schema(io.BytesIO(ex.data)).metadata
    assert json.loads(meta[b"geo"])["version"] == "1.1.0"
    assert "数据截至" in meta[b"description"].decode()
    assert str(pq.read_schema(io.BytesIO(ex.data)).field("disposed_on").type) == "date32[day]"

    several = build(tiny_snapshot, ["projects", "tasks", "plants"], "parquet")
    assert several.skipped == ["tasks"] and several.file_name.endswith(".zip")
    files = unzip(several.data)
    assert sorted(files) == ["README.txt", "plants.parquet", "projects.parquet"]
    assert len(gpd.read_parquet(io.BytesIO(files["projects.parquet"]))) == 5


# --- Shapefile -----------------------------------------------------------------------------------


def test_shapefile_zip_fields_and_chinese(tiny_snapshot, tmp_path):
    ex = build(tiny_snapshot, ["projects"], "shp")
    assert (ex.file_name, ex.mime) == ("项目_全市_2023-09-30_Shapefile.zip", "application/zip")
    files = unzip(ex.data)
    assert set(files) == {"projects.shp", "projects.shx", "projects.dbf", "projects.prj", "projects.cpg",
                          "fields.csv", "README.txt"}
    assert files["projects.cpg"].strip() == b"UTF-8"
    zpath = tmp_path / "projects.zip"
    zpath.write_bytes(ex.data)
    df = pyogrio.read_dataframe(f"zip://{zpath}!projects.shp")
    fields = [c for c in df.columns if c != "geometry"]
    assert all(len(f) <= 10 and f.isascii() for f in fields) and len(set(fields)) == len(fields)
    assert len(df) == export.count_rows(tiny_snapshot, ALL, NONE, "projects")
    row = df.set_index("project_id").loc["P001"]
    assert row["name"] == "硬质合金产业园" and row["owner"] == "株洲硬质合金集团"
    assert row["total_inve"] == 10.5
    mapping = pd.read_csv(io.BytesIO(files["fields.csv"]), encoding="utf-8-sig").set_index("column")
    assert mapping.loc["total_investment_yi", "field"] == "total_inve"
    assert mapping.loc["total_investment_yi", "label_zh"] == "总投资（亿元）"
    assert mapping.loc["total_investment_yi", "label_en"] == "Total investment (亿元)"
    assert set(mapping["field"]) == set(fields)
    assert mapping.loc["district_name", "label_zh"] == "区县" and row["district_n"] == DISTRICTS[row["district_a"]][0]
    assert "WGS84" in files["README.txt"].decode("utf-8-sig")

    several = build(tiny_snapshot, export.EXPORT_TABLES, "shp", crs="gcj02")
    assert several.skipped == ["tasks"]
    names = set(unzip(several.data))
    for table in GEO_TABLES:
        assert {f"{table}/{table}{e}" for e in (".shp", ".shx", ".dbf", ".prj", ".cpg")} <= names
        assert f"{table}/fields.csv" in names
    zpath.write_bytes(several.data)
    parcels = pyogrio.read_dataframe(f"zip://{zpath}!parcels/parcels.shp")
    assert len(parcels) == 4 and parcels.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    # a substation's load rate, to symbolise by the energy page's bands in QGIS (tester 14)
    stations = pyogrio.read_dataframe(f"zip://{zpath}!substations/substations.shp").set_index("station_id")
    stored = store.read_table(tiny_snapshot, "substations").set_index("station_id")
    rate = (stored["peak_load_mw"] / (stored["capacity_mva"] * 0.9) * 100).round(2)
    assert np.allclose(stations["load_rate_"], rate.reindex(stations.index), equal_nan=True)
    headroom = (stored["capacity_mva"] * 0.9 - stored["peak_load_mw"]).round(2)
    assert np.allclose(stations["headroom_m"], headroom.reindex(stations.index), equal_nan=True)
    assert stations["headroom_m"].notna().sum() == stored["peak_load_mw"].notna().sum()
    supply = power_supply.project_supply(tiny_snapshot, ALL, NONE)
    waiting = power_supply.with_pending(energy.stations(tiny_snapshot, ALL, NONE), supply).set_index("station_id")["pending_mw"]
    assert np.allclose(stations["pending_mw"], waiting.reindex(stations.index), equal_nan=True)
    assert (waiting > 0).any()
    labels = pd.read_csv(io.BytesIO(unzip(several.data)["substations/fields.csv"]), encoding="utf-8-sig")
    assert labels.set_index("column").loc["load_rate_pct", "label_zh"] == "负载率（%）"
    assert "GCJ-02" in unzip(several.data)["README.txt"].decode("utf-8-sig")


def test_shapefile_field_names_are_cut_uniquely():
    names = ["total_investment_yi", "total_investment_x", "total_inve", "名称", "a"]
    fields = export_gis.shapefile_fields(names)
    assert fields == {"total_investment_yi": "total_inve", "total_investment_x": "total_inv1",
                      "total_inve": "total_inv2", "名称": "__", "a": "a"}
    assert export_gis.shapefile_fields(names) == fields
    for table in GEO_TABLES:  # the real schema: no collisions, all ≤ 10
        cut = export_gis.shapefile_fields(schema.column_names(table))
        assert len(set(cut.values())) == len(cut) and max(map(len, cut.values())) <= 10


# --- the demo store ------------------------------------------------------------------------------


def test_demo_store_district_extract(demo_store):
    snap = store.open_current(demo_store)
    liling = Filters(districts=(LILING,))
    ex = export.build(snap, ALL, liling, list(export.EXPORT_TABLES), "xlsx", now=NOW)
    expected = {t: export.count_rows(snap, ALL, liling, t) for t in export.EXPORT_TABLES}
    assert expected["projects"] >= 74 and ex.rows == expected
    wb = openpyxl.load_workbook(io.BytesIO(ex.data), read_only=True)
    for table, n in expected.items():
        assert wb[export.TABLE_LABELS[table][0]].max_row == n + 1
    assert ex.file_name == "数据导出_醴陵市_2023-09-30.xlsx"


@pytest.mark.parametrize("filters", [
    Filters(districts=(LILING,)), Filters(districts=(LILING, HETANG)), Filters(districts=(CHALING, LILING, HETANG)),
    Filters(districts=("430211",)), Filters(districts=(LILING, HETANG), stages=("在建",)), Filters(stages=("在建",)),
], ids=["one district", "two districts", "three districts", "a district without rows", "districts and stage",
        "stage"])
def test_row_counts_under_district_filters_are_the_rows_exported(tiny_snapshot, filters):
    """The count the download panel shows is the number of rows the extract holds, table by
    table, and per district what the unfiltered table holds in those districts."""
    expected = {t: len(export.filtered_table(tiny_snapshot, ALL, filters, t)) for t in export.EXPORT_TABLES}
    assert counts(tiny_snapshot, filters=filters) == expected
    frames = {t: export.filtered_table(tiny_snapshot, ALL, NONE, t) for t in export.EXPORT_TABLES if t != "tasks"}
    by_hand = {t: int(df["adcode" if t == "districts" else "district_adcode"].isin(filters.districts or DISTRICTS).sum())
               for t, df in frames.items()}
    if not filters.stages:
        assert {t: expected[t] for t in by_hand} == by_hand
    if filters.districts == ("430211",):
        assert set(expected.values()) == {0}


def test_the_overviews_extract_holds_its_key_projects(tmp_path):
    """The overview counts the key-project list (省重点/市重点) only; its extract's filters do too,
    within a level filter the user set."""
    from geo import overview

    assert overview.key_project_filters(NONE).levels == schema.KEY_LEVELS
    assert overview.key_project_filters(Filters(levels=("市重点", "县重点"))).levels == ("市重点",)
    tables = make_tiny_tables()
    tables["projects"].loc[0, "level"] = "县重点"
    snap = store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=["t"], store_dir=tmp_path / "lv")
    key = overview.key_project_filters(NONE)
    on_the_list = int(tables["projects"]["level"].isin(schema.KEY_LEVELS).sum())
    assert export.count_rows(snap, ALL, NONE, "projects") == 5 > on_the_list == export.count_rows(snap, ALL, key, "projects")
    shown = overview.project_figures(snap, ALL, NONE)
    assert export.count_rows(snap, ALL, key, "projects") == shown["all"].count


def test_spreadsheet_coordinates_have_seven_decimals_as_the_wkt(tiny_snapshot):
    """GCJ-02 shifts give floats like 113.20855391299999: written to 7 decimals (~1 cm)."""
    text = build(tiny_snapshot, ["substations"], "csv", crs="gcj02").data.decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), dtype=str)
    decimals = [len(v.split(".")[1]) for v in [*frame["经度"], *frame["纬度"]]]
    assert max(decimals) == 7


def test_the_source_of_an_extract_is_its_data_not_the_last_meeting_change(store_dir):
    """After a meeting's change the 说明 read "副秘书长 · meeting: assign task …" and no longer said
    the data was the demo's (tester 13): the source is the demo or import the snapshot descends
    from, with the number of task changes since; a printed brief says demo data too."""
    from dataclasses import replace

    from geo import brief, task_edits, task_notes
    from geo.ingest import publish

    demo = store.write_snapshot(make_tiny_tables(), as_of=AS_OF, published_by="geo.demo", sources=["geo.demo seed=1"],
                                note="calibrated demo", store_dir=store_dir)
    closed, _ = task_edits.close(store_dir, demo, task_id="T001", by="副秘书长")
    moved, _ = task_edits.reschedule(store_dir, closed, task_id="T002", due_on=dt.date(2023, 10, 30), by="副秘书长")

    def source(snap, lang="zh"):
        about = export.build(snap, ALL, NONE, ["projects"], "xlsx", lang=lang, now=NOW).data
        sheet = openpyxl.load_workbook(io.BytesIO(about))["说明" if lang == "zh" else "About"]
        return dict(sheet.iter_rows(min_row=2, values_only=True))["数据来源" if lang == "zh" else "Source"]

    assert source(demo) == "演示数据：按公布数字校准的模拟台账，不是真实台账"
    assert source(moved) == "演示数据：按公布数字校准的模拟台账，不是真实台账；其后会议修改交办事项 2 次"
    assert source(moved, "en").endswith("not the city's ledger; then 2 meeting change(s) to the tasks")
    # a change written before origins were kept is followed back through its parents
    legacy = {k: v for k, v in closed.manifest.items() if k != "origin"}
    assert task_notes.data_origin(replace(closed, manifest=legacy)) == {
        "published_by": "geo.demo", "sources": ["geo.demo seed=1"], "demo": True, "task_changes": 1}
    gone = replace(closed, manifest={**legacy, "parent": "20000101T000000-abcdef"})  # pruned long ago
    assert task_notes.data_origin(gone)["unknown"] and "不详" in export.Job(
        gone, ALL, NONE, "zh", "wgs84", "", NOW, {}).source()
    publish.prune(1, store_dir)  # only the newest kept: the origin travels in its manifest (review)
    assert source(store.open_current(store_dir)) == "演示数据：按公布数字校准的模拟台账，不是真实台账；其后会议修改交办事项 2 次"
    text = subprocess.run(["pdftotext", "-", "-"], input=brief.build_brief(moved, ALL), capture_output=True,
                          check=True).stdout.decode()
    assert "演示数据" in text
    ledger = store.write_snapshot(make_tiny_tables(), as_of=AS_OF, published_by="王五", sources=["台账.xlsx"],
                                  store_dir=store_dir)
    after, _ = task_edits.close(store_dir, ledger, task_id="T001", by="副秘书长")
    assert source(after) == "王五 · 台账.xlsx；其后会议修改交办事项 1 次"
    assert "演示数据" not in subprocess.run(["pdftotext", "-", "-"], input=brief.build_brief(after, ALL),
                                          capture_output=True, check=True).stdout.decode()


def _dbf_numbers(dbf: bytes) -> dict[str, list[str]]:
    """A DBF's numeric fields: name -> (width, decimals) header and each record's text as written."""
    header_len, record_len = int.from_bytes(dbf[8:10], "little"), int.from_bytes(dbf[10:12], "little")
    fields, at = [], 1
    for i in range(32, header_len - 1, 32):
        d = dbf[i:i + 32]
        fields.append((d[:11].split(b"\0")[0].decode(), chr(d[11]), d[16], d[17], at))
        at += d[16]
    records = [dbf[header_len + r * record_len:header_len + (r + 1) * record_len]
               for r in range((len(dbf) - header_len) // record_len)]
    return {name: [(width, decimals)] + [rec[start:start + width].decode().strip() for rec in records]
            for name, kind, width, decimals, start in fields if kind == "N"}


def test_shapefile_numbers_are_written_with_the_decimals_they_have():
    """GDAL wrote floats with 15 decimals: 10.5 as "10.500000000000000", 0.1 + 0.2 as
    "0.300000000000000044" beside it in QGIS's attribute table."""
    values = np.array([10.5, 0.1 + 0.2, np.nan, 124.9, 3.0])
    assert export_gis.fewest_decimals(values) == 1 and export_gis.fewest_decimals(np.array([23.67, 1.0])) == 2
    assert export_gis.fewest_decimals(np.array([1 / 3])) >= 9  # to within 1e-9 of its size
    assert export_gis.fewest_decimals(np.array([np.nan])) == 0


def test_a_shapefile_extract_reads_as_its_values_in_the_dbf(tiny_snapshot, tmp_path):
    ex = build(tiny_snapshot, ["projects", "substations"], "shp")
    files = unzip(ex.data)
    numbers = _dbf_numbers(files["projects/projects.dbf"])
    stored = store.read_table(tiny_snapshot, "projects").sort_values("project_id")
    header, *texts = numbers["total_inve"]
    decimals = header[1]
    assert texts == [f"{v:.{decimals}f}" for v in stored["total_investment_yi"]]
    assert all(len(t.split(".")[-1]) <= 2 for t in texts)  # no 15-decimal noise
    zpath = tmp_path / "x.zip"
    zpath.write_bytes(ex.data)
    back = pyogrio.read_dataframe(f"zip://{zpath}!projects/projects.shp").set_index("project_id")
    assert back["total_inve"].to_dict() == stored.set_index("project_id")["total_investment_yi"].to_dict()
    rates = _dbf_numbers(files["substations/substations.dbf"])["load_rate_"]
    assert rates[0][1] == 2


def test_h3_cells_are_hex_text_in_every_gis_format_but_geoparquet(tiny_snapshot, tmp_path):
    """The GeoPackage alone had int64 cells (tester 18): hex text, as H3 tools and the other files give them."""
    stored = store.read_table(tiny_snapshot, "projects").set_index("project_id")["h3_r7"]
    hexes = {pid: format(int(v), "x") for pid, v in stored.items()}
    path = tmp_path / "x.gpkg"
    path.write_bytes(build(tiny_snapshot, ["projects"], "gpkg").data)
    layer = pyogrio.read_dataframe(path, layer="projects").set_index("project_id")
    assert layer["h3_r7"].to_dict() == hexes
    features = json.loads(build(tiny_snapshot, ["projects"], "geojson").data)["features"]
    assert {f["properties"]["project_id"]: f["properties"]["h3_r7"] for f in features} == hexes
