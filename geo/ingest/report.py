"""The validation report: counts, every rejected row with its reason, warnings; as text and XLSX.

Reasons are kept as i18n keys with values and rendered in the reader's language at the end, so
the page, the CLI and the downloadable XLSX say exactly the same thing. The XLSX is written with
``strings_to_formulas=False``: a ledger cell "=HYPERLINK(...)" comes back as that text, never as a
live formula, and HTML stays text too.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo import schema
from geo.i18n import TEXT, list_separator, t
from geo.ingest.errors import Localized
from geo.ingest.headers import COORD_LABELS

PROBLEM_COLUMNS = ("row", "column", "value", "reason", "level")


_MAX_VALUE_CHARS = 200


def cell_text(v: object) -> str:
    """A cell as the problems list shows it: a real Excel date as the day ("2023-01-01", not
    "2023-01-01 00:00:00", as the same date from a CSV reads); long text cut."""
    if isinstance(v, (dt.datetime, pd.Timestamp)) and (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0):
        v = v.date()
    s = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
    return s if len(s) <= _MAX_VALUE_CHARS else s[:_MAX_VALUE_CHARS] + "…"


@dataclass
class Report:
    table: str
    file_name: str
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    changed: int = 0  # accepted rows with at least one normalised value
    # one entry per problem: (row number in the file, column, value as text, key, params, level)
    problems: list[tuple[int, str, str, str, dict, str]] = field(default_factory=list)
    notes: list[tuple[str, dict]] = field(default_factory=list)  # file-level notes and warnings
    diff: dict[str, int] = field(default_factory=dict)  # added / updated / unchanged / removed
    encoding: str | None = None
    source_system: str | None = None
    mapping: list[tuple[str, str]] = field(default_factory=list)  # (source header, target column)

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def add(self, row: int, column: str | Localized, cell: object, key: str, params: dict, level: str = "warning") -> None:
        """A problem of one cell: ``level`` "rejected" (its row is not imported) or "warning";
        ``column`` as the file names it, or the schema's (zh, en) name of a column the file has
        no header for (a GIS file's geometry)."""
        self.problems.append((int(row), column, cell_text(cell), key, params, level))

    def problem_frame(self, lang: str = "zh") -> pd.DataFrame:
        """Rejected rows first (by row number), then warnings; headers in ``lang``."""
        ordered = sorted(self.problems, key=lambda p: (p[5] != "rejected", p[0]))
        rows = [(r, _joined({"c": c}, lang)["c"], v, t(f"ingest_{k}", lang, **_joined(p, lang)),
                 t(f"ingest_level_{lvl}", lang)) for r, c, v, k, p, lvl in ordered]
        df = pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
        return df.rename(columns={c: t(f"ingest_col_{c}", lang) for c in PROBLEM_COLUMNS}).reset_index(drop=True)

    def note_texts(self, lang: str = "zh") -> list[str]:
        return [t(k, lang, **_joined(p, lang)) for k, p in self.notes]

    def summary(self, lang: str = "zh") -> str:
        return t("ingest_summary", lang, read=self.rows_read, accepted=self.accepted, rejected=self.rejected,
                 changed=self.changed, table=t(f"table_{self.table}", lang))

    def diff_text(self, lang: str = "zh") -> str:
        if not self.diff:
            return ""
        return t("ingest_diff", lang, **{k: self.diff.get(k, 0) for k in ("added", "updated", "unchanged", "removed")})

    def to_text(self, lang: str = "zh", limit: int = 200) -> str:
        """What the CLI prints: summary, notes, and the problems (the first ``limit``)."""
        lines = [f"{self.file_name} → {self.table}", self.summary(lang)]
        if self.diff:
            lines.append(self.diff_text(lang))
        lines += [f"! {n}" for n in self.note_texts(lang)]
        frame = self.problem_frame(lang)
        for row in frame.head(limit).itertuples(index=False):
            lines.append("  " + " | ".join(str(v) for v in row))
        if len(frame) > limit:
            lines.append(t("ingest_more_problems", lang, n=len(frame) - limit))
        return "\n".join(lines)

    def to_xlsx(self, lang: str = "zh") -> bytes:
        """The report as a workbook: 问题 (every problem) and 概况 (counts, notes, mapping)."""
        import xlsxwriter

        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                       "strings_to_urls": False, "strings_to_numbers": False})
        head = wb.add_format({"bold": True, "bg_color": "#EFEFEF", "border": 1})
        sheet = wb.add_worksheet(t("ingest_sheet_problems", lang))
        frame = self.problem_frame(lang)
        widths = (8, 22, 28, 60, 8)
        for j, name in enumerate(frame.columns):
            sheet.write_string(0, j, str(name), head)
            sheet.set_column(j, j, widths[j])
        for i, row in enumerate(frame.itertuples(index=False), start=1):
            sheet.write_number(i, 0, int(row[0]))
            for j in range(1, len(row)):
                sheet.write_string(i, j, "" if row[j] is None else str(row[j]))
        sheet.freeze_panes(1, 0)
        if len(frame):
            sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
        about = wb.add_worksheet(t("ingest_sheet_about", lang))
        about.set_column(0, 0, 24)
        about.set_column(1, 1, 80)
        lines = [(t("ingest_about_file", lang), self.file_name), (t("ingest_about_table", lang), t(f"table_{self.table}", lang)),
                 (t("ingest_about_summary", lang), self.summary(lang))]
        if self.diff:
            lines.append((t("ingest_about_diff", lang), self.diff_text(lang)))
        if self.encoding:
            lines.append((t("ingest_about_encoding", lang), self.encoding))
        if self.source_system:
            lines.append((t("ingest_about_crs", lang), crs_label(self.source_system, lang)))
        lines += [(t("ingest_about_note", lang), n) for n in self.note_texts(lang)]
        lines += [(t("ingest_about_mapping", lang), f"{src} → {_label(self.table, tgt, lang)}") for src, tgt in self.mapping]
        for i, (k, v) in enumerate(lines):
            about.write_string(i, 0, k, head)
            about.write_string(i, 1, v)
        wb.close()
        return buf.getvalue()


def crs_label(system: str, lang: str) -> str:
    """"WGS84（GPS）", "GCJ-02（高德、腾讯）", "EPSG:4547" …: how the page names the systems."""
    if system.startswith("epsg:"):
        return system.upper()
    key = f"data_crs_{system}"
    return t(key, lang) if key in TEXT else system


def _label(table: str, target: str, lang: str) -> str:
    if target in COORD_LABELS:
        return COORD_LABELS[target][lang != "zh"]
    try:
        return schema.column(table, target).label(lang)
    except KeyError:
        return target


def _joined(params: dict, lang: str) -> dict:
    """A reason's values in ``lang``: a list (rows, columns, allowed values) joined with the
    language's separator (the English report had read "duplicated id (rows 7、13)")."""
    def shown(value):
        return (value[0] if lang == "zh" else value[1]) if isinstance(value, Localized) else value

    return {k: list_separator(lang).join(str(shown(x)) for x in v) if isinstance(v, list) else shown(v)
            for k, v in params.items()}
