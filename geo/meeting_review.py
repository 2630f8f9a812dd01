"""The meeting page's look back: the changes between two snapshots ("since the last meeting"),
with the default baseline the last meeting's data, and the PDF brief that counts from the same
baseline. Kept out of pages/meeting.py so the page stays a layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st

from geo import store, task_edits, task_notes
from geo.boundaries import DISTRICTS, district_name
from geo.filters import Filters
from geo.i18n import beijing, fmt_count, fmt_number, md_escape, t
from geo.ingest.view import note_text, publisher_text
from geo.meeting_view import change_projector_columns, change_table
from geo.query import Scope
from geo.page_cache import derived
from geo.ui import PageContext, table, url_state

# --- changes since the last meeting ----------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def _changes(old_id: str, new_id: str, store_path: str, scope: Scope, districts: tuple[str, ...]):
    from geo.changes import changes_between

    old, new = store.get_snapshot(old_id, Path(store_path)), store.get_snapshot(new_id, Path(store_path))
    return changes_between(old, new, scope, Filters(districts=districts))


def _created(snapshot: store.Snapshot) -> dt.date:
    """The day a snapshot was published (Beijing time)."""
    return beijing(snapshot.manifest["created_at"]).date()


def _last_meeting(snapshots: list[store.Snapshot], current: str) -> str:
    """The last meeting's data, as a default. On the current snapshot's line: the newest snapshot
    of an earlier as-of date, the data the last meeting saw with its own changes (a month's ledger
    moves the date; the calendar-day rule below had counted meeting 1's assignments as new at
    meeting 2 and missed its moved deadline: tester 19); while the date has not moved, the newest
    published before the day the current one was (Beijing time), else the line's first. The
    previous snapshot was the default: after a meeting of many edits that showed the last edit
    alone (tester 10)."""
    by_id = {s.id: s for s in snapshots}
    line = store.lineage({s.id: s.manifest.get("parent") for s in snapshots}, current)
    earlier = next((s for s in line if by_id[s].as_of < by_id[current].as_of), None)
    if earlier is not None:
        return earlier
    today = _created(by_id[current])
    return next((s for s in line if _created(by_id[s]) < today), line[-1])


_CORRECTIONS = {"tasks_reopened": "reopen", "tasks_withdrawn": "withdraw"}  # change kind -> task_edits action
_CHANGE_UNITS = {"tasks_opened": "件", "tasks_closed": "件", "tasks_rescheduled": "件", "tasks_reopened": "件",
                 "tasks_withdrawn": "件", "tasks_overdue": "件", "parcels_disposed": "宗"}  # else projects: 个


def changes_view(ctx: PageContext, store_dir: Path) -> None:
    lang = ctx.lang
    snapshots = store.list_snapshots(store_dir)
    if len(snapshots) < 2:
        st.info(t("changes_need_two", lang))
        return
    ids = [s.id for s in snapshots]
    # what each snapshot did, when (Beijing time) and by whom: every option had read "2023-09-30 · id · name".
    # A note names tasks of any district (and a correction's reason): a scoped user sees no notes.
    said = ((lambda s: note_text(s.manifest.get("note"), lang, task_notes.edit_of(s.manifest))) if ctx.scope.is_all
            else (lambda s: ""))
    # and the data's as-of date: two imports of one file, one rolled back, had read alike (tester 19)
    label = {s.id: " · ".join(part for part in (
        f"{beijing(s.manifest['created_at']):%Y-%m-%d %H:%M}", f"{t('data_h_as_of', lang)} {s.as_of}", said(s),
        publisher_text(s.manifest.get("published_by", ""), lang), s.id) if part) for s in snapshots}
    current = ctx.snapshot.id if ctx.snapshot.id in ids else ids[-1]
    last_meeting = _last_meeting(snapshots, current)
    left, right = st.columns(2)
    by_date = left.toggle(t("changes_by_date", lang), key="changes_by_date")
    if by_date:  # the data as it was published on the day of the last meeting
        day = left.date_input(t("changes_meeting_day", lang), key="changes_day",
                              value=_created(snapshots[ids.index(last_meeting)]), min_value=_created(snapshots[0]))
        before = [s.id for s in snapshots if _created(s) <= day]
        old = before[-1] if before else ids[0]
        left.caption(t("changes_day_snapshot", lang, snapshot=label[old]))
    else:
        # In the address, so an agenda item and a link keep the baseline chosen (it had fallen back
        # to the default when presented: tester 19); url_state lets a default follow new data.
        url_state("since", "changes_old", tuple(ids), last_meeting)
        old = left.selectbox(t("changes_old", lang), ids, key="changes_old", format_func=label.get)
    new = right.selectbox(t("changes_new", lang), ids, index=ids.index(current), key="changes_new",
                          format_func=label.get)
    if old == new:
        st.info(t("changes_same", lang))
        return
    found = _changes(old, new, str(store_dir), ctx.scope, ctx.filters.districts)
    why = derived(ctx, ("corrections", old, new), lambda: task_edits.corrections(  # every manifest read: once a pair
        store_dir, store.get_snapshot(new, store_dir), store.get_snapshot(old, store_dir)))
    if not ctx.filters.with_districts(()).is_empty:  # a search or stage would seem to apply: it does not
        st.caption(t("changes_district_only", lang))
    counts = found.counts()
    kinds = list(counts)
    for row in (kinds[:7], kinds[7:]):  # projects, then tasks and parcels: fourteen in one row wrapped "0 个"
        for col, kind in zip(st.columns(7), row):
            col.metric(t(f"change_{kind}", lang), fmt_count(counts[kind], _CHANGE_UNITS.get(kind, "个"), lang))
    if counts["investment_progress"]:  # the month's money, as one figure (tester 19)
        delta = float(found.investment_progress["delta_yi"].sum())
        st.caption(t("changes_invested", lang, delta=("+" if delta >= 0 else "") + fmt_number(delta, "亿元", 1, lang),
                     n=fmt_count(counts["investment_progress"], "个", lang)))
    shown = [k for k, n in counts.items() if n]
    if not shown:
        st.success(t("changes_none", lang))
        return
    for tab, kind in zip(st.tabs([t(f"change_{k}", lang) for k in shown]), shown):
        with tab:
            rows = getattr(found, kind)
            if kind in _CORRECTIONS:  # why, and who said so
                given = [why.get((_CORRECTIONS[kind], i), ("", "")) for i in rows["task_id"].tolist()]
                rows = rows.assign(reason=[g[0] or None for g in given],
                                   recorded_by=[publisher_text(g[1], lang) or None for g in given])
            table(change_table(kind, rows, lang), lang, key=f"changes_{kind}", max_height=420,
                  projector_columns=change_projector_columns(kind, rows, lang))


# --- the brief -------------------------------------------------------------------------------------


def _brief_since(ctx: PageContext, store_dir: Path) -> store.Snapshot | None:
    """The snapshot the brief's "since the last meeting" line counts from: the one chosen in the
    changes view this session, else its default (``_last_meeting``); None with a single snapshot
    or a current snapshot not in the store's list."""
    snapshots = store.list_snapshots(store_dir)
    by_id = {s.id: s for s in snapshots}
    if len(snapshots) < 2 or ctx.snapshot.id not in by_id:
        return None
    # the kept copy: the widget's own state is dropped once the changes view is not drawn (review)
    chosen = st.session_state.get("_kept_changes_old")
    if chosen == st.session_state.get("_default_changes_old"):  # not chosen, the default then: today's default
        chosen = None
    since = by_id.get(chosen) or by_id[_last_meeting(snapshots, ctx.snapshot.id)]
    return None if since.id == ctx.snapshot.id else since


