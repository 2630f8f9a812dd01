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

from dataclasses import dataclass, replace

import pandas as pd

from geo import district_sums, project_cube, schema
from geo.boundaries import short_district_name
from geo.filters import Filters
from geo.land import disposal_rates
from geo.query import Scope, query
from geo.store import Snapshot

KEY_LEVELS = list(schema.KEY_LEVELS)


def key_project_filters(filters: Filters) -> Filters:
    """The overview's projects as filters, for its extract: its figures count the key-project
    list only (KEY_LEVELS), within any level filter. (A level filter of only other levels shows
    no project here; its extract keeps those levels rather than pretend the file is empty.)"""
    chosen = tuple(level for level in (filters.levels or KEY_LEVELS) if level in KEY_LEVELS)
    return replace(filters, levels=chosen or filters.levels)


@dataclass(frozen=True)
class Group:
    count: int
    total_yi: float
    plan_yi: float


def project_figures(snapshot: Snapshot, scope: Scope, filters: Filters) -> dict:
    """The key projects' headline figures; from the project cube (``geo.project_cube``), whose
    investment band keys the ≥ 100 and 50–100 亿元 splits, summed over the districts in the
    filter (``geo.district_sums``)."""
    groups = district_sums.rows(_project_groups, snapshot, scope, filters)
    row = district_sums.sums(groups, [c for c in groups.columns if c != "district_adcode"])
    value = lambda k: _num(row[k])  # noqa: E731
    return {
        "all": Group(row["n"], value("total"), value("plan")),
        "ge100": Group(row["n100"], value("total100"), value("plan100")),
        "50to100": Group(row["n50"], value("total50"), value("plan50")),
        "industrial": Group(row["n_ind"], value("total_ind"), value("plan_ind")),
        "completed_yi": value("done"),
        "started": row["started"], "started_plan": row["started_plan"],
        "completed": row["completed"], "completed_plan": row["completed_plan"],
        "stalled": row["stalled"],
    }


