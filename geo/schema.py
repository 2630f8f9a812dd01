"""Tables, columns, units, enumerations and their zh/en labels: the single source of truth.

Every other module (store, query, demo, pages) takes column names, types and labels from here,
so a column is renamed or relabelled in one place. Units are part of the column name where a
reader of the raw Parquet would otherwise have to guess (``_yi`` = 亿元, ``_mu`` = 亩, ``_mw``,
``_mva``, ``_kv``, ``_pct``).
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = 2
# Older versions this code still reads. A later version only adds nullable columns
# (``ADDED_COLUMNS``); a file written before one was added reads it as empty (``absent_columns``):
# snapshots are never rewritten, and an import or a meeting's change that leaves a table alone
# carries its older file into the new snapshot.
READABLE_SCHEMA_VERSIONS = (1, 2)

# Storage CRS everywhere inside the store, and the metric CRS used for areas and distances:
# CGCS2000 / 3-degree Gauss-Kruger CM 114E covers all of Zhuzhou (112.9-114.1 E).
STORAGE_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:4547"

MU_M2 = 2000.0 / 3.0  # 1 亩 = 666.67 m²

# Text a spreadsheet would run as a formula: extracts prefix it with ' (geo.export) and an import
# takes that ' off again (geo.ingest.values), so export, edit, import changes nothing.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_guarded(text: str) -> bool:
    """Whether ``text`` needs the guard ' in a CSV: it starts like a formula, or already starts
    with a ' before one (guarded too, so that the import's one ' off gives it back as it was)."""
    return text.startswith(FORMULA_STARTS) or (text[:1] == "'" and text[1:2] != "" and text[1:2] in FORMULA_STARTS)

# Planning constants used to derive city grid figures from substation rows (README explains them).
POWER_FACTOR = 0.9  # MVA -> MW for headroom and load rate
CAPACITY_LOAD_RATIO_220KV = 1.8  # 容载比: 220 kV capacity (MVA) per MW of load the grid can supply
# Load rate (%) of a substation row in SQL, and its band; NULL without a load or a capacity.
LOAD_RATE_SQL = f"(peak_load_mw / nullif(capacity_mva * {POWER_FACTOR}, 0) * 100)"
LOAD_BAND_SQL = (f"(CASE WHEN {LOAD_RATE_SQL} < 60 THEN '负载率<60%' WHEN {LOAD_RATE_SQL} <= 80 "
                 f"THEN '负载率60-80%' WHEN {LOAD_RATE_SQL} > 80 THEN '负载率>80%' END)")


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # string | float | int | date | bool | geometry
    zh: str
    en: str
    unit: str = ""
    nullable: bool = True
    enum: tuple[str, ...] = ()

    def bare(self, lang: str = "zh") -> str:
        """"总投资" / "Total investment": beside a value that carries its unit ("20.0 亿元"), where
        the label's unit read twice (tester 17)."""
        return self.zh if lang == "zh" else self.en

    def label(self, lang: str = "zh") -> str:
        """"总投资（亿元）" / "Total investment (亿元)"; English drops counting words (台, 户 …)."""
        from geo.i18n import unit_label

        if lang == "zh":
            return f"{self.zh}（{self.unit}）" if self.unit else self.zh
        unit = unit_label(self.unit, "en")
        return f"{self.en} ({unit})" if unit else self.en


