"""The shared filters: one frozen dataclass, round-tripped through the URL, turned into bound SQL.

A link reproduces a view: ``Filters.to_query_params()`` writes only non-default values, and
``Filters.from_query_params()`` reads them back, ignoring (and reporting) anything it does not
understand instead of failing. ``where()`` gives a SQL condition with named parameters for the
query layer; values never enter the SQL text.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from geo import schema
from geo.boundaries import ADCODES, DISTRICTS
from geo.i18n import list_separator

# List filters: URL key -> (Filters field, allowed values, column), in sidebar order. Values in
# URLs are the stored (Chinese) terms or adcodes, so a link means the same thing in either UI
# language.
URL_PARAMS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "district": ("districts", ADCODES),
    "park": ("parks", None),  # park names come from the data: any short text
    "stage": ("stages", schema.STAGES),
    "stalled": ("stalled", schema.STALLED_STATES),
    "level": ("levels", schema.LEVELS),
    "category": ("categories", schema.CATEGORIES),
    "chain": ("chains", schema.INDUSTRY_CHAINS),
    "status": ("parcel_statuses", schema.PARCEL_STATUSES),
    "use": ("land_uses", schema.LAND_USES),
    "disposal": ("disposal_methods", schema.DISPOSAL_METHODS),
    "supply": ("supply_modes", schema.SUPPLY_MODES),
    "kv": ("voltages", tuple(str(v) for v in schema.VOLTAGES_KV)),
    "asset": ("asset_statuses", schema.ASSET_STATUSES),
    "load": ("load_bands", schema.LOAD_BANDS),
    "kind": ("plant_kinds", schema.PLANT_KINDS),
}
# Filters field -> (SQL value compared with the list, the column it needs, the tables it applies
# to or None for every table having that column). Parcel status and asset status are separate
# fields: parcels, substations and plants all have a "status" column that means different things.
_LIST_COLUMNS = {"districts": ("district_adcode", "district_adcode", None), "parks": ("park", "park", None),
                 "stages": ("stage", "stage", ("projects",)),
                 "stalled": ("stalled_state", "stalled_state", ("projects",)),
                 "levels": ("level", "level", ("projects",)), "categories": ("category", "category", ("projects",)),
                 "chains": ("industry_chain", "industry_chain", ("projects",)),
                 "parcel_statuses": ("status", "status", ("parcels",)),
                 "land_uses": ("land_use", "land_use", ("parcels",)),
                 "disposal_methods": ("disposal_method", "disposal_method", ("parcels",)),
                 "supply_modes": ("supply_mode", "supply_mode", ("parcels",)),
                 "voltages": ("CAST(voltage_kv AS VARCHAR)", "voltage_kv", ("substations",)),
                 "asset_statuses": ("status", "status", ("substations", "plants")),
                 "load_bands": (schema.LOAD_BAND_SQL, "peak_load_mw", ("substations",)),
                 "plant_kinds": ("kind", "kind", ("plants",))}
PARK_MAX = 50
# Scalar filters' URL keys.
INV_MIN, INV_MAX, YEAR, YEAR_BY, SEARCH = "inv_min", "inv_max", "year", "year_by", "q"
SEARCH_MAX = 100  # characters of the search text (the sidebar's box takes no more)
SEARCH_CUT = f"{SEARCH}>{SEARCH_MAX}"  # the notice of a longer search, which is cut (not ignored)
AREA_MIN, AREA_MAX, DISPOSED_YEAR = "area_min", "area_max", "disposed_year"
YEAR_COLUMNS = {"actual": "actual_start", "planned": "planned_start"}
YEAR_RANGE = (2000, 2100)  # the years a link may name when the caller gives no choices
# A range written the wrong way round is read as the range between, and said: these stand in the
# notices for it (as SEARCH_CUT does for a search cut), not "key=value" (nothing is ignored).
INV_SWAPPED, AREA_SWAPPED = f"{INV_MIN}>{INV_MAX}", f"{AREA_MIN}>{AREA_MAX}"
# The largest number a link's range may hold; above it, it is no filter anyone meant (1e308, a
# slip of the keyboard) and is ignored with the notice, as a negative one is. Investment: 100,000
# 亿元 (10 万亿元) is about twice Hunan's yearly GDP (~5 万亿元 in 2023), and China's largest single
# projects cost a few thousand 亿元 (the Three Gorges dam ~2,000). Area: 17 million 亩 is
# Zhuzhou's whole land area (11,262 km² × 1,500 亩/km² ≈ 16.9 million), rounded up.
NUMBER_LIMITS = {INV_MIN: 100_000.0, INV_MAX: 100_000.0, AREA_MIN: 17_000_000.0, AREA_MAX: 17_000_000.0}
SEPARATOR = ","
ALL_URL_KEYS = (*URL_PARAMS, INV_MIN, INV_MAX, YEAR, YEAR_BY, SEARCH, AREA_MIN, AREA_MAX, DISPOSED_YEAR)


def start_years(as_of_year: int) -> tuple[int, ...]:
    """The start years the sidebar offers (and a link may name): four years back to next year."""
    return tuple(range(as_of_year - 4, as_of_year + 2))


def disposal_years(as_of_year: int) -> tuple[int, ...]:
    """The disposal years the sidebar offers (and a link may name): four years back to this one."""
    return tuple(range(as_of_year - 4, as_of_year + 1))


@dataclass(frozen=True)
class Filters:
    districts: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    stalled: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    chains: tuple[str, ...] = ()
    inv_min: float | None = None  # 亿元, inclusive
    inv_max: float | None = None
    year: int | None = None  # start year …
    year_by: str = "actual"  # … of the actual or the planned start
    search: str = ""  # in the project name or owner, case-insensitive
    parks: tuple[str, ...] = ()
    parcel_statuses: tuple[str, ...] = ()
    land_uses: tuple[str, ...] = ()
    disposal_methods: tuple[str, ...] = ()
    supply_modes: tuple[str, ...] = ()
    area_min: float | None = None  # 亩, inclusive
    area_max: float | None = None
    disposed_year: int | None = None
    voltages: tuple[str, ...] = ()  # "500", "220", "110", "35" (kV)
    asset_statuses: tuple[str, ...] = ()  # substations' and plants' 在运 / 在建 / 规划
    load_bands: tuple[str, ...] = ()  # substations' load-rate band (schema.LOAD_BANDS)
    plant_kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Canonical (deduplicated, schema order, trimmed) however it was built, so equal views
        # compare, hash and cache equal, and their links are identical.
        for field, allowed in URL_PARAMS.values():
            object.__setattr__(self, field, _canonical(getattr(self, field), allowed))
        object.__setattr__(self, "search", (self.search or "").strip()[:SEARCH_MAX])
        if self.year_by not in YEAR_COLUMNS:
            raise ValueError(f"year_by must be one of {', '.join(YEAR_COLUMNS)}")

    @property
    def is_empty(self) -> bool:
        return self == Filters()

    def with_districts(self, districts: tuple[str, ...]) -> Filters:
        return replace(self, districts=tuple(districts))

    def without(self, field: str) -> Filters:
        """These filters but ``field``'s (e.g. "stages"): what a clickable chart of that field
        counts, so its other bars stay to click (the chosen ones are drawn opaque)."""
        return replace(self, **{field: ()})

    # --- URL -------------------------------------------------------------------------------------
    def to_query_params(self) -> dict[str, str]:
        out = {key: SEPARATOR.join(getattr(self, field)) for key, (field, _) in URL_PARAMS.items()
               if getattr(self, field)}
        for key in (INV_MIN, INV_MAX, AREA_MIN, AREA_MAX):  # URL key = field name
            if getattr(self, key) is not None:
                out[key] = _number_text(getattr(self, key))
        if self.year is not None:
            out[YEAR] = str(self.year)
            if self.year_by != "actual":
                out[YEAR_BY] = self.year_by
        if self.search:
            out[SEARCH] = self.search
        if self.disposed_year is not None:
            out[DISPOSED_YEAR] = str(self.disposed_year)
        return out

    @classmethod
    def from_query_params(cls, params: Mapping[str, str | list[str]],
                          choices: Mapping[str, Collection] | None = None) -> tuple[Filters, list[str]]:
        """Filters from URL parameters, plus human-readable notices for what was ignored.

        Accepts district names as well as adcodes (``醴陵市``, ``醴陵``), since people edit links.
        Keys this module does not own (``lang``, a page's own keys) are left to their owners.
        ``choices`` gives, for ``park``, ``year`` and ``disposed_year``, the values the sidebar
        offers (the store's parks, its years): any other is ignored and said, as an unknown
        district is (a year the sidebar cannot show was dropped silently, a misspelt park gave an
        empty page). Without it, any park and any year within ``YEAR_RANGE`` is taken.
        Every value ignored or changed is in the notices: ``key=value`` for what was ignored,
        ``SEARCH_CUT``, ``INV_SWAPPED`` and ``AREA_SWAPPED`` for what was changed.
        """
        choices = choices or {}
        values: dict = {}
        notices: list[str] = []
        for key, (field, allowed) in URL_PARAMS.items():
            if key not in params:
                continue
            raw = params[key]
            items = raw if isinstance(raw, list) else str(raw).split(SEPARATOR)
            allowed = choices.get(key, allowed)
            good = []
            for item in (i.strip() for i in items):
                value = _district_code(item) if key == "district" else item
                if allowed is None or value in allowed:
                    good.append(value)
                elif item:
                    notices.append(f"{key}={item}")
            values[field] = tuple(good)
        for key in (INV_MIN, INV_MAX, AREA_MIN, AREA_MAX):
            if key in params:
                number = _parse_number(_single(params[key]), NUMBER_LIMITS[key])
                if number is None:
                    notices.append(f"{key}={_single(params[key])}")
                else:
                    values[key] = number
        for low, high, swapped in ((INV_MIN, INV_MAX, INV_SWAPPED), (AREA_MIN, AREA_MAX, AREA_SWAPPED)):
            if values.get(low) is not None and values.get(high) is not None and values[low] > values[high]:
                # read as the range between them, as the sidebar reads the same two numbers typed in
                # (and says: the URL is rewritten in order)
                values[low], values[high] = values[high], values[low]
                notices.append(swapped)
        for key in (YEAR, DISPOSED_YEAR):
            if key in params:
                text = _single(params[key])
                years = choices.get(key, range(YEAR_RANGE[0], YEAR_RANGE[1] + 1))
                if text.isdigit() and int(text) in years:
                    values[key] = int(text)
                else:
                    notices.append(f"{key}={text}")
        if YEAR_BY in params:
            text = _single(params[YEAR_BY])
            if text in YEAR_COLUMNS:
                values["year_by"] = text
            else:
                notices.append(f"{YEAR_BY}={text}")
        if SEARCH in params:
            text = _single(params[SEARCH])
            if len(text) > SEARCH_MAX:  # the first 100 characters are searched, and that is said
                notices.append(SEARCH_CUT)
            values["search"] = text[:SEARCH_MAX]
        return cls(**values), notices

    # --- SQL -------------------------------------------------------------------------------------
    def only_for(self, *tables: str) -> Filters:
        """These filters without the fields that change no condition on ``tables``.

        A figure over the substations does not depend on the project stage: keyed by these
        filters, it is computed once for every stage instead of once per stage (the overview's
        grid and land figures were recomputed on each project-filter change, ~35 ms at 1 M
        parcels). Decided by ``where`` itself, so the two cannot disagree."""
        kept = self
        for name in self.__dataclass_fields__:
            default = type(self).__dataclass_fields__[name].default
            if getattr(kept, name) == default:
                continue
            without = replace(kept, **{name: default})
            if all(without.where(table) == kept.where(table) for table in tables):
                kept = without
        return kept

    def where(self, table: str = "projects", prefix: str = "f_") -> tuple[str, dict]:
        """``(condition, params)`` for ``table``; "TRUE" when nothing is filtered.

        Filters a table does not have (e.g. stage for parcels) do not apply to it. Column names
        come from this module's fixed maps, never from the caller.
        """
        names = set(schema.column_names(table))
        clauses, params = [], {}
        for field, (value_sql, column, tables) in _LIST_COLUMNS.items():
            values = getattr(self, field)
            if table == "districts" and field == "districts":
                value_sql = column = "adcode"
            if values and column in names and (tables is None or table in tables):
                clauses.append(f"list_contains(${prefix}{field}, {value_sql})")
                params[f"{prefix}{field}"] = list(values)
        if "total_investment_yi" in names:
            if self.inv_min is not None:
                clauses.append(f"total_investment_yi >= ${prefix}inv_min")
                params[f"{prefix}inv_min"] = self.inv_min
            if self.inv_max is not None:
                clauses.append(f"total_investment_yi <= ${prefix}inv_max")
                params[f"{prefix}inv_max"] = self.inv_max
        if self.year is not None and YEAR_COLUMNS[self.year_by] in names:
            clauses.append(f"year({YEAR_COLUMNS[self.year_by]}) = ${prefix}year")
            params[f"{prefix}year"] = self.year
        if self.search and {"name", "owner"} <= names:
            # contains() on lower-cased text: no LIKE wildcards, so % and _ are plain characters
            clauses.append(f"(contains(lower(name), lower(${prefix}search)) OR "
                           f"contains(lower(coalesce(owner, '')), lower(${prefix}search)))")
            params[f"{prefix}search"] = self.search
        if table == "parcels":
            if self.area_min is not None:
                clauses.append(f"area_mu >= ${prefix}area_min")
                params[f"{prefix}area_min"] = self.area_min
            if self.area_max is not None:
                clauses.append(f"area_mu <= ${prefix}area_max")
                params[f"{prefix}area_max"] = self.area_max
            if self.disposed_year is not None:
                clauses.append(f"year(disposed_on) = ${prefix}disposed_year")
                params[f"{prefix}disposed_year"] = self.disposed_year
        return (" AND ".join(clauses) or "TRUE"), params

    def describe(self, lang: str = "zh") -> str:
        """Short text of what is filtered, for captions ("醴陵市 · 在建 · ≥ 10 亿元")."""
        parts = []
        if self.districts:
            # ", " in English ("You County、Liling City": tester 11)
            parts.append(list_separator(lang).join(DISTRICTS[c][0 if lang == "zh" else 1] for c in self.districts))
        parts += list(self.parks)
        for field in ("stages", "stalled", "levels", "categories", "chains", "parcel_statuses", "land_uses",
                      "disposal_methods", "supply_modes", "asset_statuses", "plant_kinds"):
            parts += [schema.enum_label(v, lang) for v in getattr(self, field)]
        parts += [f"{v} kV" for v in self.voltages]
        parts += [schema.enum_label(v, lang) for v in self.load_bands]
        if self.area_min is not None or self.area_max is not None:
            low = "" if self.area_min is None else _number_text(self.area_min)
            high = "" if self.area_max is None else _number_text(self.area_max)
            unit = "亩" if lang == "zh" else "mu"
            parts.append(f"{low}–{high} {unit}" if low and high else (f"≥ {low} {unit}" if low else f"≤ {high} {unit}"))
        if self.disposed_year is not None:
            parts.append(f"{self.disposed_year}年处置" if lang == "zh" else f"disposed {self.disposed_year}")
        if self.inv_min is not None or self.inv_max is not None:
            low = "" if self.inv_min is None else _number_text(self.inv_min)
            high = "" if self.inv_max is None else _number_text(self.inv_max)
            parts.append(f"{low}–{high} 亿元" if low and high else (f"≥ {low} 亿元" if low else f"≤ {high} 亿元"))
        if self.year is not None:
            kind = {"actual": ("实际开工", "actual start"), "planned": ("计划开工", "planned start")}[self.year_by]
            parts.append(f"{kind[0]} {self.year}" if lang == "zh" else f"{kind[1]} {self.year}")
        if self.search:
            parts.append(f"“{self.search}”")
        return " · ".join(parts)


def _canonical(values, allowed: tuple[str, ...] | None) -> tuple[str, ...]:
    """Deduplicated, in the schema's order (sorted for free text), so equal filters compare
    (and cache) equal."""
    chosen = set(values)
    if allowed is None:
        return tuple(sorted(v.strip()[:PARK_MAX] for v in chosen if v and v.strip()))
    return tuple(v for v in allowed if v in chosen)


def _single(raw) -> str:
    return (raw[-1] if isinstance(raw, list) and raw else str(raw)).strip()


def _parse_number(text: str, limit: float) -> float | None:
    """``text`` as a number from 0 to ``limit``; None for anything else (nan, inf, 1e308, -5)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value <= limit else None


def _number_text(value: float) -> str:
    return f"{value:g}"


def _district_code(text: str) -> str:
    if text in DISTRICTS:
        return text
    for code, (zh, en) in DISTRICTS.items():
        short = zh[:-1] if len(zh) > 2 else zh
        if text in (zh, short, en) or text.lower() == en.lower() or text.lower() == en.split()[0].lower():
            return code
    return text
