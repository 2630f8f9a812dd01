"""The import as the 数据管理 page shows it: the mapping table, the preview map, the history.

Pure functions of the import's results (no Streamlit), so the page stays widgets and calls.
"""

from __future__ import annotations

import re

import pandas as pd
import pydeck as pdk

from geo import district_layers, layers, schema, store, task_notes
from geo.boundaries import DISTRICTS
from geo.i18n import beijing, list_separator, md_escape, t
from geo.ingest.headers import COORD_LABELS, COORD_TARGETS, targets

PREVIEW_MAX = 5_000  # features drawn on the preview map (≈ 1.3 MB of JSON; DESIGN "Maps at any size")
ENCODING_CHOICES = ("auto", "utf-8", "gbk", "gb18030", "big5")
CRS_OPTIONS = ("auto", "wgs84", "cgcs2000", "gcj02", "bd09", "epsg")


# "Not imported" in the editor: an empty cell would read "None" there (Streamlit's placeholder
# for a missing value), so it is an option of its own, shown as （不导入）.
NOT_IMPORTED = "-"


def target_label(table: str, target: str, lang: str) -> str:
    """How a mapping target reads in the editor: "总投资（亿元） · total_investment_yi"."""
    if not target or target == NOT_IMPORTED:
        return t("data_not_imported", lang)
    if target in COORD_LABELS:
        zh, en = COORD_LABELS[target]
        return f"{zh if lang == 'zh' else en} · {target}"
    if target == "district_adcode":
        return f"{t('district', lang)} · {target}"
    return f"{schema.column(table, target).label(lang)} · {target}"


def target_options(table: str) -> list[str]:
    return [NOT_IMPORTED, *targets(table)]


def mapping_for_editor(mapping: pd.DataFrame) -> pd.DataFrame:
    """source, target, factor: the editor's columns (the source is read-only there)."""
    out = mapping[["source", "target", "factor"]].reset_index(drop=True)
    return out.assign(target=out["target"].fillna("").replace("", NOT_IMPORTED))


def mapping_from_editor(edited: pd.DataFrame) -> pd.DataFrame:
    out = edited[["source", "target", "factor"]].copy()
    out["target"] = out["target"].fillna("").astype(str).replace(NOT_IMPORTED, "")
    out["factor"] = pd.to_numeric(out["factor"], errors="coerce").fillna(1.0)
    return out


def required_note(table: str, lang: str) -> str:
    from geo.ingest.headers import required

    names = [schema.column(table, c).bare(lang) for c in required(table)]
    if table in schema.GEO_TABLES:
        names.append(t("data_outline_needed" if table == "parcels" else "data_coords_needed", lang))
    return t("data_required", lang, columns=list_separator(lang).join(names))


def preview_deck(accepted: pd.DataFrame, table: str, lang: str) -> tuple[pdk.Deck | None, int]:
    """District outlines and the accepted rows as points (parcels at a point inside each), the
    first ``PREVIEW_MAX`` of them; returns the deck (None for a table without geometry) and how
    many were drawn."""
    if "geometry" not in accepted or not len(accepted):
        return None, 0
    rows = accepted.iloc[:PREVIEW_MAX]
    pts = rows.geometry.representative_point() if table == "parcels" else rows.geometry
    pk = schema.PRIMARY_KEYS[table]
    name = rows["name"] if "name" in rows else rows[pk]
    data = pd.DataFrame({
        "position": [[round(x, 6), round(y, 6)] for x, y in zip(pts.x, pts.y)],
        "tooltip": [f"{i}\n{n}" for i, n in zip(rows[pk].astype(str), name.astype(str))],
    })
    points = pdk.Layer("ScatterplotLayer", id="preview", data=data, get_position="position", get_radius=300,
                       radius_units="'meters'", radius_min_pixels=4, radius_max_pixels=14,
                       get_fill_color=[200, 16, 46, 190], stroked=True, get_line_color=[255, 255, 255],
                       line_width_min_pixels=0.5, pickable=True)
    outline, names = district_layers.district_base(lang, ())
    bounds = layers.padded_bounds(pts.x, pts.y, pad_deg=0.05)  # the rows' area, with context around it
    return layers.point_map([outline, points, names], bounds), len(rows)


