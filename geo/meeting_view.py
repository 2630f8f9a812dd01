"""Presentation of the dispatch-meeting figures: the scoreboard with red/amber/green cells, stalled
projects, task rates and lists, and the changes between two snapshots — translated, with units.
Numbers stay numeric (the tables sort); colours come from ``geo.meeting``'s RAG columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from geo import schema
from geo.boundaries import ADCODES as DISTRICT_ORDER
from geo.boundaries import district_name, short_district_name
from geo.i18n import fmt_count, t
from geo.schema import enum_label
from geo.task_rates import STATE_TEXT

# The brief's map fills (geo.brief.MAP_FILL): the pastels before were hard to tell apart on a
# projector, amber 70.7 % beside red 63.4 % (tester 13); black type stays readable on each.
RAG_COLOURS = {"green": "#81c784", "amber": "#ffca28", "red": "#e57373"}
# Scoreboard column -> (label key or (zh, en), unit, RAG column that colours it)
_SCOREBOARD = {
    "projects": (("项目", "Proj."), "个", None),
    "total_yi": (("总投资", "Total"), "亿元", None),
    "plan_yi": (("年度计划", "Plan"), "亿元", None),
    "completed_yi": (("已完成", "Invested"), "亿元", None),
    "completed_pct": (("完成率", "% plan"), "%", "rag_investment"),
    "started": (("开工", "Starts"), "个", "rag_started"),
    "started_plan": (("计划开工", "Start plan"), "个", None),
    "completed": (("竣工", "Compl."), "个", "rag_completed"),
    "completed_plan": (("计划竣工", "Compl. plan"), "个", None),
    "stalled": (("八未", "Stalled"), "个", None),
    "overdue_tasks": (("逾期事项", "Overdue"), "件", None),
    "closing_rate_pct": (("按期办结率", "On time"), "%", "rag_closing"),
}


def _label(key, lang: str) -> str:
    """Short headers without units (the table's caption gives 亿元; rates show "%" in the cell):
    with units, the thirteen columns did not fit beside the sidebar at 1366 px."""
    return key[0 if lang == "zh" else 1] if isinstance(key, tuple) else t(key, lang)


def _px(texts: list[str], bold: bool = False) -> int:
    """A column's width in pixels for its widest text at the table's 14 px font: CJK characters
    14 px, digits 7.2, letters 6.8 (measured in Chromium), and the cell's padding."""
    def width(text: str) -> float:
        return sum(14 if ord(ch) > 0x2E80 else 7.2 if ch.isdigit() else 6.8 for ch in text)
    return round(16 + max(width(text) for text in texts) * (1.1 if bold else 1))


def scoreboard_table(rows: pd.DataFrame, lang: str):
    """(styled table, column config, adcodes in row order): the city row first, then districts;
    RAG cells coloured; columns as wide as their header or widest value, so all thirteen fit
    beside the sidebar on a 1366-px screen."""
    names = rows["name_zh"] if lang == "zh" else rows["name_en"]  # the city row: 全市, or 合计 for a part
    # English names without " District" / " City" / " County", and short headers: in English the
    # thirteen columns ran ~130 px past the table's width at 1366 px (Overdue, On time scrolled).
    short = [("City" if n == "Whole city" else n) if c else short_district_name(a, lang)
             for a, c, n in zip(rows["adcode"], rows["is_city"], names)]
    # Whole columns into one constructor each: inserting them one by one cost ~2 ms a rerun.
    labels = {column: _label(key, lang) for column, (key, _, _) in _SCOREBOARD.items()}
    out = pd.DataFrame({t("district", lang): short} | {labels[c]: rows[c].to_numpy() for c in _SCOREBOARD})
    colours = pd.DataFrame({labels[c]: [f"background-color: {RAG_COLOURS[r]}" if r in RAG_COLOURS else ""
                                        for r in rows[rag]] if rag else [""] * len(out)
                            for c, (_, _, rag) in _SCOREBOARD.items()}, index=out.index)
    formats = {labels[c]: {"亿元": "{:,.1f}", "%": "{:.1f}%"}.get(unit, "{:,.0f}") for c, (_, unit, _) in _SCOREBOARD.items()}
    styled = (out.style.apply(lambda _: colours, axis=None).format(formats, na_rep="—")
              .set_properties(subset=[out.columns[0]], **{"font-weight": "bold"}))
    shown = {label: [label, *(formats.get(label, "{}").format(v) if v == v else "—" for v in out[label].tolist())]
             for label in out.columns}
    config = {label: st.column_config.Column(width=_px(texts, bold=label == out.columns[0]))
              for label, texts in shown.items()}
    return styled, config, list(rows["adcode"])


STALLED_PROJECTOR_COLUMNS = ("stalled_state", "district", "name", "days_stalled", "total_investment_yi",
                             "overdue_tasks")


def stalled_table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        "project_id": rows["project_id"],
        "stalled_state": [enum_label(s, lang) for s in rows["stalled_state"].tolist()],
        "district": [district_name(c, lang) for c in rows["district_adcode"].tolist()],
        "name": rows["name"],
        "days_stalled": rows["days_stalled"].astype("Int64"),
        "total_investment_yi": rows["total_investment_yi"].astype(float),
        "open_tasks": rows["open_tasks"].astype("Int64"),
        "overdue_tasks": rows["overdue_tasks"].astype("Int64"),
        "owner": rows["owner"].fillna("—"),  # last: beside the sidebar at 1366 px it is what scrolls
    })