# --- enumerations (stored values are the Chinese terms; English labels in ENUM_EN) -----------
STAGES = ("谋划在谈", "已签约", "前期", "在建", "竣工", "投产")
STALLED_STATES = (  # 茶陵 "八未"
    "洽谈未签约", "签约未开工", "开工未竣工", "在建未入库",
    "竣工未投产", "投产未达产", "征拆未清零", "专债资金未拨付",
)
CATEGORIES = ("产业发展", "基础设施", "民生社会", "生态环保", "能源")
LEVELS = ("省重点", "市重点", "县重点")
KEY_LEVELS = ("省重点", "市重点")  # the city's key-project list (县重点 rows exist only in scaled stores)
# 13 industry chains. The articles name 轨道交通, 中小航空发动机, 先进硬质材料 (the leading "3"),
# 电子信息, 人工智能, 新能源, 新材料, 生物医药, 陶瓷, 服饰, 高分子新材料, 北斗; the demo adds
# 新能源汽车 to make thirteen (README: "where the demo numbers come from").
INDUSTRY_CHAINS = (
    "轨道交通", "中小航空发动机", "先进硬质材料", "电子信息", "人工智能", "新能源", "新材料",
    "生物医药", "陶瓷", "服饰", "高分子新材料", "北斗", "新能源汽车",
)
TASK_STATUSES = ("办理中", "已办结")
PARCEL_STATUSES = ("在用", "批而未供", "闲置", "低效", "已处置")
IDLE_CLASSES = ("批而未供", "闲置", "低效")  # the stock lists a parcel can be counted in
LAND_USES = ("工业", "仓储", "商业", "住宅", "公共设施", "交通")
DISPOSAL_METHODS = ("收回", "解押+分割出让", "挂牌出让", "弹性出让", "租赁", "标准地出让", "盘活利用")
SUPPLY_MODES = ("出让", "标准地", "弹性出让", "租赁", "划拨")
VOLTAGES_KV = (500, 220, 110, 35)
ASSET_STATUSES = ("在运", "在建", "规划")
PLANT_KINDS = ("风电", "集中式光伏", "分布式光伏", "抽水蓄能", "火电", "水电", "储能")
NEW_ENERGY_KINDS = ("风电", "集中式光伏", "分布式光伏")
TA_STATES = ("正常", "待治理", "治理中", "待验证", "已验证")
TA_GOVERNANCE_STATES = ("待治理", "治理中", "待验证", "已验证")
TA_ABNORMAL_STATES = ("待治理", "治理中", "待验证")  # drawn one by one on the energy map
# Substation load-rate bands (load rate = peak load ÷ (capacity × POWER_FACTOR)): below 60 %,
# 60–80 % inclusive, above 80 %. A station without a load or a capacity has no band.
LOAD_BANDS = ("负载率<60%", "负载率60-80%", "负载率>80%")

ENUM_EN = {
    "谋划在谈": "Planning/negotiating", "已签约": "Signed", "前期": "Preparation",
    "在建": "Under construction", "竣工": "Completed", "投产": "In production",
    "洽谈未签约": "Negotiated, not signed", "签约未开工": "Signed, not started",
    "开工未竣工": "Started, not completed", "在建未入库": "Building, not in statistics",
    "竣工未投产": "Completed, not producing", "投产未达产": "Producing, below capacity",
    "征拆未清零": "Land clearance unfinished", "专债资金未拨付": "Special bonds not paid out",
    "产业发展": "Industrial development", "基础设施": "Infrastructure", "民生社会": "Social welfare",
    "生态环保": "Ecology & environment", "能源": "Energy",
    "省重点": "Provincial key", "市重点": "City key", "县重点": "County key",
    "轨道交通": "Rail transit", "中小航空发动机": "Small & medium aero-engines",
    "先进硬质材料": "Advanced hard materials", "电子信息": "Electronic information",
    "人工智能": "Artificial intelligence", "新能源": "New energy", "新材料": "New materials",
    "生物医药": "Biomedicine", "陶瓷": "Ceramics", "服饰": "Apparel",
    "高分子新材料": "Polymer materials", "北斗": "BeiDou navigation", "新能源汽车": "New-energy vehicles",
    "办理中": "Open", "已办结": "Closed",
    "在用": "In use", "批而未供": "Approved, not supplied", "闲置": "Idle", "低效": "Inefficient",
    "已处置": "Disposed",
    "工业": "Industrial", "仓储": "Warehousing", "商业": "Commercial", "住宅": "Residential",
    "公共设施": "Public facilities", "交通": "Transport",
    "收回": "Repossessed", "解押+分割出让": "Released & split sale", "挂牌出让": "Listed sale",
    "弹性出让": "Flexible-term sale", "租赁": "Lease", "标准地出让": "Standard-land sale",
    "盘活利用": "Revitalised", "出让": "Sale", "标准地": "Standard land", "划拨": "Allocation",
    "在运": "In service", "规划": "Planned",
    "风电": "Wind", "集中式光伏": "Utility PV", "分布式光伏": "Distributed PV",
    "抽水蓄能": "Pumped storage", "火电": "Thermal", "水电": "Hydro", "储能": "Storage",
    "正常": "Normal", "待治理": "To fix", "治理中": "Fixing", "待验证": "To verify",
    "已验证": "Verified",
    "负载率<60%": "Load < 60 %", "负载率60-80%": "Load 60–80 %", "负载率>80%": "Load > 80 %",
}


def C(name, dtype, zh, en, unit="", nullable=True, enum=()):  # noqa: N802 - table-like helper
    return Column(name, dtype, zh, en, unit, nullable, tuple(enum))


