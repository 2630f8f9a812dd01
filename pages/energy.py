"""能源设施 Energy: substations, plants and transformer areas, grid headroom, power supply for projects."""

import streamlit as st

from geo import (charts, district_layers, energy, energy_layers, layers, map_classes, map_json, overview, page_cache,
                 picks, power_supply, ui)
from geo.boundaries import bounds as district_bounds
from geo.downloads import download_panel
from geo.query import matches
from geo.energy_tables import (RISK_PROJECTOR_COLUMNS, RISK_PROJECTOR_WIDTHS, plant_table, plant_table_config,
                               risk_table, risk_table_config, station_table, station_table_config)
from geo.energy_view import (HEADROOM_METRICS, band_frame, cell_tooltips, funnel_frame, grid_metrics, headroom_bar_frame,
                             headroom_map_data, headroom_table, headroom_tooltip_rows, legend_labels, plant_frame,
                             plant_parts, quality_table, station_areas, station_fields, station_projects)
from geo.filters import Filters
from geo.i18n import fmt_count, fmt_number, t
from geo.schema import POWER_FACTOR, enum_label

ctx = ui.page_context("energy")
lang, filters = ctx.lang, ctx.filters
STATION_KEY = "en_station"
LAYERS = ("stations", "plants", "areas", "risk")
selected_id = ui.url_value("station", STATION_KEY)
# Each table's figures keyed by the filters that apply to it: a voltage change keeps the plants'.
by_table = {table: filters.only_for(table) for table in ("substations", "plants", "transformer_areas")}

ui.page_header(ctx, "page_energy", STATION_KEY, "en",
               notes=(t("power_factor_note", lang, pf=POWER_FACTOR),))
download_panel(ctx, ["substations", "plants", "transformer_areas"], "energy_dl")

# --- city figures (only the district filter applies: they are defined on fixed asset sets) --------
grid = page_cache.cached(overview.grid_figures, ctx, filters=Filters(districts=filters.districts))
kinds = grid["new_energy_by_kind"]
m = st.columns(4)
grid_note = grid_metrics(m[0], m[1], grid, lang, districts=bool(filters.districts) or not ctx.scope.is_all)
m[2].metric(t("new_energy", lang), fmt_number(grid["new_energy_mw"], "MW", 1, lang))
m[3].metric(t("transformer_areas", lang), fmt_count(grid["transformer_areas"], "个", lang),
            t("ta_plan_verified", lang, plan=fmt_count(grid["ta_with_plan"], "个", lang),
              verified=fmt_count(grid["ta_verified"], "个", lang)), delta_color="off", delta_arrow="off")
st.caption(t("energy_new_split", lang, parts=" + ".join(f"{enum_label(k, lang)} {fmt_number(v, 'MW', 1, lang)}"
                                                         for k, v in kinds.items())) + " · " + grid_note)
if any(not f.without("districts").is_empty for f in by_table.values()):  # a card beside a filtered file (tester 14)
    st.caption(t("energy_figures_district_only", lang))

problems = page_cache.cached(energy.quality_problems, ctx, unfiltered=True)  # the whole store, once per snapshot
if len(problems):
    st.warning(t("quality_title", lang, n=len(problems)), icon=":material/report:")
    ui.table(quality_table(problems, lang), lang, key="en_quality", max_height=250)

# --- map -------------------------------------------------------------------------------------------
supply = page_cache.cached(power_supply.project_supply, ctx, unfiltered=True)  # nearest station: once per snapshot
max_km = ui.url_state("max_km", "en_max_km", lambda v: float(v) if v.replace(".", "", 1).isdigit() and
                      0.5 <= float(v) <= 100 else None, power_supply.DEFAULT_MAX_DISTANCE_KM)
# Depends on the districts and the distance only: kept across the other filters' changes.
by_district = page_cache.derived(ctx, ("supply_by_district", max_km), lambda: power_supply.supply_by_district(supply, max_km))
supply_view = page_cache.derived(ctx, ("supply_view", filters.districts, max_km),
                                 lambda: power_supply.supply_view(by_district, filters))
risk = supply_view["risk"]
ui.url_state("map", "en_map_mode", ("assets", "headroom"), "assets")
mode = st.segmented_control(t("map_mode", lang), ["assets", "headroom"], key="en_map_mode",
                            format_func=lambda v: t(f"energy_mode_{v}", lang)) or "assets"
level = ui.url_state("headroom_kv", "en_level", (220, 110, 35), 110)
labels = legend_labels(lang)


