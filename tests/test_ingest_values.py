"""geo.ingest.values and headers: cell values and header spellings, table-driven."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geo import schema
from geo.ingest import headers, values

D = dt.date


@pytest.mark.parametrize("cell,col,expected", [
    ("12.5", "total_investment_yi", 12.5),
    ("1,234", "total_investment_yi", 1234.0),
    ("１２.５", "total_investment_yi", 12.5),  # full-width digits
    ("12.5亿元", "total_investment_yi", 12.5),
    ("12.5亿", "total_investment_yi", 12.5),
    ("12.5万", "total_investment_yi", 0.00125),  # 12.5万 元
    ("3000万元", "total_investment_yi", 0.3),
    ("5千万元", "total_investment_yi", 0.5),
    (" 7 ", "total_investment_yi", 7.0),
    (8, "total_investment_yi", 8.0),
    ("1.2万", "area_mu", 12000.0),
    ("10公顷", "area_mu", 150.0),
    ("20kW", "power_demand_mw", 0.02),
    ("98.5%", "voltage_pass_rate", 98.5),
    ("220kV", "voltage_kv", 220),
    ("110千伏", "voltage_kv", 110),
])
def test_numbers_normalised(cell, col, expected):
    table = "substations" if col == "voltage_kv" else "transformer_areas" if col == "voltage_pass_rate" else (
        "parcels" if col == "area_mu" else "projects")
    res = values.column(pd.Series([cell], dtype=object), table, col)
    assert not res.reasons
    assert res.values.iloc[0] == pytest.approx(expected)


@pytest.mark.parametrize("cell,col,key", [
    ("abc", "total_investment_yi", "v_not_number"),
    ("1,5", "total_investment_yi", "v_comma"),
    ("12美元", "total_investment_yi", "v_unit"),
    ("-3", "total_investment_yi", "v_negative"),
    ("=A1*2", "total_investment_yi", "v_formula"),
    ("150%", "voltage_pass_rate", "v_too_large"),
    ("2.5", "low_voltage_users", "v_not_whole"),
    ("330kV", "voltage_kv", "v_enum"),
    (True, "total_investment_yi", "v_not_number"),
])
def test_numbers_rejected_with_reason(cell, col, key):
    table = {"voltage_pass_rate": "transformer_areas", "low_voltage_users": "transformer_areas",
             "voltage_kv": "substations"}.get(col, "projects")
    res = values.column(pd.Series([cell], dtype=object), table, col)
    assert res.reasons[0][0] == key
    assert pd.isna(res.values.iloc[0])


def test_header_unit_factor_applies_only_to_cells_without_their_own_unit():
    res = values.column(pd.Series(["105,000", 20000, "1.5亿"], dtype=object), "projects", "total_investment_yi",
                        factor=1e-4)
    assert list(res.values) == pytest.approx([10.5, 2.0, 1.5])
    assert res.changed.all()


def test_plain_numbers_are_not_counted_as_changed():
    res = values.column(pd.Series([1.5, "2.25", None], dtype=object), "projects", "total_investment_yi")
    assert list(res.changed) == [False, False, False]
    assert pd.isna(res.values.iloc[2]) and not res.reasons  # missing stays missing, visibly (not a rejection)


@pytest.mark.parametrize("cell,expected,changed", [
    ("2023-03-05", D(2023, 3, 5), False),
    ("2023年3月5日", D(2023, 3, 5), True),
    ("2023/3/5", D(2023, 3, 5), True),
    ("2023.03.05", D(2023, 3, 5), True),
    ("20230305", D(2023, 3, 5), True),
    (20230305, D(2023, 3, 5), True),
    (44990, D(2023, 3, 5), True),  # Excel serial
    ("44990", D(2023, 3, 5), True),
    (dt.datetime(2023, 3, 5), D(2023, 3, 5), False),
    ("2023-03-05 00:00:00", D(2023, 3, 5), True),
    ("２０２３年３月５日", D(2023, 3, 5), True),
])
def test_dates(cell, expected, changed):
    res = values.column(pd.Series([cell], dtype=object), "projects", "planned_start")
    assert not res.reasons and res.values.iloc[0] == expected and bool(res.changed[0]) is changed


@pytest.mark.parametrize("cell,example", [("2023.5", "2023-05-01"), ("2023年5月", "2023-05-01"), ("2023-05", "2023-05-01"),
                                          ("2023/11", "2023-11-01"), (" 2023 年 5 月", "2023-05-01"), (2023.5, "2023-05-01"),
                                          (2023.12, "2023-12-01")])
def test_a_month_is_rejected_with_the_full_date_to_write(cell, example):
    """A month-only start (月报 ledgers) rejected its project with "日期缺少“日”" and no way out (tester 12)."""
    res = values.column(pd.Series([cell], dtype=object), "projects", "actual_start")
    key, params = res.reasons[0]
    assert key == "v_no_day" and params == {"example": example} and res.values.iloc[0] is None
    from geo.i18n import t
    assert t("ingest_v_no_day", "zh", **params).endswith(f"请写成完整日期，如 {example}；不知道具体日期可留空")
    assert f"write the full date, e.g. {example}, or leave the cell empty" in t("ingest_v_no_day", "en", **params)


@pytest.mark.parametrize("cell", ["2023", "2023年", 2023, 2023.0])
def test_a_year_alone_is_rejected_as_a_year_not_as_a_1905_serial(cell):
    res = values.column(pd.Series([cell], dtype=object), "projects", "actual_start")
    assert res.reasons[0] == ("v_year_only", {"example": "2023-03-05"})


@pytest.mark.parametrize("cell,key", [("2023-02-30", "v_bad_date"), ("2023年3月", "v_no_day"), ("明年", "v_not_date"),
                                      ("2023.13", "v_not_date"), (2023.123, "v_not_date"),
                                      ("1900-01-01", "v_date_range"), ("=TODAY()", "v_formula")])
def test_bad_dates(cell, key):
    res = values.column(pd.Series([cell], dtype=object), "projects", "planned_start")
    assert res.reasons[0][0] == key and res.values.iloc[0] is None


@pytest.mark.parametrize("cell", ["醴陵", "醴陵市", "430281", 430281, 430281.0, "株洲市醴陵市", "湖南省株洲市醴陵市",
                                  "Liling", "Liling City", "醴陵市 ", "430281100", 430281100000, "4302811002030000000"])
def test_districts(cell):  # the long codes: a township's, a village's (三调 XZQDM, ZLDWDM)
    res = values.column(pd.Series([cell], dtype=object), "projects", "district_adcode")
    assert res.values.iloc[0] == "430281" and not res.reasons


def test_unknown_district_is_rejected_not_nulled():
    res = values.column(pd.Series(["长沙县", "攸县", "430121100"], dtype=object), "projects", "district_adcode")
    assert res.reasons[0][0] == "v_district" and res.values.iloc[1] == "430223" and res.reasons[2][0] == "v_district"


@pytest.mark.parametrize("cell,expected", [("0601", "工业"), ("0508", "仓储"), ("0604", "仓储"), ("05h1", "商业"),
                                           ("0701", "住宅"), ("08H2", "公共设施"), ("1004", "交通"), ("工业用地", "工业"),
                                           ("公共管理与公共服务用地", "公共设施")])
def test_land_use_codes_and_names_of_the_land_survey(cell, expected):
    res = values.column(pd.Series([cell, "0602"], dtype=object), "parcels", "land_use")  # 0602 采矿: none of ours
    assert res.values.iloc[0] == expected and list(res.reasons) == [1]


@pytest.mark.parametrize("col,cell,expected", [
    ("stage", "在建", "在建"), ("stage", "施工中", "在建"), ("stage", "已竣工", "竣工"), ("stage", "Under construction", "在建"),
    ("stage", "谋划", "谋划在谈"), ("level", "省级重点", "省重点"), ("level", "市重点项目", "市重点"),
    ("category", "基础设施类", "基础设施"), ("stalled_state", "签约未开工", "签约未开工"), ("stage", " 在建 ", "在建"),
])
def test_enums(col, cell, expected):
    res = values.column(pd.Series([cell], dtype=object), "projects", col)
    assert res.values.iloc[0] == expected and not res.reasons


def test_unknown_enum_is_rejected_with_the_allowed_values():
    """In English with the stored term beside (the English page had listed 在运, 在建, 规划: tester 16)."""
    from geo.ingest.report import _joined

    res = values.column(pd.Series(["暂停"], dtype=object), "projects", "stage")
    key, params = res.reasons[0]
    assert key == "v_enum" and [zh for zh, _ in params["allowed"]] == list(schema.STAGES)
    assert _joined(params, "zh")["allowed"] == "、".join(schema.STAGES)
    assert _joined(params, "en")["allowed"].startswith("Planning/negotiating (谋划在谈), Signed (已签约)")


def test_text_keeps_formulas_and_html_as_text_and_ids_from_numbers():
    s = pd.Series(["=HYPERLINK(\"http://x\")", "<script>alert(1)</script>", 1001.0, "  名称  "], dtype=object)
    res = values.column(s, "projects", "name")
    assert list(res.values) == ["=HYPERLINK(\"http://x\")", "<script>alert(1)</script>", "1001", "名称"]
    assert list(res.changed) == [False, False, True, True]


def test_a_text_over_the_limit_is_a_rejected_row_with_its_length():
    """A 100,000-character name was taken whole (and filled the meeting form's project list)."""
    s = pd.Series(["名" * values.TEXT_MAX, "名" * 100_000], dtype=object)
    res = values.column(s, "projects", "name")
    assert res.values.iloc[0] == "名" * values.TEXT_MAX and 0 not in res.reasons
    assert res.reasons[1] == ("v_too_long", {"n": "100,000", "max": values.TEXT_MAX})


# --- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("header,target,factor", [
    ("项目名称", "name", 1.0), ("总投资（亿元）", "total_investment_yi", 1.0), ("总投资(亿元)", "total_investment_yi", 1.0),
    ("总投资（万元）", "total_investment_yi", 1e-4), ("总投资(万元)", "total_investment_yi", 1e-4),
    ("计划总投资", "total_investment_yi", 1.0), ("经度", "lon", 1.0), ("纬度", "lat", 1.0), ("X", "x", 1.0),
    ("Y坐标", "y", 1.0), ("所属区县", "district_adcode", 1.0), ("县市区", "district_adcode", 1.0),
    ("Project", "name", 1.0), ("project_id", "project_id", 1.0), ("* 项目编号", "project_id", 1.0),
    ("项目阶段", "stage", 1.0), ("用电需求（kW）", "power_demand_mw", 1e-3), ("总投资（美元）", None, 1.0),
    ("备注", None, 1.0),
])
def test_header_variants(header, target, factor):
    got, f, _ = headers.match(header, "projects")
    assert got == target and f == pytest.approx(factor)


