"""Presentation of the investment figures: translated labels and numbers formatted with units.

``geo.investment`` computes; this module turns its frames into what the page shows (labels in
the UI language, "1,234.5 亿元" texts for tooltips, table columns with units). Pure pandas, so
it is tested without a browser; the page only lays the results out.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import schema
from geo.boundaries import district_name, short_district_name
from geo.i18n import fmt_count, fmt_number, t
from geo.investment import ProjectDetails
from geo.meeting import rag
from geo.meeting_view import first_deadlines  # a task's first deadline, as the meeting page shows it
from geo.task_rates import STATE_TEXT
from geo.schema import enum_label


def point_tooltip(frame: pd.DataFrame, lang: str, cells: bool = False) -> pd.DataFrame:
    """Adds formatted text columns; ``attrs["tooltip"]`` lists (label, column) rows to show."""
    out = frame.copy()
    if cells:
        out["count_text"] = [fmt_count(v, "个", lang) for v in out["projects"].tolist()]
        out["total_text"] = [fmt_number(v, "亿元", 1, lang) for v in out["total_yi"].tolist()]
        out["stage_text"] = [enum_label(s, lang) for s in out["stage"].tolist()]
        out["title"] = t("in_this_cell", lang)
        out.attrs["tooltip"] = [(t("projects_count", lang), "count_text"), (t("total_investment", lang), "total_text"),
                                (t("dominant_stage", lang), "stage_text")]
        return out
    # Short on purpose: the tooltip travels with every point; the details panel has the rest.
    # Only its two texts are made (the other four cost ~15 ms per 3,000 points, measured).
    labels = {stage: enum_label(stage, lang) for stage in set(out["stage"].tolist())}
    out["stage_text"] = [labels[s] for s in out["stage"].tolist()]
    out["total_text"] = [fmt_number(v, "亿元", 1, lang) for v in out["total_investment_yi"].tolist()]
    out.attrs["tooltip"] = [(t("stage", lang), "stage_text"), (t("total_investment", lang), "total_text")]
    return out


def _with_texts(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    frame["count_text"] = [fmt_count(v, "个", lang) for v in frame["projects"].tolist()]
    frame["total_text"] = [fmt_number(v, "亿元", 1, lang) for v in frame["total_yi"].tolist()]
    return frame


def funnel_frame(funnel: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = funnel.copy()
    out["label"] = [enum_label(s, lang) for s in out["stage"].tolist()]
    return _with_texts(out, lang)


def stalled_frame(stalled: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = stalled.copy()
    out["label"] = [enum_label(s, lang) for s in out["stalled_state"].tolist()]
    out["days_text"] = [t("median_days", lang, days="—" if pd.isna(d) else f"{int(d):,}") for d in out["median_days"].tolist()]
    return _with_texts(out, lang)


def chain_frame(chains: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = chains.copy()
    out["label"] = [enum_label(s, lang) for s in out["industry_chain"].tolist()]
    return _with_texts(out, lang)


def district_bar_frame(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = rows.sort_values("total_yi", ascending=False).copy()
    out["label"] = [district_name(c, lang) for c in out["adcode"].tolist()]
    return _with_texts(out, lang)


def monthly_frame(monthly: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Long format for the plan-vs-actual chart: cumulative starts and completions per month."""
    series = {"cum_started": ("started_actual", "actual"), "cum_started_plan": ("started_plan", "plan"),
              "cum_completed": ("completed_actual", "actual"), "cum_completed_plan": ("completed_plan", "plan")}
    rows = []
    for column, (label_key, kind) in series.items():
        for month, value in zip(monthly["month"], monthly[column]):
            if pd.isna(value):
                continue
            rows.append({"month": int(month), "month_label": t("month_label", lang, m=int(month)),
                         "series": t(label_key, lang), "kind": kind, "value": int(value),
                         "value_text": fmt_count(int(value), "个", lang)})
    return pd.DataFrame(rows, columns=["month", "month_label", "series", "kind", "value", "value_text"])


# The scoreboard's colours as marks: 52 of 53 had read ✗ here and amber on the scoreboard (tester 17)
RAG_MARKS = {"green": " ✓", "amber": " △", "red": " ✗"}


