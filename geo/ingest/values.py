"""Cell values to the schema's types: numbers with units, dates, text (districts and enumerations
in ``geo.ingest.terms``).

Every cell ends up normalised (and counted as changed when its form changed: "12.5万", full-width
digits, 2023年3月5日, 醴陵 -> 430281, 施工 -> 在建) or rejected with a reason the steward can act
on; nothing is silently turned into an empty value. Parsing runs once per distinct value of a
column, so a 100,000-row ledger costs what its distinct values cost (plain numbers take a
vectorised path and are never parsed one by one).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo import schema
from geo.ingest.errors import Reason, Rejected, nfkc
from geo.ingest.headers import UNIT_FACTORS
from geo.ingest.terms import allowed_values, parse_district, parse_enum



@dataclass
class ColumnResult:
    values: pd.Series
    reasons: dict[int, Reason] = field(default_factory=dict)  # row position -> why rejected
    changed: np.ndarray | None = None  # row positions whose value was normalised
    warnings: dict[int, Reason] = field(default_factory=dict)  # row position -> how an accepted value was read



# --- numbers -------------------------------------------------------------------------------------

_NUM_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(.*)$", re.IGNORECASE)
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_MONEY_EXTRA = {"千万元": 0.1, "千万": 0.1, "百万元": 0.01, "百万": 0.01}
# Non-negative everywhere in this schema; percentages at most 100.
_MAX = {"%": 100.0}


def _unit_factor(unit: str, col_unit: str) -> float | None:
    factors = {k.lower(): v for k, v in UNIT_FACTORS.get(col_unit, {}).items()}
    if col_unit == "亿元":
        factors.update(_MONEY_EXTRA)
    u = unit.lower()
    if u in factors:
        return factors[u]
    if u.startswith("万") and (u[1:] in factors or u == "万"):
        return 1e4 * (factors[u[1:]] if u[1:] else 1.0)
    if col_unit and u == col_unit.lower():
        return 1.0
    return None


def parse_number(value: object, col_unit: str = "") -> tuple[float, float | None]:
    """(number, factor of a unit written in the cell or None). Raises ``Rejected``."""
    if isinstance(value, (bool, np.bool_)):
        raise Rejected("v_not_number")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value), None
    s = nfkc(value).replace(" ", "").replace("\u3000", "")
    s = s.replace("，", ",")
    if s.startswith("="):
        raise Rejected("v_formula")
    if "," in s:
        if not _THOUSANDS_RE.match(s):
            raise Rejected("v_comma")
        s = s.replace(",", "")
    m = _NUM_RE.match(s)
    if not m:
        raise Rejected("v_not_number")
    number, unit = float(m.group(1)), m.group(2).strip()
    if not unit:
        return number, None
    factor = _unit_factor(unit, col_unit)
    if factor is None:
        if not col_unit:  # a plain count or code: "无法换算为 —" had said nothing (tester 12)
            raise Rejected("v_unit_none", unit=unit)
        raise Rejected("v_unit", unit=unit, expected=col_unit)
    return number, factor


# Capacities as ledgers write them, 台数×单台容量: 2×50 (MVA), 3×63MVA, 6×300 MW, 2×100万千瓦.
PRODUCT_COLUMNS = ("capacity_mva", "capacity_mw")
_PRODUCT_RE = re.compile(r"^(\d+)[×xX*](.+)$")


def parse_product(value: object, col_unit: str) -> tuple[int, float, float | None] | None:
    """(count, size of each, factor of a unit written after it or None) of "2×50" and its kin
    (×, x, X, *, full-width forms), or None when ``value`` is not one. Raises ``Rejected`` for a
    size that is not a number."""
    if not isinstance(value, str):
        return None
    found = _PRODUCT_RE.match(nfkc(value).replace(" ", "").replace("\u3000", ""))
    if not found:
        return None
    each, factor = parse_number(found[2], col_unit)
    return int(found[1]), each, factor


def numbers(s: pd.Series, col: schema.Column | None, factor: float = 1.0, *, signed: bool = False) -> ColumnResult:
    """A numeric column: the header's unit ``factor`` applies to cells without their own unit."""
    unit = col.unit if col else ""
    integer = bool(col and col.dtype == "int")
    present = s.notna().to_numpy()
    fast = pd.to_numeric(s.where(~s.map(lambda v: isinstance(v, (bool, np.bool_)))) if s.dtype == object else s,
                         errors="coerce").astype("float64")
    out = fast.to_numpy(copy=True) * factor
    changed = np.zeros(len(s), bool)
    if factor != 1.0:
        changed |= present
    reasons: dict[int, Reason] = {}
    read_as: dict[int, Reason] = {}
    slow = present & np.isnan(fast.to_numpy())
    if slow.any():
        products: dict[object, Reason] = {}
        multiplies = bool(col and col.name in PRODUCT_COLUMNS)

        def scaled(v) -> float:
            product = parse_product(v, unit) if multiplies else None
            if product is not None:  # said in a warning: the steward sees the product it became
                n, each, own = product
                total = n * each * (own if own is not None else factor)
                products[v] = ("v_product", {"n": n, "each": f"{each:,.6g}", "total": f"{total:,.6g} {unit}"})
                return total
            number, own = parse_number(v, unit)
            return number * (own if own is not None else factor)

        parsed = _parse_each_once(s[slow], scaled)
        for i in np.flatnonzero(slow):
            got = parsed[s.iat[i]]
            if _is_reason(got):
                reasons[i] = got
                out[i] = np.nan
            else:
                out[i] = got
                changed[i] = True
                if s.iat[i] in products:
                    read_as[i] = products[s.iat[i]]
    ok = present & ~np.isnan(out)
    bad_inf = ok & ~np.isfinite(out)
    for i in np.flatnonzero(bad_inf):
        reasons[i] = ("v_not_number", {})
    if not signed:
        for i in np.flatnonzero(ok & np.isfinite(out) & (out < 0)):
            reasons[i] = ("v_negative", {})
    top = _MAX.get(unit)
    if top is not None:
        for i in np.flatnonzero(ok & (out > top)):
            reasons[i] = ("v_too_large", {"max": top})
    if integer:
        frac = ok & np.isfinite(out) & (np.abs(out - np.round(out)) > 1e-9)
        for i in np.flatnonzero(frac):
            reasons.setdefault(i, ("v_not_whole", {}))
        out = np.where(ok & np.isfinite(out), np.round(out), np.nan)
    for i in reasons:
        out[i] = np.nan
    values = pd.Series(out, index=s.index)
    if integer:
        values = values.astype("Int64")
    if col and col.enum:  # voltage: 220kV -> 220, then one of the allowed levels
        allowed = {float(v) for v in col.enum}
        for i in np.flatnonzero(values.notna().to_numpy()):
            if float(values.iat[i]) not in allowed:
                reasons[i] = ("v_enum", {"allowed": allowed_values(col.enum)})
        values = values.where(~pd.Series(np.isin(np.arange(len(s)), list(reasons)), index=s.index))
    return ColumnResult(values, reasons, changed, {i: r for i, r in read_as.items() if i not in reasons})