# Map layers built and encoded once per view (map_json.cached_layers): the key names what a layer
# depends on besides the snapshot, scope and language, so it is kept across the other filters'
# changes and reruns.
def layers_key(name: str, *depends_on) -> tuple:
    return name, str(ctx.snapshot.path), repr(ctx.scope), *depends_on, lang


def area_layers() -> list:
    cells = cell_tooltips(page_cache.cached(energy.ta_cells, ctx, filters=by_table["transformer_areas"]), lang)
    return [energy_layers.ta_cells_layer(cells, cells.attrs["tooltip"])]


legends = []  # (title, entries) groups of the assets map
legend = None  # or, in headroom mode, the choropleth's class legend
map_col, side_col = st.columns([3, 1])
with map_col:
    if mode == "headroom":
        ui.url_state("metric", "en_metric", tuple(HEADROOM_METRICS), "headroom")
        metric = st.segmented_control(t("map_metric", lang), list(HEADROOM_METRICS), key="en_metric",
                                         format_func=lambda k: t(HEADROOM_METRICS[k][1], lang)) or "headroom"
        column, label_key, unit, decimals, more = HEADROOM_METRICS[metric]
        rows = page_cache.cached(energy.district_headroom, ctx, level or 110, filters=Filters())  # classed city-wide
        deck, legend = district_layers.district_choropleth(
            headroom_map_data(rows, lang), column, name_column="name", label_column="label", unit=unit,
            decimals=decimals, legend_title=f"{t(label_key, lang)} · {level or 110} kV", lang=lang,
            selected=filters.districts, tooltip_rows=headroom_tooltip_rows(lang), more=more)
    else:
        ui.url_state("layers", "en_layers", LAYERS, ["stations", "risk"], multi=True)
        chosen = st.pills(t("map_layers", lang), LAYERS, selection_mode="multi", key="en_layers",
                          format_func=lambda v: t(f"layer_{v}", lang)) or []
        outline, names = district_layers.district_base(lang, filters.districts)
        base = [outline]
        if "areas" in chosen:
            base += map_json.cached_layers(layers_key("areas", by_table["transformer_areas"]), area_layers)
            # each symbol encoded once per language (unfiltered); a view joins the ids it shows
            dots = page_cache.cached(energy_layers.abnormal_symbols, ctx, lang, unfiltered=True)
            bad = page_cache.cached(energy.abnormal_areas, ctx, filters=by_table["transformer_areas"])
            base.append(energy_layers.abnormal_layer(bad["area_id"].tolist(), dots))
            legends.append((t("layer_areas", lang), energy_layers.ta_legend(labels, lang)))
        if "plants" in chosen:
            circles = page_cache.cached(energy_layers.plant_symbols, ctx, lang, unfiltered=True)
            shown_plants = page_cache.cached(energy.plants, ctx, filters=by_table["plants"])
            base.append(energy_layers.plants_layer(shown_plants["plant_id"].tolist(), circles))
            legends.append((t("layer_plants", lang), energy_layers.plant_legend(labels)))
        if "risk" in chosen:  # the whole store's risks encoded once per distance; a view joins its rows
            pieces = page_cache.derived(ctx, ("risk_pieces", max_km, lang),
                                        lambda: energy_layers.risk_pieces(by_district.risk, lang))
            base += energy_layers.risk_layers(pieces, supply_view["risk_rows"])
            legends.append((t("layer_risk", lang), energy_layers.risk_legend(t("risk_legend", lang, km=max_km))))
        if "stations" in chosen:
            symbols = page_cache.derived(ctx, ("station_symbols", lang), lambda: energy_layers.station_symbols(
                ctx.snapshot, ctx.scope, Filters(), lang, supply))  # once per language
            shown = page_cache.cached(energy.stations, ctx, filters=by_table["substations"])
            shown_ids = shown["station_id"].astype(str).tolist()
            base += energy_layers.station_layers(shown_ids, symbols, selected_id)
            legends[:0] = energy_layers.station_legend(labels)
        base.append(names)
        station = page_cache.cached_record(energy.station_record, ctx, selected_id) if selected_id else None
        deck = layers.point_map(base, picks.map_bounds(STATION_KEY, "en_map", selected_id, station,
                                                       district_bounds(filters.districts)))
    ui.clickable_map(deck, "en_map", 600, project_key=STATION_KEY, pick_layer="stations", pick_field="station_id")
with side_col:
    if legend:
        st.html(map_classes.legend_html(legend))
    elif legends:
        ui.chart(charts.symbol_legend(legends), width="content")
    st.caption(t("energy_click_note", lang))

# --- selected substation ---------------------------------------------------------------------------


