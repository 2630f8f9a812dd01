"""闲置土地 Idle land: parcels by status, disposal against target, land reused by projects."""

import streamlit as st

from geo import charts, district_layers, land, layers, map_classes, map_json, page_cache, picks, ui
from geo.boundaries import bounds as district_bounds
from geo.downloads import download_panel
from geo.query import matches
from geo.i18n import fmt_count, fmt_number, fmt_pct, in_parts, t
from geo.schema import IDLE_CLASSES
from geo.land_view import (DISPOSAL_CARDS, IDLE_PROJECTOR_COLUMNS, LAND_METRICS, cell_tooltips, classes_text, details_frames,
                           district_map_data, district_table, idle_table, idle_table_config, monthly_frame,
                           parcel_tooltips)

ctx = ui.page_context("land")
lang, filters = ctx.lang, ctx.filters
PARCEL_KEY = "land_parcel"
selected_id = ui.url_value("parcel", PARCEL_KEY)
details = page_cache.cached_record(land.parcel_details, ctx, selected_id) if selected_id else None
selected = details.parcel if details else None  # its record (a point inside it) for the map

ui.page_header(ctx, "page_land", PARCEL_KEY, "land")
download_panel(ctx, ["parcels"], "land_dl")

summary = page_cache.cached(land.land_summary, ctx)
# What remains ignores the disposal year (it keeps only disposed parcels: "0 亩 remaining").
remaining = summary if filters.disposed_year is None else page_cache.cached(land.land_summary, ctx,
                                                                            filters=land.stock_filters(filters))
rates = page_cache.cached(land.disposal_rates, ctx, filters=land.rate_filters(filters))
year = int(rates["year"].iloc[0]) if len(rates) else ctx.snapshot.as_of.year - 1
this_year = ctx.snapshot.as_of.year
classes = land.classes_of(filters.parcel_statuses)  # the disposal figures count classes, not today's status
by_class = rates.set_index("idle_class")
# The disposal cards: the two the city publishes (批而未供, 低效) unless the status filter picks
# classes, then those: under 闲置 they had still shown 批而未供 and 低效 beside a table of 闲置 (tester 11).
cards = [c for c in IDLE_CLASSES if c in ("批而未供", "低效")] if classes == IDLE_CLASSES else list(classes)
m = st.columns(2 + max(len(cards), 2)) if cards else st.columns(4)
m[0].metric(t("parcels_count", lang), fmt_count(summary["parcels"], "宗" if lang == "zh" else "", lang),
            fmt_number(summary["area_mu"], "亩", 0, lang), delta_color="off", delta_arrow="off")
m[1].metric(t("remaining_idle", lang), fmt_number(remaining["remaining_idle_mu"], "亩", 0, lang))
for col, cls in zip(m[2:], cards):
    row = by_class.loc[cls] if cls in by_class.index else None
    key = DISPOSAL_CARDS[cls]
    col.metric(f"{t(key, lang)}（{year}）" if lang == "zh" else f"{t(key, lang)} ({year})",
               fmt_number(None if row is None else row["disposed_mu"], "亩", 0, lang),
               in_parts(t("rate", lang, pct=fmt_pct(None if row is None else row["rate_pct"]),
                          stock=fmt_number(None if row is None else row["stock_mu"], "亩", 0, lang))),
               delta_color="off", delta_arrow="off")
if not classes:  # 在用 only: no stock class, so no disposal figures (the ranking and months below neither)
    m[2].caption(t("no_stock_class", lang))
st.caption(t("reused_note", lang, area=fmt_number(summary["reused_mu"], "亩", 0, lang)))
if land.rate_filters(filters) != filters:  # the status / disposal-year filter is set: say why the rates ignore it
    st.caption(t("rate_ignores_note", lang))

# --- map -----------------------------------------------------------------------------------------


def idle_cells(cells) -> tuple:
    """The H3 cells' layer (frozen: encoded once, map_json) and its legend."""
    layer, legend = layers.idle_cells_layer(*cell_tooltips(cells, lang), lang, t("remaining_idle_mu", lang))
    return map_json.frozen(layer), legend


