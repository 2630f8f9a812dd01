"""The spreadsheet formats of an extract (``geo.export``): CSV and XLSX, for people.

Chinese (or English) headers with units, enum values in the chosen language, the district's name
beside its code, lon/lat columns for points and WKT for polygons, a substation's load rate. CSV:
UTF-8 with a BOM (Excel and WPS detect the encoding only by it), CRLF, formula-like text guarded
with ' (``schema.formula_guarded``; an import takes it off again), a README.txt in a zip of
several. XLSX: typed cells (Excel never runs a text cell), frozen headers, an About sheet. Each
writer takes the extract's job (its tables one at a time, its texts) and returns (bytes, cells
guarded).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd
import shapely
import xlsxwriter

from geo import schema
from geo.boundaries import DISTRICTS
from geo.export_gis import POINT_TABLES, h3_hex, headroom_mw, load_rate_pct, new_zip, readme_text, zip_entry
from geo.task_rates import STATE_TEXT

if TYPE_CHECKING:
    from geo.export import Job

XLSX_CELL_CHARS = 32_767  # Excel's limit of a cell's text; xlsxwriter cuts longer strings silently
MONEY_UNITS = ("亿元", "万元")  # shown with two decimals and thousands separators
_XLSX_CHUNK = 50_000
_XL_WRITE = {"date": "datetime", "num": "number", "str": "string"}


# --- shared preparation --------------------------------------------------------------------------


def guard(s: pd.Series) -> tuple[pd.Series, int]:
    """Prefix formula-like text with ' (OWASP CSV injection); numbers never come through here."""
    starts = schema.FORMULA_STARTS  # schema.formula_guarded, vectorised (a million-row column)
    hit = (s.str.startswith(starts) | (s.str.startswith("'") & s.str[1:].str.startswith(starts))).fillna(False).astype(bool)
    n = int(hit.sum())
    return (s.where(~hit, "'" + s) if n else s), n


def for_people(job: Job, table: str, df: pd.DataFrame, *, guarded_text: bool) -> tuple[pd.DataFrame, int]:
    """Headers with units, enum values in the job's language, district names beside their codes, lon/lat
    (7 decimals, ~1 cm, as in the WKT) or WKT; with ``guard`` formula-like text is prefixed (CSV:
    a spreadsheet opening it would run it; XLSX cells are written as text and never run, so
    their values stay as they are). Returns the frame and how many text cells were guarded."""
    out, guarded, lang = {}, 0, job.lang
    for col in schema.columns(table):
        if col.dtype == "geometry" or col.name not in df.columns:  # (h3_r7 is not in GCJ-02 files)
            continue
        s = df[col.name]
        if col.name == "h3_r7":
            s = h3_hex(s)
        elif col.dtype == "string":
            if col.enum and lang != "zh":
                s = s.map(lambda v: schema.enum_label(v, lang), na_action="ignore")
            if guarded_text:
                s, n = guard(s)
                guarded += n
        out[col.label(lang)] = s
        if col.name == "district_adcode":  # the name beside the code: a spreadsheet reader has no lookup
            out[job.t("district")] = s.map(lambda c: DISTRICTS.get(c, (None, None))[lang != "zh"],
                                                      na_action="ignore")
        if col.name == "project_id" and "project_name" in df.columns:  # a task's project, by its name
            name = df["project_name"]
            if guarded_text:  # a ledger's text like any other: guarded and counted
                name, n = guard(name)
                guarded += n
            out[schema.column("projects", "name").label(lang)] = name
        if col.name == "status" and "task_state" in df.columns:  # as the meeting page says it, at the as-of date
            out[job.t("task_state")] = df["task_state"].map(lambda s: STATE_TEXT[s][lang != "zh"], na_action="ignore")
            out[job.t("days_overdue")] = df["days_overdue"].astype("Int64")
    if table == "substations":  # the figure the energy page bands and colours by (its rule in 说明)
        out[job.t("load_rate_col")] = load_rate_pct(df)
        out[job.t("headroom_col")] = headroom_mw(df)
        out[job.t("pending_col")] = df["pending_mw"]
    if table in POINT_TABLES:
        for key, coord in (("lon", df.geometry.x), ("lat", df.geometry.y)):
            out[job.t(key)] = coord.round(7)
    elif table in schema.GEO_TABLES:
        out[job.t("wkt")] = pd.Series(shapely.to_wkt(df.geometry.to_numpy(), rounding_precision=7),
                                                 index=df.index)
    return pd.DataFrame(out, index=df.index, copy=False), guarded


