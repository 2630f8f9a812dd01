"""A table's stored rows against its rows after an import, by id: how many are added, updated,
unchanged and removed, and which fields of the updated ones change (before publishing).

Rows compare through a canonical text of every column (numbers to 9 decimals, dates as days)
and a hash of it; shapes compare with a tolerance, whatever their ring orientation
(``coords.same_shapes``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo import schema
from geo.ingest.coords import same_shapes


def _canonical(df: pd.DataFrame, table: str) -> pd.Series:
    """One hash per row, indexed by id, equal for equal rows whatever their dtypes (geometry left
    out: ``diff`` compares it with a tolerance)."""
    frame = _canonical_parts(df, table)
    hashes = pd.util.hash_pandas_object(frame, index=False)
    return pd.Series(hashes.to_numpy(), index=df[schema.PRIMARY_KEYS[table]].astype(str).to_numpy())


def _canonical_parts(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Each non-geometry column of ``df`` as comparable text (dates as days, floats to 9 decimals)."""
    parts = {}
    for col in schema.columns(table):
        s = df[col.name] if col.name in df.columns else pd.Series([None] * len(df), index=df.index)
        if col.dtype == "geometry":
            continue  # compared with a tolerance (``diff``)
        if col.dtype == "date":
            parts[col.name] = pd.to_datetime(s.astype(object), errors="coerce").dt.strftime("%Y-%m-%d").fillna("")
        elif col.dtype == "float":
            parts[col.name] = pd.to_numeric(s, errors="coerce").astype("float64").round(9).astype(str)
        elif col.dtype == "int":
            parts[col.name] = pd.to_numeric(s, errors="coerce").astype("Int64").astype(str)
        else:
            parts[col.name] = s.astype(object).where(s.notna(), "\x00").astype(str)
    return pd.DataFrame(parts, index=df.index)


@dataclass(frozen=True)
class Comparison:
    """``base_rows`` against ``new_rows`` by id: the counts (``diff``), and the ids whose stored
    fields (``changed``) or shape (``moved``) differ."""
    counts: dict[str, int]
    changed: pd.Index
    moved: pd.Index


def compare(base_rows: pd.DataFrame, new_rows: pd.DataFrame, table: str) -> Comparison:
    old, new = _canonical(base_rows, table), _canonical(new_rows, table)
    common = new.index.intersection(old.index)
    differs = (new[common] != old[common]).to_numpy()
    moved = common[:0]
    if "geometry" in schema.column_names(table):
        pk = schema.PRIMARY_KEYS[table]
        shapes_old = pd.Series(base_rows["geometry"].to_numpy(), index=base_rows[pk].astype(str).to_numpy())[common]
        shapes_new = pd.Series(new_rows["geometry"].to_numpy(), index=new_rows[pk].astype(str).to_numpy())[common]
        moved = common[~same_shapes(shapes_old.to_numpy(), shapes_new.to_numpy())]
    changed = common[differs]
    updated = len(changed.union(moved))
    counts = {"added": int(len(new) - len(common)), "updated": int(updated), "unchanged": int(len(common) - updated),
              "removed": int(len(old.index.difference(new.index)))}
    return Comparison(counts, changed, moved)


def diff(base_rows: pd.DataFrame, new_rows: pd.DataFrame, table: str) -> dict[str, int]:
    """Rows added, updated, unchanged and removed going from ``base_rows`` to ``new_rows``."""
    return compare(base_rows, new_rows, table).counts


UPDATES_LISTED = 500  # changed fields the page lists before publishing


def updated_fields(base_rows: pd.DataFrame, new_rows: pd.DataFrame, table: str, found: Comparison,
                   limit: int = UPDATES_LISTED) -> tuple[pd.DataFrame, int]:
    """Each field an update changes (id, column, before, after), the first ``limit`` in id order,
    and how many there are, from ``compare``'s ids. "更新 134" had been all a steward saw before
    publishing: not whether the resumed project's 八未 state was really emptied (tester 19). A
    moved outline or point is one field, "geometry", without its coordinates."""
    pk = schema.PRIMARY_KEYS[table]
    ids = found.changed.sort_values()
    old, new = (r.set_index(r[pk].astype(str).to_numpy()).loc[ids] for r in (base_rows, new_rows))
    before, after = _canonical_parts(old, table), _canonical_parts(new, table)
    rows = [(i, c, old.at[i, c], new.at[i, c]) for c in before.columns if c != pk
            for i in before.index[(before[c] != after[c]).to_numpy()]]
    rows += [(i, "geometry", None, None) for i in found.moved]
    order = schema.column_names(table)
    rows.sort(key=lambda r: (r[0], order.index(r[1])))
    return pd.DataFrame(rows[:limit], columns=["id", "column", "before", "after"]), len(rows)
