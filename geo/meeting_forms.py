"""The meeting page's interactive parts: task rates, assigning and closing tasks, changes between
two snapshots, and the PDF brief. Kept out of pages/meeting.py so the page stays a layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import store, task_edits, task_notes, task_rates
from geo.boundaries import DISTRICTS, district_name
from geo.filters import Filters
from geo.i18n import beijing, fmt_count, fmt_number, md_escape, t
from geo.ingest.view import note_text, publisher_text
from geo.meeting_view import change_projector_columns, change_table, rates_table
from geo.query import Scope, query
from geo.schema import enum_label
from geo.page_cache import cached, derived
from geo.ui import PageContext, table, url_state

CHOICES_MAX = 2_000  # projects offered in the assign form (largest first); narrow the filters for others


def rates_view(ctx: PageContext) -> None:
    lang = ctx.lang
    from geo.ui import ROW_PX, url_state

    url_state("by", "meeting_rates_by", ("unit", "district", "project"), "unit")  # a link keeps it
    by = st.segmented_control(t("rates_by", lang), ("unit", "district", "project"),
                              key="meeting_rates_by", format_func=lambda b: t(f"rates_by_{b}", lang)) or "unit"
    rates = cached(task_rates.task_rates, ctx, by)
    # Up to 16 rows without a scrollbar: the city's 14 units all on a projector (12 were, tester 13).
    table(rates_table(rates, by, lang), lang, "no_rows_tasks", key="meeting_rates", max_height=3 + ROW_PX * 17)


def project_choices(snapshot: store.Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Projects a task can be assigned to under the filters, largest first (at most CHOICES_MAX)."""
    where, params = filters.where("projects")
    return query(snapshot, "SELECT project_id, name, district_adcode, stage, stalled_state, total_investment_yi "
                 f"FROM {{projects}} p WHERE {where} "
                 "ORDER BY total_investment_yi DESC, project_id LIMIT $n", {**params, "n": CHOICES_MAX},
                 scope=scope, max_rows=CHOICES_MAX).df


def unit_choices(snapshot: store.Snapshot, scope: Scope, filters: Filters) -> list[str]:
    df = query(snapshot, "SELECT DISTINCT assigned_unit FROM {tasks} t ORDER BY 1", scope=scope).df
    return list(df["assigned_unit"])


def _message(key: str) -> None:
    shown = st.session_state.pop(key, None)
    if shown:
        getattr(st, shown[0])(shown[1])


def _refusal(lang: str, problem: task_edits.TaskError) -> tuple[str, str]:
    return "error", t("task_refused", lang, reason=t(f"task_error_{problem.code}", lang, **problem.params))


def _submit_button(label: str, action, args: tuple, key: str, **kwargs) -> None:
    """A form's submit button whose ``action(*args)`` runs even when Streamlit skips its callback.

    A session calls a widget's callback only once a run has drawn the widget: after a server
    restart the tab's first click is the new session's first message, so 交办 was lost without a
    word and the typed task stayed in the form (exploratory tester 6). The button still reads as
    pressed in that run: the action is then done first thing in a rerun, before the form's
    widgets are drawn (it clears them on success)."""
    ran = f"_{key}_ran"

    def callback(*callback_args) -> None:
        st.session_state[ran] = True
        action(*callback_args)

    if st.form_submit_button(label, on_click=callback, args=args, **kwargs) and not st.session_state.pop(ran, False):
        st.session_state[f"_{key}_pending"] = True
        st.rerun()


def _pending(key: str) -> bool:
    """A submit whose callback was skipped (``_submit_button``), to do now."""
    return st.session_state.pop(f"_{key}_pending", False)


def assign_form(ctx: PageContext, store_dir: Path) -> None:
    lang = ctx.lang
    if _pending("meeting_assign"):
        _assign(ctx, store_dir)
    projects = cached(project_choices, ctx)
    # With its stage, 八未 state and size: two phases of one project read alike by name and
    # district, and the wrong one was given the task (tester 13).
    names = {row.project_id: " · ".join(filter(None, (
        row.name, district_name(row.district_adcode, lang), enum_label(row.stage, lang),
        enum_label(row.stalled_state, lang) if isinstance(row.stalled_state, str) else "",
        fmt_number(row.total_investment_yi, "亿元", 1, lang) if pd.notna(row.total_investment_yi) else "")))
        for row in projects.itertuples(index=False)}
    # Not cleared on submit: a refused task keeps what was typed; a saved one is cleared in _assign.
    with st.form("meeting_assign", border=True):
        st.markdown(f"**{t('assign_title', lang)}**")
        st.selectbox(t("assign_project", lang), list(names), key="assign_project", format_func=names.get,
                     index=None, placeholder=t("assign_pick_project", lang))
        st.selectbox(t("assign_unit", lang), cached(unit_choices, ctx, unfiltered=True), key="assign_unit",
                     index=None, accept_new_options=True, placeholder=t("assign_pick_unit", lang))
        st.text_input(t("assign_task_title", lang), key="assign_task_title")  # too long: refused, kept (no max_chars)
        left, right = st.columns(2)
        left.date_input(t("assign_due", lang), value=ctx.snapshot.as_of + dt.timedelta(days=14), key="assign_due")
        right.text_input(t("assign_by", lang), key="assign_by", max_chars=20)
        st.caption(t("assign_on_note", lang, date=ctx.snapshot.as_of))
        _submit_button(t("assign_button", lang), _assign, (ctx, store_dir), "meeting_assign", type="primary")
    _message("assign_message")


