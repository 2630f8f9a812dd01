"""调度会 Dispatch meeting: agendas of saved views to step through in presentation mode."""

import streamlit as st

from geo import agenda as agendas
from geo import present, ui
from geo.agenda_view import add_item_form, agenda_editor
from geo.i18n import t

ctx = ui.page_context("meeting")
lang = ctx.lang
ui.page_header(ctx, "page_meeting", "meeting_none", "meeting")
store_dir = ui.store_dir(ctx.snapshot)

st.subheader(t("section_agendas", lang))
st.caption(t("agenda_how", lang))
saved = agendas.list_agendas(store_dir)
choice = st.selectbox(t("agenda_choose", lang), ["", *[a.agenda_id for a in saved]], key="agenda_pick",
                      format_func=lambda a: t("agenda_new", lang) if not a else
                      next(f"{x.title} · {len(x.items)}" for x in saved if x.agenda_id == a))
current = next((a for a in saved if a.agenda_id == choice), None)
agenda_editor(current, store_dir, lang)
if current is not None and current.items:
    st.button(t("agenda_start", lang), type="primary", key="agenda_start", on_click=present.go_to,
              args=(current.agenda_id, 0), icon=":material/slideshow:")
    add_item_form(current, store_dir, lang, "meeting")
