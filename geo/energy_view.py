"""Presentation of the energy figures: translated labels, numbers with units, tooltip texts,
charts' frames and the station panel. Pure pandas (tested without a browser); ``geo.energy``
computes; the page's lists are ``geo.energy_tables``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import schema
from geo.boundaries import district_name, load_districts, short_district_name
from geo.energy import StationDetails
from geo.power_supply import RISK_REASONS
from geo.i18n import fmt_count, fmt_number, t, with_unit
from geo.schema import enum_label

# Headroom choropleth metrics: column, label key, unit, decimals.
# metric -> (column, label key, unit, decimals, what more of it means: map_classes.RAMPS)
HEADROOM_METRICS = {"headroom": ("headroom_mw", "metric_headroom", "MW", 1, "better"),
                    "load_rate": ("load_rate_pct", "metric_load_rate", "%", 1, "worse"),
                    "capacity": ("capacity_mw", "metric_firm_capacity", "MW", 1, "better")}


def column_label(table: str, column: str, lang: str) -> str:
    """A column's name with its unit: for headers over bare numbers."""
    return schema.column(table, column).label(lang)


def _name(table: str, column: str, lang: str) -> str:
    """A column's name without its unit: beside a value that says it ("变电容量：50.0 MVA", not
    "变电容量（MVA）：50.0 MVA")."""
    return schema.column(table, column).bare(lang)


def legend_labels(lang: str) -> dict[str, str]:
    """Band, status, plant-kind and governance-state labels for the legends."""
    values = (*schema.LOAD_BANDS, *schema.ASSET_STATUSES, *schema.PLANT_KINDS, *schema.TA_STATES)
    return {**{v: enum_label(v, lang) for v in values}, "no_band": t("no_load_band", lang),
            "band": t("legend_station_band", lang), "voltage": t("legend_station_voltage", lang),
            "status": t("legend_station_status", lang)}


