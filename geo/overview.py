"""The overview's figures, computed from the store (nothing on the page is typed in by hand).

Definitions (README "Data model" repeats them):
- key projects = the city's 2023 key-project list: level 省重点 or 市重点 (county-level 县重点
  projects, present only in scaled stores, are not on the list);
- "this year" and "to date" are the as-of date's year, up to the as-of date;
- grid supply capability = Σ capacity of in-service 220 kV substations ÷ 容载比 (1.8);
  record peak = Σ of the in-service 220 kV stations' coincident loads;
- disposal rate of year Y = area of the class disposed in Y ÷ the class's stock on 1 January Y
  (listed before Y, not disposed before Y); the overview shows the last full year (2022).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from geo import schema
from geo.filters import Filters
from geo.land import disposal_rates
from geo.query import Scope, query
from geo.store import Snapshot

KEY_LEVELS = list(schema.KEY_LEVELS)


@dataclass(frozen=True)
class Group:
    count: int
    total_yi: float
    plan_yi: float


def project_figures(snapshot: Snapshot, scope: Scope, filters: Filters) -> dict:
    where, params = filters.where("projects")
    year_start = date(snapshot.as_of.year, 1, 1)
    sql = f"""
        SELECT count(*) AS n, sum(total_investment_yi) AS total, sum(annual_plan_yi) AS plan,
               sum(completed_yi) AS done,
               count(*) FILTER (WHERE total_investment_yi >= 100) AS n100,
               sum(total_investment_yi) FILTER (WHERE total_investment_yi >= 100) AS total100,
               sum(annual_plan_yi) FILTER (WHERE total_investment_yi >= 100) AS plan100,
               count(*) FILTER (WHERE total_investment_yi >= 50 AND total_investment_yi < 100) AS n50,
               sum(total_investment_yi) FILTER (WHERE total_investment_yi >= 50 AND total_investment_yi < 100) AS total50,
               sum(annual_plan_yi) FILTER (WHERE total_investment_yi >= 50 AND total_investment_yi < 100) AS plan50,
               count(*) FILTER (WHERE category = '产业发展') AS n_ind,
               sum(total_investment_yi) FILTER (WHERE category = '产业发展') AS total_ind,
               sum(annual_plan_yi) FILTER (WHERE category = '产业发展') AS plan_ind,
               count(*) FILTER (WHERE actual_start BETWEEN $y0 AND $as_of) AS started,
               count(*) FILTER (WHERE planned_start BETWEEN $y0 AND $as_of) AS started_plan,
               count(*) FILTER (WHERE actual_completion BETWEEN $y0 AND $as_of) AS completed,
               count(*) FILTER (WHERE planned_completion BETWEEN $y0 AND $as_of) AS completed_plan,
               count(*) FILTER (WHERE stalled_state IS NOT NULL) AS stalled
        FROM {{projects}} p
        WHERE list_contains($key_levels, level) AND {where}
    """
    row = query(snapshot, sql, {**params, "key_levels": KEY_LEVELS, "y0": year_start,
                                "as_of": snapshot.as_of}, scope=scope).df.iloc[0]
    value = lambda k: _num(row[k])  # noqa: E731
    return {
        "all": Group(int(row["n"]), value("total"), value("plan")),
        "ge100": Group(int(row["n100"]), value("total100"), value("plan100")),
        "50to100": Group(int(row["n50"]), value("total50"), value("plan50")),
        "industrial": Group(int(row["n_ind"]), value("total_ind"), value("plan_ind")),
        "completed_yi": value("done"),
        "started": int(row["started"]), "started_plan": int(row["started_plan"]),
        "completed": int(row["completed"]), "completed_plan": int(row["completed_plan"]),
        "stalled": int(row["stalled"]),
    }


def grid_figures(snapshot: Snapshot, scope: Scope, filters: Filters) -> dict:
    where, params = filters.where("substations")
    stations = query(snapshot, f"""
        SELECT sum(capacity_mva) FILTER (WHERE voltage_kv = 220 AND status = '在运') AS cap220,
               sum(peak_load_mw) FILTER (WHERE voltage_kv = 220 AND status = '在运') AS peak
        FROM {{substations}} s WHERE {where}""", params, scope=scope).df.iloc[0]
    where, params = filters.where("plants")
    plants = query(snapshot, f"""
        SELECT kind, sum(capacity_mw) AS mw FROM {{plants}} pl
        WHERE status = '在运' AND list_contains($kinds, kind) AND {where} GROUP BY kind""",
                   {**params, "kinds": list(schema.NEW_ENERGY_KINDS)}, scope=scope).df
    where, params = filters.where("transformer_areas")
    areas = query(snapshot, f"""
        SELECT count(*) AS n, count(*) FILTER (WHERE state <> '正常') AS planned,
               count(*) FILTER (WHERE state = '已验证') AS verified
        FROM {{transformer_areas}} t WHERE {where}""", params, scope=scope).df.iloc[0]
    by_kind = {k: round(float(v), 2) for k, v in zip(plants["kind"], plants["mw"])}
    cap220 = _num(stations["cap220"])
    return {
        "capability_mw": round(cap220 / schema.CAPACITY_LOAD_RATIO_220KV, 1),
        "peak_mw": _num(stations["peak"]),
        "new_energy_mw": round(sum(by_kind.values()), 2),
        "new_energy_by_kind": {k: by_kind.get(k, 0.0) for k in schema.NEW_ENERGY_KINDS},
        "transformer_areas": int(areas["n"]),
        "ta_with_plan": int(areas["planned"]),
        "ta_verified": int(areas["verified"]),
    }


def land_figures(snapshot: Snapshot, scope: Scope, filters: Filters, year: int | None = None) -> dict:
    """Disposal of each idle class in ``year`` (default: the last full year before as-of), as
    ``{"year": Y, class: {disposed_mu, stock_mu, rate_pct}}``. The definition lives in
    ``geo.land.disposal_rates``; this only reshapes it for the overview."""
    rates = disposal_rates(snapshot, scope, filters, year)
    out = {"year": int(rates["year"].iloc[0])}
    for row in rates.itertuples(index=False):
        out[row.idle_class] = {"disposed_mu": float(row.disposed_mu), "stock_mu": float(row.stock_mu),
                               "rate_pct": None if pd.isna(row.rate_pct) else float(row.rate_pct)}
    return out


def district_summary(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """One row per district in scope and filter: key projects, investment, plan, progress."""
    where, params = filters.where("projects")
    district_where, district_params = filters.where("districts", prefix="d_")
    df = query(snapshot, f"""
        SELECT d.adcode, d.name_zh, d.name_en,
               count(p.project_id) AS projects,
               coalesce(sum(p.total_investment_yi), 0) AS total_yi,
               coalesce(sum(p.annual_plan_yi), 0) AS plan_yi,
               coalesce(sum(p.completed_yi), 0) AS completed_yi,
               count(p.stalled_state) AS stalled
        FROM {{districts}} d
        LEFT JOIN (SELECT * FROM {{projects}} WHERE list_contains($key_levels, level) AND {where}) p
               ON p.district_adcode = d.adcode
        WHERE {district_where}
        GROUP BY d.adcode, d.name_zh, d.name_en
        ORDER BY d.adcode""",
               {**params, **district_params, "key_levels": KEY_LEVELS}, scope=scope).df
    for col in ("total_yi", "plan_yi", "completed_yi"):
        df[col] = df[col].astype(float).round(2)
    df["progress_pct"] = (df["completed_yi"] / df["plan_yi"].where(df["plan_yi"] > 0) * 100).round(1)
    return df


def _num(value) -> float:
    return 0.0 if value is None or pd.isna(value) else round(float(value), 2)


# Map metrics: summary column, i18n label key, unit, decimals.
MAP_METRICS = {
    "total": ("total_yi", "metric_total", "亿元", 1),
    "count": ("projects", "metric_count", "个", 0),
    "plan": ("plan_yi", "metric_plan", "亿元", 1),
    "progress": ("progress_pct", "metric_progress", "%", 1),
}


def district_map_data(summary: pd.DataFrame, lang: str):
    """District polygons joined to the summary, with tooltip text already formatted with units."""
    from geo.boundaries import load_districts
    from geo.i18n import fmt_count, fmt_number

    gdf = load_districts()[["adcode", "geometry"]].merge(summary, on="adcode", how="inner")
    gdf["name"] = gdf["name_zh"] if lang == "zh" else gdf["name_en"]
    # Map labels: "Liling City" -> "Liling", so nine English names fit at whole-city zoom.
    gdf["label"] = gdf["name_zh"] if lang == "zh" else gdf["name_en"].str.replace(r" (District|City)$", "", regex=True)
    gdf["projects_text"] = [fmt_count(v, "个", lang) for v in gdf["projects"]]
    gdf["total_text"] = [fmt_number(v, "亿元", 1, lang) for v in gdf["total_yi"]]
    gdf["plan_text"] = [fmt_number(v, "亿元", 1, lang) for v in gdf["plan_yi"]]
    gdf["completed_text"] = [fmt_number(v, "亿元", 1, lang) for v in gdf["completed_yi"]]
    gdf["progress_text"] = [fmt_number(v, "%", 1, lang) for v in gdf["progress_pct"]]
    return gdf


def investment_choropleth(summary: pd.DataFrame, metric: str, lang: str, selected: tuple[str, ...] = ()):
    """(deck, legend) of the district choropleth of ``MAP_METRICS[metric]``, with the tooltip the
    overview and the investment page share."""
    from geo import layers
    from geo.i18n import t

    column, label_key, unit, decimals = MAP_METRICS[metric]
    return layers.district_choropleth(
        district_map_data(summary, lang), column, name_column="name", label_column="label", unit=unit,
        decimals=decimals, legend_title=t(label_key, lang), lang=lang, selected=selected,
        tooltip_rows=[(t("projects_count", lang), "projects_text"), (t("total_investment", lang), "total_text"),
                      (t("annual_plan", lang), "plan_text"), (t("completed_to_date", lang), "completed_text"),
                      (t("metric_progress", lang), "progress_text")])
