"""Zhuzhou project map: the frame. Page config, the shared sidebar, and the list of pages.

With ``st.navigation`` Streamlit no longer discovers ``pages/`` by itself: every page is listed
here, and a page appears only when its issue has landed (no placeholders).
"""

import streamlit as st

from geo import ui
from geo.i18n import t

st.set_page_config(page_title="株洲项目地图 · Zhuzhou project map", page_icon="🗺️", layout="wide")

ctx = ui.prepare()
pages = [
    st.Page("pages/overview.py", title=t("page_overview", ctx.lang), icon=":material/dashboard:",
            url_path="overview", default=True),
]
try:
    st.navigation(pages).run()
finally:
    ui.end_run()

# Streamlit 1.67 treats the first interaction of a new session's first page as a page change
# and drops that click (e.g. the first language switch after a server start). One silent rerun
# after the first render lets the session settle on its page, so the first click counts.
if "_settled" not in st.session_state:
    st.session_state["_settled"] = True
    st.rerun()