TABLES: dict[str, tuple[Column, ...]] = {
    "districts": (
        C("adcode", "string", "区县代码", "District code", nullable=False),  # the key every table joins on, named alike
        C("name_zh", "string", "区县", "District (zh)", nullable=False),
        C("name_en", "string", "区县（英文）", "District", nullable=False),
        C("area_km2", "float", "面积", "Area", "km²", nullable=False),
        C("geometry", "geometry", "几何", "Geometry", nullable=False),
    ),
    "projects": (
        C("project_id", "string", "项目编号", "Project ID", nullable=False),
        C("name", "string", "项目名称", "Project", nullable=False),
        C("district_adcode", "string", "区县代码", "District code", nullable=False),
        C("park", "string", "所在园区", "Park"),
        C("industry_chain", "string", "产业链", "Industry chain", enum=INDUSTRY_CHAINS),
        C("category", "string", "项目类别", "Category", nullable=False, enum=CATEGORIES),
        C("level", "string", "项目级别", "Level", nullable=False, enum=LEVELS),
        C("stage", "string", "项目阶段", "Stage", nullable=False, enum=STAGES),
        C("stalled_state", "string", "八未状态", "Stalled state", enum=STALLED_STATES),
        C("stalled_since", "date", "卡点起始", "Stalled since"),
        C("total_investment_yi", "float", "总投资", "Total investment", "亿元", nullable=False),
        C("annual_plan_yi", "float", "年度计划投资", "Planned investment this year", "亿元", nullable=False),
        C("completed_yi", "float", "年度已完成投资", "Invested this year to date", "亿元", nullable=False),
        C("planned_start", "date", "计划开工", "Planned start"),
        C("actual_start", "date", "实际开工", "Actual start"),
        C("planned_completion", "date", "计划竣工", "Planned completion"),
        C("actual_completion", "date", "实际竣工", "Actual completion"),
        C("power_demand_mw", "float", "用电需求", "Power demand", "MW"),
        C("parcel_id", "string", "地块编号", "Parcel ID"),
        C("owner", "string", "业主单位", "Owner"),
        C("updated_at", "date", "更新日期", "Updated"),
        C("h3_r7", "int", "H3网格（7级）", "H3 cell (res 7)"),
        C("geometry", "geometry", "位置", "Location", nullable=False),
    ),
    "tasks": (
        C("task_id", "string", "事项编号", "Task ID", nullable=False),
        C("project_id", "string", "项目编号", "Project ID", nullable=False),
        C("district_adcode", "string", "区县代码", "District code", nullable=False),
        C("title", "string", "交办事项", "Task", nullable=False),
        C("assigned_unit", "string", "责任单位", "Responsible unit", nullable=False),
        C("assigned_on", "date", "交办日期", "Assigned on", nullable=False),
        C("due_on", "date", "办结时限", "Due on", nullable=False),
        # The deadline first set, once a meeting has moved it (empty while never moved): a moved
        # deadline had left no trace but the changes between two meetings (schema version 2).
        C("first_due_on", "date", "原定时限", "Original deadline"),
        C("closed_on", "date", "办结日期", "Closed on"),
        C("status", "string", "办理状态", "Status", nullable=False, enum=TASK_STATUSES),
    ),
    "parcels": (
        C("parcel_id", "string", "地块编号", "Parcel ID", nullable=False),
        C("district_adcode", "string", "区县代码", "District code", nullable=False),
        C("park", "string", "所在园区", "Park"),
        C("area_mu", "float", "面积", "Area", "亩", nullable=False),
        C("land_use", "string", "用途", "Land use", nullable=False, enum=LAND_USES),
        C("status", "string", "土地状态", "Status", nullable=False, enum=PARCEL_STATUSES),
        C("idle_class", "string", "存量类别", "Stock class", enum=IDLE_CLASSES),
        C("listed_on", "date", "列入存量日期", "Listed as stock"),
        C("disposal_method", "string", "处置方式", "Disposal method", enum=DISPOSAL_METHODS),
        C("disposed_on", "date", "处置日期", "Disposed on"),
        C("supply_mode", "string", "供地方式", "Supply mode", enum=SUPPLY_MODES),
        C("supplied_on", "date", "供地日期", "Supplied on"),
        C("tax_per_mu_wan", "float", "亩均税收", "Tax per mu", "万元/亩"),
        C("h3_r7", "int", "H3网格（7级）", "H3 cell (res 7)"),
        C("geometry", "geometry", "地块范围", "Outline", nullable=False),
    ),
    "substations": (
        C("station_id", "string", "变电站编号", "Station ID", nullable=False),
        C("name", "string", "变电站", "Substation", nullable=False),
        C("district_adcode", "string", "区县代码", "District code", nullable=False),
        C("voltage_kv", "int", "电压等级", "Voltage", "kV", nullable=False, enum=VOLTAGES_KV),
        C("transformer_count", "int", "主变台数", "Transformers", "台"),
        C("capacity_mva", "float", "变电容量", "Capacity", "MVA"),
        C("peak_load_mw", "float", "最高负荷", "Peak load", "MW"),
        C("status", "string", "状态", "Status", nullable=False, enum=ASSET_STATUSES),
        C("commissioned_year", "int", "投运年份", "Commissioned"),
        C("geometry", "geometry", "位置", "Location", nullable=False),
    ),
    "plants": (
        C("plant_id", "string", "电源编号", "Plant ID", nullable=False),
        C("name", "string", "电源名称", "Plant", nullable=False),
        C("district_adcode", "string", "区县代码", "District code", nullable=False),
        C("kind", "string", "类型", "Kind", nullable=False, enum=PLANT_KINDS),
        C("capacity_mw", "float", "装机容量", "Capacity", "MW", nullable=False),
        C("status", "string", "状态", "Status", nullable=False, enum=ASSET_STATUSES),
        C("commissioned_year", "int", "投运年份", "Commissioned"),
        C("geometry", "geometry", "位置", "Location", nullable=False),
    ),
    "transformer_areas": (
        C("area_id", "string", "台区编号", "Area ID", nullable=False),
        C("station_id", "string", "供电变电站", "Feeding substation"),
        C("district_adcode", "string", "区县代码", "District code", nullable=False),
        C("voltage_pass_rate", "float", "电压合格率", "Voltage pass rate", "%"),
        C("low_voltage_users", "int", "低电压用户", "Low-voltage users", "户"),
        C("imbalance_pct", "float", "三相不平衡度", "Three-phase imbalance", "%"),
        C("state", "string", "治理状态", "Governance state", nullable=False, enum=TA_STATES),
        C("h3_r7", "int", "H3网格（7级）", "H3 cell (res 7)"),
        C("geometry", "geometry", "位置", "Location", nullable=False),
    ),
}

