"""The agenda editor of the meeting page: a table of items (title, link) that can be edited,
reordered and saved; bad rows are refused with their row number and reason, nothing saved."""

from __future__ import annotations

import zlib
from pathlib import Path
from urllib.parse import unquote, urlencode

import pandas as pd
import streamlit as st

from geo import agenda as agendas
from geo import url
from geo.i18n import t


def _frame(agenda: agendas.Agenda | None) -> pd.DataFrame:
    items = agenda.items if agenda else ()
    return pd.DataFrame({"order": pd.Series(range(1, len(items) + 1), dtype="int64"),
                         "title": pd.Series([i.title for i in items], dtype="string"),
                         "link": pd.Series([unquote(i.link()) for i in items], dtype="string")})


def _cell(value) -> str:
    """A table cell as text: an empty cell (None, NaN, pd.NA — the editor gives all three) is ""."""
    return "" if value is None or pd.isna(value) else str(value)


def _items_from(frame: pd.DataFrame, lang: str) -> tuple[list[agendas.Item], list[str]]:
    """Items in the table's order column (then row order), and one problem line per bad row.

    A row whose number was typed goes before an untouched row of the same number: typing 1 on
    the last item makes it the first (it had stayed after the old first one: tester 13)."""
    rows = frame.reset_index(drop=True)
    rows = rows.assign(title=rows["title"].map(_cell), link=rows["link"].map(_cell))
    rows = rows[~(rows["title"].str.strip().eq("") & rows["link"].str.strip().eq(""))]
    order = pd.to_numeric(rows["order"], errors="coerce").fillna(len(rows) + 1)
    moved = rows["_moved"].fillna(False).astype(bool) if "_moved" in rows else pd.Series(False, index=rows.index)
    items, problems = [], []
    # A bad row is named by its place in the table as shown, not its place once sorted by order
    for position, row in rows.assign(_o=order, _later=~moved).sort_values(["_o", "_later"], kind="stable").iterrows():
        try:
            items.append(agendas.item_from_link(row["title"], row["link"]))
        except agendas.AgendaError as problem:
            problems.append(t("agenda_row_problem", lang, row=position + 1, reason=problem.text(lang)))
    return items, problems


def _save(agenda_id: str | None, store_dir: Path, lang: str, editor_key: str) -> None:
    """Callback: save the edited table; on any problem, save nothing and say why."""
    title = st.session_state.get("agenda_title", "")
    frame = st.session_state.get(f"{editor_key}_frame")
    edits = st.session_state.get(editor_key) or {}
    frame = _apply_edits(frame, edits)
    items, problems = _items_from(frame, lang)
    if problems:
        st.session_state["agenda_message"] = ("error", t("agenda_not_saved", lang, reason="；".join(problems)))
        return
    try:
        agenda = (agendas.new_agenda(title, items) if agenda_id is None else
                  agendas.Agenda(agenda_id, title.strip(), tuple(items)))
        saved = agendas.save(agenda, store_dir)
    except agendas.AgendaError as problem:
        st.session_state["agenda_message"] = ("error", t("agenda_not_saved", lang, reason=problem.text(lang)))
        return
    st.session_state["agenda_pick"] = saved.agenda_id
    st.session_state["agenda_rev"] = st.session_state.get("agenda_rev", 0) + 1
    st.session_state["agenda_message"] = ("success", t("agenda_saved", lang, title=saved.title, n=len(saved.items)))


def _apply_edits(frame: pd.DataFrame, edits: dict) -> pd.DataFrame:
    """st.data_editor's edit state (edited / added / deleted rows) applied to its input frame;
    ``_moved`` marks the rows whose order number was typed."""
    out = frame.copy()
    out["_moved"] = False
    for row, changes in (edits.get("edited_rows") or {}).items():
        for column, value in changes.items():
            out.loc[int(row), column] = value
        out.loc[int(row), "_moved"] = "order" in changes
    out = out.drop(index=[int(r) for r in edits.get("deleted_rows") or []], errors="ignore")
    added = pd.DataFrame(edits.get("added_rows") or [], columns=out.columns)
    return pd.concat([out, added], ignore_index=True)


def _delete(agenda_id: str, store_dir: Path, lang: str) -> None:
    agendas.delete(agenda_id, store_dir)
    st.session_state["agenda_pick"] = ""
    st.session_state["agenda_message"] = ("success", t("agenda_deleted", lang))


def _copy(agenda: agendas.Agenda, store_dir: Path, lang: str) -> None:
    """Callback: the agenda's items as a new agenda, titled as a copy, picked for editing. Next
    month's meeting reuses last month's views; renaming the old agenda had renamed meeting 1's
    (its links and history with it: tester 19)."""
    suffix = t("agenda_copy_title", lang, title="")
    title = t("agenda_copy_title", lang, title=agenda.title[:agendas.TITLE_MAX - len(suffix)])  # the mark kept
    try:
        saved = agendas.save(agendas.new_agenda(title, list(agenda.items)), store_dir)
    except agendas.AgendaError as problem:
        st.session_state["agenda_message"] = ("error", t("agenda_not_saved", lang, reason=problem.text(lang)))
        return
    st.session_state["agenda_pick"] = saved.agenda_id
    st.session_state["agenda_message"] = ("success", t("agenda_copied", lang, title=saved.title, n=len(saved.items)))


