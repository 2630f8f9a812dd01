"""The one-page meeting brief (调度会简报): A4 landscape PDF for the city or one district.

Leaders take a printed page into the dispatch meeting, and the secretariat copies lines out of
it into minutes, so the PDF must carry real text: every string is set in an embedded CJK font
(Noto Sans CJK SC from Debian's ``fonts-noto-cjk``, subset into the file as a CID-keyed CFF
font with a ToUnicode map), not drawn as pictures. fpdf2 is used because it embeds the CFF-based
OpenType collection directly (``collection_font_number`` picks the SC face); ReportLab and
matplotlib's PDF backend cannot embed CFF outlines. Text is never parsed as markup, so a title
such as ``<b>x</b>`` prints literally.

Contents: title with the place, the print date, the data snapshot id and its as-of date; the
scoreboard row(s) with red/amber/green cells (``geo.meeting``); a district map coloured by
investment progress against the time elapsed; the stalled projects (largest first, "+N more")
and the overdue tasks (most overdue first, "+N more").
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd
from fpdf import FPDF

from geo import task_notes
from geo.boundaries import DISTRICTS
from geo.brief_map import DistrictStyle, draw_district_map
from geo.changes import changes_between
from geo.filters import Filters
from geo.i18n import BEIJING, fmt_count, fmt_number, t
from geo.meeting import scoreboard, stalled_projects
from geo.query import Scope
from geo.schema import STALLED_STATES, enum_label
from geo.store import Snapshot
from geo.task_rates import task_list

FONT_DIR = Path("/usr/share/fonts/opentype/noto")  # Debian/Ubuntu fonts-noto-cjk
FONT_FILES = {"": "NotoSansCJK-Regular.ttc", "B": "NotoSansCJK-Bold.ttc"}
FONT_ENV = "ZZMAP_CJK_FONT_DIR"  # another directory holding the same two files
FONT_FAMILY = "Noto Sans CJK SC"
FONT = "cjk"
ROW_PT = 7.5  # type size of the lists' rows
TOP_N = 7  # rows of each list that fit the page; the rest is "+N more"

# Cell tints for the scoreboard and the map (light, so black text stays readable in print).
RAG_FILL = {"green": (200, 230, 201), "amber": (255, 224, 130), "red": (244, 170, 170), None: (255, 255, 255)}
MAP_FILL = {"green": (129, 199, 132), "amber": (255, 202, 40), "red": (229, 115, 115), None: (235, 235, 235)}
PAGE_W, PAGE_H, MARGIN = 297.0, 210.0, 10.0
INK, GREY = (20, 20, 20), (110, 110, 110)


class BriefFontError(RuntimeError):
    """The CJK font is not installed; the message says how to install it."""


@lru_cache(maxsize=4)
def _face_index(path: Path) -> int:
    """Index of the Simplified Chinese face in a Noto CJK collection (JP, KR, SC, TC, HK, ...)."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    try:
        for i, font in enumerate(collection.fonts):
            if font["name"].getDebugName(1) == FONT_FAMILY:
                return i
    finally:
        collection.close()
    raise BriefFontError(f"{path} has no {FONT_FAMILY!r} face")


def font_files() -> dict[str, tuple[Path, int]]:
    """style -> (collection file, SC face index); BriefFontError when the files are missing."""
    base = Path(os.environ.get(FONT_ENV) or FONT_DIR)
    out = {}
    for style, name in FONT_FILES.items():
        path = base / name
        if not path.is_file():
            raise BriefFontError(f"CJK font {path} not found: install Debian's fonts-noto-cjk "
                                 f"(apt-get install fonts-noto-cjk) or set {FONT_ENV}")
        out[style] = (path, _face_index(path))
    return out


class _Brief(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.set_auto_page_break(False)  # one page, by construction: lists are cut to TOP_N
        self.set_margins(MARGIN, MARGIN, MARGIN)
        for style, (path, index) in font_files().items():
            self.add_font(FONT, style, str(path), collection_font_number=index)
        self.set_text_color(*INK)

    def text_at(self, x: float, y: float, w: float, h: float, text: str, *, size: float, bold: bool = False,
                align: str = "L", fill: tuple[int, int, int] | None = None, color=INK) -> None:
        """One cell of text, shortened with "…" to fit ``w``; never wraps, never overflows."""
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)
        if fill:
            self.set_fill_color(*fill)
        self.set_xy(x, y)
        self.cell(w, h, _fit(self, str(text), w - 1.0), align=align, fill=bool(fill))


