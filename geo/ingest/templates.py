"""An XLSX template per importable table: Chinese headers with units, required columns marked,
drop-down lists of the allowed values, one example row, and a 说明 sheet explaining each column.

The template's headers are the ones ``geo.ingest.headers`` maps first, so a filled-in template
imports with no mapping to correct (tests/test_ingest_templates.py round-trips it).
"""

from __future__ import annotations

import io

from geo import schema
from geo.boundaries import ADCODES, DISTRICTS
from geo.i18n import unit_label
from geo.ingest.headers import DERIVED, required

# Example values that read like a real ledger row (everything else falls back by type).
_EXAMPLES = {
    # 株洲经开区: a park of 荷塘区, where the example rows lie (株洲高新区 is 天元区's: tester 15)
    "project_id": "XM2023-430202-0001", "name": "株洲示例产业园项目", "park": "株洲经开区", "owner": "株洲示例实业有限公司",
    "task_id": "JB2023-001", "title": "协调解决用电接入", "assigned_unit": "国网株洲供电公司",
    "parcel_id": "DK2023-001", "station_id": "BDZ-001", "plant_id": "DY-001", "area_id": "TQ-0001",
    "commissioned_year": 2020, "voltage_kv": 110, "voltage_pass_rate": 99.2, "imbalance_pct": 12.5,
    "low_voltage_users": 3, "transformer_count": 2, "total_investment_yi": 12.5, "annual_plan_yi": 3.0,
    "completed_yi": 1.2, "area_mu": 120.5, "tax_per_mu_wan": 15.0,
}
# Per table where the values must agree with each other or read as that table's: a closed task has
# its closing date, a project still negotiating has no actual start, a station or plant is named as one.
_TABLE_EXAMPLES = {"tasks": {"assigned_on": "2023-03-01", "due_on": "2023-04-30", "first_due_on": "2023-03-31",
                             "closed_on": "2023-04-20", "status": "已办结"},
                   "projects": {"stage": "投产", "stalled_state": "投产未达产", "planned_start": "2021-03-01",
                                "actual_start": "2021-03-15", "planned_completion": "2023-02-28",
                                "actual_completion": "2023-03-01"},
                   "substations": {"name": "110千伏示例变电站", "capacity_mva": 100.0, "peak_load_mw": 45.0},
                   "plants": {"name": "示例风电场", "capacity_mw": 50.0},
                   # a disposed idle parcel, its dates in order: an in-use parcel with a disposal had
                   # been the example a steward copies (tester 15)
                   "parcels": {"land_use": "工业", "status": "已处置", "idle_class": "闲置", "listed_on": "2021-06-01",
                               "disposal_method": "挂牌出让", "disposed_on": "2023-03-01", "supply_mode": "出让",
                               "supplied_on": "2023-04-01"}}
_POINT = (113.1520, 27.8450)  # in 荷塘区
# ~120 亩, as the example's 面积 (a 0.005° square, ~411 亩, had contradicted it: tester 15)
_PARCEL_WKT = "POLYGON ((113.15 27.84, 113.15287 27.84, 113.15287 27.84255, 113.15 27.84255, 113.15 27.84))"


def template_columns(table: str, lang: str = "zh") -> list[tuple[str, str, bool, str, object]]:
    """(header, unit, required, allowed values, example) per template column, in order. In English
    the headers, units and allowed values are the app's English ones, which the import reads back
    (the English template had been Chinese throughout: tester 16); the example's text stays."""
    en = lang != "zh"
    need = set(required(table))
    out = []
    for col in schema.columns(table):
        if col.name in DERIVED:
            continue
        if col.name == "district_adcode":
            out.append(("District code", "", False, "、".join(ADCODES), "430202") if en else
                       ("所属区县", "", False, "、".join(zh for zh, _ in DISTRICTS.values()), "荷塘区"))
            continue
        example = _TABLE_EXAMPLES.get(table, {}).get(col.name, _EXAMPLES.get(col.name))
        if example is None:
            example = (col.enum[0] if col.enum else {"float": 1.0, "int": 1, "date": "2023-03-01"}.get(col.dtype, "示例"))
        allowed = "、".join(str(schema.enum_label(v, lang) if isinstance(v, str) else v) for v in col.enum)
        if en and col.enum and isinstance(example, str):
            example = schema.enum_label(example, lang)
        out.append((col.label(lang), unit_label(col.unit, lang), col.name in need, allowed, example))
    if table == "parcels":
        out.append(("Geometry (WKT)" if en else "地块范围（WKT）", "WGS84", True, "POLYGON / MULTIPOLYGON", _PARCEL_WKT))
    elif table in schema.GEO_TABLES:
        degrees = "degrees" if en else "度"
        out.append(("Longitude" if en else "经度", degrees, True, "", _POINT[0]))
        out.append(("Latitude" if en else "纬度", degrees, True, "", _POINT[1]))
    return out