def district_disposal(districts: tuple[str, ...]):
    """The districts' disposal of the last full year, with this year's so far beside it."""
    return page_cache.cached(land.district_progress, ctx, filters=land.rate_filters(filters).with_districts(districts),
                             classes=classes)


def metric_label(key: str) -> str:
    """A choropleth metric's name, with the year its rate is of."""
    return t(key, lang, year=this_year if key == "metric_rate_now" else year)


ui.url_state("map", "land_map_mode", ("parcels", "choropleth"), "parcels")  # map views live in the URL too
mode = st.segmented_control(t("map_mode", lang), ["parcels", "choropleth"], key="land_map_mode",
                            format_func=lambda v: t(f"land_mode_{v}", lang)) or "parcels"
shapes = page_cache.cached(land.parcel_shapes, ctx)
invalid = page_cache.cached(land.invalid_geometries, ctx, unfiltered=True)  # the whole store, once per snapshot
if len(invalid):
    st.warning(t("invalid_parcels", lang, n=len(invalid),
                 ids="、".join(f"{pid}（{t('geom_' + reason, lang)}）" for pid, reason in
                              zip(invalid["parcel_id"][:20], invalid["reason"][:20]))))
if shapes.total == 0:
    st.info(t("nothing_selected_land", lang))
district_rows = district_disposal(filters.districts)
map_col, side_col = st.columns([3, 1])
with map_col:
    if mode == "choropleth":
        ui.url_state("metric", "land_metric", tuple(LAND_METRICS), "remaining")
        metric = st.segmented_control(t("map_metric", lang), list(LAND_METRICS),
                                      key="land_metric", format_func=lambda k: metric_label(LAND_METRICS[k][1]))
        column, label_key, unit, decimals, more = LAND_METRICS[metric or "remaining"]
        deck, legend = district_layers.district_choropleth(
            district_map_data(district_disposal(()), lang), column, name_column="name", label_column="label", unit=unit,
            decimals=decimals, legend_title=metric_label(label_key), lang=lang, selected=filters.districts,
            more=more, tooltip_rows=[(t("remaining_of", lang, classes=classes_text(classes, lang)), "remaining_text"),
                          (t("stock_start", lang, year=year), "stock_text"),
                          (t("disposed_in", lang, year=year), "disposed_text"),
                          (t("disposal_rate_in", lang, year=year), "rate_text"),
                          (t("disposal_rate_so_far", lang, year=this_year), "rate_now_text")])
    else:
        outline, names = district_layers.district_base(lang, filters.districts)
        base = [outline]
        bounds = district_bounds(filters.districts)
        if shapes.parcels is not None:
            rows, tips = parcel_tooltips(shapes.parcels, lang)
            # At whole-city zoom parcels are specks, and hit-testing ~2,000 pickable polygons in
            # software rendering took 235–790 ms, beyond deck.gl's 250 ms click threshold, so
            # district clicks were dropped (measured): parcels become clickable once the view is
            # one district or park.
            base += layers.parcel_layers(rows, tips, selected_id, pickable=bool(filters.districts or filters.parks))
            legend = layers.parcel_legend(lang, t("parcel_status", lang))
            if filters.parks and len(rows):
                minx, miny, maxx, maxy = rows.total_bounds
                bounds = layers.padded_bounds([minx, maxx], [miny, maxy], 0.01)
        else:
            st.warning(t("land_aggregated_note", lang, n=fmt_count(shapes.total, "", lang)))
            # Built and encoded once per view (12–15 ms a rerun otherwise, profiled at 1 M parcels).
            layer, legend = page_cache.derived(ctx, ("idle_cells", ctx.filters, lang), lambda: idle_cells(shapes.cells))
            base.append(layer)
        if selected and (shapes.parcels is None or not (shapes.parcels["parcel_id"] == selected_id).any()):
            base += layers.selection_ring(selected, "selected-ring")  # not drawn as a parcel: still shown
        base.append(names)
        # A parcel opened by a link or picked in the table below: the map moves to it (at a
        # district's zoom a 100-亩 parcel is 2 × 3 px).
        deck = layers.point_map(base, picks.map_bounds(PARCEL_KEY, "land_map", selected_id, selected, bounds))
    ui.clickable_map(deck, "land_map", 560, project_key=PARCEL_KEY, pick_layer="parcels", pick_field="parcel_id")