def write_csv(job: Job) -> tuple[bytes, int]:
    """UTF-8 with BOM (Excel/WPS detect the encoding only by it), ISO dates, CRLF (RFC 4180)."""
    buf, zf = new_zip() if len(job.rows) > 1 else (io.BytesIO(), None)
    guarded = 0
    for table, df in job.frames():
        people, n = for_people(job, table, df, guarded_text=True)
        guarded += n
        raw = (zf.open(zip_entry(f"{job.label(table)}.csv", job.now), "w", force_zip64=True)
               if zf else buf)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        people.to_csv(text, index=False, date_format="%Y-%m-%d", lineterminator="\r\n")
        text.flush()
        text.detach()
        if zf:
            raw.close()
    if zf:  # what a single CSV cannot say (the panel says so): filters, snapshot, coordinates, guards
        zf.writestr(zip_entry("README.txt", job.now), readme_text(job.about(formula_cells=guarded)))
        zf.close()
    return buf.getvalue(), guarded


def write_xlsx(job: Job) -> tuple[bytes, int]:
    """xlsxwriter in constant-memory mode, row by row with typed cells.

    Not ``DataFrame.to_excel``: pandas writes column by column, which rules out constant-memory
    mode (every cell of a million-row sheet would sit in memory) and is about twice as slow.
    Strings are never turned into formulas, numbers or URLs; dates get a yyyy-mm-dd format.
    """
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    money = wb.add_format({"num_format": "#,##0.00"})
    fmts = {"date": wb.add_format({"num_format": "yyyy-mm-dd"}), "num": None, "str": None}
    too_long = 0
    for table, df in job.frames():
        people, _ = for_people(job, table, df, guarded_text=False)
        del df
        money_columns = {c.label(job.lang) for c in schema.columns(table) if c.unit in MONEY_UNITS}
        ws = wb.add_worksheet(job.label(table))
        ws.freeze_panes(1, 0)
        ws.write_row(0, 0, list(people.columns), head)
        ws.autofilter(0, 0, len(people), len(people.columns) - 1)
        kinds = ["date" if pd.api.types.is_datetime64_any_dtype(s) else
                 "num" if pd.api.types.is_numeric_dtype(s) else "str" for _, s in people.items()]
        writers = [(getattr(ws, f"write_{_XL_WRITE[k]}"), money if name in money_columns else fmts[k])
                   for name, k in zip(people.columns, kinds)]
        if people.empty:  # the headers still readable on a sheet without rows
            for c, (name, kind) in enumerate(zip(people.columns, kinds)):
                ws.set_column(c, c, _width(name, [], kind))
        for start in range(0, len(people), _XLSX_CHUNK):  # Python objects for one chunk at a time
            part = people.iloc[start:start + _XLSX_CHUNK]
            columns = [(s.dt.date if k == "date" else s).astype(object).where(s.notna(), None).tolist()
                       for k, (_, s) in zip(kinds, part.items())]
            if start == 0:
                for c, (name, kind) in enumerate(zip(people.columns, kinds)):
                    ws.set_column(c, c, _width(name, columns[c][:500], kind))
            for r, row in enumerate(zip(*columns), start=start + 1):
                for c, v in enumerate(row):
                    if v is not None:
                        write, fmt = writers[c]
                        if isinstance(v, str) and len(v) > XLSX_CELL_CHARS:  # Excel would cut it short
                            v, too_long = job.t("too_long"), too_long + 1
                        write(r, c, v, fmt)
    ws = wb.add_worksheet(job.t("about"))
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 90, wb.add_format({"text_wrap": True, "valign": "top"}))
    ws.write_row(0, 0, [job.t("item"), job.t("value")], head)
    for r, (k, v) in enumerate(job.about(too_long=too_long), start=1):
        ws.write_string(r, 0, k)
        ws.write_string(r, 1, v)
    wb.close()
    return buf.getvalue(), 0


def _width(header: str, sample: list, kind: str) -> float:
    def w(text: str) -> int:  # CJK characters are two columns wide
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
    longest = 10 if kind == "date" else max([w(str(v)) for v in sample if v is not None], default=0)
    return min(max(w(header), longest, 8) + 2, 60)
