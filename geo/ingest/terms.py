"""Districts and enumerations as ledgers write them: 醴陵 / 醴陵市 / 430281 / a township's code
-> 430281; 施工中 -> 在建; a land bureau's 0601 -> 工业. Each parse returns (stored value, changed?)
or raises ``Rejected`` naming the allowed values.
"""

from __future__ import annotations

import re

import numpy as np

from geo import schema
from geo.boundaries import DISTRICTS
from geo.ingest.errors import Localized, Rejected, nfkc


def _district_index() -> dict[str, str]:
    index = {}
    for code, (zh, en) in DISTRICTS.items():
        short = re.sub(r"(区|县|市)$", "", zh)
        en_short = re.sub(r" (District|County|City)$", "", en)
        for key in (code, zh, short, en, en_short, f"{en_short} county", f"{en_short} city"):
            index[key.lower()] = code
    return index


_DISTRICTS = _district_index()


def parse_district(value: object) -> tuple[str, bool]:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if float(value).is_integer():
            value = str(int(value))
    s = nfkc(value)
    key = re.sub(r"^(湖南省|湖南)?(株洲市|株洲)?", "", s).strip().lower() or s.lower()
    code = _DISTRICTS.get(key)
    if code is None and key.isdigit() and len(key) > 6 and key[:6] in DISTRICTS:
        code = key[:6]  # a township's or village's code (三调 XZQDM 430281100, ZLDWDM …) starts with its district's
    if code is None:
        raise Rejected("v_district", names=[zh for zh, _ in DISTRICTS.values()])
    return code, code != s


# Close variants seen in ledgers -> the stored term (beyond exact and English labels).
ENUM_ALIASES: dict[str, str] = {
    "谋划": "谋划在谈", "在谈": "谋划在谈", "洽谈": "谋划在谈", "谋划中": "谋划在谈", "洽谈中": "谋划在谈",
    "签约": "已签约", "已签": "已签约", "前期工作": "前期", "前期阶段": "前期",
    "施工": "在建", "施工中": "在建", "建设中": "在建", "在建中": "在建", "新开工": "在建", "续建": "在建",
    "开工": "在建", "已开工": "在建", "完工": "竣工", "已竣工": "竣工", "已完工": "竣工",
    "已投产": "投产", "建成投产": "投产",
    "省级重点": "省重点", "省重点项目": "省重点", "市级重点": "市重点", "市重点项目": "市重点",
    "县级重点": "县重点", "县重点项目": "县重点", "区重点": "县重点", "县区重点": "县重点",
    "运行": "在运", "运行中": "在运", "投运": "在运", "已投运": "在运", "在运行": "在运",
    "建设": "在建", "拟建": "规划", "规划中": "规划",
    "进行中": "办理中", "未办结": "办理中", "正在办理": "办理中", "办结": "已办结", "已完成": "已办结", "完成": "已办结",
    "公用设施用地": "公共设施", "公共管理与公共服务用地": "公共设施",
    "使用中": "在用", "已使用": "在用", "批而未供地": "批而未供", "闲置土地": "闲置", "低效用地": "低效",
    "已盘活": "已处置", "处置完成": "已处置",
    "光伏": "集中式光伏", "屋顶光伏": "分布式光伏", "风力发电": "风电", "抽蓄": "抽水蓄能",
    "未治理": "待治理", "治理完成": "待验证", "验证通过": "已验证",
}


# Land-use codes of GB/T 21010-2017 and the third land survey (三调: 05H1, 08H1, 0508), as a land
# bureau's DLBM field holds them; 06 (工矿仓储) is split by its sub-codes.
LAND_USE_CODES: dict[str, str] = {
    **{code: "商业" for code in ("05", "05H1", *(f"050{i}" for i in range(1, 8)))},
    "0508": "仓储", "0604": "仓储", "0601": "工业",
    **{code: "住宅" for code in ("07", "0701", "0702")},
    **{code: "公共设施" for code in ("08", "08H1", "08H2", *(f"08{i:02d}" for i in range(1, 11)))},
    **{code: "交通" for code in ("10", *(f"100{i}" for i in range(1, 10)))},
}


def _land_use_code(text: str) -> str:
    """A land-use code as the tables list it: upper case, and the leading 0 Excel drops from a
    code typed as a number (601 → 0601, 8 → 08) put back."""
    code = re.sub(r"\.0$", "", text.upper())
    return "0" + code if code.isdigit() and len(code) in (1, 3) else code


def allowed_values(allowed) -> list[Localized]:
    """The values a cell may take, as a rejection names them: in English with the stored term in
    brackets (the English page had said "not an allowed value: 在运, 在建, 规划", although the
    importer reads "In service": tester 16)."""
    return [Localized((str(v), f"{schema.ENUM_EN[v]} ({v})" if v in schema.ENUM_EN else str(v))) for v in allowed]


def parse_enum(value: object, allowed: tuple[str, ...]) -> tuple[str, bool]:
    s = nfkc(value)
    if s in allowed:
        return s, s != str(value)
    for key in (s, re.sub(r"(项目|类|级|状态|阶段)$", "", s)):
        target = ENUM_ALIASES.get(key) or LAND_USE_CODES.get(_land_use_code(key))
        if target in allowed:
            return target, True
        if key in allowed:
            return key, True
    en = {schema.ENUM_EN.get(v, v).lower(): v for v in allowed}
    if s.lower() in en:
        return en[s.lower()], True
    hits = [v for v in allowed if v in s or (len(s) >= 2 and s in v)]
    if len(hits) == 1:
        return hits[0], True
    raise Rejected("v_enum", allowed=allowed_values(allowed))