_YEAR_RE = re.compile(r"^(\d{4})\s*年$")


# --- dates ---------------------------------------------------------------------------------------

_DATE_RES = (
    re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ t]0{1,2}:0{2}(?::0{2}(?:\.0+)?)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's 1900 date system, with its 1900-02-29 bug absorbed
_YEARS = (1949, 2100)


def _plausible(d: dt.date) -> dt.date:
    if not _YEARS[0] <= d.year <= _YEARS[1]:
        raise Rejected("v_date_range", date=d.isoformat())
    return d


def parse_date(value: object) -> tuple[dt.date, bool]:
    """(date, changed). Accepts dates, midnight datetimes, Excel serials, 20230305, and the
    text forms 2023年3月5日, 2023-03-05, 2023/3/5, 2023.3.5. Raises ``Rejected``."""
    if isinstance(value, dt.datetime) or isinstance(value, pd.Timestamp):
        midnight = (value.hour, value.minute, value.second) == (0, 0, 0)
        return _plausible(value.date()), not midnight
    if isinstance(value, dt.date):
        return _plausible(value), False
    if isinstance(value, (bool, np.bool_)):
        raise Rejected("v_not_date")
    if isinstance(value, (int, float, np.integer, np.floating)):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            return parse_date(str(int(value)))[0], True
        if _YEARS[0] <= value < _YEARS[1] + 1:  # 2023 or 2023.5 typed as a number (as an Excel serial: 1905)
            return parse_date(str(int(value)) if float(value).is_integer() else repr(float(value)))
        if 1 <= value < 80000 and float(value).is_integer():
            return _plausible(_EXCEL_EPOCH + dt.timedelta(days=int(value))), True
        raise Rejected("v_not_date")
    s = nfkc(value).lower()
    if s.startswith("="):
        raise Rejected("v_formula")
    if re.fullmatch(r"\d{5}(\.0+)?", s):  # an Excel serial that arrived as text
        return parse_date(float(s))
    for rx in _DATE_RES:
        m = rx.match(s)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                out = dt.date(y, mo, d)
            except ValueError:
                raise Rejected("v_bad_date", value=s) from None
            _plausible(out)
            return out, out.isoformat() != s
    # A month (月报 ledgers record starts by month) or a year is not a day: rejected, with the
    # full date to write instead, or to leave the cell empty (tester 12).
    month = re.fullmatch(r"(\d{4})\s*年\s*(\d{1,2})\s*月|(\d{4})[-/.](\d{1,2})", s)
    if month:
        y, mo = (int(g) for g in month.groups() if g is not None)
        if 1 <= mo <= 12 and _YEARS[0] <= y <= _YEARS[1]:
            raise Rejected("v_no_day", example=f"{y}-{mo:02d}-01")
    year = re.fullmatch(r"(\d{4})\s*年?", s)
    if year and _YEARS[0] <= int(year[1]) <= _YEARS[1]:
        raise Rejected("v_year_only", example=f"{year[1]}-03-05")
    raise Rejected("v_not_date")


