"""Ledger headers to schema columns: finding the header row(s), suggesting a mapping, units.

Ledgers put a title above the header, merge cells over two header rows ("坐标" over 经度 and
纬度, "投资（万元）" over 总投资 and 年度计划), write units in brackets (full- or half-width)
and spell the same column several ways. ``split_header`` finds the header in the first rows;
``suggest`` proposes a target column for every source column, with the factor that converts the
header's unit into the schema's (万元 -> 亿元 is 0.0001); the page shows the proposal in an
editable table and ``apply`` uses whatever the steward settled on.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd

from geo import schema
from geo.ingest.errors import IngestError, Localized

# Source columns that are not schema columns but become them (coordinates, district by name).
COORD_TARGETS = ("lon", "lat", "x", "y", "wkt")
COORD_LABELS = {"lon": ("经度", "Longitude"), "lat": ("纬度", "Latitude"), "x": ("X 坐标", "X"),
                "y": ("Y 坐标", "Y"), "wkt": ("几何（WKT）", "Geometry (WKT)")}
DERIVED = ("h3_r7", "geometry")  # computed at import, never read from a ledger
_HEADER_SCAN_ROWS = 15
_TOTAL_WORDS = ("合计", "总计", "小计")
# A ledger's section label, alone on its row: "一、产业发展类", "（二）基础设施", "三．民生".
_SECTION = re.compile(r"^[（(]?[一二三四五六七八九十]+[）)]?[、.．]?\S*$")


def _summary_rows(data: pd.DataFrame, filled: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(total rows, section rows): a row whose first filled cell is, or ends with, 合计 / 总计 / 小计
    ("醴陵市小计", "合 计"), and a row holding only a section label ("一、产业发展类"). Each had been
    a rejected row of five to nine reasons, burying the real problems of the file."""
    first = data.bfill(axis=1).iloc[:, 0] if len(data.columns) else pd.Series([], dtype=object)
    text = pd.Series([re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(v))) if pd.notna(v) else "" for v in first],
                     index=first.index, dtype=object)
    totals = filled & text.str.endswith(_TOTAL_WORDS)
    alone = data.notna().sum(axis=1) == 1
    sections = filled & ~totals & alone & text.map(lambda v: bool(_SECTION.match(v)) and not v.isdigit())
    return totals, sections

