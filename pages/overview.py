"""总览 Overview: the city's headline figures from the store, and investment by district."""

import streamlit as st

from geo import map_classes, meeting, overview, page_cache, picks, ui
from geo.downloads import download_panel
from geo.meeting_view import scoreboard_table
from geo.i18n import fmt_count, fmt_number, fmt_pct, in_parts, t
from geo.energy_view import grid_metrics
from geo.filters import Filters

ctx = ui.page_context("overview")
lang = ctx.lang

# The header every page has: the scoreboard, a meeting's natural first item, could be put on an
# agenda only by pasting its address, and a district filter had no visible "clear" (tester 13).
ui.page_header(ctx, "page_overview", "overview_none", "overview", notes=(t("yi_note", lang),))
download_panel(ctx, ["projects", "tasks"], "overview_dl", filters=overview.key_project_filters(ctx.filters))

figures = page_cache.cached(overview.project_figures, ctx)
# The grid and land figures follow what this page's sidebar offers for them, the district (and a
# park, for parcels): a land status or voltage carried from another page, which the sidebar here
# neither shows nor clears, had been named above figures it did not change (tester 15). Keyed by
# those filters alone, a project-filter change does not recompute them.
grid = page_cache.cached(overview.grid_figures, ctx, filters=Filters(districts=ctx.filters.districts))
land = page_cache.cached(overview.land_figures, ctx,
                         filters=Filters(districts=ctx.filters.districts, parks=ctx.filters.parks))

# --- key projects ------------------------------------------------------------------------------
st.subheader(t("section_projects", lang))
everything = figures["all"]
if not everything.count and not ctx.filters.is_empty:  # said before the zeros and the pale map
    st.info(t("nothing_selected", lang))
# No plan in the view (no project matches): no share, "—", not 0.0 %.
plan_share = figures["completed_yi"] / everything.plan_yi * 100 if everything.plan_yi else None
cols = st.columns(4)
cols[0].metric(t("key_projects", lang), fmt_count(everything.count, "个", lang))
cols[1].metric(t("total_investment", lang), fmt_number(everything.total_yi, "亿元", 1, lang))
cols[2].metric(t("annual_plan", lang), fmt_number(everything.plan_yi, "亿元", 1, lang))
cols[3].metric(t("completed_to_date", lang), fmt_number(figures["completed_yi"], "亿元", 1, lang),
               t("of_plan", lang, pct=fmt_pct(plan_share, 1)), delta_color="off", delta_arrow="off")

cols = st.columns([3, 2])
with cols[0]:
    ui.table(
        {
            t("group", lang): [t(k, lang) for k in ("group_100", "group_50", "group_industrial", "group_all")],
            t("projects_count", lang): [fmt_count(g.count, "个", lang) for g in
                                        (figures["ge100"], figures["50to100"], figures["industrial"], everything)],
            t("total_investment", lang): [fmt_number(g.total_yi, "亿元", 1, lang) for g in
                                          (figures["ge100"], figures["50to100"], figures["industrial"], everything)],
            t("annual_plan", lang): [fmt_number(g.plan_yi, "亿元", 1, lang) for g in
                                     (figures["ge100"], figures["50to100"], figures["industrial"], everything)],
        },
        lang, key="overview_groups",
    )
    st.caption(t("groups_overlap", lang))
with cols[1]:
    a, b, c = st.columns(3)
    as_of = ctx.snapshot.as_of
    to_date = f"{as_of.month}月{as_of.day}日" if lang == "zh" else f"{as_of:%-d %b}"
    a.metric(t("started_2023", lang), fmt_count(figures["started"], "个", lang),
             in_parts(t("vs_plan_to_date", lang, date=to_date, plan=fmt_count(figures["started_plan"], "个", lang))),
             delta_color="off", delta_arrow="off")
    b.metric(t("completed_2023", lang), fmt_count(figures["completed"], "个", lang),
             in_parts(t("vs_plan_to_date", lang, date=to_date, plan=fmt_count(figures["completed_plan"], "个", lang))),
             delta_color="off", delta_arrow="off")
    c.metric(t("stalled", lang), fmt_count(figures["stalled"], "个", lang))