def brief_panel(ctx: PageContext, store_dir: Path) -> None:
    from geo import brief

    lang = ctx.lang
    options = ["", *DISTRICTS]
    preset = ctx.filters.districts[0] if len(ctx.filters.districts) == 1 else ""
    place = st.selectbox(t("brief_scope", lang), options, index=options.index(preset), key="brief_place",
                         format_func=lambda c: t("brief_city", lang) if not c else district_name(c, lang))
    since = _brief_since(ctx, store_dir)
    if since is not None:
        st.caption(t("brief_since_note", lang, as_of=since.as_of.isoformat(), snapshot=since.id))
    request = (ctx.snapshot.id, ctx.scope, place, lang, since.id if since else None)
    st.button(t("brief_build", lang), type="primary", key="brief_build", icon=":material/picture_as_pdf:",
              on_click=st.session_state.__setitem__, args=("brief_requested", True))
    if st.session_state.pop("brief_requested", False):
        try:
            with st.spinner(t("export_building", lang)):
                data = brief.build_brief(ctx.snapshot, ctx.scope, Filters(), district=place or None, lang=lang,
                                         since=since)
            st.session_state["brief_result"] = (request, data)
        except brief.BriefFontError as problem:
            st.error(t("brief_font_missing", lang, reason=md_escape(str(problem))))
    built = st.session_state.get("brief_result")
    if built and built[0] == request:
        where = t("brief_city", lang) if not place else district_name(place, lang)
        name = f"{t('brief_file', lang)}_{where}_{ctx.snapshot.as_of}.pdf"
        st.download_button(t("export_download", lang, name=name), built[1], file_name=name, mime="application/pdf",
                           key="brief_download", icon=":material/file_download:")
    st.caption(t("brief_note", lang))
    # It is the meeting's document of the city or one district: a page filtered to a park had
    # given a city brief whose figures disagreed with the page, unsaid (tester 17).
    if not ctx.filters.without("districts").is_empty or len(ctx.filters.districts) > 1:
        st.warning(t("brief_filters_not_applied", lang), icon=":material/filter_alt_off:")
