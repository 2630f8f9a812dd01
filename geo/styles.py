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

The stylesheet's element (its slot) is hidden (its slot would add a gap to the page)."""

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