def template_xlsx(table: str, lang: str = "zh") -> bytes:
    import xlsxwriter

    cols = template_columns(table, lang)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    head = wb.add_format({"bold": True, "bg_color": "#EFEFEF", "border": 1, "text_wrap": True})
    head_req = wb.add_format({"bold": True, "bg_color": "#FDE2E2", "font_color": "#9C0006", "border": 1, "text_wrap": True})
    sheet = wb.add_worksheet("数据" if lang == "zh" else "Data")
    for j, (header, _, req, allowed, example) in enumerate(cols):
        sheet.write_string(0, j, header, head_req if req else head)
        sheet.set_column(j, j, max(12, min(40, len(header) * 2 + 2)))
        if isinstance(example, (int, float)):
            sheet.write_number(1, j, example)
        else:
            sheet.write_string(1, j, str(example))
        if allowed and len(allowed) < 250 and "、" in allowed:
            sheet.data_validation(1, j, 100_000, j, {"validate": "list", "source": allowed.split("、"),
                                                      "error_type": "warning"})
    sheet.freeze_panes(1, 0)
    about = wb.add_worksheet("说明" if lang == "zh" else "About")
    titles = ("列名", "单位", "必填", "允许的值", "示例") if lang == "zh" else ("Column", "Unit", "Required", "Allowed values", "Example")
    for j, title in enumerate(titles):
        about.write_string(0, j, title, head)
    about.set_column(0, 0, 22)
    about.set_column(3, 3, 60)
    about.set_column(4, 4, 40)
    for i, (header, unit, req, allowed, example) in enumerate(cols, start=1):
        about.write_string(i, 0, header)
        about.write_string(i, 1, unit)
        about.write_string(i, 2, ("是" if lang == "zh" else "yes") if req else "")
        about.write_string(i, 3, allowed if lang == "zh" else allowed.replace("、", ", "))
        about.write_string(i, 4, str(example))
    # The units note of the table's own columns: the projects' money note had stood in every
    # template, a substation ledger's too (tester 16).
    units = {"projects": ("金额单位亿元（也可写“总投资（万元）”或“12.5万”，导入时自动换算）",
                          "Money in 亿元 (万元 headers or values like 12.5万 are converted)"),
             "parcels": ("面积单位亩（平方米、公顷表头自动换算）", "Area in mu (m² or hectare headers are converted)"),
             "substations": ("变电容量 MVA，最高负荷 MW（各站同时刻负荷）", "Capacity in MVA, peak load in MW (coincident)"),
             "plants": ("装机容量 MW", "Capacity in MW")}.get(table, ("单位见表头", "Units are in the headers"))
    notes = (["第二行是示例，导入前请删除或替换。红色表头为必填列。",
              f"{units[0]}；日期写 2023-03-05 或 2023年3月5日。",
              "坐标默认 WGS84；高德/腾讯坐标（GCJ-02）或百度坐标（BD-09）请在导入时选择对应坐标系。"]
             if lang == "zh" else
             ["Row 2 is an example: delete or replace it. Red headers are required.",
              f"{units[1]}; dates 2023-03-05 or 2023年3月5日.",
              "Coordinates are WGS84 by default; choose GCJ-02 (AMap/Tencent) or BD-09 (Baidu) when importing."])
    for k, note in enumerate(notes):
        about.write_string(len(cols) + 2 + k, 0, note)
    wb.close()
    return buf.getvalue()
