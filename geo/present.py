"""Presentation mode (演示模式) for dispatch meetings, and stepping through an agenda.

``?present=1`` hides the sidebar and Streamlit's chrome and sets large, high-contrast type
readable on a 1920×1080 projector from the back of a room (headline numbers 60 px; scaled
with the screen's width down to 34 px at 1366×768, so no number is cut). With
``&agenda=<id>&item=<n>`` a bar on top names the agenda, the item and its position ("3 / 8")
and has previous / next buttons. Moving to another item opens that item's saved view: its page
and URL parameters replace the current ones (filters included), as if its link were opened.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from geo import agenda as agendas
from geo import styles, url
from geo.i18n import md_escape, t

PRESENT = "present"
ROOT_PX = 21  # the page's root font size in presentation mode (16 otherwise): tables scale with it
# Our own stylesheet (no user data in it), drawn before the page (geo.styles).
STYLE = """<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"], #MainMenu, footer {
  display: none !important; }
.stApp, .stApp [data-testid="stMain"] { background: #ffffff; color: #000000; }
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 1.2rem; max-width: 100%; }
.stApp h1 { font-size: 52px !important; font-weight: 800; color: #000000; }
.stApp h2, .stApp h3 { font-size: 36px !important; color: #000000; }
.stApp [data-testid="stMetricValue"], .stApp [data-testid="stMetricValue"] p {
  font-size: clamp(34px, 3.1vw, 60px) !important; font-weight: 800; color: #000000; line-height: 1.15; }
.stApp [data-testid="stMetricLabel"], .stApp [data-testid="stMetricLabel"] p {
  font-size: clamp(19px, 1.35vw, 26px) !important; color: #000000; white-space: normal !important; }
.stApp [data-testid="stMetricLabel"] * { white-space: normal !important; overflow: visible !important; }
.stApp [data-testid="stMetricDelta"], .stApp [data-testid="stMetricDelta"] p { font-size: clamp(17px, 1.15vw, 22px) !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 20px !important;
  color: #1a1a1a !important; }
/* Scaled down below ~1400 px wide: at 125 % on a 1280 screen (~1000 px) buttons wrapped (tester 13). */
.stApp li, .stApp label, .stApp [data-testid="stMarkdownContainer"] p { font-size: clamp(18px, 1.6vw, 22px); }
/* Tables draw on a canvas: font sizes do not reach it, and a CSS zoom made them overflow their
   column. Streamlit sizes the canvas's type and rows in rem of the root element, read when a
   table is drawn: a larger root makes them readable (the page's own sizes above are in px). */
html { font-size: ROOT_PXpx !important; }
/* The map legends are HTML (geo.map_classes): as large as the captions beside them. */
.stApp .zz-legend { font-size: 20px !important; }
.stApp [data-testid="stButtonGroup"] p { font-size: 20px; }
.st-key-agenda_bar { border: 3px solid #000000; border-radius: 8px; padding: 6px 14px; background: #fff7d6; }
.st-key-agenda_bar p { font-size: clamp(20px, 1.9vw, 26px) !important; font-weight: 700; }
</style>""".replace("ROOT_PX", str(ROOT_PX))


def presenting() -> bool:
    return st.query_params.get(PRESENT) == "1"


def say_unread_value(lang: str) -> None:
    """``?present=yes`` (anything but 1) is ignored: said once, as other link parameters are, and
    taken out of the address (it stayed, and a copied link passed it on)."""
    from geo.sidebar import url_notice

    raw = st.query_params.get(PRESENT)
    if raw in (None, "1"):
        return
    url.set(PRESENT, None)
    if st.session_state.get("_present_noticed") != raw:
        st.session_state["_present_noticed"] = raw
        url_notice([f"{PRESENT}={raw[:40]}"], lang)


def rem_scale() -> float:
    """How much larger than at Streamlit's 16-px root what is sized in rem (a table's rows) draws."""
    return ROOT_PX / 16 if presenting() else 1.0


def start_presenting() -> None:
    """Callback of the "present" button: the same view, in presentation mode."""
    st.query_params[PRESENT] = "1"


def stop_presenting() -> None:
    """Callback of 退出演示: the URL without the presentation's parameters, in one change (one by
    one, each was a browser history entry for Back to find)."""
    st.query_params.from_dict({key: value for key, value in st.query_params.to_dict().items()
                               if key not in agendas.PRESENTATION_PARAMS})


def history_navigation() -> bool:
    """Whether this run is the browser's Back or Forward (Streamlit's flag of the run)."""
    run = get_script_run_ctx()
    return run is not None and run.is_history_navigation


# A change of mode in the open page (the 演示模式 button, an agenda's start, 退出演示): the browser
# applies a rerun's elements in one render, stylesheet and tables alike, and a table keeps the
# size the root had when it was first drawn (geo.styles). So that run draws the mode's stylesheet
# alone and reruns (``apply_mode``), and the page is drawn one level deeper in presentation mode
# (``frame``): its tables are drawn anew, after the stylesheet, not kept at the old size.
_MODE_KEY = "_presenting_drawn"  # the mode the browser's page was last drawn in
_ITEM_KEY, _PAGE_KEY = "_agenda_item_shown", "_page_shown"  # what the last run showed (reseed_on_new_item)
SETTLE_S = 0.3


def apply_mode() -> None:
    """Presentation mode's stylesheet; on the run where the mode changed, only that, then a rerun."""
    now = presenting()
    if now:
        styles.stylesheet(STYLE)
    was = st.session_state.get(_MODE_KEY, now)
    st.session_state[_MODE_KEY] = now
    if was != now:
        if not now:
            st.empty()  # takes the stylesheet's slot: the root is 16 px again before the rerun draws tables
        # The browser draws what a run sends a frame or so after it arrives; without the pause the
        # rerun's tables came in the same render as the stylesheet about half the time (measured).
        time.sleep(SETTLE_S)
        st.rerun()


def frame():
    """The container a page is drawn in: in presentation mode one level deeper than otherwise.

    The browser keeps a table drawn as long as its place in the page stays, with the row height
    and type it was first drawn with. A page drawn one level deeper is drawn anew, at the mode's
    size, when the mode changes (and only then)."""
    return st.container(key="presenting") if presenting() else contextlib.nullcontext()


def present_button(lang: str, key: str) -> None:
    """"演示模式" in a page header; in presentation mode "退出演示" instead."""
    if presenting():
        st.button(t("present_exit", lang), key=f"{key}_unpresent", on_click=stop_presenting,
                  icon=":material/close_fullscreen:", width="stretch")
    else:
        st.button(t("present", lang), key=f"{key}_present", on_click=start_presenting,
                  icon=":material/slideshow:", width="stretch")


def go_to(agenda_id: str, index: int) -> None:
    """Open item ``index`` (0-based) of the agenda on the next run (``follow``): for a link to an
    item the agenda does not have. Previous / next are links (``item_link``)."""
    st.session_state["_agenda_goto"] = (agenda_id, index)


def follow(store_dir: Path, lang: str) -> None:
    """If ``go_to`` asked for an item, switch to that item's page with its parameters.

    The page's widgets and selections are then seeded again from the new URL, like a link
    opened in a new tab; the UI language stays as it is."""
    pending = st.session_state.pop("_agenda_goto", None)
    if not pending:
        return
    agenda_id, index = pending
    found = agendas.load(agenda_id, store_dir)
    if found is None or not 0 <= index < len(found.items):
        return
    item = found.items[index]
    # Its parameters are read on arrival; forgotten here too, since the arrival can carry the
    # item number the session last saw (a changed agenda's item 2 opened from an old item-2 link).
    reseed()
    st.switch_page(f"pages/{item.page}.py", query_params=item_query(agenda_id, item, index, lang))


def item_query(agenda_id: str, item: agendas.Item, index: int, lang: str) -> dict[str, str]:
    """The URL parameters of item ``index`` (0-based) presented: its view's, then the agenda's."""
    query = {**item.query(), PRESENT: "1", "agenda": agenda_id, "item": str(index + 1), "ik": item.key()}
    if lang != "zh":
        query["lang"] = lang
    return query


def item_link(agenda: agendas.Agenda, index: int, lang: str, label: str, icon: str, key: str,
              width: str = "stretch") -> None:
    """A link that opens item ``index`` (0-based) in presentation mode; greyed out past either end.

    A link rather than a button that switches page from the server (``follow``): that switch
    left a browser history entry of the old page with the new item's parameters, so the browser's
    Back showed one item's page under another item's bar and filters. A link adds one entry per
    step, and ``reseed_on_new_item`` reads the item's parameters when it opens."""
    with st.container(key=key):
        if 0 <= index < len(agenda.items):
            item = agenda.items[index]
            st.page_link(f"pages/{item.page}.py", label=label, icon=icon, width=width,
                         query_params=item_query(agenda.agenda_id, item, index, lang))
        else:
            st.page_link(f"pages/{agenda.items[0].page}.py", label=label, icon=icon, width=width, disabled=True)


def reseed_on_history() -> None:
    """After the browser's Back or Forward, read the entry's filters and views from the URL, not
    the session's. Widgets are otherwise seeded from the URL once per session (``geo.sidebar``)
    and written back to it on every run, which swallowed Back: the app wrote the newer filters
    over the older entry."""
    if history_navigation():
        reseed()


def reseed_on_new_item(page: str) -> None:
    """When another agenda item opens by its link, read its parameters from the URL."""
    shown = (st.query_params.get("agenda"), st.query_params.get("item"))
    last, last_page = st.session_state.get(_ITEM_KEY, (None, None)), st.session_state.get(_PAGE_KEY)
    st.session_state[_ITEM_KEY], st.session_state[_PAGE_KEY] = shown, page
    if history_navigation() or not shown[0] or shown == last or last_page is None:
        return  # (Back read the URL already; a session's first run reads it anyway)
    reseed()
    if page == last_page:
        # A link to the same page changes no path, and the browser keeps the old item's address
        # until the server sends the parameters: sent at the run's end even if unchanged, they add the
        # item's history entry.
        url.send_anyway()


def reseed() -> None:
    """Forget every value that was seeded from the URL, so the next run reads the URL again."""
    for key in list(st.session_state.keys()):
        if key == "_filters_from_url":
            del st.session_state[key]
        elif key.startswith("_url_seeded_"):
            name = key[len("_url_seeded_"):]
            for stale in (key, name, f"_kept_{name}"):
                st.session_state.pop(stale, None)


def _item_moved(agenda: agendas.Agenda, index: int, page: str) -> int | None:
    """None when this run shows item ``index`` as the agenda now has it; else the position
    (0-based) the link's item has moved to, or -1 when the agenda no longer has it. Judged by
    the link's ``ik`` (``Item.key``); a link without one, by its page alone."""
    mark = st.query_params.get("ik")
    item = agenda.items[index]
    if mark:
        if mark == item.key():
            return None
        return next((i for i, other in enumerate(agenda.items) if other.key() == mark), -1)
    return None if page == item.page else -1


def agenda_bar(store_dir: Path, lang: str, page: str) -> None:
    """The agenda's title, this item's title and position, previous / next (presentation mode)."""
    agenda_id, position = st.query_params.get("agenda"), st.query_params.get("item", "1")
    if not agenda_id:
        return
    found = agendas.load(agenda_id, store_dir)
    index = int(position) - 1 if position.isdigit() else 0
    if found is None or not found.items:
        st.warning(t("agenda_missing", lang, id=agenda_id))
        return
    if not 0 <= index < len(found.items) or not position.isdigit():
        # A link to an item the agenda does not have (item=99, item=0): say so and open the
        # nearest item, rather than one item's title above another page's view.
        st.session_state["_agenda_item_missing"] = (position, len(found.items))
        go_to(agenda_id, min(max(index, 0), len(found.items) - 1))
        st.rerun()
    moved = _item_moved(found, index, page)
    if moved is not None:
        # A link made before the agenda was edited: its position now holds another view, which
        # the bar's title would have named above the old one (tester 13). Open the link's item
        # where it now is, or the position's item as saved.
        st.session_state["_agenda_item_changed"] = (index + 1, moved)
        go_to(agenda_id, index if moved < 0 else moved)
        st.rerun()
    missing = st.session_state.pop("_agenda_item_missing", None)
    if missing:
        st.warning(t("agenda_item_missing", lang, item=missing[0], total=missing[1]))
    changed = st.session_state.pop("_agenda_item_changed", None)
    if changed:
        st.warning(t("agenda_item_moved", lang, item=changed[0], now=changed[1] + 1) if changed[1] >= 0
                   else t("agenda_item_replaced", lang, item=changed[0]))
    with st.container(key="agenda_bar"):
        text, back, ahead = st.columns([3, 1, 1], vertical_alignment="center")  # "Previous" whole at 1366 px
        text.markdown(t("agenda_position", lang, agenda=md_escape(found.title), item=md_escape(found.items[index].title),
                        n=index + 1, total=len(found.items)))
        with back:
            item_link(found, index - 1, lang, t("agenda_prev", lang), ":material/arrow_back:", "agenda_prev")
        with ahead:
            item_link(found, index + 1, lang, t("agenda_next", lang), ":material/arrow_forward:", "agenda_next")
