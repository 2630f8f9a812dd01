"""项目投资 Investment: projects through their lifecycle on a map, cross-filtering, plan vs actual."""

import streamlit as st

from geo import charts, district_layers, investment, layers, map_classes, overview, page_cache, picks, power_supply, ui
from geo.boundaries import bounds as district_bounds
from geo.downloads import download_panel
from geo.query import matches
from geo.energy_view import supply_text
from geo.i18n import fmt_count, fmt_number, fmt_pct, t
from geo.investment_view import (chain_frame, details_frames, district_bar_frame, district_progress_frame,
                                 funnel_frame, monthly_frame, point_tooltip, stalled_frame, table_config,
                                 table_frame)

ctx = ui.page_context("investment")
lang, filters = ctx.lang, ctx.filters
PROJECT_KEY = "inv_project"
selected_id = ui.url_value("project", PROJECT_KEY)
details = page_cache.cached_record(investment.project_details, ctx, selected_id) if selected_id else None
selected = details.project if details else None  # its record (lon, lat) for the map

ui.page_header(ctx, "page_investment", PROJECT_KEY, "inv", notes=(t("yi_note", lang),))
download_panel(ctx, ["projects", "tasks"], "investment_dl")

progress = page_cache.cached(investment.investment_progress, ctx)
funnel = page_cache.cached(investment.stage_funnel, ctx)
total_count = int(funnel["projects"].sum())
stalled = page_cache.cached(investment.stalled_breakdown, ctx)
m = st.columns(3)
m[0].metric(t("projects_count", lang), fmt_count(total_count, "个", lang))
m[1].metric(t("total_investment", lang), fmt_number(float(funnel["total_yi"].sum()), "亿元", 1, lang))
m[2].metric(t("annual_plan", lang), fmt_number(progress["plan_yi"], "亿元", 1, lang))
m = st.columns(3)
m[0].metric(t("completed_to_date", lang), fmt_number(progress["completed_yi"], "亿元", 1, lang),
            t("of_plan", lang, pct=fmt_pct(progress["pct"], 1)), delta_color="off", delta_arrow="off")
m[1].metric(t("stalled", lang), fmt_count(int(stalled["projects"].sum()), "个", lang))
st.progress(min((progress["pct"] or 0) / 100, 1.0), text=t("plan_progress", lang, done=fmt_number(
    progress["completed_yi"], "亿元", 1, lang), plan=fmt_number(progress["plan_yi"], "亿元", 1, lang)))

if total_count == 0:
    st.info(t("nothing_selected", lang))

# --- map -----------------------------------------------------------------------------------------
ui.url_state("map", "inv_map_mode", ("points", "choropleth"), "points")  # map views live in the URL too
mode = st.segmented_control(t("map_mode", lang), ["points", "choropleth"], key="inv_map_mode",
                            format_func=lambda v: t(f"map_mode_{v}", lang)) or "points"
map_col, side_col = st.columns([3, 1])
with map_col:
    if mode == "choropleth":
        ui.url_state("metric", "inv_metric", tuple(overview.MAP_METRICS), "total")
        metric = st.segmented_control(t("map_metric", lang), list(overview.MAP_METRICS),
                                      key="inv_metric", format_func=lambda k: t(overview.MAP_METRICS[k][1], lang))
        city = page_cache.cached(overview.district_summary, ctx, filters=filters.with_districts(()))  # classed city-wide
        deck, legend = overview.investment_choropleth(city, metric or "total", lang, filters.districts)
    else:
        result = page_cache.cached(investment.project_points, ctx)
        outline, names = district_layers.district_base(lang, filters.districts)
        base = [outline]
        if result.points is not None:
            rows = point_tooltip(result.points, lang)
            base += layers.project_points_layers(rows, rows.attrs["tooltip"], selected_id)
            legend = layers.stage_legend(lang, t("stage", lang))
        else:
            st.warning(t("aggregated_note", lang, n=fmt_count(result.total, "", lang)))
            cells = point_tooltip(result.cells, lang, cells=True)
            base.append(layers.cells_layer(cells, cells.attrs["tooltip"]))
            legend = layers.stage_legend(lang, t("dominant_stage", lang))
        if selected and (result.points is None or not (result.points["project_id"] == selected_id).any()):
            base += layers.selection_ring(selected, "selected-ring")  # not drawn as a point: still shown
        base.append(names)
        # Fit to the chosen districts; a park or a search narrows further, to its projects; a
        # project opened by a link or picked in the table further still, to it.
        bounds = district_bounds(filters.districts)
        if (filters.parks or filters.search) and result.points is not None and len(result.points):
            bounds = layers.padded_bounds(result.points["lon"], result.points["lat"])
        deck = layers.point_map(base, picks.map_bounds(PROJECT_KEY, "inv_map", selected_id, selected, bounds))
    ui.clickable_map(deck, "inv_map", 560, project_key=PROJECT_KEY)
with side_col:
    st.html(map_classes.legend_html(legend))
    if mode == "points" and result.points is not None:
        st.caption(t("size_note", lang))
    st.caption(t("map_click_note", lang))

# --- selected project ----------------------------------------------------------------------------


