"""Our app's shared frame around an empty page, for bench/scale_apptest.py (``--app shell``).

    ZZMAP_STORE=DIR streamlit run bench/shell_app.py      # ?page=overview|investment|land|energy

What every page of ours runs before its own content, as app.py and the page run it: the store
check, the language switch, the navigation, the shared sidebar with that page's filter sections,
the page's header (title, "add to agenda", presentation and "clear all" buttons, the caption of
what is shown) and its closed download panel. No figure, chart, table or map. Its time on a
filter change is the least any page of ours can take; the benchmark sets it against the 20×
target (a page needing less than this cannot keep the shared frame). Not part of the app; never
imported by it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo import navigation, styles, ui  # noqa: E402
from geo.downloads import download_panel  # noqa: E402

# page -> (page_header's title key, selection key, key prefix; the download panel's tables), as
# the pages call them.
HEADERS = {"overview": ("page_overview", "overview_none", "overview", ["projects", "tasks"]),
           "investment": ("page_investment", "inv_project", "inv", ["projects", "tasks"]),
           "land": ("page_land", "land_parcel", "land", ["parcels"]),
           "energy": ("page_energy", "en_station", "en", ["substations", "plants", "transformer_areas"])}
PAGE = st.query_params.get("page", "energy")


def empty_page() -> None:
    ctx = ui.page_context(PAGE)
    title, selection, prefix, tables = HEADERS[PAGE]
    ui.page_header(ctx, title, selection, prefix)
    download_panel(ctx, tables, f"{PAGE}_dl")


navigation.leave_pages_folder_mode()
st.set_page_config(page_title="shell", layout="wide")
lang = ui.language()
page = st.navigation([st.Page(empty_page, title=PAGE, url_path=PAGE, default=True)])
styles.apply_base_style(lang)
try:
    ui.prepare(PAGE)
    page.run()
finally:
    ui.end_run()