with side_col:
    st.html(map_classes.legend_html(legend))
    st.caption(t("land_click_note", lang))

# --- selected parcel -----------------------------------------------------------------------------


def parcel_panel() -> None:
    """The selected parcel's details and the projects reusing it."""
    if details is None:
        ui.unknown_selection("parcel", t("unknown_parcel", lang, id=selected_id))
    else:
        fields, reused = details_frames(details, lang)
        with st.container(border=True):
            outside = not page_cache.cached(matches, ctx, "parcels", selected_id)
            ui.panel_title(t("parcel_title", lang, id=selected_id), PARCEL_KEY, lang, outside_filters=outside)
            left, right = st.columns(2)
            ui.table(fields, lang, where=left, key="land_fields")
            with right:
                st.markdown(f"**{t('projects_on_parcel', lang)}**")
                ui.table(reused, lang, "no_project_on_parcel", key="land_projects")


if selected_id and picks.picked_in(PARCEL_KEY) != "land_idle":  # under the map (a map click, a link)
    parcel_panel()

# --- disposal progress ---------------------------------------------------------------------------
st.subheader(t("section_disposal", lang))
# The ranking, then the months under it: side by side at 1366 px the ranking's stock and rate
# columns were cut off, and the chart's English legend too.
if not classes:  # 在用 only: the heading had read "各区县—存量…" above an empty table (tester 11)
    st.caption(t("no_stock_class", lang))
else:
    chosen = t("ranking_classes_all", lang) if classes == IDLE_CLASSES else classes_text(classes, lang)
    st.markdown(f"**{t('district_ranking', lang, classes=chosen, year=year, this_year=this_year)}**")
    ranking, ranking_config = district_table(district_rows, lang, year, this_year, classes)
    ui.table(ranking, lang, "no_rows_districts", key="land_districts", column_config=ranking_config)
    st.markdown(f"**{t('monthly_disposal', lang, year=this_year)}**")
    monthly = monthly_frame(page_cache.cached(land.monthly_disposal, ctx, filters=land.rate_filters(filters),
                                              classes=classes), lang)
    if not monthly["value"].any():  # no month, or nothing disposed: a flat line at 0 says nothing
        st.caption(t("no_disposal_in_view", lang, year=this_year))
    else:
        ui.chart(charts.plan_vs_actual_chart(
            monthly, x="month_label", x_title=t("month", lang), series="series", value="value", kind="kind",
            value_title=t("cum_disposed", lang), tooltip=["series", "month_label", "value_text"],
            colours=[f"#{r:02x}{g:02x}{b:02x}" for r, g, b in (layers.PARCEL_COLOURS[c] for c in classes)],
            x_order=[t("month_label", lang, m=m) for m in range(1, 13)]), width="stretch", key="land_monthly")

# --- largest idle parcels ------------------------------------------------------------------------
st.subheader(t("section_largest_idle", lang))
idle = idle_table(page_cache.cached(land.largest_idle, ctx), lang)
if ui.table(idle, lang, "no_rows_parcels", column_config=idle_table_config(lang),
            **picks.row_pick("land_idle", list(idle["parcel_id"]), PARCEL_KEY),
            selection_mode="single-row", max_height=420, projector_columns=IDLE_PROJECTOR_COLUMNS) is not None:
    st.caption(t("top_note_parcels", lang))
if selected_id and picks.picked_in(PARCEL_KEY) == "land_idle":  # where it was picked, not far above
    parcel_panel()