def _assign(ctx: PageContext, store_dir: Path) -> None:
    lang, state = ctx.lang, st.session_state
    unit = (state.get("assign_unit") or "").strip()
    try:
        _, task_id = task_edits.assign(store_dir, ctx.snapshot, project_id=state.get("assign_project") or "",
                                       unit=unit, title=state.get("assign_task_title", ""),
                                       due_on=state.get("assign_due"), by=state.get("assign_by", ""), scope=ctx.scope,
                                       new_unit=state.get("_assign_new_unit") == unit)  # 交办 again: a new unit
    except task_edits.TaskError as problem:
        state["assign_message"] = _refusal(lang, problem)
        state["_assign_new_unit"] = unit if problem.code == "unit_fragment" else None
        return
    state["_assign_new_unit"] = None
    state["assign_message"] = ("success", t("assign_done", lang, id=task_id))
    state["assign_project"], state["assign_task_title"] = None, ""


def _open_task_form(ctx: PageContext, store_dir: Path, key: str, title_key: str, button_key: str, action,
                    date_input, with_due: bool = False) -> None:
    """A form acting on one open task (close it, move its deadline): the task picker, the date
    ``date_input()`` draws, the submit; ``action`` saves it (``key`` names the form and the
    state keys ``{key}_task`` and ``{key}_message``)."""
    lang = ctx.lang
    if _pending(f"meeting_{key}"):
        action(ctx, store_dir)
    rows, _ = cached(task_rates.task_list, ctx, states=("overdue", "due_soon", "open"), limit=CHOICES_MAX)
    labels = {r.task_id: _task_label(r, f"{r.due_on:%Y-%m-%d}" if with_due else "") for r in rows.itertuples()}
    with st.form(f"meeting_{key}", border=True):
        st.markdown(f"**{t(title_key, lang)}**")
        st.selectbox(t("close_task", lang), list(labels), key=f"{key}_task", format_func=labels.get, index=None,
                     placeholder=t("close_pick_task", lang) if labels else t("no_open_tasks", lang))
        left, right = st.columns(2)
        with left:
            date_input()
        # who, as the assignment has its 交办人: the history had "调度会" for every close (tester 8)
        right.text_input(t("recorded_by", lang), key=f"{key}_by", max_chars=20)
        _submit_button(t(button_key, lang), action, (ctx, store_dir), f"meeting_{key}")
    _message(f"{key}_message")


def _task_label(row, when: str = "") -> str:
    """A task as a picker offers it: id, (a date), what, which project, who. Two tasks of one
    title and unit on different projects had read the same but for their ids (tester 10); the
    date comes early, as a 1280-px projector cuts the end."""
    return " · ".join(str(part) for part in (row.task_id, when, row.title, row.project_name, row.assigned_unit) if part)


def close_form(ctx: PageContext, store_dir: Path) -> None:
    _open_task_form(ctx, store_dir, "close", "close_title", "close_button", _close,
                    # No max_value: a date typed beyond it was kept as the default, and a task closed
                    # on 11-05 was recorded as closed on the as-of date, unsaid (tester 19).
                    # task_edits refuses it in words instead.
                    lambda: st.date_input(t("close_on", ctx.lang), value=ctx.snapshot.as_of, key="close_on"))


def reschedule_form(ctx: PageContext, store_dir: Path) -> None:
    """A new deadline for an open task (延期 granted at the meeting)."""
    _open_task_form(ctx, store_dir, "reschedule", "reschedule_title", "reschedule_button", _reschedule,
                    lambda: st.date_input(t("reschedule_due", ctx.lang), value=ctx.snapshot.as_of + dt.timedelta(days=14),
                                          key="reschedule_due"),
                    with_due=True)  # no min_value, as above: task_edits refuses a past deadline in words


def _save_task_change(ctx: PageContext, key: str, edit, done_key: str, **done) -> None:
    """``edit()`` (a ``task_edits`` change) and what the form then says: its refusal, or
    ``done_key`` with the task's id, the picker emptied for the next one."""
    state = st.session_state
    try:
        _, task_id = edit()
    except task_edits.TaskError as problem:
        state[f"{key}_message"] = _refusal(ctx.lang, problem)
        return
    state[f"{key}_message"] = ("success", t(done_key, ctx.lang, id=task_id, **done))
    state[f"{key}_task"] = None