# Spellings seen in ledgers, beyond each column's zh/en label and its name (normalised with _norm).
# The upper-case pinyin initials are the field names of the land bureau's databases (三调, 批供,
# 闲置土地 Shapefiles: DKBH 地块编号, MJ 面积, TDYT 土地用途, XZQDM 行政区代码 …).
ALIASES: dict[str, tuple[str, ...]] = {
    "project_id": ("项目代码", "项目id", "编号", "项目序号", "id"),
    "name": ("项目名", "名称", "变电站名称", "电站名称", "电源名称", "站名"),
    "district_adcode": ("xzqdm", "zldwdm", "所属区县", "区县", "县市区", "县市区名称", "所在区县", "行政区", "行政区划", "区县名称",
                        "所属区域", "区域", "地区", "区县（市）"),
    "park": ("园区", "所属园区", "产业园区", "yqmc", "szyq"),
    "industry_chain": ("所属产业链", "产业链条"),
    "category": ("类别", "项目类型", "类型"),
    "level": ("级别", "重点级别"),
    "stage": ("阶段", "建设阶段", "项目进度", "进展阶段", "项目状态"),
    "stalled_state": ("八未", "八未情况", "卡点"),
    "total_investment_yi": ("总投资", "计划总投资", "项目总投资", "总投资额"),
    "annual_plan_yi": ("年度计划", "2023年计划投资", "年度投资计划", "年计划投资", "本年计划投资"),
    "completed_yi": ("已完成投资", "年度完成投资", "完成投资", "累计完成投资", "本年完成投资", "年度已完成", "已完成",
                     "年度完成", "本年完成"),
    "power_demand_mw": ("用电负荷", "用电需求负荷"),
    "owner": ("业主", "项目业主", "建设单位", "责任单位（业主）"),
    "updated_at": ("更新时间", "填报日期"),
    "planned_start": ("计划开工日期", "计划开工时间"),
    "actual_start": ("实际开工日期", "实际开工时间", "开工日期", "开工时间"),
    "planned_completion": ("计划竣工日期", "计划竣工时间"),
    "actual_completion": ("实际竣工日期", "实际竣工时间", "竣工日期", "竣工时间"),
    "task_id": ("事项编号", "交办编号"),
    "title": ("事项", "交办内容", "事项内容", "问题"),
    "assigned_unit": ("责任单位", "牵头单位"),
    "assigned_on": ("交办时间",),
    "due_on": ("完成时限", "办结期限", "时限"),
    "first_due_on": ("原办结时限", "原定办结时限", "原时限", "原完成时限"),
    "closed_on": ("办结时间", "完成日期"),
    "area_mu": ("面积", "用地面积", "地块面积", "宗地面积", "面积亩", "亩数", "mj", "dkmj", "zdmj", "tbmj", "crmj"),
    "land_use": ("土地用途", "规划用途", "tdyt", "ghyt", "dlbm", "dlmc"),  # codes first: names vary (商务金融用地 …)
    "parcel_id": ("宗地代码", "宗地编号", "地块代码", "dkbh", "dkdm", "zddm"),
    "supply_mode": ("gdfs",),
    "supplied_on": ("gdrq", "gdsj"),
    "disposal_method": ("czfs",),
    "disposed_on": ("czrq", "czsj"),
    "status": ("状态", "运行状态"),
    "voltage_kv": ("电压", "电压等级"),
    "capacity_mva": ("主变容量", "容量"),
    "capacity_mw": ("装机", "装机规模", "容量"),
    "commissioned_year": ("投运年份", "投产年份", "投运时间"),
    "kind": ("电源类型", "类别"),
    "tax_per_mu_wan": ("亩均税收", "亩均税收（万元）"),
    "lon": ("经度", "lon", "lng", "long", "longitude", "东经", "经度坐标"),
    "lat": ("纬度", "lat", "latitude", "北纬", "纬度坐标"),
    "x": ("x", "x坐标", "横坐标", "坐标x"),
    "y": ("y", "y坐标", "纵坐标", "坐标y"),
    "wkt": ("wkt", "geometry", "几何", "空间范围", "地块范围", "范围", "边界", "shape"),
}

# Unit written in a header -> factor into the schema unit of that column.
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "亿元": {"亿元": 1.0, "亿": 1.0, "万元": 1e-4, "万": 1e-4, "元": 1e-8, "千元": 1e-5},
    "万元/亩": {"万元/亩": 1.0, "元/亩": 1e-4},
    "亩": {"亩": 1.0, "公顷": 15.0, "ha": 15.0, "平方米": 1 / schema.MU_M2, "m2": 1 / schema.MU_M2,
          "m²": 1 / schema.MU_M2, "㎡": 1 / schema.MU_M2, "平方公里": 1500.0, "km2": 1500.0, "万亩": 1e4},
    "MW": {"mw": 1.0, "兆瓦": 1.0, "kw": 1e-3, "千瓦": 1e-3, "万千瓦": 10.0, "gw": 1000.0},
    "MVA": {"mva": 1.0, "兆伏安": 1.0, "kva": 1e-3, "千伏安": 1e-3, "万千伏安": 10.0},
    "kV": {"kv": 1.0, "千伏": 1.0},
    "%": {"%": 1.0},
    "户": {"户": 1.0},
    "台": {"台": 1.0},
}
_UNIT_RE = re.compile(r"[(\[]([^()\[\]]*)[)\]]\s*$")


def _norm(text: object) -> str:
    """Header text compared loosely: NFKC (full-width brackets and letters), no spaces, no *,
    lower case."""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return re.sub(r"[\s*＊:：]", "", s)