def dates(s: pd.Series) -> ColumnResult:
    return _per_unique(s, parse_date)


# --- text ------------------------------------------------------------------------------------------


def _parse_each_once(values: pd.Series, parse) -> dict:
    """``parse(v)`` for each distinct value (a ledger repeats most of its values), or the reason
    ``parse`` rejected it with."""
    parsed = {}
    for v in pd.unique(values):
        try:
            parsed[v] = parse(v)
        except Rejected as r:
            parsed[v] = r.reason
    return parsed


def _is_reason(got) -> bool:
    """A rejection reason: (message key, its parameters)."""
    return isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], str) and isinstance(got[1], dict)


def _per_unique(s: pd.Series, parse) -> ColumnResult:
    present = s.notna().to_numpy()
    out = np.full(len(s), None, dtype=object)
    changed = np.zeros(len(s), bool)
    reasons: dict[int, Reason] = {}
    parsed = _parse_each_once(s[present], parse)
    for i in np.flatnonzero(present):
        got = parsed[s.iat[i]]
        if _is_reason(got):
            reasons[i] = got
        else:
            out[i], changed[i] = got
    return ColumnResult(pd.Series(out, index=s.index, dtype=object), reasons, changed)


# A ledger's longest texts (names, owners, notes) run to a few dozen characters; a cell of
# 100,000 was taken whole and filled the meeting form's project list.
TEXT_MAX = 500


def _text(v: object) -> tuple[str, bool]:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v)), True  # an id Excel stored as a number: 1001.0 -> "1001"
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()[:10] if isinstance(v, dt.date) and not isinstance(v, dt.datetime) else str(v), True
    text = str(v)
    stripped = _unguarded(text.strip())
    if not stripped:
        raise Rejected("v_blank")
    if len(stripped) > TEXT_MAX:
        raise Rejected("v_too_long", n=f"{len(stripped):,}", max=TEXT_MAX)
    return stripped, stripped != text


def _unguarded(text: str) -> str:
    """``text`` without the ' an extract put before formula-like text (``schema.formula_guarded``):
    a CSV exported, edited and imported again had gained it for good (tester 9)."""
    return text[1:].strip() if text[:1] == "'" and schema.formula_guarded(text[1:]) else text


# Dashes a Chinese input method or a word processor puts where an id has "-".
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})


