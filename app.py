"""Zhuzhou project map: the frame. Page config, the shared sidebar, and the list of pages.

With ``st.navigation`` Streamlit no longer discovers ``pages/`` by itself: every page is listed
here, and a page appears only when its issue has landed (no placeholders).
"""

import streamlit as st

from geo import navigation, present, styles, ui, url
from geo.i18n import t
from geo.sidebar import url_notice

navigation.leave_pages_folder_mode()
st.set_page_config(page_title="株洲项目地图 · Zhuzhou project map", page_icon="🗺️", layout="wide")


def pages_in(lang: str) -> list[st.Page]:
    return [
        st.Page("pages/overview.py", title=t("page_overview", lang), icon=":material/dashboard:",
                url_path="overview", default=True),
        st.Page("pages/investment.py", title=t("page_investment", lang), icon=":material/domain:",
                url_path="investment"),
        st.Page("pages/land.py", title=t("page_land", lang), icon=":material/landscape:", url_path="land"),
        st.Page("pages/energy.py", title=t("page_energy", lang), icon=":material/bolt:", url_path="energy"),
        st.Page("pages/meeting.py", title=t("page_meeting", lang), icon=":material/groups:", url_path="meeting"),
        st.Page("pages/export.py", title=t("page_export", lang), icon=":material/download:", url_path="export"),
        st.Page("pages/data.py", title=t("page_data", lang), icon=":material/upload_file:", url_path="data"),
    ]


# Back / Forward: read the URL again, before the session's values are used, and before a change of
# mode reruns (that rerun would not carry the browser's Back).
present.reseed_on_history()
# Presentation mode's stylesheet; a change of mode reruns at once, before anything is drawn in the
# sidebar (the language switch drawn in such a run was missing from the sidebar after it).
present.apply_mode()
# Everything this run changes in the address reaches the browser once, at the run's end
# (geo.url): the browser makes each change a history entry for Back to find. What the run did not
# use is taken out, and said in the run's language (``lang``, set below, before any page runs).
with url.sent_at_end(say_unused=lambda items: url_notice(items, lang, "url_unused")):
    menu = st.sidebar.container()  # the pages, first in the sidebar: drawn once the filters are known
    lang = ui.language()
    pages = pages_in(lang)
    # links name the overview /overview, like every other page; a page we lack opens the overview
    unknown_page = navigation.serve_default_page_at("overview", tuple(p.url_path for p in pages))
    # Our own menu (navigation.page_menu), not Streamlit's; presentation mode hides the whole sidebar.
    page = st.navigation(pages, position="hidden")
    present.reseed_on_new_item(page.url_path)  # another agenda item, opened by its link: read the URL
    styles.apply_base_style(lang)
    navigation.page_not_found(unknown_page, lang)
    try:
        ui.prepare(page.url_path)  # store check and the shared sidebar, with this page's filter sections
        navigation.page_menu(menu, pages)
        with present.frame():
            page.run()
    finally:
        ui.end_run()