def split_unit(header: str) -> tuple[str, str]:
    """("总投资（万元）") -> ("总投资", "万元") after NFKC; no bracketed unit -> (header, "")."""
    h = _norm(header)
    m = _UNIT_RE.search(h)
    if not m:
        return h, ""
    return h[: m.start()], m.group(1)


def targets(table: str) -> list[str]:
    """Columns a ledger may fill for ``table``: schema columns (not derived) and coordinates."""
    cols = [c.name for c in schema.columns(table) if c.name not in DERIVED]
    if table in schema.GEO_TABLES:
        cols += list(COORD_TARGETS)
    return cols


@lru_cache(maxsize=16)
def _index(table: str) -> dict[str, str]:
    index: dict[str, str] = {}
    allowed = set(targets(table))
    for col in schema.columns(table):
        if col.name in allowed:
            for key in (col.zh, col.en, col.name, col.label("zh"), col.label("en")):
                index.setdefault(_norm(key), col.name)
    for target, words in ALIASES.items():
        if target in allowed:
            for w in words:
                index.setdefault(_norm(w), target)
    for cut, names in _shapefile_cuts(table).items():
        if len(names) == 1 and names[0] in allowed:
            index.setdefault(_norm(cut), names[0])
    return index


def _shapefile_cuts(table: str) -> dict[str, list[str]]:
    """A DBF field name (10 characters, ``geo.export_gis.shapefile_fields``) -> the columns it is
    the cut of: a Shapefile extract without its fields.csv still reads back (total_inve is
    total_investment_yi), where only one column has that cut."""
    from geo.export_gis import shapefile_fields

    cuts: dict[str, list[str]] = {}
    for name in schema.column_names(table):
        cuts.setdefault(shapefile_fields([name])[name], []).append(name)
    return cuts


def match(header: object, table: str) -> tuple[str | None, float, str]:
    """(target, factor, unit) for one header, or (None, 1.0, unit) when nothing matches."""
    if header is None or (isinstance(header, float) and header != header):
        return None, 1.0, ""
    index = _index(table)
    whole = _norm(header)
    base, unit = split_unit(str(header))
    target = index.get(whole) or index.get(base)
    if target is None:
        return None, 1.0, unit
    if whole in index and not unit:
        return target, 1.0, ""
    if whole in _own_names(table, target):  # the app's own header, its unit as the app writes it
        return target, 1.0, unit  # ("Area (mu)", "Tax per mu (10k CNY/mu)": an English extract read back)
    col_unit = schema.column(table, target).unit if target not in COORD_TARGETS else ""
    factors = {k.lower(): v for k, v in UNIT_FACTORS.get(col_unit, {}).items()}
    if unit and unit.lower() in factors:
        return target, factors[unit.lower()], unit
    if unit and col_unit and target not in COORD_TARGETS:
        return None, 1.0, unit  # a unit we cannot convert (e.g. 美元): the steward maps it by hand
    return target, 1.0, unit


# --- finding the header in a grid ---------------------------------------------------------------