def _fit(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def build_brief(snapshot: Snapshot, scope: Scope, filters: Filters | None = None, *, district: str | None = None,
                lang: str = "zh", printed_on: date | None = None, top_n: int = TOP_N,
                since: Snapshot | None = None) -> bytes:
    """The brief as PDF bytes: the whole city (or scope), or one ``district`` (adcode).

    ``filters`` narrow every figure (their district list is replaced by ``district`` when given);
    ``printed_on`` defaults to today and is only printed — all figures use the snapshot's as-of.
    ``since`` (the last meeting's snapshot) adds a line of what changed from it: tasks assigned,
    closed, moved and newly overdue, investment added, projects stalled and unstalled (a brief
    had no "since last time", and leaders compared two printed briefs by hand: tester 19).
    """
    filters = filters or Filters()
    if district is not None and district not in DISTRICTS:
        raise ValueError(f"unknown district {district!r}; known: {', '.join(DISTRICTS)}")
    if district is not None and not scope.is_all and district not in scope.districts:
        raise ValueError(f"district {district} is outside the caller's scope")
    local = filters.with_districts((district,)) if district else filters
    board = scoreboard(snapshot, scope, replace(filters, districts=()) if district else filters)
    rows = board[board["is_city"] | (board["adcode"] == district)] if district else board
    stalled, stalled_total = stalled_projects(snapshot, scope, local, order_by="investment", limit=top_n)
    overdue, overdue_total = task_list(snapshot, scope, local, states=("overdue",), limit=top_n)

    pdf = _Brief()
    place = DISTRICTS[district][0 if lang == "zh" else 1] if district else t("brief_city", lang)
    title = t("brief_title", lang, place=place)
    pdf.set_title(title)
    pdf.set_lang("zh-CN" if lang == "zh" else "en")
    pdf.set_creator("Zhuzhou project map (geo.brief)")
    pdf.add_page()
    # Beijing's date, as every other date the app prints (the server's clock is UTC: tester 13)
    _header(pdf, snapshot, filters, title, board, lang, printed_on or datetime.now(BEIJING).date())
    y = _scoreboard_table(pdf, rows, lang, MARGIN + 17)
    if since is not None and since.id != snapshot.id:
        found = changes_between(since, snapshot, scope, Filters(districts=(district,) if district else ()))
        pdf.text_at(MARGIN, y, PAGE_W - 2 * MARGIN, 4.6, _since_line(found, lang), size=7.5, bold=True)
        y += 5
    _map(pdf, board, district, lang, y + 2)
    y = _stalled_table(pdf, stalled, stalled_total, lang, y + 2)
    _overdue_table(pdf, overdue, overdue_total, lang, y + 3)
    footer = t("brief_footer", lang)
    if task_notes.data_origin(snapshot)["demo"]:  # a printed demo brief says so, first: a long footer is cut at its end (tester 13)
        footer = t("brief_demo", lang) + ("" if lang == "zh" else " ") + footer
    pdf.text_at(MARGIN, PAGE_H - MARGIN - 3, PAGE_W - 2 * MARGIN, 4, footer, size=6.5, color=GREY)
    return bytes(pdf.output())


def _since_line(found, lang: str) -> str:
    """"较上次会议（数据截至 2023-09-30）：新交办 4 件 · 办结 3 件 · …"; counts from ``changes``."""
    n = found.counts()
    delta = float(found.investment_progress["delta_yi"].sum()) if n["investment_progress"] else 0.0
    parts = [t(f"brief_since_{k}", lang, n=f"{n[k]:,}") for k in
             ("tasks_opened", "tasks_closed", "tasks_rescheduled", "tasks_overdue", "newly_stalled", "unstalled")]
    parts.append(t("brief_since_invested", lang, delta=("+" if delta >= 0 else "") + fmt_number(delta, "亿元", 1, lang),
                   n=f"{n['investment_progress']:,}"))
    return t("brief_since", lang, as_of=found.old.as_of.isoformat(), parts=" · ".join(parts))


def _header(pdf: _Brief, snapshot: Snapshot, filters: Filters, title: str, board: pd.DataFrame, lang: str,
            printed_on: date) -> None:
    width = PAGE_W - 2 * MARGIN
    pdf.text_at(MARGIN, MARGIN, width * 0.6, 8, title, size=16, bold=True)
    pdf.text_at(MARGIN + width * 0.6, MARGIN + 1, width * 0.4, 6, t("brief_printed", lang, date=printed_on.isoformat()),
                size=9, align="R")
    time_pct = fmt_number(float(board["time_pct"].iloc[0]), "%", 1, lang)
    meta = t("brief_meta", lang, as_of=snapshot.as_of.isoformat(), snapshot=snapshot.id, time_pct=time_pct)
    what = filters.describe(lang)
    if what:
        meta += " · " + t("brief_filters", lang, what=what)
    pdf.text_at(MARGIN, MARGIN + 8.5, width, 5, meta, size=8, color=GREY)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.4)
    pdf.line(MARGIN, MARGIN + 14.5, PAGE_W - MARGIN, MARGIN + 14.5)