def station_panel() -> None:
    """The selected substation's details: fields, the areas it feeds, the projects relying on it."""
    # once per station and snapshot: a rerun that keeps the station (a filter, the distance) asks nothing again
    details = page_cache.derived(ctx, ("station_details", selected_id),
                                 lambda: energy.station_details(ctx.snapshot, ctx.scope, selected_id, supply))
    if details is None:
        ui.unknown_selection("station", t("unknown_station", lang, id=selected_id))
    else:
        with st.container(border=True):
            outside = not page_cache.cached(matches, ctx, "substations", selected_id, filters=by_table["substations"])
            ui.panel_title(details.station["name"], STATION_KEY, lang, outside_filters=outside)
            left, right = st.columns(2)
            ui.table(station_fields(details, lang), lang, where=left, key="en_fields")
            with right:
                st.markdown(f"**{t('fed_areas', lang)}**")
                if details.areas["areas"].sum():
                    ui.table(station_areas(details, lang), lang, "no_fed_areas", key="en_areas")
                else:  # 500/220 kV stations feed lower-voltage stations, not transformer areas
                    st.caption(t("no_fed_areas", lang))
                if len(details.abnormal):
                    st.caption(t("abnormal_ids", lang, ids="、".join(details.abnormal["area_id"].head(12)),
                                 n=len(details.abnormal)))
                st.markdown(f"**{t('relying_projects', lang)}**")
                # below the supply voltage no project relies on a station: said so, not "none found"
                below = int(details.station["voltage_kv"]) < power_supply.SUPPLY_MIN_KV
                ui.table(station_projects(details, lang), lang, "below_supply_kv" if below else "no_relying_projects",
                         key="en_projects")


# Under the map (a map click, a link), or under the table it was picked in (the risk table only
# while it is shown: a filter may empty it).
picked_in = picks.picked_in(STATION_KEY)
picked_below = picked_in == "en_stations" or (picked_in == "en_risk" and not risk.empty)
if selected_id and not picked_below:
    station_panel()

# --- headroom by district --------------------------------------------------------------------------
st.subheader(t("section_headroom", lang))
st.segmented_control(t("voltage_level", lang), [220, 110, 35], key="en_level", format_func=lambda v: f"{v} kV")
rows = headroom_bar_frame(page_cache.cached(energy.district_headroom, ctx, level or 110), lang)
# The chart, then the table under it: side by side at 1366 px beside the sidebar the table's last
# columns (capacity, stations) were cut off whatever the split. The chart has every district (the
# chosen ones opaque), to click another; the table has the chosen ones.
city_rows = headroom_bar_frame(page_cache.cached(energy.district_headroom, ctx, level or 110,
                                                 filters=filters.without("districts")), lang)
ui.chart(charts.bar_chart(city_rows, key="adcode", label="label", value="headroom_mw",
                          value_title=t("headroom", lang) + " (MW)", colour="#1a9850",
                          tooltip=["label", "headroom_text", "peak_text", "rate_text"],
                          selected=filters.districts),
         **picks.chart_pick("en_headroom_chart", "adcode", "f_district"), width="stretch")
ranking, ranking_config = headroom_table(rows, lang)
ui.table(ranking, lang, "no_rows_districts", key="en_headroom_table", column_config=ranking_config)
st.caption(t("headroom_note", lang, pf=POWER_FACTOR))
if filters.voltages:  # the level picked above decides, whatever the sidebar's voltage filter says
    st.caption(t("headroom_level_note", lang, level=level or 110))

# --- power supply for projects ---------------------------------------------------------------------
st.subheader(t("section_supply", lang))
s1, s2, s3, s4 = st.columns(4)
s1.metric(t("projects_with_demand", lang), fmt_count(supply_view["projects"], "个", lang),
          fmt_number(supply_view["demand_mw"], "MW", 1, lang), delta_color="off", delta_arrow="off")
# secure + at risk = with a demand: "covered" (each project alone) and "at risk" overlapped, and
# invited a wrong sum (331 / 328 / 7: tester 7)
s2.metric(t("secure_projects", lang), fmt_count(supply_view["secure"], "个", lang))
s3.metric(t("at_risk_projects", lang), fmt_count(supply_view["at_risk"], "个", lang))
s4.number_input(t("max_distance", lang), min_value=0.5, max_value=100.0, step=0.5, format="%.1f", key="en_max_km")
st.caption(t("secure_note", lang) + " " + t("supply_note", lang, kv=power_supply.SUPPLY_MIN_KV))
if risk.empty:
    st.success(t("no_risk", lang))