def agenda_editor(agenda: agendas.Agenda | None, store_dir: Path, lang: str) -> None:
    # A new editor after each save: the old one's pending edits must not apply to the saved rows.
    editor_key = f"agenda_items_{agenda.agenda_id if agenda else 'new'}_{st.session_state.get('agenda_rev', 0)}"
    message = st.session_state.pop("agenda_message", None)
    if message:
        getattr(st, message[0])(message[1])
    shown = agenda.agenda_id if agenda else ""
    if st.session_state.get("_agenda_title_for") != shown:  # another agenda was picked: show its title
        st.session_state["agenda_title"] = agenda.title if agenda else ""
        st.session_state["_agenda_title_for"] = shown
    st.text_input(t("agenda_title", lang), key="agenda_title", max_chars=agendas.TITLE_MAX)
    frame = _frame(agenda)
    st.session_state[f"{editor_key}_frame"] = frame
    st.data_editor(frame, key=editor_key, num_rows="dynamic", hide_index=True, width="stretch", column_config={
        "order": st.column_config.NumberColumn(t("agenda_order", lang), min_value=1, step=1, width="small"),
        "title": st.column_config.TextColumn(t("agenda_item_title", lang), max_chars=agendas.TITLE_MAX),
        "link": st.column_config.TextColumn(t("agenda_item_link", lang), width="large"),
    })
    save, copy, drop = st.columns(3)
    save.button(t("agenda_save", lang), key="agenda_save", on_click=_save,
                args=(agenda.agenda_id if agenda else None, store_dir, lang, editor_key), icon=":material/save:")
    if agenda is not None:
        copy.button(t("agenda_copy", lang), key="agenda_copy", on_click=_copy, args=(agenda, store_dir, lang),
                    icon=":material/content_copy:")
        drop.button(t("agenda_delete", lang), key="agenda_delete", on_click=_delete,
                    args=(agenda.agenda_id, store_dir, lang), icon=":material/delete:")


def add_item_form(agenda: agendas.Agenda, store_dir: Path, lang: str, key: str) -> None:
    """Paste a link (copied from any page's address bar) with a title: appended to ``agenda``."""
    with st.form(f"{key}_add_item", clear_on_submit=True, border=True):
        st.markdown(f"**{t('agenda_add', lang)}**")
        left, right = st.columns([1, 2])
        left.text_input(t("agenda_item_title", lang), key=f"{key}_new_title", max_chars=agendas.TITLE_MAX)
        right.text_input(t("agenda_item_link", lang), key=f"{key}_new_link", placeholder="/investment?district=…")
        st.form_submit_button(t("agenda_add_button", lang), on_click=_add, args=(agenda, store_dir, lang, key))


def _add(agenda: agendas.Agenda, store_dir: Path, lang: str, key: str) -> None:
    try:
        item = agendas.item_from_link(st.session_state.get(f"{key}_new_title", ""),
                                      st.session_state.get(f"{key}_new_link", ""))
        saved = agendas.save(agendas.Agenda(agenda.agenda_id, agenda.title, (*agenda.items, item)), store_dir)
    except agendas.AgendaError as problem:
        st.session_state["agenda_message"] = ("error", t("agenda_not_saved", lang, reason=problem.text(lang)))
        return
    st.session_state["agenda_rev"] = st.session_state.get("agenda_rev", 0) + 1
    st.session_state["agenda_message"] = ("success", t("agenda_saved", lang, title=saved.title, n=len(saved.items)))


def add_view_popover(ctx, page_title: str, key: str) -> None:
    """"加入议程": this very view (page and URL parameters) appended to an agenda, with a title."""
    lang = ctx.lang
    from geo.ui import store_dir

    folder = store_dir(ctx.snapshot)
    saved = agendas.list_agendas(folder)
    with st.popover(t("agenda_keep_view", lang), icon=":material/playlist_add:", width="stretch"):
        if not saved:
            st.caption(t("agenda_none_yet", lang))
            return
        titles = {a.agenda_id: a.title for a in saved}
        st.selectbox(t("agenda_choose", lang), list(titles), key=f"{key}_keep_agenda", format_func=titles.get)
        described = ctx.filters.describe(lang)
        default = f"{page_title} — {described}" if described else page_title
        # Keyed by its default: a keyed widget keeps its first value, and the title had stayed
        # "调度会 · 八未卡点项目" after the view or the filters changed (review).
        title_key = f"{key}_keep_title_{zlib.crc32(default.encode()):08x}"
        st.text_input(t("agenda_item_title", lang), value=default, key=title_key, max_chars=agendas.TITLE_MAX)
        st.button(t("agenda_add_button", lang), key=f"{key}_keep", on_click=_keep_view,
                  args=(ctx, folder, key, title_key))
    message = st.session_state.pop(f"{key}_keep_message", None)
    if message:
        st.toast(message[1], icon=":material/check_circle:" if message[0] == "success" else ":material/warning:")


def _keep_view(ctx, folder: Path, key: str, title_key: str) -> None:
    lang = ctx.lang
    found = agendas.load(st.session_state.get(f"{key}_keep_agenda") or "", folder)
    params = urlencode({k: v for k, v in url.params().items()
                        if k not in (*agendas.PRESENTATION_PARAMS, "lang")})
    try:
        if found is None:
            raise agendas.AgendaError("no_agenda")
        item = agendas.item_from_link(st.session_state.get(title_key, ""), f"/{ctx.page}?{params}")
        saved = agendas.save(agendas.Agenda(found.agenda_id, found.title, (*found.items, item)), folder)
    except agendas.AgendaError as problem:
        st.session_state[f"{key}_keep_message"] = ("error", t("agenda_not_saved", lang, reason=problem.text(lang)))
        return
    st.session_state[f"{key}_keep_message"] = ("success", t("agenda_saved", lang, title=saved.title, n=len(saved.items)))