def _fill_merged(grid: pd.DataFrame, merged: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    top = grid.iloc[:_HEADER_SCAN_ROWS].copy()
    for r0, c0, r1, c1 in merged:
        if r0 >= len(top):
            continue
        value = top.iat[r0, c0] if c0 < top.shape[1] else None
        top.iloc[r0: min(r1, len(top) - 1) + 1, c0: min(c1, top.shape[1] - 1) + 1] = value
    return top


def _score(names: list[object], table: str) -> int:
    found = {match(n, table)[0] for n in names}
    found.discard(None)
    return len(found)


def _combine(top: list[object], bottom: list[object]) -> list[str | None]:
    out = []
    for a, b in zip(top, bottom):
        a = None if a is None or str(a).strip() == "" else str(a).strip()
        b = None if b is None or str(b).strip() == "" else str(b).strip()
        if a == b or b is None:
            out.append(a)
        elif a is None:
            out.append(b)
        else:  # a group label over its parts: keep the part, and the group's unit if the part has none
            unit = split_unit(a)[1]
            out.append(f"{b}（{unit}）" if unit and not split_unit(b)[1] else b)
    return out


def split_header(grid: pd.DataFrame, merged: list[tuple[int, int, int, int]], table: str
                 ) -> tuple[pd.DataFrame, pd.Series, list[tuple[str, dict]]]:
    """The data rows of a grid under its header (one or two rows, found in the first rows).

    Returns the frame (columns = header texts, made unique with （2）), the file row number of
    each data row (1-based, as Excel and a text editor count) and notes."""
    top = _fill_merged(grid, merged)
    scores = [_score(list(top.iloc[i]), table) for i in range(len(top))]
    if not scores or max(scores) < 2:
        expected = [Localized((c.zh, c.en)) for c in schema.columns(table) if not c.nullable and c.name not in DERIVED]
        raise IngestError("no_header", expected=expected)
    best = (0.0, 0, 1, list(top.iloc[0]))
    for i in range(len(top)):  # one header row, or a group row above it (merged cells, units)
        if scores[i] > best[0]:
            best = (float(scores[i]), i, 1, list(top.iloc[i]))
        if i > 0 and scores[i - 1] >= 1:
            both = _combine(list(top.iloc[i - 1]), list(top.iloc[i]))
            score = _score(both, table) + 0.5  # a tie goes to the pair: it carries the group's units
            if score > best[0] and score - 0.5 >= scores[i]:
                best = (score, i - 1, 2, both)
    _, h, rows_used, names = best
    notes: list[tuple[str, dict]] = []
    if h > 0:
        notes.append(("ingest_n_header_row", {"row": h + 1, "rows": rows_used, "skipped": h}))
    elif rows_used == 2:  # no title row above: not "title rows skipped"
        notes.append(("ingest_n_two_header_rows", {}))
    keep = [i for i, n in enumerate(names) if n is not None and str(n).strip() != ""]
    data = grid.iloc[h + rows_used:, keep]
    headers = _unique([str(names[i]).strip() for i in keep])
    data.columns = headers
    row_numbers = pd.Series(data.index.to_numpy() + 1, index=data.index)
    filled = data.notna().any(axis=1)
    totals, sections = _summary_rows(data, filled)
    if totals.any():
        notes.append(("ingest_n_totals", {"rows": ", ".join(map(str, row_numbers[totals].head(5)))}))
    if sections.any():
        notes.append(("ingest_n_sections", {"rows": ", ".join(map(str, row_numbers[sections].head(5)))}))
    keep_rows = filled & ~totals & ~sections
    data, row_numbers = data[keep_rows].reset_index(drop=True), row_numbers[keep_rows].reset_index(drop=True)
    return data, row_numbers, notes


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}（{seen[n]}）")
    return out


# --- the mapping ---------------------------------------------------------------------------------


def suggest(columns: list[str], table: str) -> pd.DataFrame:
    """One row per source column: ``source``, ``target`` ("" = not imported), ``factor``, ``unit``.

    Where a column's own name (区县代码) and a synonym of it (区县) both appear, the own name
    is taken and the synonym left unmapped: this app's own extracts carry the district's name
    beside its code, and re-importing an edited extract is the common round trip. Two headers
    of equal standing (the same name twice) stay mapped both, for the steward to choose."""
    rows = []
    for name in columns:
        base = re.sub(r"（\d+）$", "", name)  # a duplicated header maps like its first copy
        target, factor, unit = match(base, table)
        bare = _norm(split_unit(base)[0])
        rows.append({"source": name, "target": target or "", "factor": factor, "unit": unit,
                     "own": bool(target) and bare in _own_names(table, target), "bare": bare,
                     "rank": _alias_rank(bare, target)})
    out = pd.DataFrame(rows, columns=["source", "target", "factor", "unit", "own", "bare", "rank"])
    mapped = out[out["target"] != ""]
    for target, group in mapped.groupby("target"):
        if len(group) > 1 and group["own"].any() and not group["own"].all():
            out.loc[group.index[~group["own"].to_numpy()], "target"] = ""
        elif len(group) > 1 and not group["own"].any() and group["bare"].nunique() == len(group):
            # Synonyms only (a 三调 layer's DLBM 地类编码 beside DLMC 地类名称): the earlier-listed
            # one is taken, the other left unmapped and named in the report; the file had stopped
            # with "mapped from several columns" and the CLI offered no way round (tester 8).
            out.loc[group.index[group["rank"].to_numpy() != group["rank"].min()], "target"] = ""
    return out.drop(columns=["own", "bare", "rank"])