def project_panel() -> None:
    """The selected project's details: its fields, parcel, power supply and tasks."""
    if details is None:
        ui.unknown_selection("project", t("unknown_project", lang, id=selected_id))
    else:
        fields, parcel, task_rows = details_frames(details, lang)
        with st.container(border=True):
            outside = not page_cache.cached(matches, ctx, "projects", selected_id)
            ui.panel_title(details.project["name"], PROJECT_KEY, lang, outside_filters=outside)
            left, right = st.columns([1, 1])
            ui.table(fields, lang, where=left, key="inv_fields")
            power = supply_text(page_cache.cached(power_supply.project_supply, ctx, unfiltered=True), selected_id, lang)
            if power:  # the energy page's supply check, computed once per snapshot
                left.caption(power)
            with right:
                st.markdown(f"**{t('parcel', lang)}**")
                if parcel is None:
                    st.caption(t("no_parcel", lang))
                else:
                    ui.table(parcel, lang, "no_parcel", key="inv_parcel")
                st.markdown(f"**{t('tasks', lang)}**")
                ui.table(task_rows, lang, "no_tasks", key="inv_tasks")


if selected_id and picks.picked_in(PROJECT_KEY) != "inv_top":  # under the map (a map click, a link)
    project_panel()

# --- lifecycle charts (a click filters) ----------------------------------------------------------
st.subheader(t("section_lifecycle", lang))
c1, c2 = st.columns(2)
with c1:
    st.markdown(f"**{t('stage_funnel', lang)}**")
    # each clickable chart counts under every filter but its own: its other bars stay to click
    frame = funnel_frame(page_cache.cached(investment.stage_funnel, ctx, filters=filters.without("stages")), lang)
    ui.chart(charts.bar_chart(frame, key="stage", label="label", value="projects",
                              value_title=t("projects_count", lang), tooltip=["label", "count_text", "total_text"],
                              colours=[f"#{r:02x}{g:02x}{b:02x}" for r, g, b in layers.STAGE_COLOURS.values()],
                              selected=filters.stages),
             **picks.chart_pick("inv_stage_chart", "stage", "f_stage"), width="stretch")
with c2:
    st.markdown(f"**{t('stalled_breakdown', lang)}**")
    stalled_all = page_cache.cached(investment.stalled_breakdown, ctx, filters=filters.without("stalled"))
    frame = stalled_frame(stalled_all, lang)
    ui.chart(charts.bar_chart(frame, key="stalled_state", label="label", value="projects",
                              value_title=t("projects_count", lang),
                              tooltip=["label", "count_text", "total_text", "days_text"], colour="#8c510a",
                              selected=filters.stalled),
             **picks.chart_pick("inv_stalled_chart", "stalled_state", "f_stalled"), width="stretch")
c3, c4 = st.columns(2)
with c3:
    st.markdown(f"**{t('by_chain', lang)}**")
    frame = chain_frame(page_cache.cached(investment.chain_breakdown, ctx, filters=filters.without("chains")), lang)
    ui.chart(charts.bar_chart(frame, key="industry_chain", label="label", value="total_yi",
                              value_title=t("metric_total", lang), tooltip=["label", "count_text", "total_text"],
                              colour="#2b8cbe", selected=filters.chains),
             **picks.chart_pick("inv_chain_chart", "industry_chain", "f_chain"), width="stretch")
    unassigned, unassigned_yi = page_cache.cached(investment.without_chain, ctx, filters=filters.without("chains"))
    if unassigned:
        st.caption(t("no_chain_note", lang, n=fmt_count(unassigned, "个", lang), total=fmt_number(unassigned_yi, "亿元", 1, lang)))
district_rows = page_cache.cached(investment.district_breakdown, ctx)
with c4:
    st.markdown(f"**{t('by_district', lang)}**")
    frame = district_bar_frame(page_cache.cached(investment.district_breakdown, ctx, filters=filters.without("districts")),
                               lang)
    ui.chart(charts.bar_chart(frame, key="adcode", label="label", value="total_yi",
                              value_title=t("metric_total", lang), tooltip=["label", "count_text", "total_text"],
                              colour="#C8102E", selected=filters.districts),
             **picks.chart_pick("inv_district_chart", "adcode", "f_district"), width="stretch")
st.caption(t("chart_pick_note", lang))

# --- plan vs actual ------------------------------------------------------------------------------
st.subheader(t("section_plan_vs_actual", lang, year=ctx.snapshot.as_of.year))
p1, p2 = st.columns(2)  # the table's four columns whole beside the sidebar at 1366 px
with p1:
    monthly = monthly_frame(page_cache.cached(investment.monthly_progress, ctx), lang)
    ui.chart(charts.plan_vs_actual_chart(monthly, x="month_label", x_title=t("month", lang), series="series",
                                         value="value", kind="kind", value_title=t("projects_count", lang),
                                         tooltip=["series", "month_label", "value_text"],
                                         x_order=[t("month_label", lang, m=m) for m in range(1, 13)]),
             width="stretch", key="inv_monthly_chart")
    st.caption(t("monthly_note", lang, as_of=ctx.snapshot.as_of))
with p2:
    ui.table(district_progress_frame(district_rows, lang), lang, "no_rows_districts", key="inv_district_progress")
    st.caption(t("progress_marks_note", lang))

# --- top projects --------------------------------------------------------------------------------
st.subheader(t("section_top", lang))
top = table_frame(page_cache.cached(investment.top_projects, ctx), lang)
if ui.table(top, lang, "no_rows_projects", column_config=table_config(lang),
            **picks.row_pick("inv_top", list(top["project_id"]), PROJECT_KEY),
            selection_mode="single-row", max_height=420) is not None:
    st.caption(t("top_note", lang))
if selected_id and picks.picked_in(PROJECT_KEY) == "inv_top":  # where it was picked, not far above
    project_panel()