def _project_groups(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """``project_figures``' sums per district."""
    where, params = filters.where("projects")
    table, cube_params = project_cube.source(snapshot, filters)
    count, bands = project_cube.count, project_cube.INV_BANDS

    def split(suffix: str, condition: str) -> str:
        return (f"{count('n', condition)} AS n{suffix}, sum(total) FILTER (WHERE {condition}) AS total{suffix}, "
                f"sum(plan) FILTER (WHERE {condition}) AS plan{suffix}")

    return query(snapshot, f"""
        SELECT district_adcode, {count("n")} AS n, sum(total) AS total, sum(plan) AS plan, sum(done) AS done,
               {split("100", f"inv_band = {bands['ge100']}")}, {split("50", f"inv_band = {bands['50to100']}")},
               {split("_ind", "category = '产业发展'")},
               {", ".join(f"{count(f'{e}_to_date')} AS {e}" for e in project_cube.EVENTS)},
               {count("n", "stalled_state IS NOT NULL")} AS stalled
        FROM {table} p
        WHERE list_contains($key_levels, level) AND {where}
        GROUP BY district_adcode ORDER BY district_adcode
    """, {**params, **cube_params, "key_levels": KEY_LEVELS}, scope=scope).df


def grid_figures(snapshot: Snapshot, scope: Scope, filters: Filters) -> dict:
    """Supply capability, record peak, new-energy capacity by kind, transformer areas, summed
    over the districts in the filter (``geo.district_sums``)."""
    row = district_sums.sums(district_sums.rows(_grid_groups, snapshot, scope, filters), _GRID_SUMS)
    by_kind = {kind: _num(row[f"kind{i}"]) for i, kind in enumerate(schema.NEW_ENERGY_KINDS)}
    return {
        "capability_mw": round(_num(row["cap220"]) / schema.CAPACITY_LOAD_RATIO_220KV, 1),
        "peak_mw": _num(row["peak"]),
        # A district's own figures: its in-service 110 kV stations, as the energy page's headroom
        # table defines them (capacity × power factor, their peaks). The 220 kV grid is planned and
        # dispatched city-wide: its stations sited in a district are not that district's supply
        # (荷塘区: one 220 kV station's 184.8 MW beside the district's 607.5 MW; exploratory tester 7).
        "capability_110_mw": round(_num(row["cap110"]) * schema.POWER_FACTOR, 1),
        "peak_110_mw": round(_num(row["peak110"]), 1),
        "new_energy_mw": round(sum(by_kind.values()), 2),
        "new_energy_by_kind": by_kind,
        "transformer_areas": row["n"],
        "ta_with_plan": row["planned"],
        "ta_verified": row["verified"],
    }


_GRID_SUMS = ["cap220", "peak", "cap110", "peak110", *(f"kind{i}" for i in range(len(schema.NEW_ENERGY_KINDS))), "n", "planned",
              "verified"]


def _grid_groups(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    """``grid_figures``' sums per district: one query over three grouped tables (a query each
    cost ~3 ms more, in query overhead); counts 0, not NULL, where a table has no row."""
    s_where, s_params = filters.where("substations", prefix="s_")
    p_where, p_params = filters.where("plants", prefix="p_")
    t_where, t_params = filters.where("transformer_areas", prefix="t_")
    kinds = {f"kind{i}": kind for i, kind in enumerate(schema.NEW_ENERGY_KINDS)}
    return query(snapshot, f"""
        WITH s AS (SELECT district_adcode,
                          sum(capacity_mva) FILTER (WHERE voltage_kv = 220 AND status = '在运') AS cap220,
                          sum(peak_load_mw) FILTER (WHERE voltage_kv = 220 AND status = '在运') AS peak,
                          sum(capacity_mva) FILTER (WHERE voltage_kv = 110 AND status = '在运') AS cap110,
                          sum(peak_load_mw) FILTER (WHERE voltage_kv = 110 AND status = '在运'
                                                    AND capacity_mva IS NOT NULL) AS peak110
                   FROM {{substations}} s WHERE {s_where} GROUP BY district_adcode),
             pl AS (SELECT district_adcode, {", ".join(f"sum(capacity_mw) FILTER (WHERE kind = ${k}) AS {k}" for k in kinds)}
                    FROM {{plants}} pl WHERE status = '在运' AND {p_where} GROUP BY district_adcode),
             t AS (SELECT district_adcode, count(*) AS n, count(*) FILTER (WHERE state <> '正常') AS planned,
                          count(*) FILTER (WHERE state = '已验证') AS verified
                   FROM {{transformer_areas}} t WHERE {t_where} GROUP BY district_adcode)
        SELECT district_adcode, s.cap220, s.peak, s.cap110, s.peak110, {", ".join(f"pl.{k}" for k in kinds)},
               coalesce(t.n, 0) AS n, coalesce(t.planned, 0) AS planned, coalesce(t.verified, 0) AS verified
        FROM s FULL JOIN pl USING (district_adcode) FULL JOIN t USING (district_adcode)
        ORDER BY district_adcode""", {**s_params, **p_params, **t_params, **kinds}, scope=scope).df


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
    """One row per district in scope and filter: key projects, investment, plan, progress. A
    district's row does not depend on which others are selected (``geo.district_sums``)."""
    return district_sums.rows(_district_rows, snapshot, scope, filters, key="adcode")


def _district_rows(snapshot: Snapshot, scope: Scope, filters: Filters) -> pd.DataFrame:
    where, params = filters.where("projects")
    district_where, district_params = filters.where("districts", prefix="d_")
    table, cube_params = project_cube.source(snapshot, filters)
    count = project_cube.count
    df = query(snapshot, f"""
        SELECT d.adcode, d.name_zh, d.name_en, coalesce(p.projects, 0) AS projects,
               coalesce(p.total, 0) AS total_yi, coalesce(p.plan, 0) AS plan_yi,
               coalesce(p.done, 0) AS completed_yi, coalesce(p.stalled, 0) AS stalled
        FROM {{districts}} d
        LEFT JOIN (SELECT district_adcode, {count("n")} AS projects, sum(total) AS total, sum(plan) AS plan,
                          sum(done) AS done, {count("n", "stalled_state IS NOT NULL")} AS stalled
                   FROM {table} p WHERE list_contains($key_levels, level) AND {where}
                   GROUP BY district_adcode) p ON p.district_adcode = d.adcode
        WHERE {district_where}
        ORDER BY d.adcode""",
               {**params, **district_params, **cube_params, "key_levels": KEY_LEVELS}, scope=scope).df
    for col in ("total_yi", "plan_yi", "completed_yi"):
        df[col] = df[col].astype(float).round(2)
    df["progress_pct"] = (df["completed_yi"] / df["plan_yi"].where(df["plan_yi"] > 0) * 100).round(1)
    return df


def _num(value) -> float:
    return 0.0 if value is None or pd.isna(value) else round(float(value), 2)


# (column, label, unit, decimals, what more of it means: map_classes.RAMPS). The completion rate
# is on greens: on reds its best district was the darkest, under a scoreboard showing it green
# (tester 17); the amounts stay on reds, as intensity.
MAP_METRICS = {
    "total": ("total_yi", "metric_total", "亿元", 1, "worse"),
    "count": ("projects", "metric_count", "个", 0, "worse"),
    "plan": ("plan_yi", "metric_plan", "亿元", 1, "worse"),
    "progress": ("progress_pct", "metric_progress", "%", 1, "better"),
}


def district_map_data(summary: pd.DataFrame, lang: str):
    """District polygons joined to the summary (its districts, in adcode order), with tooltip text
    already formatted with units. Assembled from columns in one constructor: a GeoDataFrame
    merge and column-by-column inserts cost ~4 ms of every map (profiled)."""
    import geopandas as gpd

    from geo.boundaries import load_districts
    from geo.i18n import fmt_count, fmt_number

    shapes = load_districts()  # in adcode order
    row_of = {code: i for i, code in enumerate(summary["adcode"].tolist())}
    codes = shapes["adcode"].tolist()
    shown = [i for i, code in enumerate(codes) if code in row_of]
    rows = [row_of[codes[i]] for i in shown]
    columns = {c: summary[c].to_numpy()[rows] for c in summary.columns}
    columns["name"] = columns["name_zh"] if lang == "zh" else columns["name_en"]
    # Map labels: the tables' short names ("Liling", "You"), so nine English names fit at whole-city zoom.
    columns["label"] = [short_district_name(codes[i], lang) for i in shown]
    columns["projects_text"] = [fmt_count(v, "个", lang) for v in columns["projects"]]
    for key, col in (("total", "total_yi"), ("plan", "plan_yi"), ("completed", "completed_yi")):
        columns[f"{key}_text"] = [fmt_number(v, "亿元", 1, lang) for v in columns[col]]
    columns["progress_text"] = [fmt_number(v, "%", 1, lang) for v in columns["progress_pct"]]
    columns["geometry"] = shapes.geometry.to_numpy()[shown]  # a GeometryArray: keeps the CRS
    return gpd.GeoDataFrame(pd.DataFrame(columns), geometry="geometry")


def investment_choropleth(summary: pd.DataFrame, metric: str, lang: str, selected: tuple[str, ...] = ()):
    """(deck, legend) of the district choropleth of ``MAP_METRICS[metric]``, with the tooltip the
    overview and the investment page share."""
    from geo import district_layers
    from geo.i18n import t

    column, label_key, unit, decimals, more = MAP_METRICS[metric]
    return district_layers.district_choropleth(
        district_map_data(summary, lang), column, name_column="name", label_column="label", unit=unit,
        decimals=decimals, legend_title=t(label_key, lang), lang=lang, selected=selected, more=more,
        tooltip_rows=[(t("projects_count", lang), "projects_text"), (t("total_investment", lang), "total_text"),
                      (t("annual_plan", lang), "plan_text"), (t("completed_to_date", lang), "completed_text"),
                      (t("progress_rate", lang), "progress_text")])  # the text carries its %