def _alias_rank(bare: str, target: str | None) -> int:
    """Where ``bare`` stands among ``target``'s listed spellings (earlier = preferred)."""
    words = [_norm(w) for w in ALIASES.get(target or "", ())]
    return words.index(bare) if bare in words else len(words)


def _own_names(table: str, target: str) -> set[str]:
    if target in COORD_TARGETS:
        return set()
    col = schema.column(table, target)
    return {_norm(key) for key in (col.zh, col.en, col.name, col.label("zh"), col.label("en"))}


def required(table: str) -> list[str]:
    """Targets an import of ``table`` cannot do without (district and geometry come from the
    coordinates for map tables)."""
    need = [c.name for c in schema.columns(table) if not c.nullable and c.name not in DERIVED]
    need.remove("district_adcode")  # from the coordinates (map tables) or the project (tasks)
    return need


def missing_required(mapping: pd.DataFrame, table: str, has_geometry: bool) -> list[str]:
    """The required targets ``mapping`` does not provide ("lon/lat" for a map table without a
    geometry, coordinates or WKT)."""
    have = set(mapping.loc[mapping["target"].fillna("").astype(str) != "", "target"])
    missing = [c for c in required(table) if c not in have]
    if table == "parcels" and (has_geometry or "wkt" in have):
        missing = [c for c in missing if c != "area_mu"]  # measured on the outlines (pipeline)
    if table in schema.GEO_TABLES and not has_geometry:
        if not ({"lon", "lat"} <= have or {"x", "y"} <= have or "wkt" in have):
            missing.append("lon/lat")
    return missing


def apply(frame: pd.DataFrame, mapping: pd.DataFrame, table: str, has_geometry: bool, *, update_only: bool = False
          ) -> tuple[pd.DataFrame, dict[str, str], dict[str, float]]:
    """Rename and select the mapped columns. Returns the frame (target names), target -> source
    header (for the report) and target -> unit factor. Stops the file when a target is mapped
    twice or a required one is missing (unless ``update_only``: its rows take the stored values)."""
    used = mapping[mapping["target"].fillna("").astype(str) != ""]
    allowed = set(targets(table))
    unknown = sorted(set(used["target"]) - allowed)
    if unknown:
        raise IngestError("unknown_target", columns=", ".join(unknown))
    dup = used[used["target"].duplicated(keep=False)]
    if len(dup):
        first = dup.iloc[0]["target"]
        sources = list(dup[dup["target"] == first]["source"])
        raise IngestError("duplicate_column", target=target_label(table, first), sources=sources)
    missing = missing_required(mapping, table, has_geometry)
    if missing and not update_only:
        raise IngestError("missing_columns", columns=[target_label(table, m) for m in missing])
    absent = [s for s in used["source"] if s not in frame.columns]
    if absent:
        raise IngestError("unknown_source", columns=list(absent))
    out = frame[list(used["source"])].copy()
    out.columns = list(used["target"])
    sources = dict(zip(used["target"], used["source"]))
    factors = {t: float(f) if pd.notna(f) and float(f) > 0 else 1.0 for t, f in zip(used["target"], used["factor"])}
    return out, sources, factors


def target_label(table: str, target: str) -> Localized:
    """A target column as a reason names it: its header in the page's language and its name."""
    if target == "lon/lat":
        return Localized(("经度/纬度 (lon/lat)", "Longitude/latitude (lon/lat)"))
    try:
        col = schema.column(table, target)
        return Localized((f"{col.zh} ({target})", f"{col.en} ({target})"))
    except KeyError:
        return Localized((target, target))