def stalled_state_frame(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Stalled projects per 八未 state, in the 八未 order, with labels for the chart: the state and
    its count, read from the back of a meeting room where 42 against 38 had to be read off the
    axis (tester 13)."""
    by_state = (summary.groupby("stalled_state").agg(projects=("projects", "sum"), total_yi=("total_yi", "sum"))
                .reindex(schema.STALLED_STATES, fill_value=0).rename_axis("stalled_state").reset_index())
    return by_state.assign(label=[f"{enum_label(s, lang)}  {n:,}" for s, n in zip(by_state["stalled_state"],
                                                                                 by_state["projects"])],
                           count_text=[fmt_count(v, "个", lang) for v in by_state["projects"]])


def stalled_matrix(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Stalled projects per 八未 state (rows, in the 八未 order) and district (columns), with totals."""
    if summary.empty:
        return pd.DataFrame()
    grid = summary.pivot_table(index="stalled_state", columns="district_adcode", values="projects", aggfunc="sum",
                               fill_value=0)
    grid = grid.reindex([s for s in schema.STALLED_STATES if s in grid.index])
    grid = grid[[c for c in DISTRICT_ORDER if c in grid.columns]]
    grid[t("total", lang)] = grid.sum(axis=1)
    grid.loc[t("total", lang)] = grid.sum(axis=0)
    grid.index = [enum_label(s, lang) if s in schema.STALLED_STATES else s for s in grid.index]
    grid.columns = [short_district_name(c, lang) if c in DISTRICT_ORDER else c for c in grid.columns]
    return grid.astype("int64").rename_axis(t("stalled_state_header", lang)).reset_index()


def stalled_config(lang: str) -> dict:
    def label(name):
        return schema.column("projects", name).label(lang)
    return {
        # The id stays in the frame (a picked row opens its project) but not on screen: at 1366 px
        # it pushed 逾期事项 out of view, and a meeting reads names, not ids.
        "project_id": None,
        "stalled_state": st.column_config.TextColumn(label("stalled_state")),
        "district": st.column_config.TextColumn(t("district", lang)),
        # 340 px, not "large" (400): the figures after it fit beside the sidebar at 1366 px
        "name": st.column_config.TextColumn(label("name"), width=340),
        "days_stalled": st.column_config.NumberColumn(t("days_stalled", lang), format="%d"),
        "owner": st.column_config.TextColumn(label("owner"), width="medium"),
        "total_investment_yi": st.column_config.NumberColumn(label("total_investment_yi"), format="%,.1f"),
        "open_tasks": st.column_config.NumberColumn(t("open_tasks", lang), format="%d"),
        "overdue_tasks": st.column_config.NumberColumn(t("overdue_tasks", lang), format="%d"),
    }


_RATE_LABELS = {"assigned": ("交办", "Assigned"), "open": ("办理中", "Open"), "due_soon": ("7日内到期", "Due ≤ 7 days"),
                "overdue": ("已逾期", "Overdue"), "closed_on_time": ("按期办结", "Closed on time"),
                "closed_late": ("逾期办结", "Closed late")}


def rates_table(rates: pd.DataFrame, by: str, lang: str):
    """Per unit (or project, district): counts per state and the closing rate, RAG-coloured."""
    from geo.meeting import rag

    first = {"unit": ("assigned_unit", schema.column("tasks", "assigned_unit").label(lang)),
             "district": ("district_adcode", t("district", lang)),
             "project": ("project_name", schema.column("projects", "name").label(lang))}[by]
    values = rates[first[0]] if by != "district" else [district_name(c, lang) for c in rates["district_adcode"]]
    out = pd.DataFrame({first[1]: list(values)})
    # The rate beside the name: last, on a 125 % projector it was a coloured cell cut off before
    # its number (tester 13). Not "Closed on time (%)" beside the count "Closed on time": read as
    # the same figure twice.
    rate_label = "按期办结率（%）" if lang == "zh" else "On-time closing rate (%)"
    out[rate_label] = rates["closing_rate_pct"].to_numpy()
    for column, pair in _RATE_LABELS.items():
        out[pair[0] if lang == "zh" else pair[1]] = rates[column].astype("int64").to_numpy()
    colours = [f"background-color: {RAG_COLOURS[r]}" if (r := rag(None if pd.isna(v) else v / 100)) else ""
               for v in rates["closing_rate_pct"]]
    styled = (out.style.apply(lambda _: colours, subset=[rate_label], axis=0)
              .format({rate_label: "{:.1f}"}, na_rep="—"))
    return styled


def _day(v) -> str:
    return "—" if pd.isna(v) else pd.Timestamp(v).date().isoformat()


def first_deadlines(tasks: pd.DataFrame) -> list[str]:
    """原定时限 as a task list shows it: the deadline first set where a meeting moved it, else —."""
    return [_day(first) if pd.notna(first) and first != due else "—"
            for first, due in zip(pd.to_datetime(tasks["first_due_on"]), pd.to_datetime(tasks["due_on"]))]


def task_table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    day = _day
    label = lambda n: schema.column("tasks", n).label(lang)  # noqa: E731
    return pd.DataFrame({
        label("task_id"): rows["task_id"],
        t("task_state", lang): [STATE_TEXT[s][0 if lang == "zh" else 1] for s in rows["state"].tolist()],
        label("title"): rows["title"],
        label("assigned_unit"): rows["assigned_unit"],
        schema.column("projects", "name").label(lang): rows["project_name"],
        t("district", lang): [district_name(c, lang) for c in rows["district_adcode"].tolist()],
        label("assigned_on"): [day(v) for v in rows["assigned_on"].tolist()],
        label("due_on"): [day(v) for v in rows["due_on"].tolist()],
        label("first_due_on"): first_deadlines(rows),
        label("closed_on"): [day(v) for v in rows["closed_on"].tolist()],
        t("days_overdue", lang): rows["days_overdue"].astype("Int64"),
    })


# On a projector (1280 px) a change table showed ids and names and cut off the dates that say what
# changed (tester 10): these columns are left out there, where a name says the same.
_NOT_ON_PROJECTOR = {"project_id", "task_id", "assigned_on", "district_adcode"}


def change_projector_columns(kind: str, frame: pd.DataFrame, lang: str) -> tuple[str, ...]:
    """The columns of ``change_table(kind, frame)`` a projector shows (a parcel keeps its id and
    district: it has no name)."""
    drop = set() if kind == "parcels_disposed" else _NOT_ON_PROJECTOR
    kept = frame[[c for c in frame.columns if c not in drop]].iloc[:0]
    return tuple(change_table(kind, kept, lang).columns)


def task_projector_columns(lang: str) -> dict[str, int]:
    """The task list's columns on a projector, with widths (px) that fit 1280: what, who, by when,
    how late, the deadline first set (if moved), which project. The dates and days come before the
    project's long name: on a 1280 screen at 125 % (~1000 px) the last columns are cut (tester 13)."""
    label = lambda n: schema.column("tasks", n).label(lang)  # noqa: E731
    # The name wide enough for a long project name at 1920, and the district after it: at 220 px
    # names were cut and the district was not shown (tester 19); 1280 still scrolls to them.
    return {t("task_state", lang): 90, label("title"): 200, label("assigned_unit"): 170, label("due_on"): 110,
            t("days_overdue", lang): 95, label("first_due_on"): 110, schema.column("projects", "name").label(lang): 360,
            t("district", lang): 80}


def change_table(kind: str, frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One kind of change as the page lists it: ids, names, districts, from → to."""
    out = frame.copy()
    if "district_adcode" in out:
        out["district_adcode"] = [district_name(c, lang) for c in out["district_adcode"].tolist()]
    for column in ("stage", "stage_from", "stage_to", "stalled_from", "stalled_to", "status_from", "status_to",
                   "idle_class"):
        if column in out:
            out[column] = [enum_label(v, lang) if isinstance(v, str) else "—" for v in out[column]]
    names = {"district_adcode": t("district", lang), "name": schema.column("projects", "name").label(lang),
             "project_name": schema.column("projects", "name").label(lang),
             "total_investment_yi": schema.column("projects", "total_investment_yi").label(lang),
             "area_mu": schema.column("parcels", "area_mu").label(lang)}
    for a, b in (("stage_from", "stage_to"), ("stalled_from", "stalled_to"), ("status_from", "status_to")):
        if a in out:
            names[a], names[b] = t("change_from", lang), t("change_to", lang)
    if "due_from" in out:  # a moved deadline: the old one beside the new
        names["due_from"] = t("change_due_from", lang)
    if "closed_from" in out:  # an undone closing: when it had been closed
        names["closed_from"] = t("change_closed_from", lang)
    if "reason" in out:  # a correction's reason and who recorded it (geo.task_edits.corrections)
        names["reason"], names["recorded_by"] = t("change_reason", lang), t("recorded_by", lang)
    if "delta_yi" in out:  # investment progress: before, after, the difference
        names.update({c: t(f"change_{c}", lang) for c in ("completed_from", "completed_to", "delta_yi")})
    if "days_overdue" in out:
        names["days_overdue"] = t("days_overdue", lang)
    if "closed_on_time" in out:  # tasks closed: on time or not, in words
        out["closed_on_time"] = [t("yes" if v else "no", lang) if isinstance(v, (bool, np.bool_)) else "—"
                                 for v in out["closed_on_time"]]
        names["closed_on_time"] = t("task_closed_on_time", lang)
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):  # days, not "2023-09-30 00:00:00"
            out[column] = [v.date().isoformat() if pd.notna(v) else "—" for v in out[column]]
        if column not in names:  # the other ids, titles, units and dates by their schema labels
            table = next((tb for tb in ("tasks", "projects", "parcels") if column in schema.column_names(tb)), None)
            if table:
                names[column] = schema.column(table, column).label(lang)
    return out.rename(columns=names)
