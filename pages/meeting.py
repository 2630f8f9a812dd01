"""调度会 Dispatch meeting: stalled projects, assigned tasks (assign and close during the meeting),
changes since the last meeting, the one-page brief, and agendas of saved views."""

import streamlit as st

from geo import agenda as agendas
from geo import charts, meeting, page_cache, picks, present, task_rates, ui
from geo.agenda_view import add_item_form, agenda_editor
from geo.downloads import download_panel
from geo.i18n import fmt_count, fmt_number, fmt_pct, t
from geo.meeting_view import (STALLED_PROJECTOR_COLUMNS, stalled_config, stalled_matrix, stalled_state_frame,
                              stalled_table, task_projector_columns, task_table)
from geo.meeting_forms import assign_form, close_form, rates_view, reschedule_form, undo_form
from geo.meeting_review import brief_panel, changes_view
from geo.sidebar import keep, remember

ctx = ui.page_context("meeting")
lang, filters = ctx.lang, ctx.filters
VIEWS = ("stalled", "tasks", "changes", "brief", "agenda")
ui.url_state("view", "meeting_view", VIEWS, "stalled")
# An agenda item of this page is named by its view: two items read "调度会" (tester 13).
shown = st.session_state.get("meeting_view") or "stalled"
ui.page_header(ctx, "page_meeting", "meeting_none", "meeting",
               view_title=f"{t('page_meeting', lang)} · {t(f'meeting_view_{shown}', lang)}")
store_dir = ui.store_dir(ctx.snapshot)
view = st.segmented_control(t("meeting_view", lang), VIEWS, key="meeting_view",
                            format_func=lambda v: t(f"meeting_view_{v}", lang)) or "stalled"
if view in ("stalled", "tasks"):  # the lists behind the view, with the tasks' states (tester 14)
    download_panel(ctx, ["projects", "tasks"], "meeting_dl", filters=meeting.extract_filters(filters, view))

if view == "stalled":
    summary = page_cache.cached(meeting.stalled_summary, ctx)
    rows, total = page_cache.cached(meeting.stalled_projects, ctx)
    m = st.columns(3)
    m[0].metric(t("stalled", lang), fmt_count(total, "个", lang))
    m[1].metric(t("total_investment", lang), fmt_number(float(rows["total_investment_yi"].sum()), "亿元", 1, lang))
    m[2].metric(t("stalled_overdue_tasks", lang), fmt_count(int(rows["overdue_tasks"].sum()), "件", lang))
    # counted under every filter but the 八未 state's own: its other bars stay to click
    frame = stalled_state_frame(page_cache.cached(meeting.stalled_summary, ctx, filters=filters.without("stalled")), lang)
    ui.chart(charts.bar_chart(frame, key="stalled_state", label="label", value="projects",
                              value_title=t("projects_count", lang), tooltip=["label", "count_text"],
                              colour="#8c510a", selected=filters.stalled),
             **picks.chart_pick("meeting_stalled_chart", "stalled_state", "f_stalled"), width="stretch")
    st.markdown(f"**{t('stalled_by_state_district', lang)}**")
    table = stalled_table(rows, lang)
    if ui.table(stalled_matrix(summary, lang), lang, "no_rows_stalled", key="meeting_stalled_matrix") is not None:
        ui.table(table, lang, "no_rows_stalled", key="meeting_stalled", column_config=stalled_config(lang),
                 on_select=picks.on_project_row("meeting_stalled", list(table["project_id"])),
                 selection_mode="single-row", max_height=600, projector_columns=STALLED_PROJECTOR_COLUMNS)
    st.caption(t("stalled_note", lang, as_of=ctx.snapshot.as_of))
elif view == "tasks":
    totals = page_cache.cached(task_rates.task_totals, ctx)
    m = st.columns(6)
    for col, key, unit in zip(m, ("assigned", "open", "due_soon", "overdue", "closed_on_time", "closed_late"),
                              ["件"] * 6):
        col.metric(t(f"task_{key}", lang), fmt_count(totals[key], unit, lang))
    rate, moved = st.columns(6)[:2]
    rate.metric(t("closing_rate", lang), fmt_pct(totals["closing_rate_pct"], 1))
    moved.metric(t("task_moved", lang), fmt_count(totals["moved"], "件", lang), help=t("task_moved_help", lang))
    rates_view(ctx)
    ui.url_state("states", "meeting_task_states", task_rates.TASK_STATES, ["overdue", "due_soon"], multi=True)
    # "open" as a state is an unclosed task not yet due; the 办理中 figure above counts every
    # unclosed one (overdue and due soon too), so the button says 未到期.
    state = st.pills(t("task_states_shown", lang), task_rates.TASK_STATES, selection_mode="multi",
                     key="meeting_task_states",
                     format_func=lambda s: t("task_not_due" if s == "open" else f"task_{s}", lang))
    rows, total = page_cache.cached(task_rates.task_list, ctx, states=tuple(state or task_rates.TASK_STATES))
    projector = task_projector_columns(lang)
    ui.table(task_table(rows, lang), lang, "no_rows_tasks", key="meeting_tasks", max_height=500,
             projector_columns=tuple(projector), projector_widths=projector)
    st.caption(t("tasks_listed", lang, shown=fmt_count(len(rows), "件", lang), total=fmt_count(total, "件", lang)))
    left, right = st.columns(2)
    with left:
        assign_form(ctx, store_dir)
        undo_form(ctx, store_dir)
    with right:
        close_form(ctx, store_dir)
        reschedule_form(ctx, store_dir)
elif view == "changes":
    changes_view(ctx, store_dir)
elif view == "brief":
    brief_panel(ctx, store_dir)
else:
    st.caption(t("agenda_how", lang))
    saved = agendas.list_agendas(store_dir)
    # Titles only: a label that changed with the item count made Streamlit take the picker for a
    # new widget after an item was added, and drop the picked agenda.
    titles = {a.agenda_id: a.title for a in saved}
    # The picked agenda outlives a presentation of it (the page's widgets are dropped meanwhile).
    # A new session opens on the agenda saved last: it had opened on an empty "new agenda", the
    # agenda built the day before looking lost (tester 19).
    keep("agenda_pick", saved[0].agenda_id if saved else "")
    if st.session_state["agenda_pick"] not in titles:
        st.session_state["agenda_pick"] = ""
    choice = st.selectbox(t("agenda_choose", lang), ["", *titles], key="agenda_pick",
                          format_func=lambda a: titles.get(a, a) if a else t("agenda_new", lang))
    remember("agenda_pick")
    current = next((a for a in saved if a.agenda_id == choice), None)
    if current is not None:
        st.caption(t("agenda_size", lang, n=len(current.items)))
    agenda_editor(current, store_dir, lang)
    if current is not None:
        if current.items:
            present.item_link(current, 0, lang, t("agenda_start", lang), ":material/slideshow:", "agenda_start",
                              width="content")
        add_item_form(current, store_dir, lang, "meeting")
picks.open_pending_page()