# --- grid and land -----------------------------------------------------------------------------
left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader(t("section_grid", lang))
    kinds = grid["new_energy_by_kind"]
    g = st.columns(2)
    # In MW, as the peak load beside it; the published GW beneath, city-wide only.
    grid_note = grid_metrics(g[0], g[1], grid, lang, districts=bool(ctx.filters.districts) or not ctx.scope.is_all, gw=True)
    g = st.columns(2)
    g[0].metric(t("new_energy", lang), fmt_number(grid["new_energy_mw"], "MW", 1, lang),
                in_parts(t("new_energy_split", lang, wind=fmt_number(kinds["风电"], "MW", 1, lang),
                           central=fmt_number(kinds["集中式光伏"], "MW", 1, lang),
                           distributed=fmt_number(kinds["分布式光伏"], "MW", 1, lang))),
                delta_color="off", delta_arrow="off")
    g[1].metric(t("transformer_areas", lang), fmt_count(grid["transformer_areas"], "个", lang),
                in_parts(t("ta_governance", lang, plan=fmt_count(grid["ta_with_plan"], "", lang),
                           verified=fmt_count(grid["ta_verified"], "", lang))), delta_color="off", delta_arrow="off")
    st.caption(grid_note)
    # Under a park or chain filter these stayed the city's, below a header naming the filter
    # (tester 17): said where a filter they do not follow is on.
    if not ctx.filters.without("districts").is_empty:
        st.caption(t("overview_grid_filters", lang))
with right:
    st.subheader(t("section_land", lang, year=land["year"]))
    for cls, key in (("批而未供", "unsupplied_disposal"), ("低效", "inefficient_disposal")):
        st.metric(t(key, lang), fmt_number(land[cls]["disposed_mu"], "亩", 0, lang),
                  in_parts(t("rate", lang, pct=fmt_pct(land[cls]["rate_pct"]),
                             stock=fmt_number(land[cls]["stock_mu"], "亩", 0, lang))), delta_color="off", delta_arrow="off")
    if not ctx.filters.without("districts").without("parks").is_empty:
        st.caption(t("overview_land_filters", lang))

# --- scoreboard: the city and each district against plan, with the choropleth beside it ----------
st.subheader(t("section_scoreboard", lang))
scoreboard = page_cache.cached(meeting.scoreboard, ctx)
styled, config, adcodes = scoreboard_table(scoreboard, lang)
ui.table(styled, lang, "no_rows_districts", key="overview_scoreboard", column_config=config,
         on_select=picks.on_district_row("overview_scoreboard", adcodes, open_page="investment"),
         selection_mode="single-row", max_height=1000)  # every row: the city and its districts
st.caption(t("scoreboard_note", lang, time_pct=fmt_pct(float(scoreboard["time_pct"].iloc[0]), 1)))
map_col, legend_col = st.columns([3, 1])
with map_col:
    ui.url_state("metric", "overview_metric", tuple(overview.MAP_METRICS), "total")  # the map's view in the URL too
    metric = st.segmented_control(t("map_metric", lang), list(overview.MAP_METRICS),
                                  key="overview_metric", format_func=lambda m: t(overview.MAP_METRICS[m][1], lang))
    city = page_cache.cached(overview.district_summary, ctx, filters=ctx.filters.with_districts(()))  # classed city-wide
    deck, legend = overview.investment_choropleth(city, metric or "total", lang, ctx.filters.districts)
    ui.clickable_map(deck, "overview_map", 520)
with legend_col:
    st.html(map_classes.legend_html(legend))
    st.caption(t("overview_map_note", lang))
picks.open_pending_page()
