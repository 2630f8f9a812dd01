"""The app's pages and how a browser reaches them: the first run of a server process, links to
the overview or to a page we do not have, and the sidebar's page menu (app.py)."""

from __future__ import annotations

import streamlit as st

from geo.i18n import t
from geo.sidebar import carried_params


def leave_pages_folder_mode() -> None:
    """Rerun through app.py if Streamlit ran this script the old ``pages/``-folder way.

    Until the first ``st.navigation`` call of a server process, Streamlit 1.67 assumes a
    ``pages/`` folder means folder-based pages: the very first run then skips app.py (a direct
    link to /investment) or nests app.py inside a generated menu, and the next run counts as
    a page change that drops the user's first click. Switching the flag and rerunning at once
    makes even the first run of a fresh server go through app.py's ``st.navigation``.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def serve_default_page_at(url_path: str, url_paths: tuple[str, ...]) -> str | None:
    """Let ``/<url_path>`` open the default page, as ``/`` does; and a page we do not have too.

    Streamlit serves the default page at the root only: its ``url_path`` is "" whatever
    ``st.Page`` was given, so a typed or shared ``/overview?district=…`` opened a "Page not
    found" dialog over the page (English, modal) before falling back to it. Clearing the
    intended page name before ``st.navigation`` resolves it makes it fall back without one;
    the query parameters stay, and the address bar then shows ``/?district=…``. A mistyped
    page (``/nosuchpage``) falls back the same way; its name is returned, to say so in the
    page's language (``page_not_found``).
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None)
    if manager is None or manager.intended_page_script_hash or not manager.intended_page_name:
        return None
    asked = manager.intended_page_name
    if asked in url_paths and asked != url_path:
        return None
    manager.set_script_intent("", "")
    return None if asked == url_path else asked


def page_not_found(asked: str | None, lang: str) -> None:
    if asked:
        st.toast(t("page_not_found", lang, page=asked[:60]), icon=":material/warning:", duration="long")


def page_menu(where, pages: list) -> None:
    """The list of pages, each link carrying the shared filters and the language.

    Streamlit's own menu opened a page without URL parameters and the app then wrote the filters
    back: two browser history entries per page change, so Back went to the page without its
    filters rather than to the page before. A link that carries them adds one entry."""
    carried = carried_params()
    with where:
        for page in pages:
            st.page_link(page, query_params=carried, width="stretch")