def district_progress_frame(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Started and completed this year vs plan per district, marked by the scoreboard's rule
    (``meeting.rag``: ✓ at or above plan, △ at 90 % of it or more, ✗ below). No plan is no target:
    no mark, as the scoreboard leaves it uncoloured ("0 / 0 ✓": tester 11)."""
    def versus(actual, plan) -> str:
        mark = "" if plan <= 0 else RAG_MARKS[rag(actual / plan)]
        return f"{actual:,} / {plan:,}{mark}"
    return pd.DataFrame({
        # short in English ("Liling"): beside the chart at 1366 px the fourth column's header was cut
        t("district", lang): [short_district_name(c, lang) for c in rows["adcode"].tolist()],
        t("started_vs_plan", lang): [versus(a, p) for a, p in zip(rows["started"], rows["started_plan"])],
        t("completed_vs_plan", lang): [versus(a, p) for a, p in zip(rows["completed"], rows["completed_plan"])],
        t("metric_progress", lang): [fmt_number(v, "%", 1, lang) for v in rows["progress_pct"].tolist()],
    })


# The name, its district and the money first (the table is ranked by total investment): beside
# the sidebar at 1366 px the first ~6 columns show, and 总投资 had been the ninth.
TABLE_COLUMNS = ["name", "district_adcode", "total_investment_yi", "annual_plan_yi", "completed_yi", "stage",
                 "stalled_state", "park", "level", "industry_chain", "actual_start", "planned_completion",
                 "power_demand_mw", "owner", "project_id"]


def table_frame(top: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The top-projects table: enum values translated, numbers left numeric (sortable)."""
    out = top[TABLE_COLUMNS].copy()
    out["district_adcode"] = [district_name(c, lang) for c in out["district_adcode"].tolist()]
    for col in ("stage", "stalled_state", "level", "industry_chain"):
        out[col] = [enum_label(v, lang) if isinstance(v, str) else "—" for v in out[col]]
    out["park"] = out["park"].fillna("—")
    return out


def table_config(lang: str) -> dict:
    """Column headers with units; numbers with thousands separators; dates as dates."""
    def label(name: str) -> str:
        return schema.column("projects", name).label(lang)
    # the unit in every cell, English too: at 1366 px the English headers are cut before "(亿元)" (tester 11)
    money = {c: st.column_config.NumberColumn(label(c), format="%,.1f 亿元")
             for c in ("total_investment_yi", "annual_plan_yi", "completed_yi")}
    return {
        "project_id": st.column_config.TextColumn(label("project_id"), width="medium"),
        "name": st.column_config.TextColumn(label("name"), width="medium"),
        "district_adcode": st.column_config.TextColumn(t("district", lang)),
        **{c: st.column_config.TextColumn(label(c)) for c in ("park", "stage", "stalled_state", "level",
                                                              "industry_chain", "owner")},
        **money,
        "power_demand_mw": st.column_config.NumberColumn(label("power_demand_mw"), format="%,.1f MW"),
        "actual_start": st.column_config.DateColumn(label("actual_start"), format="YYYY-MM-DD"),
        "planned_completion": st.column_config.DateColumn(label("planned_completion"), format="YYYY-MM-DD"),
    }


DETAIL_FIELDS = ["project_id", "district_adcode", "park", "category", "level", "industry_chain", "stage",
                 "stalled_state", "stalled_since", "total_investment_yi", "annual_plan_yi", "completed_yi",
                 "planned_start", "actual_start", "planned_completion", "actual_completion", "power_demand_mw",
                 "owner", "updated_at"]
PARCEL_FIELDS = ["parcel_id", "park", "area_mu", "land_use", "status", "idle_class", "disposal_method",
                 "disposed_on", "supply_mode", "supplied_on", "tax_per_mu_wan"]


def _value(table: str, name: str, value, lang: str) -> str:
    if value is None:
        return "—"
    column = schema.column(table, name)
    if name == "district_adcode":
        return district_name(value, lang)
    if column.enum:
        return enum_label(value, lang)
    if column.dtype == "float":
        unit = column.unit
        return fmt_number(value, unit, 2 if unit in ("亩", "万元/亩") else 1, lang)
    return str(value)


def details_frames(details: ProjectDetails, lang: str) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    """(fields, parcel, tasks) tables for the selected project, every value with its unit."""
    field, value = t("field", lang), t("value", lang)
    p = details.project
    names = [t("district", lang) if n == "district_adcode" else schema.column("projects", n).bare(lang)
             for n in DETAIL_FIELDS]  # bare: every value carries its unit
    fields = pd.DataFrame({field: names,
                           value: [_value("projects", n, p.get(n), lang) for n in DETAIL_FIELDS]})
    parcel = None
    if details.parcel:
        parcel = pd.DataFrame({field: [schema.column("parcels", n).bare(lang) for n in PARCEL_FIELDS],
                               value: [_value("parcels", n, details.parcel.get(n), lang) for n in PARCEL_FIELDS]})
    tasks = details.tasks
    # The state and due date right after the title: in the half-width panel at 1366 px the
    # last columns scroll, and those two are what a meeting asks about.
    task_rows = pd.DataFrame({
        schema.column("tasks", "title").label(lang): tasks["title"],
        t("task_state", lang): [STATE_TEXT[s][0 if lang == "zh" else 1] for s in tasks["state"]],
        schema.column("tasks", "due_on").label(lang): [d.date().isoformat() for d in pd.to_datetime(tasks["due_on"])],
        schema.column("tasks", "first_due_on").label(lang): first_deadlines(tasks),  # beside it, as in the task list
        schema.column("tasks", "assigned_unit").label(lang): tasks["assigned_unit"],
        schema.column("tasks", "assigned_on").label(lang): [d.date().isoformat() for d in pd.to_datetime(tasks["assigned_on"])],
        schema.column("tasks", "closed_on").label(lang): ["—" if pd.isna(d) else pd.Timestamp(d).date().isoformat()
                                                          for d in tasks["closed_on"]],
    })
    return fields, parcel, task_rows
