"""Checking tables against ``geo.schema`` before they are stored: columns, types, enums, keys.

Values are coerced to the schema's types (text, float, nullable int, Parquet DATE, bool,
WGS84 geometry); anything that cannot be coerced, a null in a required column, an unknown enum
value or a duplicate primary key is a problem line naming the table, the column and the first
rows, so whoever supplied the data can fix it. Used by ``geo.store.write_snapshot`` (and by a
future import, which can show the same lines to a data steward).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from geo import schema

DATE32 = pd.ArrowDtype(pa.date32())
_MAX_ROWS_NAMED = 5


def _row_ids(df: pd.DataFrame, table: str, mask: np.ndarray) -> str:
    """Name offending rows by primary key when it is usable, else by position."""
    positions = np.flatnonzero(mask)
    pk = schema.PRIMARY_KEYS.get(table)
    if pk in df.columns and not df[pk].iloc[positions].isna().any():
        label, ids = pk, [str(v) for v in df[pk].iloc[positions[:_MAX_ROWS_NAMED]]]
    else:
        label, ids = "row", [str(i) for i in positions[:_MAX_ROWS_NAMED]]
    more = f" and {len(positions) - _MAX_ROWS_NAMED} more" if len(positions) > _MAX_ROWS_NAMED else ""
    return f"{len(positions)} row(s), {label}: {', '.join(ids)}{more}"


def _coerce_string(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_integer_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype("str").where(s.notna()), np.zeros(len(s), bool)
    if isinstance(s.dtype, pd.StringDtype) or pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s.astype("str"), np.zeros(len(s), bool)  # fast path: already text (or all null)
    values = s.to_numpy(dtype=object, copy=True)
    missing = pd.isna(s).to_numpy()
    bad = np.zeros(len(s), bool)
    for i, v in enumerate(values):
        if missing[i]:
            values[i] = None
        elif isinstance(v, str):
            continue
        elif isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
            values[i] = str(v)  # an adcode read from Excel as a number
        else:
            bad[i] = True
            values[i] = None
    return pd.Series(values, index=s.index, dtype="str"), bad


def _coerce_number(s: pd.Series, integer: bool) -> tuple[pd.Series, np.ndarray]:
    if pd.api.types.is_bool_dtype(s):
        return pd.Series(np.nan, index=s.index), s.notna().to_numpy()
    if integer and pd.api.types.is_integer_dtype(s):
        # Already integers: never via float64, which loses digits above 2**53 (H3 cell ids).
        return s.astype("Int64"), np.zeros(len(s), bool)
    num = pd.to_numeric(s, errors="coerce").astype("float64")
    bad = (num.isna() & s.notna()).to_numpy().copy()
    if integer:
        frac = num.notna() & (num % 1 != 0)
        bad = bad | frac.to_numpy(dtype=bool)
        num = num.where(~frac)
        return num.astype("Int64"), bad
    return num, bad


def _coerce_date(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    if s.dtype == DATE32:
        return s, np.zeros(len(s), bool)
    if pd.api.types.is_datetime64_any_dtype(s):  # vectorised: midnight datetimes are dates
        bad = (s.notna() & (s != s.dt.normalize())).to_numpy()
        values = [None if pd.isna(v) else v.date() for v in s.where(~bad)]
        return pd.Series(pd.array(values, dtype=DATE32), index=s.index), bad
    if pd.api.types.infer_dtype(s, skipna=True) in ("date", "empty"):
        values = [None if pd.isna(v) else v for v in s.to_numpy(dtype=object)]
        return pd.Series(pd.array(values, dtype=DATE32), index=s.index), np.zeros(len(s), bool)
    values = s.to_numpy(dtype=object, copy=True)
    missing = pd.isna(s).to_numpy()
    bad = np.zeros(len(s), bool)
    for i, v in enumerate(values):
        if missing[i]:
            values[i] = None
            continue
        try:
            if isinstance(v, np.datetime64):
                v = pd.Timestamp(v)
            if isinstance(v, dt.datetime):  # includes pd.Timestamp
                if (v.hour, v.minute, v.second, v.microsecond) != (0, 0, 0, 0):
                    raise ValueError("has a time of day")
                v = v.date()
            elif isinstance(v, str):
                v = dt.date.fromisoformat(v.strip())
            elif not isinstance(v, dt.date):
                raise TypeError
            values[i] = v
        except (TypeError, ValueError):
            bad[i] = True
            values[i] = None
    return pd.Series(pd.array(list(values), dtype=DATE32), index=s.index), bad


def _coerce_bool(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    values = s.to_numpy(dtype=object, copy=True)
    missing = pd.isna(s).to_numpy()
    bad = np.zeros(len(s), bool)
    for i, v in enumerate(values):
        if missing[i]:
            values[i] = None
        elif isinstance(v, (bool, np.bool_)):
            values[i] = bool(v)
        else:
            bad[i] = True
            values[i] = None
    return pd.Series(pd.array(list(values), dtype="boolean"), index=s.index), bad


_EXPECTED = {"string": "text", "float": "a number", "int": "a whole number",
             "date": "a date (date, midnight datetime or YYYY-MM-DD)", "bool": "true/false"}


def _validate_table(table: str, frame: pd.DataFrame, problems: list[str]) -> pd.DataFrame | None:
    """Check one table against the schema and return it with canonical dtypes, in schema order.

    Appends human-readable lines to ``problems``; returns None when the table cannot be used.
    """
    cols = schema.columns(table)
    names = [c.name for c in cols]
    is_geo = table in schema.GEO_TABLES
    start = len(problems)
    if not isinstance(frame, pd.DataFrame):
        problems.append(f"{table}: expected a DataFrame, got {type(frame).__name__}")
        return None
    if is_geo:
        if not isinstance(frame, gpd.GeoDataFrame):
            problems.append(f"{table}: must be a GeoDataFrame (it has a geometry column)")
        elif frame.crs is None:
            problems.append(f"{table}: GeoDataFrame has no CRS; the store holds {schema.STORAGE_CRS}")
        elif frame.crs.to_epsg() != 4326:
            problems.append(f"{table}: GeoDataFrame is in {frame.crs.to_string()}; convert it with "
                            f"to_crs({schema.STORAGE_CRS!r}) first")
    absent = schema.absent_columns(table, frame.columns)
    if absent:  # a column added since version 1: a frame written before it has it empty, as a file does
        frame = frame.assign(**{c.name: None for c in absent})
    missing = [n for n in names if n not in frame.columns]
    extra = [str(c) for c in frame.columns if c not in names]
    if missing:
        problems.append(f"{table}: missing column(s): {', '.join(missing)}")
    if extra:
        problems.append(f"{table}: unexpected column(s): {', '.join(extra)} "
                        f"(the schema has: {', '.join(names)})")
    if frame.columns.duplicated().any():
        dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        problems.append(f"{table}: duplicated column name(s): {', '.join(dup)}")
    if len(problems) > start:
        return None

    frame = frame.reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    for col in cols:
        s = frame[col.name]
        where = f"{table}.{col.name}"
        if col.dtype == "geometry":
            geom = gpd.GeoSeries(s, crs=schema.STORAGE_CRS)
            nulls = (geom.isna() | geom.is_empty).to_numpy()
            if nulls.any() and not col.nullable:
                problems.append(f"{where}: missing or empty geometry in a non-nullable column "
                                f"({_row_ids(frame, table, nulls)})")
            out[col.name] = geom
            continue
        if col.dtype == "string":
            coerced, bad = _coerce_string(s)
        elif col.dtype in ("float", "int"):
            coerced, bad = _coerce_number(s, integer=col.dtype == "int")
        elif col.dtype == "date":
            coerced, bad = _coerce_date(s)
        elif col.dtype == "bool":
            coerced, bad = _coerce_bool(s)
        else:  # pragma: no cover - schema is ours
            raise TypeError(f"{where}: schema dtype {col.dtype!r} is not supported by the store")
        if bad.any():
            problems.append(f"{where}: value(s) that are not {_EXPECTED[col.dtype]} "
                            f"({_row_ids(frame, table, bad)})")
        nulls = (s.isna().to_numpy() & ~bad)
        if nulls.any() and not col.nullable:
            problems.append(f"{where}: null value(s) in a non-nullable column "
                            f"({_row_ids(frame, table, nulls)})")
        if col.enum:
            allowed = {str(v) for v in col.enum}
            present = coerced.notna().to_numpy()
            off = present & ~coerced.astype(object).map(lambda v: str(v) in allowed).to_numpy()
            if off.any():
                seen = sorted({str(v) for v in coerced[off]})[:_MAX_ROWS_NAMED]
                problems.append(f"{where}: value(s) {', '.join(seen)} not in the allowed set "
                                f"{', '.join(map(str, col.enum))} ({_row_ids(frame, table, off)})")
        if col.dtype == "int" and not col.nullable and not coerced.isna().any():
            coerced = coerced.astype("int64")
        if col.dtype == "bool" and not col.nullable and not coerced.isna().any():
            coerced = coerced.astype(bool)
        out[col.name] = coerced

    pk = schema.PRIMARY_KEYS.get(table)
    if pk in out:
        dup = out[pk].duplicated(keep=False).to_numpy() & out[pk].notna().to_numpy()
        if dup.any():
            problems.append(f"{table}.{pk}: duplicate primary key value(s) ({_row_ids(frame, table, dup)})")
    if len(problems) > start:
        return None
    if is_geo:
        return gpd.GeoDataFrame(out, geometry="geometry", crs=schema.STORAGE_CRS)
    return pd.DataFrame(out)


def validate_tables(tables: Mapping[str, pd.DataFrame], complete: bool = True
                    ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Every table checked against ``geo.schema`` and coerced to its column types.

    Returns the clean tables and the problems found (one line each, naming table, column and
    the first offending rows); the caller decides what a problem means (the store refuses to
    write anything when there is one). ``complete=False`` checks only the tables given (the
    others are carried over unchanged from an already valid snapshot)."""
    problems: list[str] = []
    unknown = [t for t in tables if t not in schema.TABLES]
    if unknown:
        problems.append(f"unknown table(s): {', '.join(map(str, unknown))}; known: {', '.join(schema.TABLES)}")
    absent = [t for t in schema.TABLES if t not in tables]
    if absent and complete:
        problems.append(f"missing table(s): {', '.join(absent)} (a snapshot is complete: "
                        "carry unchanged tables over with read_table)")
    clean: dict[str, pd.DataFrame] = {}
    for table in schema.TABLES:
        if table in tables:
            result = _validate_table(table, tables[table], problems)
            if result is not None:
                clean[table] = result
    return clean, problems
