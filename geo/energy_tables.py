"""The energy page's lists, formatted once for the whole store (a view takes its rows): projects
whose power supply is at risk, substations with their pending load, and plants; with their
Streamlit column configs and the columns a projector shows."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.boundaries import district_name
from geo.energy_view import column_label, labelled, reasons_text
from geo.i18n import t
from geo.schema import enum_label


def risk_table(risk: pd.DataFrame, lang: str) -> pd.DataFrame:
    """At-risk projects: numbers stay numeric (sortable), units in the column config."""
    # Why it is at risk and the figures behind it before the stage and the id, which beside the
    # sidebar at 1366 px scroll (the distance had been cut off).
    return pd.DataFrame({
        "name": risk["name"],
        "district": labelled(risk["district_adcode"], lambda c: district_name(c, lang)),
        "reasons": labelled(risk["reasons"], lambda r: reasons_text(r, lang)),
        "demand_mw": risk["demand_mw"].astype(float),
        "station": [s if isinstance(s, str) else "—" for s in risk["station_name"].tolist()],
        "distance_km": risk["distance_km"].astype(float),
        "headroom_mw": risk["headroom_mw"].astype(float),
        "pending_mw": risk["pending_mw"].astype(float),
        "stage": labelled(risk["stage"], lambda s: enum_label(s, lang)),
        "project_id": risk["project_id"],
    })


# What a projector shows of it: the project, why, how much, from where (the district, stage, id and
# pending demand stay behind: with them the names were cut at 1366 px), the name wider.
RISK_PROJECTOR_COLUMNS = ("name", "reasons", "demand_mw", "station", "distance_km", "headroom_mw")
RISK_PROJECTOR_WIDTHS = {"name": 330, "reasons": 150, "station": 180}


def risk_table_config(lang: str) -> dict:
    mw = lambda key: st.column_config.NumberColumn(t(key, lang) + " (MW)" if lang == "en" else t(key, lang) + "（MW）",
                                                   format="%,.1f")  # noqa: E731
    return {
        "project_id": st.column_config.TextColumn(column_label("projects", "project_id", lang)),
        "name": st.column_config.TextColumn(column_label("projects", "name", lang), width="medium"),
        "district": st.column_config.TextColumn(t("district", lang)),
        "stage": st.column_config.TextColumn(column_label("projects", "stage", lang)),
        "demand_mw": mw("demand"),
        "station": st.column_config.TextColumn(t("supply_station", lang), width="medium"),
        "distance_km": st.column_config.NumberColumn(t("distance", lang) + (" (km)" if lang == "en" else "（km）"),
                                                     format="%,.2f"),
        "headroom_mw": mw("headroom"),
        "pending_mw": mw("pending_demand"),
        "reasons": st.column_config.TextColumn(t("risk_reason", lang), width="medium"),
    }


def station_table(stations: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Substations, most loaded first (no load last)."""
    rows = stations.sort_values(["load_rate_pct", "station_id"], ascending=[False, True], na_position="last")
    # The figure it is ranked by, and the headroom, right after the name: at 1366 px beside the
    # sidebar the first ~7 columns show, and the load rate had been the ninth (cut off).
    return pd.DataFrame({
        "name": rows["name"],
        "district": [district_name(c, lang) for c in rows["district_adcode"].tolist()],
        "load_rate_pct": rows["load_rate_pct"].astype(float),
        "headroom_mw": rows["headroom_mw"].astype(float),
        "pending_mw": rows["pending_mw"].astype(float),  # power_supply.with_pending
        "peak_load_mw": rows["peak_load_mw"].astype(float),
        "capacity_mva": rows["capacity_mva"].astype(float),
        "voltage_kv": rows["voltage_kv"].astype("int64"),
        "status": [enum_label(s, lang) for s in rows["status"].tolist()],
        "station_id": rows["station_id"],
    }).reset_index(drop=True)


def _asset_config(table: str, id_column: str, lang: str) -> dict:
    """The id, name and district columns every asset list starts its column config with."""
    return {id_column: st.column_config.TextColumn(column_label(table, id_column, lang)),
            "name": st.column_config.TextColumn(column_label(table, "name", lang), width="medium"),
            "district": st.column_config.TextColumn(t("district", lang))}


def station_table_config(lang: str) -> dict:
    return {
        **_asset_config("substations", "station_id", lang),
        "voltage_kv": st.column_config.NumberColumn(column_label("substations", "voltage_kv", lang), format="%d"),
        "status": st.column_config.TextColumn(t("asset_status", lang)),
        "capacity_mva": st.column_config.NumberColumn(column_label("substations", "capacity_mva", lang), format="%,.1f"),
        "peak_load_mw": st.column_config.NumberColumn(column_label("substations", "peak_load_mw", lang), format="%,.1f"),
        "load_rate_pct": st.column_config.NumberColumn(t("load_rate", lang) + (" (%)" if lang == "en" else "（%）"),
                                                       format="%.1f"),
        "headroom_mw": st.column_config.NumberColumn(t("headroom", lang) + (" (MW)" if lang == "en" else "（MW）"),
                                                     format="%,.1f"),
        "pending_mw": st.column_config.NumberColumn(t("pending_demand", lang) + (" (MW)" if lang == "en" else "（MW）"),
                                                    format="%,.1f", help=t("pending_help", lang)),
    }


def plant_table(plants: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Power plants, largest first (as ``energy.plants`` returns them): a plant's capacity had
    been only in its tooltip and in the extract (tester 18)."""
    return pd.DataFrame({
        "name": plants["name"],
        "district": labelled(plants["district_adcode"], lambda c: district_name(c, lang)),
        "kind": labelled(plants["kind"], lambda k: enum_label(k, lang)),
        "capacity_mw": plants["capacity_mw"].astype(float),
        "status": labelled(plants["status"], lambda s: enum_label(s, lang)),
        "commissioned_year": plants["commissioned_year"].astype("Int64"),
        "plant_id": plants["plant_id"],
    }).reset_index(drop=True)


def plant_table_config(lang: str) -> dict:
    return {
        **_asset_config("plants", "plant_id", lang),
        "kind": st.column_config.TextColumn(t("plant_kind", lang)),
        "capacity_mw": st.column_config.NumberColumn(column_label("plants", "capacity_mw", lang), format="%,.1f"),
        "status": st.column_config.TextColumn(t("asset_status", lang)),
        "commissioned_year": st.column_config.NumberColumn(column_label("plants", "commissioned_year", lang), format="%d"),
    }