def _reschedule(ctx: PageContext, store_dir: Path) -> None:
    state = st.session_state
    _save_task_change(ctx, "reschedule", lambda: task_edits.reschedule(
        store_dir, ctx.snapshot, task_id=state.get("reschedule_task") or "", due_on=state.get("reschedule_due"),
        by=state.get("reschedule_by", ""), scope=ctx.scope), "reschedule_done", due=state.get("reschedule_due"))


def _close(ctx: PageContext, store_dir: Path) -> None:
    state = st.session_state
    _save_task_change(ctx, "close", lambda: task_edits.close(
        store_dir, ctx.snapshot, task_id=state.get("close_task") or "", closed_on=state.get("close_on"),
        by=state.get("close_by", ""), scope=ctx.scope), "close_done", closed=state.get("close_on") or ctx.snapshot.as_of)


UNDO_ACTIONS = ("reopen", "withdraw")


def undo_form(ctx: PageContext, store_dir: Path) -> None:
    """Undo a mistake of the meeting: a task closed by mistake is reopened, one assigned by
    mistake withdrawn, with a reason kept in the data's history. The only undo had been a
    rollback of the store, which takes out every later change too."""
    lang, state = ctx.lang, st.session_state
    if _pending("meeting_undo"):
        _undo(ctx, store_dir)
    with st.container(border=True):
        st.markdown(f"**{t('undo_title', lang)}**")
        # a radio, not a segmented control: a second click on the chosen segment left none chosen (tester 10)
        action = st.radio(t("undo_action", lang), UNDO_ACTIONS, key="undo_action", horizontal=True,
                          format_func=lambda a: t(f"undo_{a}", lang), on_change=_clear_undo)
        states = ("closed_on_time", "closed_late") if action == "reopen" else task_rates.TASK_STATES
        rows, _ = cached(task_rates.task_list, ctx, states=states, limit=CHOICES_MAX, latest_first=True)
        recent = derived(ctx, ("recent_tasks",), lambda: task_edits.recently_changed(store_dir, ctx.snapshot))
        first = {task_id: i for i, task_id in enumerate(recent)}  # changed at this meeting first, newest first
        rows = rows.iloc[sorted(range(len(rows)), key=lambda i: first.get(rows["task_id"].iat[i], len(first)))]
        labels = {r.task_id: _task_label(r, t("task_closed_on", lang, date=r.closed_on.date()) if pd.notna(r.closed_on)
                                         else "") for r in rows.itertuples()}
        if state.get("undo_task") not in labels:  # a task of the other action's list
            state["undo_task"] = None
        with st.form("meeting_undo", border=False):
            st.selectbox(t("close_task", lang), list(labels), key="undo_task", format_func=labels.get, index=None,
                         placeholder=t(f"undo_pick_{action}", lang) if labels else t(f"undo_none_{action}", lang))
            left, right = st.columns([2, 1])
            # no max_chars: a longer reason pasted in vanished without a word (tester 10); the edit says the limit
            left.text_input(t("undo_reason", lang), key="undo_reason")
            right.text_input(t("recorded_by", lang), key="undo_by", max_chars=20)
            _submit_button(t(f"undo_button_{action}", lang), _undo, (ctx, store_dir), "meeting_undo")
        st.caption(t("undo_note", lang))
    _message("undo_message")


def _clear_undo() -> None:
    """Another correction starts clean: the reason typed for the other one does not carry over."""
    st.session_state["undo_task"], st.session_state["undo_reason"] = None, ""


def _undo(ctx: PageContext, store_dir: Path) -> None:
    state = st.session_state
    action = task_edits.reopen if state.get("undo_action", "reopen") != "withdraw" else task_edits.withdraw
    _save_task_change(ctx, "undo", lambda: action(
        store_dir, ctx.snapshot, task_id=state.get("undo_task") or "", reason=state.get("undo_reason", ""),
        by=state.get("undo_by", ""), scope=ctx.scope), f"{action.__name__}_done")
    if state["undo_message"][0] == "success":  # the next correction starts empty; a refusal keeps the reason
        state["undo_reason"] = ""


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
        # to the default when presented: tester 19). A default kept from before an import moved the
        # data follows the new default; a baseline someone chose stays (review).
        state = st.session_state
        if state.get("_changes_default") not in (None, last_meeting) and \
                state.get("_kept_changes_old") == state["_changes_default"]:
            state.pop("_kept_changes_old", None)
            state.pop("changes_old", None)
        state["_changes_default"] = last_meeting
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
    if chosen == st.session_state.get("_changes_default"):  # not chosen, the default then: today's default
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