def test_parcel_area_in_square_metres():
    assert headers.match("面积（平方米）", "parcels")[:2] == ("area_mu", pytest.approx(1 / schema.MU_M2))
    assert headers.match("面积（公顷）", "parcels")[:2] == ("area_mu", 15.0)


def test_two_row_header_with_merged_group_and_title():
    grid = pd.DataFrame([
        ["2023年重点项目台账", None, None, None, None, None],
        ["项目编号", "项目名称", "投资（万元）", None, "坐标", None],
        [None, None, "总投资", "年度计划", "经度", "纬度"],
        ["P1", "甲", 1000, 200, 113.1, 27.8],
    ], dtype=object)
    merged = [(0, 0, 0, 5), (1, 0, 2, 0), (1, 1, 2, 1), (1, 2, 1, 3), (1, 4, 1, 5)]
    frame, rows, notes = headers.split_header(grid, merged, "projects")
    assert list(frame.columns) == ["项目编号", "项目名称", "总投资（万元）", "年度计划（万元）", "经度", "纬度"]
    assert list(rows) == [4]
    mapping = headers.suggest(list(frame.columns), "projects")
    assert list(mapping["target"]) == ["project_id", "name", "total_investment_yi", "annual_plan_yi", "lon", "lat"]
    assert list(mapping["factor"]) == [1, 1, 1e-4, 1e-4, 1, 1]
    assert notes[0] == ("ingest_n_header_row", {"row": 2, "rows": 2, "skipped": 1})
    _, _, notes = headers.split_header(grid.iloc[1:].reset_index(drop=True),
                                       [(r0 - 1, c0, r1 - 1, c1) for r0, c0, r1, c1 in merged[1:]], "projects")
    assert notes[0] == ("ingest_n_two_header_rows", {})  # no title row above: none said to be skipped


