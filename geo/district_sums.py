"""Figures grouped by district once, so a district filter change adds up a few rows in Python.

Why: the overview's figures are sums over the rows matching the shared filters, and the district
filter only chooses whose rows count. Each figure was a query on every filter change, ~3 ms each
of query-layer and DuckDB overhead whatever the data size (profiled; five on the overview). A
figure's query grouped by district, run once per snapshot, scope and *other* filters, answers
every district selection: the selected districts' rows, and their sums.

Exact for counts and for per-district rows (the same groups of the same rows). A total of several
districts adds the districts' float sums, the same values in another order than one SQL ``sum``
(whose order DuckDB's parallel aggregation does not fix either); the figures are rounded to 0.01.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
import pandas as pd

from geo.filters import Filters
from geo.query import Scope, query
from geo.store import Snapshot


@lru_cache(maxsize=256)
def _all_districts(grouped, snapshot: Snapshot, scope: Scope, filters: Filters, args: tuple, key: str
                   ) -> tuple[pd.DataFrame, dict]:
    """The rows of every district, and each district's row positions among them: picking a
    district's rows by position costs a third of matching the codes again (``isin`` on the
    text column, then a boolean mask over every column: ~1.6 -> 0.6 ms on the investment view's
    1,700 rows of 69 columns; measured), and a page picks rows five to seven times a rerun."""
    frame = grouped(snapshot, scope, filters, *args)
    return frame, frame.groupby(key, sort=False).indices


def rows(grouped, snapshot: Snapshot, scope: Scope, filters: Filters, *args, key: str = "district_adcode"
         ) -> pd.DataFrame:
    """The rows of ``grouped(snapshot, scope, filters, *args)`` (a query with rows per district,
    in column ``key``) for the districts in ``filters`` (all when none), in its order. Computed
    without the district filter and remembered; never modify the result in place."""
    found, positions = _all_districts(grouped, snapshot, scope, replace(filters, districts=()), args, key)
    if filters.districts:
        picked = [positions[code] for code in dict.fromkeys(filters.districts) if code in positions]
        if not picked:
            return found.iloc[:0].reset_index(drop=True)
        at = picked[0] if len(picked) == 1 else np.sort(np.concatenate(picked))
        return found.take(at).reset_index(drop=True)
    return found.copy(deep=False)


def sums(frame: pd.DataFrame, columns) -> dict:
    """Column totals as one SQL aggregate over the same rows gives them: integer columns (counts)
    sum to 0 over no row; other columns skip missing values (SQL NULL) and are None when all are."""
    out = {}
    for column in columns:
        values = frame[column]
        if pd.api.types.is_integer_dtype(values.dtype):
            out[column] = int(sum(values.tolist()))
        else:
            present = [v for v in values.tolist() if v is not None and v == v]  # v != v: NaN
            out[column] = sum(present) if present else None
    return out


@lru_cache(maxsize=16)
def in_scope(snapshot: Snapshot, scope: Scope) -> tuple[tuple[str, str, str], ...]:
    """(adcode, name_zh, name_en) of the districts in scope, in adcode order: fixed per snapshot,
    so queried once (the district filter, the only one on this table, is the caller's to apply)."""
    df = query(snapshot, "SELECT adcode, name_zh, name_en FROM {districts} d ORDER BY adcode", scope=scope).df
    return tuple(zip(df["adcode"].tolist(), df["name_zh"].tolist(), df["name_en"].tolist()))
