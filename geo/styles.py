"""Our stylesheets in the page, drawn so that the browser applies them before any table.

A table (Streamlit's data grid) reads the root's font size once, in the render that first draws
it, and keeps the row height and type it computed then (geo.present makes the root larger on a
projector). So a stylesheet has to be in the page before the tables are drawn:

* ``st.html`` puts a bare stylesheet in Streamlit's event container, which the browser drew only
  when the run ended, in the same frame as the tables: on a fresh load of a ?present=1 link every
  table kept 16-px rows and 14-px type (measured: the root turned 21 px as the tables appeared);
* Markdown draws in the page's flow, in order. Its HTML support is a module the browser loads the
  first time a run has HTML in Markdown: on the 演示模式 click it arrived 0.4 s after the run that
  drew the tables (measured). Every page's base stylesheet is drawn this way, so that module is
  there from the first run on.

The stylesheet's element (its slot) is hidden (its slot would add a gap to the page). Every page's
base stylesheet is here too (``apply_base_style``); presentation mode's is in geo.present."""

from __future__ import annotations

import streamlit as st

_MARK = "zz-stylesheet"
_HIDE_SLOT = f'<style>[data-testid="stElementContainer"]:has(.{_MARK}) {{ display: none; }}</style>'


def stylesheet(html: str) -> None:
    """Draw ``html`` (``<style>`` elements, our own CSS: no user data) in the page's flow.

    Markdown passes an HTML block through as it is up to the first blank line; a blank line in
    the CSS would end the block, and the rest would be read as Markdown. So the block is one
    ``div`` without blank lines."""
    lines = "\n".join(line for line in (html + _HIDE_SLOT).splitlines() if line.strip())
    st.markdown(f'<div class="{_MARK}">{lines}</div>', unsafe_allow_html=True)


# Every page's own stylesheet (no user data in it), drawn first.
# Streamlit cuts a metric's label and delta to one line with "…": a figure such as "年初存量
# 17,034 亩" lost its number at 1366 px. They wrap instead.
BASE_STYLE = """<style>
[data-testid="stMetricDelta"] .stMarkdownEllipsis, [data-testid="stMetricDelta"] .stMarkdownEllipsis p,
[data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] .stMarkdownEllipsis p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  text-wrap: balance; word-break: keep-all; }
/* The figure itself too: at a 900-px window "5,430.0 亿元" read "5,430.…" (its unit wraps instead),
   and below 1200 px the figures are smaller. Buttons' labels wrap rather than end in "…" ("演"). */
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; word-break: keep-all; }
@media (max-width: 1200px) { [data-testid="stMetricValue"] { font-size: 1.6rem !important; }
  .stButton button [data-testid="stIconMaterial"] { display: none; } }
.stButton button *, [data-testid="stPopover"] button * { white-space: normal !important;
  text-overflow: clip !important; }
/* The menu's link the keyboard is on: the same grey as the current page's, so outlined. */
[data-testid="stPageLink-NavLink"]:focus-visible { outline: 2px solid #C8102E; outline-offset: 1px; }
/* A shift-click on a chart's bar (add a bar to the filter) must not select the page's text. */
[data-testid="stVegaLiteChart"] { user-select: none; -webkit-user-select: none; }
/* Pills and segmented controls wrap rather than run past their column (the energy map's layer
   pills ran under its legend at 1366 px in presentation mode). */
[data-testid="stButtonGroup"] > div { flex-wrap: wrap; row-gap: 0.4rem; }
/* An agenda's start and previous / next are links (geo.present.item_link), drawn as buttons. */
.st-key-agenda_start a, .st-key-agenda_prev a, .st-key-agenda_next a { justify-content: center;
  border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem; background: #ffffff; padding: 0.3rem 0.9rem; }
.st-key-agenda_start a { background: #C8102E; border-color: #C8102E; }
.st-key-agenda_start a, .st-key-agenda_start a * { color: #ffffff !important; }
.st-key-agenda_start a:hover { background: #a50d26; }
.st-key-agenda_prev a:hover, .st-key-agenda_next a:hover { border-color: #C8102E; }
</style>"""
# Streamlit's file uploader has English text that no parameter changes ("Upload", "100MB per file •
# XLSX, CSV …"): in the Chinese UI the button says 选择文件 and the line beside it how to drop a file
# (the limit and the formats are in the field's own label). A typed field's hint "Press Enter to
# apply" / "to submit form" (always its first part, before a length counter) says the same in Chinese.
ZH_STYLE = """<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after { content: "或把文件拖到这里"; font-size: 0.875rem; }
[data-testid="InputInstructions"] > span:first-child { font-size: 0; }
[data-testid="InputInstructions"] > span:first-child::after { content: "按回车键确认"; font-size: 0.75rem; }
[data-testid="stForm"] [data-testid="InputInstructions"] > span:first-child::after { content: "按回车键提交"; }
</style>"""


# In English the uploader's line read "400MB per file • XLSX, XLS …" under a label saying "up to 100 MB"
# (the uploader takes more so that a larger file gets a message in words; the label has the limit).
EN_STYLE = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after { content: "or drop a file here"; font-size: 0.875rem; }
</style>"""


def apply_base_style(lang: str) -> None:
    stylesheet(BASE_STYLE + (ZH_STYLE if lang == "zh" else EN_STYLE))