# Scoreboard: (i18n key of the header, width mm, cell text, RAG column or None).
def _pair(a, b) -> str:
    return f"{int(a):,} / {int(b):,}"


def _scoreboard_columns(lang: str):
    pct = lambda v: fmt_number(v, "%", 1, lang)  # noqa: E731
    return [
        ("brief_col_district", 24, lambda r: r["name_zh"] if lang == "zh" else r["name_en"], None),
        ("brief_col_projects", 17, lambda r: fmt_count(r["projects"], "", lang), None),
        ("brief_col_total", 23, lambda r: fmt_number(r["total_yi"], "", 1, lang), None),
        ("brief_col_plan", 25, lambda r: fmt_number(r["plan_yi"], "", 1, lang), None),
        ("brief_col_completed", 23, lambda r: fmt_number(r["completed_yi"], "", 1, lang), None),
        ("brief_col_completed_pct", 20, lambda r: pct(r["completed_pct"]), "rag_investment"),
        ("brief_col_started", 32, lambda r: _pair(r["started"], r["started_plan"]), "rag_started"),
        ("brief_col_finished", 32, lambda r: _pair(r["completed"], r["completed_plan"]), "rag_completed"),
        ("brief_col_stalled", 17, lambda r: fmt_count(r["stalled"], "", lang), None),
        ("brief_col_tasks", 18, lambda r: fmt_count(r["tasks"], "", lang), None),
        ("brief_col_overdue", 18, lambda r: fmt_count(r["overdue_tasks"], "", lang), None),
        ("brief_col_closing", 28, lambda r: pct(r["closing_rate_pct"]), "rag_closing"),
    ]


def _scoreboard_table(pdf: _Brief, rows: pd.DataFrame, lang: str, y: float) -> float:
    columns = _scoreboard_columns(lang)
    row_h = 5.2 if len(rows) > 4 else 6.5
    x = MARGIN
    for key, w, _, _ in columns:
        pdf.text_at(x, y, w, 6, t(key, lang), size=7.5, bold=True, align="L" if x == MARGIN else "R",
                    fill=(230, 230, 230))
        x += w
    y += 6
    for _, r in rows.iterrows():
        x = MARGIN
        for _, w, text, rag in columns:
            fill = RAG_FILL[r[rag]] if rag else None
            pdf.text_at(x, y, w, row_h, text(r), size=8, bold=bool(r["is_city"]),
                        align="L" if x == MARGIN else "R", fill=fill)
            x += w
        pdf.set_draw_color(200, 200, 200)
        pdf.set_line_width(0.1)
        pdf.line(MARGIN, y + row_h, MARGIN + sum(c[1] for c in columns), y + row_h)
        y += row_h
    legend_y = y + 0.8
    x = MARGIN
    for status in ("green", "amber", "red"):
        pdf.set_fill_color(*RAG_FILL[status])
        pdf.rect(x, legend_y + 0.9, 3, 2.6, style="F")
        pdf.text_at(x + 3.5, legend_y, 32, 4.4, t(f"brief_rag_{status}", lang), size=6.5)
        x += 36
    pdf.text_at(x, legend_y, PAGE_W - MARGIN - x, 4.4, t("brief_rag_note", lang), size=6.5, color=GREY)
    return legend_y + 5


MAP_W = 68.0


def _map(pdf: _Brief, board: pd.DataFrame, district: str | None, lang: str, y: float) -> None:
    height = PAGE_H - MARGIN - 6 - y - 9
    pdf.text_at(MARGIN, y, MAP_W, 5, t("brief_map_title", lang), size=8, bold=True)
    styles = {}
    for _, r in board[~board["is_city"]].iterrows():
        name = r["name_zh"] if lang == "zh" else r["name_en"].replace(" District", "").replace(" County", "").replace(" City", "")
        styles[r["adcode"]] = DistrictStyle(fill=MAP_FILL[r["rag_investment"]], label=name,
                                            value=fmt_number(r["completed_pct"], "%", 1, lang),
                                            highlight=r["adcode"] == district)
    draw_district_map(pdf, MARGIN, y + 6, MAP_W, height, styles, font=FONT)
    pdf.text_at(MARGIN, y + 6 + height + 0.5, MAP_W, 4, t("brief_map_note", lang), size=6, color=GREY)