else:
    if supply_view["at_risk"] > len(risk):  # risk: the first MAX_RISK_SHOWN (power_supply.supply_view)
        st.caption(t("risk_truncated", lang, shown=fmt_count(len(risk), "个", lang),
                     n=fmt_count(supply_view["at_risk"], "个", lang)))
    # The whole store's at-risk projects formatted once per distance and language; a view takes
    # its rows (formatting a district's 2,000 rows cost ~5 ms of each district change at 1 M parcels)
    all_risks = page_cache.derived(ctx, ("risk_table", max_km, lang),
                                   lambda: ui.arrow_table(risk_table(by_district.risk, lang)))
    table = all_risks.take(supply_view["risk_rows"])
    station_ids = list(risk["station_id"].fillna(""))
    ui.table(table, lang, column_config=risk_table_config(lang),
             **picks.row_pick("en_risk", station_ids, STATION_KEY), selection_mode="single-row",
             max_height=420, projector_columns=RISK_PROJECTOR_COLUMNS, projector_widths=RISK_PROJECTOR_WIDTHS)
    st.caption(t("risk_table_note", lang))
    if selected_id and picked_in == "en_risk":  # where it was picked, not far above
        station_panel()

# --- assets in figures -----------------------------------------------------------------------------
st.subheader(t("section_assets", lang))
c1, c2, c3 = st.columns(3)
with c1:
    st.markdown(f"**{t('stations_by_band', lang)}**")
    # every filter but its own: its other bars stay to click
    counts = page_cache.cached(energy.load_band_counts, ctx, filters=by_table["substations"].without("load_bands"))
    frame = band_frame(counts, lang)
    ui.chart(charts.bar_chart(frame, key="load_band", label="label", value="stations",
                              value_title=t("stations_count", lang), tooltip=["label", "count_text"],
                              colours=["#%02x%02x%02x" % c for c in energy_layers.BAND_COLOURS.values()],
                              selected=filters.load_bands),
             **picks.chart_pick("en_band_chart", "load_band", "f_load"), width="stretch")
with c2:
    st.markdown(f"**{t('plants_by_kind', lang)}**")
    capacity = page_cache.cached(energy.plant_capacity, ctx, filters=by_table["plants"].without("plant_kinds"))
    frame = plant_frame(capacity, lang)
    ui.chart(charts.bar_chart(frame, key="kind", label="label", value="mw",
                              value_title=t("capacity_mw", lang),
                              tooltip=["label", "mw_text", "in_service_text", "count_text"],
                              parts=plant_parts(lang), selected=filters.plant_kinds),
             **picks.chart_pick("en_kind_chart", "kind", "f_kind"), width="stretch")
with c3:
    st.markdown(f"**{t('ta_governance_chart', lang)}**")
    funnel = page_cache.cached(energy.governance_funnel, ctx, filters=by_table["transformer_areas"])
    frame = funnel_frame(funnel[funnel["step"] != "all"], lang)  # 19,994 would flatten the other bars
    ui.chart(charts.bar_chart(frame, key="step", label="label", value="areas",
                              value_title=t("transformer_areas", lang), tooltip=["label", "count_text"],
                              colour="#2c7bb6"), key="en_funnel_chart", width="stretch")
    st.caption(t("ta_funnel_note", lang, n=fmt_count(int(funnel["areas"].iloc[0]), "个", lang)))
st.caption(t("chart_pick_note_energy", lang))  # the first two: the funnel is not a filter

st.markdown(f"**{t('station_list', lang)}**")
# Every substation formatted and ranked once per language; a view keeps the rows of the stations it shows
all_stations = page_cache.derived(ctx, ("station_table", lang), lambda: ui.arrow_table(
    station_table(power_supply.with_pending(page_cache.cached(energy.stations, ctx, unfiltered=True), supply), lang)))
table = ui.rows_with(all_stations, "station_id",
                     page_cache.cached(energy.stations, ctx, filters=by_table["substations"])["station_id"])
ui.table(table, lang, "no_rows_stations", column_config=station_table_config(lang),
         **picks.row_pick("en_stations", table.column("station_id").to_pylist(), STATION_KEY),
         selection_mode="single-row", max_height=420)
if selected_id and picked_in == "en_stations":  # where it was picked, not far above
    station_panel()

st.markdown(f"**{t('plant_list', lang)}**")
all_plants = page_cache.derived(ctx, ("plant_table", lang), lambda: ui.arrow_table(
    plant_table(page_cache.cached(energy.plants, ctx, unfiltered=True), lang)))
ui.table(ui.rows_with(all_plants, "plant_id", page_cache.cached(energy.plants, ctx, filters=by_table["plants"])["plant_id"]),
         lang, "no_rows_plants", column_config=plant_table_config(lang), key="en_plants", max_height=420)