def test_no_header_found():
    grid = pd.DataFrame([["a", "b"], [1, 2]], dtype=object)
    from geo.ingest.errors import IngestError

    with pytest.raises(IngestError) as err:
        headers.split_header(grid, [], "projects")
    assert err.value.key == "no_header" and "项目名称" in err.value.text("zh")


def test_duplicated_columns_stop_the_file_until_one_is_dropped():
    from geo.ingest.errors import IngestError

    frame = pd.DataFrame([["P1", "甲", "乙", 113.1, 27.8]], columns=["项目编号", "项目名称", "项目名称（2）", "经度", "纬度"])
    mapping = headers.suggest(list(frame.columns), "projects")
    assert list(mapping["target"][:3]) == ["project_id", "name", "name"]
    with pytest.raises(IngestError) as err:
        headers.apply(frame, mapping, "projects", has_geometry=False)
    assert err.value.key == "duplicate_column" and "项目名称（2）" in err.value.text("zh")
    mapping.loc[2, "target"] = ""
    with pytest.raises(IngestError) as err:  # now the required columns are what is missing
        headers.apply(frame, mapping, "projects", has_geometry=False)
    assert err.value.key == "missing_columns" and "项目类别 (category)" in err.value.text("zh")
    english = err.value.text("en")  # the English page names the English header, commas between
    assert "Category (category)" in english and "项目" not in english and "、" not in english


