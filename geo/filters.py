"""The shared filters: one frozen dataclass, round-tripped through the URL, turned into bound SQL.

A link reproduces a view: ``Filters.to_query_params()`` writes only non-default values, and
``Filters.from_query_params()`` reads them back, ignoring (and reporting) anything it does not
understand instead of failing. ``where()`` gives a SQL condition with named parameters for the
query layer; values never enter the SQL text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from geo import schema
from geo.boundaries import ADCODES, DISTRICTS

# URL key -> (Filters field, allowed values), in sidebar order. Values in URLs are the stored
# (Chinese) terms or adcodes, so a link means the same thing whatever the reader's UI language.
URL_PARAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "district": ("districts", ADCODES),
    "stage": ("stages", schema.STAGES),
    "category": ("categories", schema.CATEGORIES),
    "level": ("levels", schema.LEVELS),
    "chain": ("chains", schema.INDUSTRY_CHAINS),
}
# Which project column each list filter constrains.
_PROJECT_COLUMNS = {"districts": "district_adcode", "stages": "stage", "categories": "category",
                    "levels": "level", "chains": "industry_chain"}
SEPARATOR = ","


@dataclass(frozen=True)
class Filters:
    districts: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    chains: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Canonical (deduplicated, schema order) however it was built, so equal views compare,
        # hash and cache equal, and their links are identical.
        for key, (field, allowed) in URL_PARAMS.items():
            object.__setattr__(self, field, _canonical(getattr(self, field), allowed))

    @property
    def is_empty(self) -> bool:
        return self == Filters()

    def cleared(self) -> Filters:
        return Filters()

    def with_districts(self, districts: tuple[str, ...]) -> Filters:
        return replace(self, districts=tuple(districts))

    # --- URL -------------------------------------------------------------------------------------
    def to_query_params(self) -> dict[str, str]:
        out = {}
        for key, (field, _) in URL_PARAMS.items():
            values = getattr(self, field)
            if values:
                out[key] = SEPARATOR.join(values)
        return out

    @classmethod
    def from_query_params(cls, params: Mapping[str, str | list[str]]) -> tuple[Filters, list[str]]:
        """Filters from URL parameters, plus human-readable notices for what was ignored.

        Accepts district names as well as adcodes (``醴陵市``, ``醴陵``), since people edit links.
        Keys this module does not own (``lang``, a page's own keys) are left to their owners.
        """
        values: dict[str, tuple[str, ...]] = {}
        notices: list[str] = []
        for key, (field, allowed) in URL_PARAMS.items():
            if key not in params:
                continue
            raw = params[key]
            items = raw if isinstance(raw, list) else str(raw).split(SEPARATOR)
            good = []
            for item in (i.strip() for i in items):
                value = _district_code(item) if key == "district" else item
                if value in allowed:
                    good.append(value)
                elif item:
                    notices.append(f"{key}={item}")
            values[field] = tuple(good)
        return cls(**values), notices

    # --- SQL -------------------------------------------------------------------------------------
    def where(self, table: str = "projects", prefix: str = "f_") -> tuple[str, dict[str, list[str]]]:
        """``(condition, params)`` for ``table``; "TRUE" when nothing is filtered.

        Filters a table does not have (e.g. stage for parcels) do not apply to it.
        """
        names = set(schema.column_names(table))
        clauses, params = [], {}
        for field in fields(self):
            values = getattr(self, field.name)
            column = _PROJECT_COLUMNS[field.name]
            if table == "districts" and field.name == "districts":
                column = "adcode"
            if not values or column not in names:
                continue
            name = f"{prefix}{field.name}"
            clauses.append(f"list_contains(${name}, {column})")
            params[name] = list(values)
        return (" AND ".join(clauses) or "TRUE"), params

    def describe(self, lang: str = "zh") -> str:
        """Short text of what is filtered, for captions ("醴陵市 · 在建")."""
        parts = []
        if self.districts:
            parts.append("、".join(DISTRICTS[c][0 if lang == "zh" else 1] for c in self.districts))
        for field in ("stages", "categories", "levels", "chains"):
            parts += [schema.enum_label(v, lang) for v in getattr(self, field)]
        return " · ".join(parts)


def _canonical(values, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Deduplicated, in the schema's order, so equal filters compare (and cache) equal."""
    chosen = set(values)
    return tuple(v for v in allowed if v in chosen)


def _district_code(text: str) -> str:
    if text in DISTRICTS:
        return text
    for code, (zh, en) in DISTRICTS.items():
        short = zh[:-1] if len(zh) > 2 else zh
        if text in (zh, short, en) or text.lower() == en.lower() or text.lower() == en.split()[0].lower():
            return code
    return text
