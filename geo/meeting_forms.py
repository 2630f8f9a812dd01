"""The meeting page's task parts: task rates, and the forms that assign, close, reschedule and
correct tasks. Kept out of pages/meeting.py so the page stays a layout; the changes since the last
meeting and the brief are ``geo.meeting_review``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import store, task_edits, task_rates
from geo.boundaries import district_name
from geo.filters import Filters
from geo.i18n import fmt_number, t
from geo.meeting_view import rates_table
from geo.query import Scope, query
from geo.schema import enum_label
from geo.page_cache import cached, derived
from geo.ui import ROW_PX, PageContext, table, url_state

CHOICES_MAX = 2_000  # projects offered in the assign form (largest first); narrow the filters for others


def rates_view(ctx: PageContext) -> None:
    lang = ctx.lang
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