# What the writers put in a snapshot's note (geo.ingest.publish, geo.demo), read back in the page's
# language: the manifest keeps the machine text. A meeting's task change is read from its record.
_NOTES = [(re.compile(r"import (\w+) \((\w+)\): \+(\d+) ~(\d+) -(\d+), (\d+) rejected"),
           lambda m, lang: t("data_note_import", lang, table=t(f"table_{m[1]}", lang), mode=t(f"data_mode_{m[2]}", lang),
                             added=m[3], updated=m[4], removed=m[5], rejected=m[6])),
          (re.compile(r"assign task for (.+)"), lambda m, lang: t("data_note_assign", lang, project=m[1])),
          (re.compile(r"calibrated demo"), lambda m, lang: t("data_note_demo", lang)),
          (re.compile(r"scaled benchmark store: (.+)"), lambda m, lang: t("data_note_scaled", lang, scale=m[1]))]


def _edit_text(edit: dict, lang: str) -> str:
    """A meeting's task change (``geo.task_notes.record``) in words."""
    task, action = edit["task_id"], edit["action"]
    if action == "assign":
        return t("data_note_assign_id", lang, task=task, project=edit.get("project", ""))
    if action == "reschedule":
        return t("data_note_reschedule", lang, task=task, due=edit.get("due_on", ""))
    if action in ("reopen", "withdraw"):
        return t(f"data_note_{action}", lang, task=task, reason=edit.get("reason", ""))
    return t("data_note_close", lang, task=task)


def publisher_text(name: str, lang: str) -> str:
    """Who published a snapshot; task changes made in a meeting with no name are "meeting"
    (geo.task_edits), shown as 调度会."""
    return t("published_by_meeting", lang) if name == "meeting" else name


def sources_text(sources: str | None, lang: str) -> str:
    """A snapshot's sources as the page shows them: a meeting's change came from the 调度会 page
    (its "meeting: close task T" had been shown in English, then as the note again, which pushed
    the note's reason out of sight: tester 10)."""
    if (sources or "").startswith("meeting: "):
        return t("published_by_meeting", lang)
    return sources or ""


def note_text(note: str | None, lang: str, edit: dict | None = None) -> str:
    """A snapshot's note as the page shows it: a meeting's task change (``edit``, from
    ``task_notes.edit_of``; else read from the note) in words, a known note translated, an
    unknown one as written."""
    edit = edit or task_notes.edit_of({"note": note})
    if edit:
        return _edit_text(edit, lang)
    for pattern, text in _NOTES:
        found = pattern.fullmatch(note or "")
        if found:
            return text(found, lang)
    return note or ""


def _published_at(entry: dict) -> str:
    try:
        return beijing(entry["created_at"]).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return entry["created_at"]


def snapshot_line(entry: dict, lang: str) -> str:
    """One snapshot in a line: "20261203T… · 数据截至 2023-09-30 · 调度会 · 调度会办结：事项 T". The
    as-of date tells apart a rolled-back import from the same file imported again (tester 19)."""
    who = publisher_text(entry["published_by"], lang) or "—"
    what = note_text(entry['note'], lang, entry.get('task_edit')) or sources_text(entry['sources'], lang)
    return f"{entry['id']} · {t('data_h_as_of', lang)} {entry.get('as_of') or '—'} · {who} · {what}"


def is_meeting_change(entry: dict) -> bool:
    """A task assigned or closed on the 调度会 page (``geo.task_edits``), not an import."""
    return (entry.get("sources") or "").startswith("meeting: ")


def dated_line(entry: dict, lang: str) -> str:
    """``snapshot_line`` after when it was published (Beijing time)."""
    return f"{_published_at(entry)} · {snapshot_line(entry, lang)}"


def switch_lines(entries: list[dict], lang: str, limit: int = 8, markdown: bool = True) -> str:
    """Bullets (Markdown, or plain text for a shell) of the snapshots a switch undoes or restores,
    newest first, each with when it was published; beyond ``limit`` one line says how many more."""
    lines = [f"- {md_escape(dated_line(e, lang)) if markdown else dated_line(e, lang)}" for e in entries[:limit]]
    if len(entries) > limit:
        lines.append(f"- {t('data_switch_more', lang, n=len(entries) - limit)}")
    return "\n".join(lines)


