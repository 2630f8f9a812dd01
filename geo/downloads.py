"""The download panel every page carries: the filtered rows of the page's tables in any export
format, built only when asked (a click), never on a rerun.

A built file is kept in the session together with the request it answers (snapshot, scope,
filters, tables, format, coordinates, language); when anything changes the file is not offered
any more, so a download always holds what is on screen.
"""

from __future__ import annotations

import streamlit as st

from geo import present
from geo.filters import Filters
from geo.i18n import fmt_count, list_separator, t
from geo.page_cache import cached
from geo.ui import PageContext


def download_panel(ctx: PageContext, default_tables: list[str], key: str, *, expanded: bool = False,
                   filters: Filters | None = None) -> None:
    """Table choice (``default_tables`` first), format, coordinates, the filtered row counts,
    "build" and the download button; widget keys start with ``key``. Closed by default (an
    expander); ``expanded`` draws it open, for the extracts page. ``filters``: the rows the page
    shows when they are not just the sidebar's (the overview's key projects)."""
    lang = ctx.lang
    filters = ctx.filters if filters is None else filters
    if present.presenting():  # nothing to download on a projector
        return
    if expanded:
        box = st.container()
    else:
        # Tracked, so a closed panel costs nothing (no row counts) on the page's reruns.
        box = st.expander(t("download_view", lang), key=f"{key}_open", on_change="rerun", icon=":material/download:")
        if not box.open:
            return
    # Imported when a panel opens: its Excel and GIS writers (xlsxwriter, pyogrio) cost ~0.3 s of
    # the server's cold start otherwise, on every page.
    from geo import export

    with box:
        left, middle, right = st.columns([2, 2, 1])
        tables = left.multiselect(t("export_tables", lang), export.EXPORT_TABLES, default=default_tables,
                                  key=f"{key}_tables", format_func=lambda name: t(f"table_{name}", lang),
                                  select_all=lang != "zh")  # Streamlit words it in English only
        fmt = middle.selectbox(t("export_format", lang), export.FORMATS, index=export.FORMATS.index("xlsx"),
                               key=f"{key}_format", format_func=lambda f: t(f"format_{f}", lang))
        crs = right.radio(t("export_crs", lang), export.CRS_CHOICES, key=f"{key}_crs",
                          format_func=lambda c: t(f"crs_{c}", lang))
        rows = {table: cached(export.count_rows, ctx, table, filters=filters) for table in tables}
        sep = list_separator(lang)
        st.caption(t("export_rows", lang, rows=sep.join(f"{t(f'table_{k}', lang)} {fmt_count(v, '', lang)}"
                                                         for k, v in rows.items())))
        skipped = export.left_out(tables, fmt)
        if skipped:  # said before the file is built, beside the counts that include them
            st.warning(t("export_skipped", lang, tables=sep.join(t(f"table_{k}", lang) for k in skipped)),
                       icon=":material/info:")
        if fmt == "csv" and len(tables) == 1:  # nowhere to say what the file is (tester 9)
            st.caption(t("export_csv_bare", lang))
        nothing_fits = bool(tables) and len(skipped) == len(tables)  # e.g. only tasks, as a Shapefile
        total = sum(rows.values())
        if tables and not total:  # said before a click, the button greyed (tester 14: it said so after one)
            st.info(t("nothing_to_export", lang))
        if fmt == "xlsx" and total > export.SLOW_XLSX_ROWS:
            st.warning(t("xlsx_slow", lang, rows=fmt_count(total, "", lang),
                         seconds=max(1, round(total / export.XLSX_ROWS_PER_S))))
        request = (ctx.snapshot.id, ctx.scope, filters, tuple(tables), fmt, crs, lang)
        # A callback, not ``if st.button``: the request survives a rerun Streamlit may insert first.
        st.button(t("export_build", lang), type="primary", key=f"{key}_build", disabled=not tables or nothing_fits or not total,
                  icon=":material/build:", on_click=st.session_state.__setitem__, args=(f"{key}_requested", True))
        if st.session_state.pop(f"{key}_requested", False):
            try:
                with st.spinner(t("export_building", lang)):
                    st.session_state[f"{key}_result"] = (request, export.build(
                        ctx.snapshot, ctx.scope, filters, list(tables), fmt, lang=lang, crs=crs))
            except export.NothingToExport:
                st.session_state[f"{key}_result"] = None
                st.warning(t("nothing_to_export", lang))
            except ValueError as problem:  # e.g. more rows than an Excel sheet holds
                st.session_state[f"{key}_result"] = None
                st.error(str(problem))
        built = st.session_state.get(f"{key}_result")
        if built and built[0] == request:  # a file for exactly what is on screen; otherwise build again
            extract = built[1]
            st.download_button(t("export_download", lang, name=extract.file_name), extract.data,
                               file_name=extract.file_name, mime=extract.mime, key=f"{key}_download",
                               icon=":material/file_download:")
            if extract.formula_cells:
                st.caption(t("export_guarded", lang, n=fmt_count(extract.formula_cells, "", lang)))
        elif built:
            st.caption(t("export_stale", lang))