LIST_X = MARGIN + MAP_W + 6
LIST_W = PAGE_W - MARGIN - LIST_X


def _list(pdf: _Brief, y: float, title: str, columns, frame: pd.DataFrame, total: int, empty: str,
          lang: str) -> float:
    """A titled table of ``frame`` (already cut to the top N) and a "+N more" line; returns the y below."""
    pdf.text_at(LIST_X, y, LIST_W, 5, title, size=8.5, bold=True)
    y += 5.5
    x = LIST_X
    for header, w, _, align in columns:
        pdf.text_at(x, y, w, 4.6, header, size=7, bold=True, align=align, fill=(230, 230, 230))
        x += w
    y += 4.6
    if frame.empty:
        pdf.text_at(LIST_X, y, LIST_W, 4.6, empty, size=7.5, color=GREY)
        return y + 4.6
    for _, r in frame.iterrows():
        x = LIST_X
        for _, w, text, align in columns:
            pdf.text_at(x, y, w, 4.4, text(r), size=ROW_PT, align=align)
            x += w
        y += 4.4
    if total > len(frame):
        pdf.text_at(LIST_X, y, LIST_W, 4.2, t("brief_more", lang, n=f"{total - len(frame):,}"), size=7, color=GREY)
        y += 4.2
    return y


def _district_name(code: str, lang: str) -> str:
    zh, en = DISTRICTS.get(code, (code, code))
    return zh if lang == "zh" else en.replace(" District", "").replace(" County", "").replace(" City", "")


def _stalled_table(pdf: _Brief, frame: pd.DataFrame, total: int, lang: str, y: float) -> float:
    days = lambda v: "—" if pd.isna(v) else t("brief_days", lang, n=f"{int(v):,}")  # noqa: E731
    # The state column as wide as its longest label in this language, taken from the project's:
    # at 27 mm the English "Land clearance unfinished" read "Land clearance un…"
    pdf.set_font(FONT, "", ROW_PT)
    state_w = max(27.0, max(pdf.get_string_width(enum_label(s, lang)) for s in STALLED_STATES) + 1.5)
    columns = [
        (t("brief_col_project", lang), 66 - (state_w - 27), lambda r: r["name"], "L"),
        (t("brief_col_district", lang), 17, lambda r: _district_name(r["district_adcode"], lang), "L"),
        (t("brief_col_state", lang), state_w, lambda r: enum_label(r["stalled_state"], lang), "L"),
        (t("brief_col_days", lang), 17, lambda r: days(r["days_stalled"]), "R"),
        (t("brief_col_owner", lang), 36, lambda r: r["owner"] or "—", "L"),
        (t("brief_col_investment", lang), 22, lambda r: fmt_number(r["total_investment_yi"], "亿元", 1, lang), "R"),
        (t("brief_col_open_tasks", lang), LIST_W - 185,
         lambda r: t("brief_tasks_pair", lang, open=int(r["open_tasks"]), overdue=int(r["overdue_tasks"])), "R"),
    ]
    title = t("brief_stalled_title", lang, total=f"{total:,}", n=min(total, len(frame))) if total else \
        t("brief_stalled_title_none", lang)  # not "共 0 个，按总投资列前 0 个"
    return _list(pdf, y, title, columns, frame, total, t("brief_no_stalled", lang), lang)


def _overdue_table(pdf: _Brief, frame: pd.DataFrame, total: int, lang: str, y: float) -> float:
    columns = [
        (t("brief_col_task", lang), 46, lambda r: r["title"], "L"),
        (t("brief_col_project", lang), 60, lambda r: r["project_name"], "L"),
        (t("brief_col_district", lang), 17, lambda r: _district_name(r["district_adcode"], lang), "L"),
        (t("brief_col_unit", lang), 41, lambda r: r["assigned_unit"], "L"),
        (t("brief_col_due", lang), 18, lambda r: pd.Timestamp(r["due_on"]).date().isoformat(), "R"),
        (t("brief_col_overdue_days", lang), LIST_W - 182, lambda r: t("brief_days", lang, n=f"{int(r['days_overdue']):,}"), "R"),
    ]
    title = t("brief_overdue_title", lang, total=f"{total:,}", n=min(total, len(frame))) if total else \
        t("brief_overdue_title_none", lang)
    return _list(pdf, y, title, columns, frame, total, t("brief_no_overdue", lang), lang)
