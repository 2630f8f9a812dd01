"""数据导出 Extracts: the filtered rows of every table as CSV, XLSX, GeoJSON, GeoPackage, GeoParquet
or Shapefile; files are built only when asked, never on a rerun."""

import streamlit as st

from geo import export, ui
from geo.i18n import fmt_count, t
from geo.schema import TABLES

ctx = ui.page_context("export")
lang = ctx.lang
ui.page_header(ctx, "page_export", "export_nothing_selected", "export")

counts = {table: ui.cached(export.count_rows, ctx, table) for table in export.EXPORT_TABLES}
st.dataframe({t("table", lang): [t(f"table_{name}", lang) for name in counts],
              t("rows_filtered", lang): [fmt_count(n, "", lang) for n in counts.values()]},
             hide_index=True, key="export_counts")

left, middle, right = st.columns([2, 2, 1])
tables = left.multiselect(t("export_tables", lang), export.EXPORT_TABLES, default=["projects"], key="export_tables",
                          format_func=lambda name: t(f"table_{name}", lang))
fmt = middle.selectbox(t("export_format", lang), export.FORMATS, index=export.FORMATS.index("xlsx"),
                       key="export_format", format_func=lambda f: t(f"format_{f}", lang))
crs = right.radio(t("export_crs", lang), export.CRS_CHOICES, key="export_crs",
                  format_func=lambda c: t(f"crs_{c}", lang))

request = (ctx.snapshot.id, ctx.scope, ctx.filters, tuple(tables), fmt, crs, lang)
# A callback, not ``if st.button``: the request survives a rerun Streamlit may insert first.
st.button(t("export_build", lang), type="primary", key="export_build", disabled=not tables,
          icon=":material/download:", on_click=st.session_state.__setitem__, args=("export_requested", True))
if st.session_state.pop("export_requested", False):
    try:
        with st.spinner(t("export_building", lang)):
            st.session_state["export_result"] = (request, export.build(
                ctx.snapshot, ctx.scope, ctx.filters, list(tables), fmt, lang=lang, crs=crs))
    except export.NothingToExport:
        st.session_state["export_result"] = None
        st.warning(t("nothing_to_export", lang))

built = st.session_state.get("export_result")
if built and built[0] == request:  # a file for exactly what is on screen; otherwise build again
    extract = built[1]
    st.download_button(t("export_download", lang, name=extract.file_name), extract.data, file_name=extract.file_name,
                       mime=extract.mime, key="export_download", icon=":material/file_download:")
    st.caption(t("export_rows", lang, rows="、".join(f"{t(f'table_{k}', lang)} {fmt_count(v, '', lang)}"
                                                       for k, v in extract.rows.items())))
elif built:
    st.caption(t("export_stale", lang))
st.caption(t("export_note", lang, tables=len(TABLES) - 1))