def history_frame(history: list[dict], lang: str) -> pd.DataFrame:
    """One row per snapshot for st.dataframe: when (local time), who, what, rows, and whether its
    changes are in the live data (the current snapshot's line) or not (rolled back, or on
    another branch: after a rollback they had looked live, tester 10)."""
    current = next((h["id"] for h in history if h["current"]), None)
    live = set(store.lineage({h["id"]: h["parent"] for h in history}, current))
    rows = []
    for h in history:
        state = "●" if h["current"] else "" if h["id"] in live else t("data_h_not_live", lang)
        rows.append({t("data_h_current", lang): state,
                     t("data_h_id", lang): h["id"], t("data_h_when", lang): _published_at(h),
                     t("data_h_as_of", lang): h["as_of"],  # before the long texts, which cut it off
                     t("data_h_who", lang): publisher_text(h["published_by"], lang),
                     t("data_h_sources", lang): sources_text(h["sources"], lang),
                     t("data_h_note", lang): note_text(h["note"], lang, h.get("task_edit")),
                     t("table_projects", lang): h["rows"].get("projects", 0),
                     t("table_tasks", lang): h["rows"].get("tasks", 0),
                     t("table_parcels", lang): h["rows"].get("parcels", 0),
                     t("table_substations", lang): h["rows"].get("substations", 0)})
    return pd.DataFrame(rows)


def updates_frame(updates: pd.DataFrame, table: str, lang: str) -> pd.DataFrame:
    """``publish.updated_fields`` for the page: the id, the field by its name, before and after as
    the page shows values (days, district names, enum labels; a moved shape said in words)."""
    def shown(column: str, value) -> str:
        if column == "geometry":
            return ""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return "—"
        col = schema.column(table, column)
        if col.dtype == "date":
            return pd.Timestamp(value).date().isoformat()
        if column == "district_adcode":
            return DISTRICTS.get(value, (value, value))[lang != "zh"]
        return schema.enum_label(value, lang) if col.enum else str(value)

    return pd.DataFrame({
        schema.column(table, schema.PRIMARY_KEYS[table]).label(lang): updates["id"],
        t("data_update_field", lang): [schema.column(table, c).label(lang) for c in updates["column"]],
        t("data_update_before", lang): [shown(c, v) for c, v in zip(updates["column"], updates["before"])],
        t("data_update_after", lang): [t("data_update_moved", lang) if c == "geometry" else shown(c, v)
                                      for c, v in zip(updates["column"], updates["after"])],
    })


def switches_frame(switches: list[dict], lang: str) -> pd.DataFrame:
    """The switch log (``publish.switches``) for st.dataframe: when (Beijing time), from, to, who."""
    return pd.DataFrame({t("data_switch_when", lang): [_published_at({"created_at": s["at"]}) for s in switches],
                         t("data_switch_from", lang): [s.get("from") or "—" for s in switches],
                         t("data_switch_to_col", lang): [s["to"] for s in switches],
                         t("data_switch_by", lang): [s.get("by") or "—" for s in switches]})


# Dates of what has already happened. One after the new snapshot's as-of date is most often a
# typo or a wrong as-of; that snapshot's figures count it only from that day on (a project
# "started" in the future is not among this year's starts).
HAPPENED = {"projects": ("stalled_since", "actual_start", "actual_completion"),
            "tasks": ("assigned_on", "closed_on"),
            "parcels": ("listed_on", "disposed_on", "supplied_on")}


def after_as_of(accepted: pd.DataFrame, table: str, as_of, lang: str) -> str | None:
    """The warning for accepted rows with a date of something that happened after ``as_of``
    (how many per column, and the latest date), or None."""
    parts, latest = [], None
    for column in HAPPENED.get(table, ()):
        if column not in accepted.columns:
            continue
        dates = pd.to_datetime(accepted[column], errors="coerce")
        later = dates[dates > pd.Timestamp(as_of)]
        if len(later):
            parts.append(t("data_after_as_of_part", lang, column=schema.column(table, column).label(lang), n=len(later)))
            latest = max(latest, later.max()) if latest is not None else later.max()
    if not parts:
        return None
    return t("data_after_as_of", lang, as_of=as_of, parts=("、" if lang == "zh" else ", ").join(parts), latest=latest.date())


def counts(report) -> list[tuple[str, int]]:
    return [("data_read", report.rows_read), ("data_accepted", report.accepted),
            ("data_rejected", report.rejected), ("data_changed", report.changed)]


__all__ = ["ENCODING_CHOICES", "CRS_OPTIONS", "PREVIEW_MAX", "COORD_TARGETS", "target_label", "target_options",
           "mapping_for_editor", "mapping_from_editor", "required_note", "preview_deck", "history_frame", "counts",
           "after_as_of"]
