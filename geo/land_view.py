"""Presentation of the idle-land figures: translated labels, numbers with units, table columns."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo import schema
from geo.boundaries import district_name, load_districts, short_district_name
from geo.i18n import fmt_count, fmt_number, fmt_pct, list_separator, t, with_unit
from geo.schema import MU_M2, enum_label

# Choropleth metrics: district_disposal column, label key, unit, decimals. "rate" is the last full
# year's (published: 2022), "rate_now" the as-of year's so far (a planner's "this year").
# metric -> (column, label key, unit, decimals, what more of it means: map_classes.RAMPS)
LAND_METRICS = {"remaining": ("remaining_mu", "metric_remaining", "亩", 0, "worse"),
                "rate": ("rate_pct", "metric_rate", "%", 1, "better"),
                "rate_now": ("rate_now_pct", "metric_rate_now", "%", 1, "better")}


# Each stock class's disposal card (the city publishes 批而未供 and 低效; 闲置 shows under its filter).
DISPOSAL_CARDS = {"批而未供": "unsupplied_disposal", "闲置": "idle_disposal", "低效": "inefficient_disposal"}


def classes_text(classes: tuple[str, ...], lang: str) -> str:
    """"三类" for all idle classes, else the chosen ones' names ("闲置", "批而未供、低效")."""
    if tuple(classes) == schema.IDLE_CLASSES:
        return t("all_three_classes", lang)
    return list_separator(lang).join(enum_label(c, lang) for c in classes) or "—"