# H3 resolution of the precomputed ``h3_r7`` cell columns (≈ 5 km² hexagons; res 6 parents for
# whole-city aggregates are derived from it). Set once at build/import, by ``geo.join``.
H3_RESOLUTION = 7

# Tables whose rows each belong to one district (the query layer's scope applies to these).
SCOPED_TABLES = tuple(t for t, cols in TABLES.items() if any(c.name == "district_adcode" for c in cols))
GEO_TABLES = tuple(t for t, cols in TABLES.items() if any(c.dtype == "geometry" for c in cols))
PRIMARY_KEYS = {
    "districts": "adcode", "projects": "project_id", "tasks": "task_id", "parcels": "parcel_id",
    "substations": "station_id", "plants": "plant_id", "transformer_areas": "area_id",
}


# Columns added after version 1: ``{table: (column, ...)}``; each nullable.
ADDED_COLUMNS = {"tasks": ("first_due_on",)}


def absent_columns(table: str, names) -> list[Column]:
    """The columns of ``table`` added since version 1 that a file with columns ``names`` lacks:
    read as empty (NULL) by every reader."""
    have = set(names)
    return [column(table, n) for n in ADDED_COLUMNS.get(table, ()) if n not in have]


def columns(table: str) -> tuple[Column, ...]:
    try:
        return TABLES[table]
    except KeyError:
        raise KeyError(f"unknown table {table!r}; known: {', '.join(TABLES)}") from None


def column(table: str, name: str) -> Column:
    for col in columns(table):
        if col.name == name:
            return col
    raise KeyError(f"table {table!r} has no column {name!r}")


def column_names(table: str) -> list[str]:
    return [c.name for c in columns(table)]


def sortable_columns(table: str) -> frozenset[str]:
    """Columns a caller may ORDER BY or GROUP BY (the allowlist the query layer checks)."""
    return frozenset(c.name for c in columns(table) if c.dtype != "geometry")


def enum_label(value: str | None, lang: str = "zh") -> str:
    if value is None:
        return ""
    return value if lang == "zh" else ENUM_EN.get(value, value)