def test_missing_coordinates_are_named():
    from geo.ingest.errors import IngestError

    cols = ["项目编号", "项目名称", "项目类别", "项目级别", "项目阶段", "总投资", "年度计划投资", "年度已完成投资"]
    frame = pd.DataFrame([["P1"] * len(cols)], columns=cols)
    with pytest.raises(IngestError) as err:
        headers.apply(frame, headers.suggest(cols, "projects"), "projects", has_geometry=False)
    assert "经度/纬度 (lon/lat)" in err.value.text("zh") and "Longitude/latitude (lon/lat)" in err.value.text("en")
    out, sources, _ = headers.apply(frame, headers.suggest(cols, "projects"), "projects", has_geometry=True)
    assert list(out.columns)[0] == "project_id" and sources["name"] == "项目名称"


def test_rows_of_the_frame_keep_their_file_numbers():
    grid = pd.DataFrame([["项目编号", "项目名称"], ["P1", "a"], [None, None], ["P2", "b"], ["合计", None]], dtype=object)
    frame, rows, notes = headers.split_header(grid, [], "projects")
    assert list(rows) == [2, 4] and list(frame["项目编号"]) == ["P1", "P2"]
    assert ("ingest_n_totals", {"rows": "5"}) in notes
    assert np.all(frame.columns == ["项目编号", "项目名称"])


def test_every_reason_and_note_has_zh_and_en_text():
    import re
    from pathlib import Path

    from geo.i18n import TEXT

    src = "\n".join(p.read_text(encoding="utf-8") for p in (Path(__file__).resolve().parents[1] / "geo" / "ingest").glob("*.py"))
    src += (Path(__file__).resolve().parents[1] / "pages" / "data.py").read_text(encoding="utf-8")
    keys = {f"ingest_r_{k}" for k in re.findall(r'IngestError\("(\w+)"', src)}
    keys |= {f"ingest_{k}" for k in re.findall(r'"(v_\w+)"', src)}
    keys |= set(re.findall(r'"(ingest_[nw]_\w+)"', src)) | set(re.findall(r'\bt\("(data_\w+)"', src))
    missing = sorted(k for k in keys if k not in TEXT)
    assert not missing and len(keys) > 80
    assert all(zh and en for zh, en in (TEXT[k] for k in keys))


@pytest.mark.parametrize("cell", ["2023年", "2023 年", "２０２３年", 2023, "2023"])
def test_a_year_written_with_nian_is_the_year(cell):
    """投运年份 "2023年" was rejected as "单位“年”无法换算为 —" (tester 12)."""
    res = values.column(pd.Series([cell], dtype=object), "substations", "commissioned_year")
    assert not res.reasons and res.values.iloc[0] == 2023
    assert bool(res.changed[0]) is (isinstance(cell, str) and "年" in cell)


def test_a_word_after_a_plain_number_is_named_not_called_a_unit_to_a_dash():
    res = values.column(pd.Series(["2023年度"], dtype=object), "substations", "commissioned_year")
    assert res.reasons[0] == ("v_unit_none", {"unit": "年度"})
    from geo.i18n import t
    assert t("ingest_v_unit_none", "zh", unit="年度") == "数字后多了“年度”：本列只填数字" and "—" not in t(
        "ingest_v_unit_none", "en", unit="年度")


@pytest.mark.parametrize("cell,total", [("2×50", 100.0), ("2*50", 100.0), ("2x50", 100.0), ("2X50", 100.0),
                                        ("２×５０", 100.0), ("2＊50", 100.0), ("3 × 63", 189.0), ("3×63MVA", 189.0),
                                        ("2×40000kVA", 80.0)])
def test_transformer_capacity_written_as_count_times_size_is_the_product_with_a_warning(cell, total):
    """主变容量 "2×50" was rejected as "单位“×50”无法换算为 MVA": 台数×单台容量 is how ledgers write it."""
    res = values.column(pd.Series([cell, 63.0], dtype=object), "substations", "capacity_mva")
    assert not res.reasons and res.values.tolist() == [total, 63.0]
    key, params = res.warnings[0]
    assert key == "v_product" and params["total"] == f"{total:g} MVA" and 1 not in res.warnings


def test_plant_capacity_as_count_times_size_in_wan_kw():
    res = values.column(pd.Series(["2×100万千瓦", "6×300"], dtype=object), "plants", "capacity_mw")
    assert res.values.tolist() == [2000.0, 1800.0] and res.warnings[1][1]["total"] == "1,800 MW"


def test_a_product_is_read_only_in_capacity_columns_and_a_bad_size_is_rejected():
    assert values.column(pd.Series(["2×50"], dtype=object), "projects", "total_investment_yi").reasons[0][0] == "v_unit"
    assert values.column(pd.Series(["2×abc"], dtype=object), "substations", "capacity_mva").reasons[0][0] == "v_not_number"