def _identifier(v: object) -> tuple[str, bool]:
    """An id as stored: NFKC (full-width letters, digits and "－" as typed with a Chinese input
    method), dashes as "-", upper case. "ＸＭ2023－430281－0007" or "xm2023-430281-0007" had been
    new projects beside XM2023-430281-0007, their investment counted twice."""
    text, changed = _text(v)
    normal = unicodedata.normalize("NFKC", text).translate(_DASHES).upper()
    return normal, changed or normal != text


# Degrees, minutes, seconds as surveyors' and old ledgers write them: 113°30′15.5″, 113°30'15.5",
# 113度30分15.5秒, 27°50.5' (minutes with decimals), with an optional E/N/东/北 (or W/S/西/南).
_DMS = re.compile(r"^([+-]?)(\d{1,3}(?:\.\d+)?)\s*(?:°|度)\s*(?:(\d{1,2}(?:\.\d+)?)\s*(?:′|'|’|分))?\s*"
                  r"(?:(\d{1,2}(?:\.\d+)?)\s*(?:″|′′|\"|”|''|秒))?\s*([EWNS东西南北]?)$", re.IGNORECASE)


def dms_degrees(value: object) -> float | None:
    """Decimal degrees of a degrees-minutes-seconds text, or None when it is not one (or a
    minute or second is 60 or more)."""
    if not isinstance(value, str):
        return None
    found = _DMS.match(nfkc(value).strip().replace("º", "°"))
    if not found:
        return None
    sign, degrees, minutes, seconds, hemisphere = found.groups()
    minutes, seconds = float(minutes or 0), float(seconds or 0)
    if minutes >= 60 or seconds >= 60:
        return None
    out = float(degrees) + minutes / 60 + seconds / 3600
    return -out if sign == "-" or hemisphere.upper() in ("W", "S", "西", "南") else out


def column(s: pd.Series, table: str, target: str, factor: float = 1.0) -> ColumnResult:
    """Normalise one mapped column (``target`` is a schema column or lon/lat/x/y/wkt)."""
    s = s.where(~s.map(lambda v: isinstance(v, str) and not v.strip()), None)  # blank text is a missing value
    if target in ("lon", "lat"):
        degrees = s.map(dms_degrees)
        converted = degrees.notna().to_numpy()
        result = numbers(s.where(~converted, degrees), None, 1.0, signed=True)
        result.changed = converted if result.changed is None else (result.changed | converted)
        return result
    if target in ("x", "y"):
        return numbers(s, None, 1.0, signed=True)
    if target == "commissioned_year":  # "2023年", "2023 年": how ledgers write a year
        years = s.map(lambda v: _YEAR_RE.sub(r"\1", nfkc(v)) if isinstance(v, str) else v)
        result = numbers(years, schema.column(table, target), factor)
        result.changed |= (years != s).to_numpy() & s.notna().to_numpy()
        return result
    if target == "wkt":
        return _per_unique(s, lambda v: (str(v).strip(), False))
    if target == "district_adcode":
        return _per_unique(s, parse_district)
    col = schema.column(table, target)
    if target.endswith("_id") and col.dtype == "string":  # this table's id, or the id of what a row refers to
        return _per_unique(s, _identifier)
    if col.dtype in ("float", "int"):
        return numbers(s, col, factor)
    if col.dtype == "date":
        return dates(s)
    if col.enum:
        return _per_unique(s, lambda v: parse_enum(v, col.enum))
    if s.dtype == object and s.dropna().map(type).eq(str).all():  # fast path: already text
        stripped = s.str.strip()
        if stripped.str.startswith("'").any():  # the ' an extract put before formula-like text
            stripped = stripped.map(_unguarded, na_action="ignore")
        changed = (stripped != s).to_numpy() & s.notna().to_numpy()
        lengths = stripped.str.len()
        too_long = {int(i): ("v_too_long", {"n": f"{int(lengths.iat[i]):,}", "max": TEXT_MAX})
                    for i in np.flatnonzero((lengths > TEXT_MAX).to_numpy())}
        kept = stripped.where((stripped != "") & ~(lengths > TEXT_MAX), None)
        return ColumnResult(kept, too_long, changed)
    return _per_unique(s, _text)