def station_tooltips(stations: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = stations.copy()
    out["kv_text"] = [f"{int(v)} kV" for v in out["voltage_kv"].tolist()]
    out["status_text"] = [enum_label(s, lang) for s in out["status"].tolist()]
    # One decimal: 46 of the demo's 180 stations have fractional capacities (12.6 MVA), and a
    # whole number disagreed with the load rate and headroom computed beside it.
    out["capacity_text"] = [fmt_number(v, "MVA", 1, lang) for v in out["capacity_mva"].tolist()]
    out["peak_text"] = [fmt_number(v, "MW", 1, lang) for v in out["peak_load_mw"].tolist()]
    out["rate_text"] = [fmt_number(v, "%", 1, lang) for v in out["load_rate_pct"].tolist()]
    out["headroom_text"] = [fmt_number(v, "MW", 1, lang) for v in out["headroom_mw"].tolist()]
    out.attrs["tooltip"] = [(t("voltage", lang), "kv_text"), (t("asset_status", lang), "status_text"),
                            (_name("substations", "capacity_mva", lang), "capacity_text"),
                            (_name("substations", "peak_load_mw", lang), "peak_text"),
                            (t("load_rate", lang), "rate_text"), (t("headroom", lang), "headroom_text")]
    if "pending_mw" in out.columns:  # power_supply.with_pending
        out["pending_text"] = [fmt_number(v, "MW", 1, lang) for v in out["pending_mw"].tolist()]
        out.attrs["tooltip"].append((t("pending_demand", lang), "pending_text"))
    return out


def plant_tooltips(plants: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = plants.copy()
    out["kind_text"] = [enum_label(k, lang) for k in out["kind"].tolist()]
    out["capacity_text"] = [fmt_number(v, "MW", 1, lang) for v in out["capacity_mw"].tolist()]
    out["status_text"] = [enum_label(s, lang) for s in out["status"].tolist()]
    out.attrs["tooltip"] = [(t("plant_kind", lang), "kind_text"), (_name("plants", "capacity_mw", lang), "capacity_text"),
                            (t("asset_status", lang), "status_text")]
    return out


def cell_tooltips(cells: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = cells.copy()
    out["areas_text"] = [fmt_count(v, "个", lang) for v in out["areas"].tolist()]
    out["rate_text"] = [fmt_number(v, "%", 2, lang) for v in out["pass_rate_pct"].tolist()]
    out["abnormal_text"] = [fmt_count(v, "个", lang) for v in out["abnormal"].tolist()]
    out["title"] = t("in_this_cell", lang)
    out.attrs["tooltip"] = [(t("table_transformer_areas", lang), "areas_text"), (t("mean_pass_rate", lang), "rate_text"),
                            (t("abnormal_areas", lang), "abnormal_text")]
    return out


def abnormal_tooltips(areas: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = areas.copy()
    out["state_text"] = [enum_label(s, lang) for s in out["state"].tolist()]
    out["rate_text"] = [fmt_number(v, "%", 2, lang) for v in out["voltage_pass_rate"].tolist()]
    out["users_text"] = [fmt_count(v, "户", lang) for v in out["low_voltage_users"].tolist()]
    out.attrs["tooltip"] = [(column_label("transformer_areas", "state", lang), "state_text"),
                            (_name("transformer_areas", "voltage_pass_rate", lang), "rate_text"),
                            (_name("transformer_areas", "low_voltage_users", lang), "users_text")]
    return out


def labelled(values: pd.Series, label) -> list[str]:
    """``label(value)`` for each value, computed once per distinct value: the energy page formats
    the whole store's 51 k projects at risk at once (1 M parcels), where a call per row cost ~0.2 s."""
    labels = {v: label(v) for v in dict.fromkeys(values.tolist())}
    return [labels[v] for v in values.tolist()]


def reasons_text(reasons: tuple[str, ...], lang: str) -> str:
    return "、".join(t(f"risk_{r}", lang) for r in reasons) if lang == "zh" else "; ".join(t(f"risk_{r}", lang)
                                                                                         for r in reasons)


def risk_tooltips(risk: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = risk.copy()
    out["demand_text"] = [fmt_number(v, "MW", 1, lang) for v in out["demand_mw"].tolist()]
    out["station_text"] = [s if isinstance(s, str) else "—" for s in out["station_name"].tolist()]
    out["distance_text"] = [fmt_number(v, "km", 1, lang) for v in out["distance_km"].tolist()]
    out["reason_text"] = labelled(out["reasons"], lambda r: reasons_text(r, lang))
    out.attrs["tooltip"] = [(t("demand", lang), "demand_text"), (t("supply_station", lang), "station_text"),
                            (t("distance", lang), "distance_text"), (t("risk_reason", lang), "reason_text")]
    return out


def headroom_map_data(rows: pd.DataFrame, lang: str):
    gdf = load_districts()[["adcode", "geometry"]].merge(rows, on="adcode", how="inner")
    gdf["name"] = gdf["name_zh"] if lang == "zh" else gdf["name_en"]
    gdf["label"] = [short_district_name(code, lang) for code in gdf["adcode"]]  # "You County" had stood beside "Liling" (tester 16)
    gdf["stations_text"] = [fmt_count(v, "座" if lang == "zh" else "", lang) for v in gdf["stations"]]
    gdf["capacity_text"] = [fmt_number(v, "MW", 1, lang) for v in gdf["capacity_mw"]]
    gdf["peak_text"] = [fmt_number(v, "MW", 1, lang) for v in gdf["peak_mw"]]
    gdf["headroom_text"] = [fmt_number(v, "MW", 1, lang) for v in gdf["headroom_mw"]]
    gdf["rate_text"] = [fmt_number(v, "%", 1, lang) for v in gdf["load_rate_pct"]]
    return gdf


def headroom_tooltip_rows(lang: str) -> list[tuple[str, str]]:
    return [(t("stations_count", lang), "stations_text"), (t("firm_capacity", lang), "capacity_text"),
            (_name("substations", "peak_load_mw", lang), "peak_text"), (t("headroom", lang), "headroom_text"),
            (t("load_rate", lang), "rate_text")]




def headroom_bar_frame(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = rows.copy()
    out["label"] = [district_name(c, lang) for c in out["adcode"].tolist()]
    # Named in the text: the chart's tooltip joins them into one line (geo.charts: "醴陵市 · 余量
    # 590.2 MW · 最高负荷 815.6 MW · 负载率 58.0 %"), where bare MW figures were ambiguous.
    for column, value, unit, name in (("headroom_text", "headroom_mw", "MW", t("headroom", lang)),
                                      ("peak_text", "peak_mw", "MW", _name("substations", "peak_load_mw", lang)),
                                      ("rate_text", "load_rate_pct", "%", t("load_rate", lang))):
        out[column] = [f"{name} {fmt_number(v, unit, 1, lang)}" for v in out[value].tolist()]
    return out


def headroom_table(rows: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict]:
    """The district ranking (rows come ranked by headroom) and its column config: numbers stay
    numbers, so a click on a header sorts them as such, with their units in the headers."""
    # The ranked figure first: in its two-fifths column at 1366 px the table shows ~4 columns.
    columns = {t("district", lang): [district_name(c, lang) for c in rows["adcode"].tolist()],
               with_unit(t("headroom", lang), "MW", lang): rows["headroom_mw"].astype(float),
               with_unit(t("load_rate", lang), "%", lang): rows["load_rate_pct"].astype(float),
               with_unit(_name("substations", "peak_load_mw", lang), "MW", lang): rows["peak_mw"].astype(float),
               with_unit(t("metric_firm_capacity", lang), "MW", lang): rows["capacity_mw"].astype(float),
               with_unit(t("stations_count", lang), "座", lang): rows["stations"].astype("int64")}
    names = list(columns)
    config = {name: st.column_config.NumberColumn(name, format="%,.1f") for name in names[1:5]}
    config[names[5]] = st.column_config.NumberColumn(names[5], format="%,d")
    return pd.DataFrame(columns), config


def band_frame(bands: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = bands.copy()
    out["label"] = [enum_label(b, lang) for b in out["load_band"].tolist()]
    out["count_text"] = [t("station_count", lang, n=f"{v:,}") for v in out["stations"].tolist()]
    return out


# A plant kind's bar: its capacity in service, under construction, planned (the headline counts
# only what is in service).
STATUS_COLOURS = {"在运": "#1f78b4", "在建": "#a6cee3", "规划": "#d9d9d9"}


def plant_parts(lang: str) -> dict[str, str]:
    """``plant_frame``'s stacked columns (named by status in ``lang``) -> colour."""
    return {t(f"plant_part_{status}", lang): colour for status, colour in STATUS_COLOURS.items()}


def plant_frame(capacity: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = capacity.copy()
    for status in STATUS_COLOURS:
        out[t(f"plant_part_{status}", lang)] = out[f"mw_{status}"]
    out["label"] = [enum_label(k, lang) for k in out["kind"].tolist()]
    out["mw_text"] = [fmt_number(v, "MW", 1, lang) for v in out["mw"].tolist()]
    out["in_service_text"] = [t("in_service_mw", lang, mw=fmt_number(v, "MW", 1, lang)) for v in out["mw_在运"].tolist()]
    out["count_text"] = [t("plant_count", lang, n=f"{v:,}") for v in out["plants"].tolist()]
    return out


def funnel_frame(funnel: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = funnel.copy()
    out["label"] = [t(f"ta_step_{s}", lang) if s in ("all", "with_plan") else enum_label(s, lang) for s in out["step"].tolist()]
    out["count_text"] = [fmt_count(v, "个", lang) for v in out["areas"].tolist()]
    return out


def station_fields(details: StationDetails, lang: str) -> pd.DataFrame:
    s = details.station
    rows = [
        (column_label("substations", "station_id", lang), s["station_id"]),
        (t("district", lang), district_name(s["district_adcode"], lang)),
        (_name("substations", "voltage_kv", lang), f"{s['voltage_kv']} kV"),
        (t("asset_status", lang), enum_label(s["status"], lang)),
        (_name("substations", "transformer_count", lang), "—" if s["transformer_count"] is None
         else fmt_count(s["transformer_count"], "台", lang)),
        (_name("substations", "capacity_mva", lang), fmt_number(s["capacity_mva"], "MVA", 1, lang)),
        (t("firm_capacity", lang), fmt_number(None if s["capacity_mva"] is None
                                                     else s["capacity_mva"] * schema.POWER_FACTOR, "MW", 1, lang)),
        (_name("substations", "peak_load_mw", lang), fmt_number(s["peak_load_mw"], "MW", 1, lang)),
        (t("load_rate", lang), fmt_number(s["load_rate_pct"], "%", 1, lang)),
        (t("headroom", lang), fmt_number(s["headroom_mw"], "MW", 1, lang)),
        (t("pending_demand", lang), fmt_number(float(details.projects.loc[details.projects["stage"] != "投产",
                                                                          "demand_mw"].sum()), "MW", 1, lang)),
        (column_label("substations", "commissioned_year", lang), "—" if s["commissioned_year"] is None
         else str(s["commissioned_year"])),
    ]
    return pd.DataFrame(rows, columns=[t("field", lang), t("value", lang)])


def station_areas(details: StationDetails, lang: str) -> pd.DataFrame:
    a = details.areas
    return pd.DataFrame({
        column_label("transformer_areas", "state", lang): [enum_label(s, lang) for s in a["state"]],
        t("table_transformer_areas", lang): [fmt_count(v, "个", lang) for v in a["areas"]],
        t("mean_pass_rate", lang): [fmt_number(v, "%", 2, lang) for v in a["pass_rate_pct"]],
        _name("transformer_areas", "low_voltage_users", lang): [fmt_count(v, "户", lang) if pd.notna(v) else "—"
                                                                for v in a["low_voltage_users"]],
    })


def station_projects(details: StationDetails, lang: str) -> pd.DataFrame:
    p = details.projects
    return pd.DataFrame({
        column_label("projects", "name", lang): p["name"],
        column_label("projects", "stage", lang): [enum_label(s, lang) for s in p["stage"]],
        t("demand", lang): [fmt_number(v, "MW", 1, lang) for v in p["demand_mw"]],
        t("distance", lang): [fmt_number(v, "km", 2, lang) for v in p["distance_km"]],
    })


def quality_table(problems: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per flagged record: table, id, name and what is wrong, as text (a table shows any
    name literally, markup included)."""
    def what(problem: str, value) -> str:
        shown = "" if value is None or pd.isna(value) else fmt_number(value, "%" if problem == "overloaded" else "", 1, lang)
        return t(f"quality_{problem}", lang, value=shown)
    return pd.DataFrame({
        t("table", lang): [t(f"table_{name}", lang) for name in problems["table"]],
        t("record_id", lang): problems["id"],
        t("record_name", lang): problems["name"],
        t("problem", lang): [what(p, v) for p, v in zip(problems["problem"], problems["value"])],
    })


def risk_reason_labels(lang: str) -> dict[str, str]:
    return {r: t(f"risk_{r}", lang) for r in RISK_REASONS}


def supply_text(supply: pd.DataFrame, project_id: str, lang: str) -> str | None:
    """One line on a project's power supply for its details panel; None without a demand."""
    rows = supply[supply["project_id"] == project_id]
    if rows.empty:
        return None
    r = rows.iloc[0]
    if not isinstance(r["station_id"], str):
        return t("supply_line_none", lang, demand=fmt_number(r["demand_mw"], "MW", 1, lang))
    if not r["covered"]:
        verdict = t("supply_short", lang)
    elif r["overcommitted"]:
        verdict = t("supply_overcommitted", lang, pending=fmt_number(r["pending_mw"], "MW", 1, lang))
    else:
        verdict = t("supply_covered", lang)
    return t("supply_line", lang, demand=fmt_number(r["demand_mw"], "MW", 1, lang), station=r["station_name"],
             km=fmt_number(r["distance_km"], "km", 1, lang), headroom=fmt_number(r["headroom_mw"], "MW", 1, lang),
             verdict=verdict)


def grid_metrics(capability_column, peak_column, grid: dict, lang: str, *, districts: bool, gw: bool = False) -> str:
    """The grid's two headline cards; returns the caption that defines them. City-wide they are
    the published 220 kV figures (2.9 GW, 2,703.8 MW; ``gw`` adds the GW line under the MW).
    For chosen districts (or a user who sees only some) they are the districts' in-service 110 kV
    stations, the energy page's headroom table's figures: the 220 kV stations that happen to
    stand in a district are not its supply (one of them made 荷塘区's peak 184.8 MW, 炎陵县's
    above its capability)."""
    if districts:
        capability_column.metric(t("district_capability_110", lang), fmt_number(grid["capability_110_mw"], "MW", 1, lang))
        peak_column.metric(t("district_peak_110", lang), fmt_number(grid["peak_110_mw"], "MW", 1, lang))
        return t("district_capability_note", lang, pf=schema.POWER_FACTOR)
    capability_column.metric(t("supply_capability", lang), fmt_number(grid["capability_mw"], "MW", 1, lang),
                             fmt_number(grid["capability_mw"] / 1000, "GW", 1, lang) if gw else None,
                             delta_color="off", delta_arrow="off")
    peak_column.metric(t("record_peak", lang), fmt_number(grid["peak_mw"], "MW", 1, lang))
    return t("capability_note", lang, ratio=schema.CAPACITY_LOAD_RATIO_220KV)

