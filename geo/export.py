"""Filtered extracts (数据导出) that open cleanly in Excel, WPS and QGIS.

Why a module of its own: an extract must show exactly the rows the user sees (same ``Filters``,
same ``Scope``, read through ``geo.query``, the only door to the store), and each target program
has its own traps — Excel runs text starting with ``=`` as a formula and reads UTF-8 only with a
BOM, shapefiles allow 10-character field names, GCJ-02 has no EPSG code. Each format has one
writer that deals with its traps (the spreadsheet ones in ``geo.export_sheets``, the GIS ones in
``geo.export_gis``); this module selects the rows, says what the extract holds (its filters, per
table), and ``build`` picks the writer and names the file.

Spreadsheet formats (CSV, XLSX) are for people: Chinese (or English) headers with units, lon/lat
columns for points and WKT for polygons, enum values in the chosen language, formula-like text
guarded in CSV (XLSX cells are typed text, which Excel never runs). GIS formats (GeoJSON, GeoPackage, GeoParquet, Shapefile) keep the schema's column names
and stored values so they can be re-read by code (enumerated values in the extract's language, as an
import reads them back); ``tasks`` has no geometry and is skipped there
(except in GeoPackage, which holds it as a plain attribute table). Tables are loaded one at a
time and written straight into the output, so a big extract holds one table in memory at once.
H3 cells are written as their standard hex text where a reader would round a 64-bit integer
(Excel, JavaScript, DBF readers); GeoPackage and GeoParquet keep the integer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import geopandas as gpd
import pandas as pd

from geo import i18n, power_supply, schema, task_notes
from geo.boundaries import DISTRICTS, short_district_name
from geo.crs import transform_geometry, wgs84_to_gcj02
from geo.export_gis import write_geojson, write_gpkg, write_parquet, write_shp
from geo.export_sheets import XLSX_CELL_CHARS, write_csv, write_xlsx
from geo.filters import Filters
from geo.i18n import BEIJING, list_separator
from geo.query import Scope, order_by_clause, query, query_gdf
from geo.store import Snapshot
from geo.task_rates import DAYS_OVERDUE_SQL, TASK_STATE_SQL, task_state_params

# The district boundaries too: an analyst rebuilding a choropleth in QGIS had no outlines (tester 9).
EXPORT_TABLES = ("projects", "tasks", "parcels", "substations", "plants", "transformer_areas", "districts")
FORMATS = ("csv", "xlsx", "geojson", "gpkg", "parquet", "shp")
CRS_CHOICES = ("wgs84", "gcj02")
TABLE_LABELS = {"projects": ("项目", "Projects"), "tasks": ("交办事项", "Tasks"),
                "parcels": ("地块", "Parcels"), "substations": ("变电站", "Substations"),
                "plants": ("电源", "Plants"), "transformer_areas": ("公变台区", "Transformer areas"),
                "districts": ("区县边界", "District boundaries")}
GEO_FORMATS = ("geojson", "gpkg", "parquet", "shp")
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row
XLSX_ROWS_PER_S = 10_000  # measured: 1,001,831 parcels in 102 s (README "Performance")
SLOW_XLSX_ROWS = 100_000  # beyond this the page warns and suggests CSV or GeoParquet
_MIME = {"csv": "text/csv", "zip": "application/zip", "geojson": "application/geo+json",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "gpkg": "application/geopackage+sqlite3", "parquet": "application/vnd.apache.parquet"}
_T = {"filters": ("筛选条件", "Filters"), "all": ("全部", "none"), "scope": ("数据权限", "Access scope"),
      "city": ("全市", "whole city"), "snapshot": ("数据快照", "Snapshot"),
      "as_of": ("数据截至", "Data as of"), "time": ("导出时间", "Exported at"), "user": ("导出人", "Exported by"),
      "rows": ("行数", "Rows"), "crs": ("坐标系", "Coordinates"), "formula": ("公式防护", "Formula guard"),
      "lon": ("经度", "Longitude"), "lat": ("纬度", "Latitude"), "wkt": ("几何（WKT）", "Geometry (WKT)"),
      "about": ("说明", "About"), "item": ("条目", "Item"), "value": ("内容", "Value"),
      "district": ("区县", "District"), "filtered": ("已筛选", "filtered"),
      "unused": ("未用于本文件的筛选", "Filters not applied to this file"),
      "unused_why": ("（所导出的表没有这些字段）", " (the exported tables do not have these fields)"),
      "source": ("数据来源", "Source"), "load_rate": ("负载率", "Load rate"),
      "load_rate_col": ("负载率（%）", "Load rate (%)"), "headroom_col": ("负荷裕度（MW）", "Headroom (MW)"),
      "pending_col": ("待接入负荷（MW）", "Pending load (MW)"),
      "task_state": ("办理情况", "State"), "days_overdue": ("逾期天数", "Days overdue"),
      "too_long": ("（内容过长，超出 Excel 单元格上限，见说明）", "(too long for an Excel cell: see About)"),
      "too_long_head": ("超长单元格", "Cells too long")}
_CRS_TEXT = {
    "wgs84": ("WGS84（EPSG:4326），经纬度（度）。", "WGS84 (EPSG:4326), longitude/latitude in degrees."),
    "gcj02": ("GCJ-02（国测局坐标，高德/腾讯地图使用）：坐标已由 WGS84 转换，可直接粘贴到高德地图。GCJ-02 没有 EPSG "
              "代码，文件中的坐标系标记仍为 EPSG:4326，请勿在 GIS 软件中再做投影转换。H3 网格按 WGS84 位置计算，"
              "此文件不含该列。",
              "GCJ-02 (AMap/Tencent): coordinates were converted from WGS84 for pasting into AMap. GCJ-02 "
              "has no EPSG code, so the file's CRS tag still says EPSG:4326; do not reproject it in a GIS. "
              "H3 cells are of the WGS84 positions: this file leaves them out."),
}


_ZIP_TAGS = {"csv": "CSV", "geojson": "GeoJSON", "parquet": "GeoParquet", "shp": "Shapefile"}
# Characters Windows refuses in a file name, as their full-width forms ("负载率>80%" kept its ">");
# spaces and control characters (a search from a URL) are dropped.
_IN_NAMES = str.maketrans({**{c: chr(ord(c) + 0xFEE0) for c in '\\/:*?"<>|'},
                           **{chr(i): None for i in range(32)}, " ": None, "\x7f": None})
NAME_TAG_MAX = 16  # characters of the filters in a file name; longer: 已筛选
# The English (ASCII) name says the filters in ASCII or "filtered": signs as words, spaces as "-";
# a part with other characters (亿元, a Chinese park) makes it "filtered". It had said districts by
# code and every filter as "filtered" where the Chinese name read 攸县+醴陵市_闲置 (tester 11).
_IN_ASCII_NAMES = str.maketrans({">": "gt", "<": "lt", "≥": "min", "≤": "max", " ": "-", "–": "-",
                                 **{c: None for c in '\\/:*?"|“”'}})
ASCII_TAG_MAX = 24


def _ascii_tag(parts: list[str]) -> str:
    tag = "+".join(parts).translate(_IN_ASCII_NAMES)
    return tag if tag.isascii() and tag.isprintable() and len(tag) <= ASCII_TAG_MAX else _T["filtered"][1]


def applied_filters(filters: Filters, table: str) -> Filters:
    """The part of ``filters`` that narrows ``table``'s rows in an extract: a substation file
    under a project-stage filter is filtered by district only, and must not say 在建 (exploratory
    tester 9: 34 substations of 醴陵 under "筛选条件: 醴陵市 · 在建", where 1 is 在建). Tasks are
    narrowed by the project filters too (``_select``)."""
    return filters.only_for("tasks", "projects") if table == "tasks" else filters.only_for(table)


def _fields_set(filters: Filters) -> set[str]:
    defaults = {name: f.default for name, f in Filters.__dataclass_fields__.items()}
    return {name for name in defaults if getattr(filters, name) != defaults[name]}


def unused_filters(filters: Filters, tables: list[str]) -> Filters:
    """The filters that narrow none of ``tables`` (a land status carried into an investment
    extract by the URL)."""
    used = set().union(*(_fields_set(applied_filters(filters, t)) for t in tables))
    unused = _fields_set(filters) - used - {"year_by"}
    keep = unused | ({"year_by"} if "year" in unused else set())
    return Filters(**{name: getattr(filters, name) for name in keep})


class NothingToExport(ValueError):
    """Every chosen table has no row under the filters and scope (nothing would be written)."""

    def __init__(self, tables: list[str], skipped: list[str] = ()):
        names = ", ".join(f"{TABLE_LABELS[t][0]} ({t})" for t in tables)
        extra = f"; {', '.join(skipped)} has no geometry for this format" if skipped else ""
        super().__init__(f"nothing to export: no rows match the filters in {names or 'no table'}{extra}")
        self.tables = list(tables)


@dataclass
class Extract:
    data: bytes
    file_name: str  # in the UI language, e.g. 项目_醴陵市_2023-09-30.xlsx
    ascii_name: str  # for HTTP headers and old unzip tools, e.g. projects_430281_2023-09-30.xlsx
    mime: str
    rows: dict[str, int]  # rows written per table
    skipped: list[str] = field(default_factory=list)  # chosen tables the format cannot hold
    formula_cells: int = 0  # text cells prefixed with ' (CSV)


def _select(table: str, filters: Filters, what: str) -> tuple[str, dict]:
    """The filtered rows of ``table``. Tasks are the tasks of the filtered projects: the project
    filters (stage, park, search …) reach them through their project."""
    cond, params = filters.where(table)
    if table == "tasks":
        projects, project_params = filters.where("projects", prefix="p_")
        if projects != "TRUE":
            cond = f"{cond} AND project_id IN (SELECT project_id FROM {{projects}} p WHERE {projects})"
            params = {**params, **project_params}
    return f"SELECT {what} FROM {{{table}}} t WHERE {cond}", params


# Beside a task's stored fields, what the meeting page shows of it: its project's name, its state
# against the snapshot's as-of date (task_rates' one definition) and the days it is overdue. An
# overdue list can then be sent as it is (tester 14). Beside a substation's, the load waiting on
# it (``power_supply.with_pending``), which the file's own columns cannot give (tester 18). An
# import of the file leaves them aside.
EXTRA_COLUMNS = {"tasks": ("project_name", "task_state", "days_overdue"), "substations": ("pending_mw",)}
TASK_EXTRAS_SQL = (f"t.*, (SELECT name FROM {{projects}} p WHERE p.project_id = t.project_id) AS project_name, "
                   f"{TASK_STATE_SQL} AS task_state, "
                   f"{DAYS_OVERDUE_SQL.format(state=f'({TASK_STATE_SQL})', due='t.due_on')} AS days_overdue")


def count_rows(snapshot: Snapshot, scope: Scope, filters: Filters, table: str) -> int:
    sql, params = _select(table, filters, "count(*) AS n")
    return int(query(snapshot, sql, params, scope=scope, max_rows=1).df["n"].iloc[0])


def filtered_table(snapshot: Snapshot, scope: Scope, filters: Filters, table: str, *,
                   crs: str = "wgs84") -> pd.DataFrame | gpd.GeoDataFrame:
    """Every schema column of ``table`` for the rows the user sees, ordered by primary key, then
    the table's ``EXTRA_COLUMNS`` (not schema columns: drop them before validating the frame).

    Geo tables come back as a GeoDataFrame tagged EPSG:4326 — also for ``crs="gcj02"``, whose
    coordinates are shifted to GCJ-02 but which has no EPSG code of its own (and no h3_r7).
    """
    if table not in EXPORT_TABLES or crs not in CRS_CHOICES:
        raise ValueError(f"table must be one of {EXPORT_TABLES} and crs one of {CRS_CHOICES}")
    n = count_rows(snapshot, scope, filters, table)
    what, extra = ("*", {}) if table != "tasks" else (TASK_EXTRAS_SQL, task_state_params(snapshot.as_of))
    sql, params = _select(table, filters, what)
    sql += " " + order_by_clause(table, schema.PRIMARY_KEYS[table])
    run = query_gdf if table in schema.GEO_TABLES else query
    df = run(snapshot, sql, {**params, **extra}, scope=scope, max_rows=n, timeout_s=600).df
    if table == "substations":
        df = power_supply.with_pending(df, power_supply.project_supply(snapshot, scope, Filters()))
    df = df[schema.column_names(table) + list(EXTRA_COLUMNS.get(table, ()))]
    if crs == "gcj02" and table in schema.GEO_TABLES:
        df = df.set_geometry(transform_geometry(df.geometry.to_numpy(), wgs84_to_gcj02), crs=schema.STORAGE_CRS)
        # an H3 cell is of the WGS84 position: beside shifted coordinates it would disagree
        df = df.drop(columns=["h3_r7"], errors="ignore")
    return df


@dataclass
class Job:
    snapshot: Snapshot
    scope: Scope
    filters: Filters
    lang: str
    crs: str
    user: str
    now: dt.datetime
    rows: dict[str, int]

    def t(self, key: str) -> str:
        return _T[key][self.lang != "zh"]

    def label(self, table: str) -> str:
        """A table's name in the extract's language (a sheet, a CSV file)."""
        return TABLE_LABELS[table][self.lang != "zh"]

    def frames(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """One table at a time, so only one is ever in memory."""
        for table in self.rows:
            yield table, filtered_table(self.snapshot, self.scope, self.filters, table, crs=self.crs)

    def filter_lines(self) -> list[tuple[str, str]]:
        """The filters each table was narrowed by: one line when they are the same for every
        table, else one per table; then those that narrowed none."""
        en = self.lang != "zh"
        texts = {t: applied_filters(self.filters, t).describe(self.lang) or self.t("all") for t in self.rows}
        if len(set(texts.values())) <= 1:
            lines = [(self.t("filters"), next(iter(texts.values()), self.t("all")))]
        else:
            lines = [(f"{self.t('filters')} · {TABLE_LABELS[t][en]}", text) for t, text in texts.items()]
        unused = unused_filters(self.filters, list(self.rows))
        if not unused.is_empty:
            lines.append((self.t("unused"), unused.describe(self.lang) + self.t("unused_why")))
        return lines

    def source(self) -> str:
        """Where the snapshot's data came from: the import or demo it descends from, and how many
        meeting task changes since; a demo store says it is one (a workbook of its synthetic
        figures could otherwise pass for the city's ledger: tester 9), after a meeting's change too
        (tester 13)."""
        origin = task_notes.data_origin(self.snapshot)
        en = self.lang != "zh"
        if origin["demo"]:
            text = i18n.t("brief_demo", self.lang).rstrip("。.")
            if origin.get("demo_tables"):  # ledgers imported on it since: named too
                sources = list_separator(self.lang).join(str(s) for s in origin["sources"])
                text += f"; then imported: {sources}" if en else f"；其后导入：{sources}"
        elif origin.get("unknown"):
            text = "unknown (the snapshots before it were pruned)" if en else "不详（更早的快照已清理）"
        else:
            sources = list_separator(self.lang).join(str(s) for s in origin["sources"])
            text = " · ".join(x for x in (origin["published_by"], sources) if x)
        if origin["task_changes"]:
            n = origin["task_changes"]
            text += f"; then {n} meeting change(s) to the tasks" if en else f"；其后会议修改交办事项 {n} 次"
        return text

    def about(self, formula_cells: int | None = None, too_long: int = 0) -> list[tuple[str, str]]:
        """What the 说明 sheet, README.txt and layer descriptions say about the extract."""
        en = self.lang != "zh"
        scope = self.t("city") if self.scope.is_all else list_separator(self.lang).join(
            DISTRICTS.get(c, (c, c))[en] for c in self.scope.districts)
        lines = [*self.filter_lines(),
                 (self.t("scope"), scope), (self.t("source"), self.source()), (self.t("snapshot"), self.snapshot.id),
                 (self.t("as_of"), self.snapshot.as_of.isoformat()),
                 (self.t("time"), self.now.strftime("%Y-%m-%d %H:%M %z").strip())]
        lines += [(self.t("user"), self.user)] if self.user else []
        lines += [(f"{self.t('rows')} · {TABLE_LABELS[t][en]}", str(n)) for t, n in self.rows.items()]
        lines.append((self.t("crs"), _CRS_TEXT[self.crs][en]))
        if "substations" in self.rows:  # the page's load rate and bands, so a reader can check them
            lines.append((self.t("load_rate"), (
                f"负载率 = 最高负荷（MW）÷（变电容量（MVA）× 功率因数 {schema.POWER_FACTOR}）× 100 %；"
                f"负载区间按此计算（<60 %、60–80 %、>80 %）。负荷裕度（MW）= 变电容量 × {schema.POWER_FACTOR} − 最高负荷，"
                "未在运的变电站没有负荷，也就没有负载率和裕度。待接入负荷（MW）= 以该站为最近 "
                f"{power_supply.SUPPLY_MIN_KV} kV 及以上在运变电站、尚未投产的项目用电需求之和，大于负荷裕度时该站接不下全部待接入项目。" if not en else
                f"load rate = peak load (MW) ÷ (capacity (MVA) × power factor {schema.POWER_FACTOR}) × 100 %; "
                f"the load bands (<60 %, 60–80 %, >80 %) are of this rate. Headroom (MW) = capacity × "
                f"{schema.POWER_FACTOR} − peak load; a station not in service has no load, so no rate or headroom. "
                f"Pending load (MW): the demand of the projects not yet producing whose nearest in-service "
                f"substation of {power_supply.SUPPLY_MIN_KV} kV or above it is; above the headroom, the station "
                "cannot take every project waiting on it.")))
        if "tasks" in self.rows:  # the columns beside the stored ones, and their date
            day = self.snapshot.as_of.isoformat()
            lines.append((self.t("task_state"), (
                f"办理情况与逾期天数按数据截至日 {day} 计算：已逾期 = 未办结且办结时限早于该日；7日内到期 = 未办结且"
                f"时限在该日起 7 日内；按期/逾期办结 = 办结日期不晚于/晚于办结时限。原定时限：时限经会议调整过的事项最初的时限。"
                "项目名称、办理情况、逾期天数三列导入时不读取。" if not en else
                f"State and days overdue are as of {day}: overdue = open and due before that day; due within 7 "
                "days = open and due within 7 days of it; closed on time / late = closed on or before / after "
                "the deadline. Original deadline: the one first set, where a meeting moved it. An import leaves "
                "the project name, state and days overdue aside.")))
        if formula_cells is not None:
            lines.append((self.t("formula"), (
                f"{formula_cells} 个以 = + - @ 或制表符开头的文本单元格前加了单引号 '，防止被当作公式执行。" if not en else
                f"{formula_cells} text cell(s) starting with = + - @ or a tab were prefixed with ' so "
                "they cannot run as formulas.")))
        if too_long:
            lines.append((self.t("too_long_head"), (
                f"{too_long} 个单元格超过 Excel 每格 {XLSX_CELL_CHARS:,} 个字符的上限（多为顶点很多的地块图形），"
                "已替换为提示文字：完整内容请导出 GeoPackage、GeoJSON 或 CSV。" if not en else
                f"{too_long} cell(s) were longer than Excel's {XLSX_CELL_CHARS:,} characters a cell (mostly "
                "outlines with many vertices) and hold a note instead: export GeoPackage, GeoJSON or CSV for them.")))
        return lines

    def description(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.about())


_WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "geojson": write_geojson, "gpkg": write_gpkg,
            "parquet": write_parquet, "shp": write_shp}


# --- the entry point -----------------------------------------------------------------------------


def _districts(scope: Scope, filters: Filters) -> tuple[str, ...] | None:
    """The districts the extract covers; None = the whole city."""
    if scope.is_all:
        return filters.districts or None
    return tuple(c for c in scope.districts if not filters.districts or c in filters.districts)


def _names(job: Job, fmt: str) -> tuple[str, str, str]:
    tables = list(job.rows)
    single = len(tables) == 1
    ext = {"shp": "zip"}.get(fmt, fmt)
    if not single and fmt in ("csv", "geojson", "parquet"):
        ext = "zip"
    codes = _districts(job.scope, job.filters)
    if codes is None:
        zh, en = "全市", "all"
    elif len(codes) <= 3:
        zh, en = "+".join(DISTRICTS.get(c, (c,))[0] for c in codes), "+".join(short_district_name(c, "en") for c in codes)
    else:
        zh, en = "多区县", "multi"
    narrowing = [replace(applied_filters(job.filters, t), districts=()) for t in tables]
    if any(f != narrowing[0] for f in narrowing):
        # Filters that narrowed some of the tables only: a name listing them read as if they had
        # narrowed all (110kV+负载率＞80% on a zip of every plant: tester 14); 说明 says which.
        zh, en = f"{zh}_{_T['filtered'][0]}", f"{en}_{_T['filtered'][1]}"
    elif not narrowing[0].is_empty:  # not the whole of those districts: which filters, if short
        said = list(dict.fromkeys(part for f in narrowing for part in f.describe("zh").split(" · ") if part))
        tag = "+".join(said).translate(_IN_NAMES)
        said_en = list(dict.fromkeys(part for f in narrowing for part in f.describe("en").split(" · ") if part))
        zh, en = f"{zh}_{tag if len(tag) <= NAME_TAG_MAX else _T['filtered'][0]}", f"{en}_{_ascii_tag(said_en)}"
    date = job.snapshot.as_of.isoformat()
    suffix = ("_GCJ-02", "_gcj02") if job.crs == "gcj02" else ("", "")
    if ext == "zip":  # a CSV, Shapefile, GeoJSON and GeoParquet zip of one view had one name
        suffix = tuple(f"{part}_{_ZIP_TAGS[fmt]}" for part in suffix)
    ascii_name = f"{tables[0] if single else 'extract'}_{en}_{date}{suffix[1]}.{ext}"
    file_name = (f"{TABLE_LABELS[tables[0]][0] if single else '数据导出'}_{zh}_{date}{suffix[0]}.{ext}"
                 if job.lang == "zh" else ascii_name)
    return file_name, ascii_name, _MIME[ext]


def left_out(tables: list[str], fmt: str) -> list[str]:
    """The tables a file of ``fmt`` cannot hold: GeoJSON, GeoParquet and Shapefile are one layer
    of features each, so tables without locations (tasks) stay out; GeoPackage keeps them as
    attribute tables."""
    return [t for t in tables if fmt in GEO_FORMATS and fmt != "gpkg" and t not in schema.GEO_TABLES]


def build(snapshot: Snapshot, scope: Scope, filters: Filters, tables: list[str], fmt: str, *,
          lang: str = "zh", crs: str = "wgs84", user: str = "", now: dt.datetime | None = None) -> Extract:
    """The extract of ``tables`` (rows under ``filters`` and ``scope``) as one file in ``fmt``.

    Raises ``NothingToExport`` when no chosen table has a row, ``ValueError`` for an unknown
    table, format or CRS, or an XLSX sheet beyond Excel's 1,048,576 rows.
    """
    unknown = [t for t in tables if t not in EXPORT_TABLES]
    if unknown or not tables or fmt not in FORMATS or crs not in CRS_CHOICES:
        raise ValueError(f"choose tables from {EXPORT_TABLES} (got {list(tables)}), fmt from {FORMATS} "
                         f"(got {fmt!r}) and crs from {CRS_CHOICES} (got {crs!r})")
    chosen = [t for t in EXPORT_TABLES if t in tables]
    skipped = left_out(chosen, fmt)
    counts = {t: count_rows(snapshot, scope, filters, t) for t in chosen}
    kept = {t: n for t, n in counts.items() if t not in skipped}
    if not any(kept.values()):
        raise NothingToExport(chosen, skipped)
    too_big = [t for t, n in kept.items() if n > XLSX_MAX_ROWS]
    if fmt == "xlsx" and too_big:
        raise ValueError(f"{', '.join(too_big)}: more rows than an Excel sheet holds "
                         f"({XLSX_MAX_ROWS:,}); narrow the filters or export CSV")
    job = Job(snapshot, scope, filters, lang, crs, user, now or dt.datetime.now(BEIJING), kept)
    data, guarded = _WRITERS[fmt](job)
    file_name, ascii_name, mime = _names(job, fmt)
    return Extract(data, file_name, ascii_name, mime, dict(kept), skipped, guarded)