def parcel_tooltips(parcels: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Text columns for the parcel tooltip: id, park, area, use, status, disposal, tax."""
    out = parcels.copy()
    out["park_text"] = out["park"].fillna("—")
    out["area_text"] = [fmt_number(v, "亩", 2, lang) for v in out["area_mu"].tolist()]
    out["use_text"] = [enum_label(v, lang) for v in out["land_use"].tolist()]
    out["status_text"] = [enum_label(v, lang) for v in out["status"].tolist()]
    out["disposal_text"] = [
        "—" if not isinstance(m, str) else f"{enum_label(m, lang)} {pd.Timestamp(d).date() if pd.notna(d) else ''}".strip()
        for m, d in zip(out["disposal_method"], out["disposed_on"])]
    out["tax_text"] = [fmt_number(v, "万元/亩", 2, lang) for v in out["tax_per_mu_wan"].tolist()]
    rows = [(t("park", lang), "park_text"), (t("area", lang), "area_text"), (t("land_use", lang), "use_text"),
            (t("parcel_status", lang), "status_text"), (t("disposal_method", lang), "disposal_text"),
            (schema.column("parcels", "tax_per_mu_wan").label(lang), "tax_text")]
    return out, rows


def cell_tooltips(cells: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    out = cells.copy()
    out["count_text"] = [fmt_count(v, "宗" if lang == "zh" else "", lang) for v in out["parcels"].tolist()]
    out["idle_text"] = [fmt_number(v, "亩", 0, lang) for v in out["idle_mu"].tolist()]
    out["area_text"] = [fmt_number(v, "亩", 0, lang) for v in out["area_mu"].tolist()]
    out["title"] = t("in_this_cell", lang)
    return out, [(t("parcels_count", lang), "count_text"), (t("remaining_idle", lang), "idle_text"),
                 (t("area", lang), "area_text")]


def district_map_data(rows: pd.DataFrame, lang: str):
    gdf = load_districts()[["adcode", "geometry"]].merge(rows, on="adcode", how="inner")
    gdf["name"] = gdf["name_zh"] if lang == "zh" else gdf["name_en"]
    gdf["label"] = [short_district_name(code, lang) for code in gdf["adcode"]]  # as the tables ("You", not "You County")
    gdf["remaining_text"] = [fmt_number(v, "亩", 0, lang) for v in gdf["remaining_mu"]]
    gdf["disposed_text"] = [fmt_number(v, "亩", 0, lang) for v in gdf["disposed_mu"]]
    gdf["rate_text"] = [fmt_pct(v) for v in gdf["rate_pct"]]
    gdf["stock_text"] = [fmt_number(v, "亩", 0, lang) for v in gdf["stock_mu"]]
    gdf["rate_now_text"] = [fmt_pct(v) for v in gdf["rate_now_pct"]]
    return gdf


def district_table(rows: pd.DataFrame, lang: str, year: int, this_year: int,
                   classes: tuple[str, ...] = schema.IDLE_CLASSES) -> tuple[pd.DataFrame, dict]:
    """The district ranking (``land.district_progress``'s rows) and its column config: numbers stay
    numbers (they sort as such; as "962 亩" texts 962 sorted after 3,993), their units in the
    headers."""
    mu = lambda key, **kw: with_unit(t(key, lang, **kw), "亩", lang)  # noqa: E731
    pct = lambda key, **kw: with_unit(t(key, lang, **kw), "%", lang)  # noqa: E731
    columns = {t("rank", lang): rows["rank"],
               t("district", lang): [district_name(c, lang) for c in rows["adcode"].tolist()],
               # not "剩余闲置低效存量": the metric of that name follows every filter, this table the classes
               mu("remaining_of", classes=classes_text(classes, lang)): rows["remaining_mu"].astype(float),
               mu("disposed_in", year=year): rows["disposed_mu"].astype(float),
               pct("disposal_rate_in", year=year): rows["rate_pct"].astype(float),
               mu("disposed_so_far", year=this_year): rows["disposed_now_mu"].astype(float),
               pct("disposal_rate_so_far", year=this_year): rows["rate_now_pct"].astype(float)}
    # (the stock on 1 January, the rates' base, is in the map's tooltip: eight columns did not fit 1366 px)
    names = list(columns)
    config = {name: st.column_config.NumberColumn(name, format="%,.0f") for name in (*names[2:4], names[5])}
    for name in (names[4], names[6]):
        config[name] = st.column_config.NumberColumn(name, format="%.2f")
    return pd.DataFrame(columns), config


def monthly_frame(monthly: pd.DataFrame, lang: str) -> pd.DataFrame:
    rows = monthly.dropna(subset=["cum_disposed_mu"])
    return pd.DataFrame({
        "month": rows["month"].astype(int),
        "month_label": [t("month_label", lang, m=int(m)) for m in rows["month"].tolist()],
        "series": [enum_label(c, lang) for c in rows["idle_class"].tolist()],
        "kind": "actual",
        "value": rows["cum_disposed_mu"].astype(float),
        "value_text": [fmt_number(v, "亩", 0, lang) for v in rows["cum_disposed_mu"].tolist()],
    })


# The figures a reader ranks and compares by first: at 1366 px beside the sidebar ~8 columns show,
# and 亩均税收, the ninth, was cut off.
IDLE_COLUMNS = ["parcel_id", "district_adcode", "status", "area_mu", "tax_per_mu_wan", "land_use", "listed_on",
                "park", "area_m2"]


IDLE_PROJECTOR_COLUMNS = ("parcel_id", "district_adcode", "status", "area_mu", "land_use", "park")


def idle_table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = rows[IDLE_COLUMNS].copy()
    out["district_adcode"] = [district_name(c, lang) for c in out["district_adcode"].tolist()]
    for col in ("status", "land_use"):
        out[col] = [enum_label(v, lang) for v in out[col]]
    out["park"] = out["park"].fillna("—")
    return out


def idle_table_config(lang: str) -> dict:
    label = lambda name: schema.column("parcels", name).label(lang)  # noqa: E731
    return {
        "parcel_id": st.column_config.TextColumn(label("parcel_id")),
        "district_adcode": st.column_config.TextColumn(t("district", lang)),
        "park": st.column_config.TextColumn(label("park")),
        "status": st.column_config.TextColumn(label("status")),
        "land_use": st.column_config.TextColumn(label("land_use")),
        "area_mu": st.column_config.NumberColumn(label("area_mu"), format="%,.2f 亩" if lang == "zh" else "%,.2f mu"),
        "area_m2": st.column_config.NumberColumn(t("area_m2", lang), format="%,.0f m²"),
        "listed_on": st.column_config.DateColumn(label("listed_on"), format="YYYY-MM-DD"),
        "tax_per_mu_wan": st.column_config.NumberColumn(label("tax_per_mu_wan"), format="%,.2f"),
    }


PARCEL_FIELDS = ["parcel_id", "district_adcode", "park", "area_mu", "land_use", "status", "idle_class", "listed_on",
                 "disposal_method", "disposed_on", "supply_mode", "supplied_on", "tax_per_mu_wan"]


def details_frames(details, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    p = details.parcel
    values = []
    for name in PARCEL_FIELDS:
        value, column = p.get(name), schema.column("parcels", name)
        if value is None or (isinstance(value, float) and pd.isna(value)):
            values.append("—")
        elif name == "district_adcode":
            values.append(district_name(value, lang))
        elif name == "area_mu":
            values.append(f"{fmt_number(value, '亩', 2, lang)}（{fmt_number(value * MU_M2, 'm²', 0, lang)}）")
        elif column.enum:
            values.append(enum_label(value, lang))
        elif column.dtype == "float":
            values.append(fmt_number(value, column.unit, 2, lang))
        else:
            values.append(str(value))
    names = [t("district", lang) if n == "district_adcode" else schema.column("parcels", n).bare(lang)
             for n in PARCEL_FIELDS]  # bare: every value carries its unit
    fields = pd.DataFrame({t("field", lang): names, t("value", lang): values})
    projects = details.projects
    reused = pd.DataFrame({
        schema.column("projects", "name").label(lang): projects["name"],
        schema.column("projects", "stage").label(lang): [enum_label(s, lang) for s in projects["stage"]],
        schema.column("projects", "total_investment_yi").label(lang):
            [fmt_number(v, "亿元", 1, lang) for v in projects["total_investment_yi"]],
        schema.column("projects", "owner").label(lang): projects["owner"].fillna("—"),
    })
    return fields, reused
