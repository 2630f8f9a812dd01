"""数据导出 Extracts: the filtered rows of every table as CSV, XLSX, GeoJSON, GeoPackage, GeoParquet
or Shapefile; files are built only when asked, never on a rerun (every page has the same panel)."""

import streamlit as st

from geo import export, page_cache, present, ui
from geo.downloads import download_panel
from geo.i18n import fmt_count, t
from geo.schema import TABLES

ctx = ui.page_context("export")
lang = ctx.lang
ui.page_header(ctx, "page_export", "export_nothing_selected", "export")

counts = {table: page_cache.cached(export.count_rows, ctx, table) for table in export.EXPORT_TABLES}
ui.table({t("table", lang): [t(f"table_{name}", lang) for name in counts],
          t("rows_filtered", lang): [fmt_count(n, "", lang) for n in counts.values()]},
         lang, key="export_counts")
# The tables the filters narrow beyond the district (a link with status=闲置 wants parcels), else projects.
narrowed = [name for name in export.EXPORT_TABLES if name != "tasks"
            and not export.applied_filters(ctx.filters, name).with_districts(()).is_empty]
download_panel(ctx, narrowed or ["projects"], "export", expanded=True)
if not present.presenting():  # on a projector the panel, and its "生成文件" the note names, are hidden
    st.caption(t("export_note", lang, tables=len(TABLES) - 1))
