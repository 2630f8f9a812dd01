"""Checks beyond one cell: a column's unit judged on its values, a parcel's area against its
outline, rules between a row's fields (dates in order, amounts under the total), a stage against
the dates, a parcel's class from its status. Each rejects rows, warns, fills, or stops the file.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema
from geo.ingest.errors import IngestError
from geo.ingest.report import Report


# Above these medians a column whose header names no unit was written in a smaller unit: 万元 read as
# 亿元 (an 8-亿 project became 80,000 亿, and the city's total 135,561 亿元 on the overview:
# exploratory tester 5), kW as MW, kVA as MVA, 平方米 as 亩. No city's projects, stations or parcels
# come near them; a ledger that really does says its unit in the header and is read as it says.
SUSPECT_MEDIAN = {"亿元": 1_000.0, "MW": 1_000.0, "MVA": 5_000.0, "亩": 5_000.0}


def units_said(mapping: pd.DataFrame) -> dict[str, str]:
    """Target column -> the unit its source header names ("" for none)."""
    units = mapping["unit"].fillna("") if "unit" in mapping else [""] * len(mapping)
    return {target: unit for target, unit in zip(mapping["target"].fillna(""), units) if target}


def stop_on_suspect_units(table: str, mapping: pd.DataFrame, factors: dict, out: dict, sources: dict) -> None:
    said = units_said(mapping)
    for col in schema.columns(table):
        limit = SUSPECT_MEDIAN.get(col.unit)
        if limit is None or col.name not in out or said.get(col.name) or factors.get(col.name, 1.0) != 1.0:
            continue
        if table == "parcels" and col.name == "area_mu":  # judged on the outlines, with the 亩 advice
            continue
        numbers = pd.to_numeric(pd.Series(out[col.name]), errors="coerce").dropna()
        if len(numbers) and numbers.median() > limit:
            raise IngestError("unit_suspect", column=str(sources[col.name]), unit=col.unit,
                              median=f"{numbers.median():,.0f}")


# One amount no single project of this city reaches, in 亿元. The 2023 plan is 549 projects, 5,430
# 亿元 in all and 1,135 亿元 planned for the year (../shared/seed-facts.md); its largest project,
# 田心轨道交通城城市更新, is 300 亿元 with 60 亿 this year, and the sixteen above 100 亿 average 135.
# 1,000 亿 is over three times the largest project and a fifth of the whole plan; 200 亿 in one year
# is over three times the largest project's year and a sixth of the city's. A 万元 figure typed under
# a 亿元 header is 10,000 times too large (a 3.5-亿 project as 35,000): one such row took the city's
# total from 5,438.8 to 40,741.8 亿元 unremarked (tester 12), while the median check above only
# catches a whole column.
ROW_AMOUNT_BOUND = {"total_investment_yi": 1_000.0, "annual_plan_yi": 200.0, "completed_yi": 200.0}
# ... and far above the file's other amounts (a list of megaprojects has a high median). With
# fewer amounts than this the median says nothing of the file's scale and the bound decides alone.
ROW_MEDIAN_RATIO = 20.0
ROW_MEDIAN_MIN = 5


def implausible_amounts(out: dict, sources: dict, frame: pd.DataFrame, factors: dict, rows: np.ndarray,
                        bad: np.ndarray, report: Report) -> None:
    """A warning on each money cell of a project that is above ``ROW_AMOUNT_BOUND`` and at least
    ``ROW_MEDIAN_RATIO`` times the column's median in the file, naming what it would be in 万元.

    A warning, not a rejection: the cell is a readable number in the unit its header says, and a
    rejection could not be overridden, so a real project of that size (or a file of them) could
    never be imported; the steward sees the row, the value and the 万元 reading in the report
    (and its XLSX) before publishing, and corrects the cell or the column's factor. Only the
    file's own columns are judged (an update keeps stored amounts it does not give)."""
    for name, bound in ROW_AMOUNT_BOUND.items():
        if name not in frame.columns or name not in out:
            continue
        amounts = pd.to_numeric(pd.Series(out[name]), errors="coerce").to_numpy(dtype=float)
        present = ~np.isnan(amounts) & ~bad
        if not present.any():
            continue
        median = float(np.median(amounts[present]))
        far = amounts >= ROW_MEDIAN_RATIO * median if present.sum() >= ROW_MEDIAN_MIN else np.ones(len(amounts), bool)
        converted = factors.get(name, 1.0) != 1.0  # the header's unit was applied: no 万元 reading to offer
        if median > bound and not converted:
            # The whole column above any single project: a 亿元 header over 万元 figures, where no row
            # stands out from the median (bare headers stop the file: ``stop_on_suspect_units``). Said
            # above the report, not a stop: a file of real megaprojects must stay importable.
            report.notes.append(("ingest_w_column_amounts", {"column": str(sources[name]), "median": f"{median:,.6g}",
                                                             "wan": f"{median * 1e-4:,.4g}"}))
        hits = np.flatnonzero(present & (amounts > bound) & far)
        if len(hits):  # above the report's table too: one such row outweighs the rest of the file
            report.notes.append(("ingest_w_amounts", {"column": str(sources[name]), "n": len(hits),
                                                      "rows": [str(int(rows[i])) for i in hits[:10]]}))
        for i in hits:
            report.add(rows[i], sources[name], frame[name].iat[i],
                       "v_amount_implausible_converted" if converted else "v_amount_implausible",
                       {"value": f"{amounts[i]:,.6g} 亿元", "bound": f"{bound:,.0f} 亿元",
                        "median": f"{median:,.4g} 亿元", "wan": f"{amounts[i] * 1e-4:,.6g} 亿元"})


# A parcel's stated area against its outline's: ledgers round, survey and register areas differ a
# little, but a quarter apart is another parcel's figure or another unit. 公顷 reads 15 times too
# small as 亩 and 平方米 667 times too large: the median of the ratios tells a whole column's unit.
AREA_WARN_RATIO = 1.25
AREA_UNIT_RATIO = 3.0


def areas_against_outlines(geometry: gpd.GeoSeries, out: dict, mapping: pd.DataFrame, factors: dict,
                            sources: dict, frame: pd.DataFrame, rows: np.ndarray, bad: np.ndarray, report: Report) -> None:
    """Fill 面积 from the outlines when the file has none (a land bureau's Shapefile often has
    only its code fields), else compare: a column whose unit the header does not say and whose
    areas are all several times the outlines' stops the file; a single row a quarter off is a
    warning naming both figures."""
    outline = pd.Series(np.nan, index=range(len(geometry)))
    drawn = (~geometry.is_empty & geometry.notna() & ~bad).to_numpy()
    if drawn.any():
        outline[drawn] = geometry[drawn].to_crs(schema.METRIC_CRS).area.to_numpy() / schema.MU_M2
    if "area_mu" not in out:
        out["area_mu"] = outline.round(2).to_numpy(dtype=object)
        report.notes.append(("ingest_n_area_from_outline", {"n": int(drawn.sum())}))
        return
    stated = pd.to_numeric(pd.Series(out["area_mu"]), errors="coerce")
    ratio = (stated / outline.where(outline > 0)).where(drawn)
    median = ratio.median()
    if pd.notna(median) and not units_said(mapping).get("area_mu") and factors.get("area_mu", 1.0) == 1.0 and not (
            1 / AREA_UNIT_RATIO < median < AREA_UNIT_RATIO):
        raise IngestError("area_unit_suspect", column=str(sources["area_mu"]), ratio=f"{median:,.3g}")
    off = (ratio > AREA_WARN_RATIO) | (ratio < 1 / AREA_WARN_RATIO)
    for i in np.flatnonzero(off.to_numpy()):
        report.add(rows[i], sources["area_mu"], frame["area_mu"].iat[i], "v_area_differs",
                   {"outline": f"{outline.iat[i]:,.2f}"})


def cross_checks(table: str, out, reject, sources, frame, factors: dict) -> None:
    """Rules between a row's fields, each a rejection with its reason.

    A task is assigned, then due, then closed; 已办结 has a closing date and 办理中 none (its
    state, on time or late, is derived from these dates: see geo.task_rates). A project completes
    after it starts, and neither this year's plan nor what it invested this year can exceed its
    total investment (most often a column in 万元 read as 亿元: the mapping's factor fixes that).
    A parcel is disposed of after it was listed as stock."""
    def col(name):
        return pd.Series(out.get(name, [None] * len(frame)), dtype=object)

    def dates(name):
        return pd.to_datetime(col(name), errors="coerce")

    def amounts(name):
        return pd.to_numeric(col(name), errors="coerce")

    if table == "tasks":
        assigned, due, closed, status = dates("assigned_on"), dates("due_on"), dates("closed_on"), col("status")
        checks = [("due_on", "v_due_before_assigned", due < assigned),
                  ("first_due_on", "v_first_due_before_assigned", dates("first_due_on") < assigned),
                  ("closed_on", "v_closed_before_assigned", closed < assigned),
                  ("closed_on", "v_closed_without_date", (status == "已办结") & closed.isna()),
                  ("closed_on", "v_open_with_closing_date", (status == "办理中") & closed.notna())]
    elif table == "projects":
        total = amounts("total_investment_yi")
        checks = [("planned_completion", "v_completion_before_start", dates("planned_completion") < dates("planned_start")),
                  ("actual_completion", "v_completion_before_start", dates("actual_completion") < dates("actual_start")),
                  *[(name, "v_above_total" if factors.get(name, 1.0) == 1.0 else "v_above_total_converted",
                     amounts(name) > total) for name in ("annual_plan_yi", "completed_yi")]]
    elif table == "parcels":  # disposed before it was listed: a typo that moves a year's published rate (tester 15)
        checks = [("disposed_on", "v_disposed_before_listed", dates("disposed_on") < dates("listed_on"))]
    else:
        return
    for column, key, hit in checks:  # a column the file lacks is all missing: it compares False
        label = sources.get(column, schema.column(table, column).zh)
        shown = frame[column].to_numpy(dtype=object) if column in frame.columns else None
        reject({i: (key, {}) for i in np.flatnonzero(hit.to_numpy())}, label, shown)


def class_from_status(out: dict, bad: np.ndarray, report: Report) -> None:
    """A parcel listed as 批而未供 / 闲置 / 低效 with no 存量类别 is of that class: the disposal figures
    count by class and the remaining-stock card by status, so a bureau layer without the class
    column made the land page disagree with itself (232 against 202 亩 for 醴陵's 闲置: tester 8).
    A disposed parcel without its class is in no class's figures: said, with the count."""
    status = pd.Series(out["status"], dtype=object)
    cls = pd.Series(out.get("idle_class", [None] * len(status)), dtype=object)
    fill = cls.isna() & status.isin(schema.IDLE_CLASSES) & ~bad
    if fill.any():
        out["idle_class"] = cls.where(~fill, status).to_numpy(dtype=object)
        report.notes.append(("ingest_n_class_from_status", {"n": int(fill.sum())}))
    unknown = cls.isna() & (status == "已处置") & ~bad
    if unknown.any():
        report.notes.append(("ingest_w_disposed_without_class", {"n": int(unknown.sum())}))


def disposal_details(out: dict, sources: dict, frame: pd.DataFrame, rows: np.ndarray, bad: np.ndarray,
                     report: Report) -> None:
    """A parcel the file marks 已处置 without its disposal date (it then leaves the remaining stock
    but enters no year's disposal: the figures stop adding up) or without its method: warnings on
    the status cell (accepted 2 of each without a word: tester 15)."""
    if "status" not in frame.columns:
        return
    disposed = (pd.Series(out["status"], dtype=object) == "已处置").to_numpy() & ~bad
    for column, key in (("disposed_on", "v_disposed_no_date"), ("disposal_method", "v_disposed_no_method")):
        missing = pd.isna(pd.Series(out.get(column, [None] * len(disposed)), dtype=object)).to_numpy()
        for i in np.flatnonzero(disposed & missing):
            report.add(rows[i], sources["status"], frame["status"].iat[i], key, {})


# A stage and the dates that say what happened, when they disagree: a warning, not a rejection
# (which of the two is wrong is the steward's call), on the stage's cell. The figures count dates
# (a project "started" this year has an actual start), so a 前期 project with a start date counts
# among the starts and a 在建 one without none does not.
BEFORE_START = ("谋划在谈", "已签约", "前期")
STARTED = ("在建", "竣工", "投产")
FINISHED = ("竣工", "投产")


def stage_against_dates(out: dict, sources: dict, frame: pd.DataFrame, rows: np.ndarray, bad: np.ndarray,
                         report: Report, new: np.ndarray) -> None:
    """``new``: the rows whose id is not stored yet (they have only the file's dates)."""
    if "stage" not in frame.columns:
        return
    # The file's own columns only: an update that lacks a date column holds the stored dates,
    # and a warning then said the file had filled in what it had left out (tester 8). A new
    # project has no stored dates: without the column it has none, and a 在建 one without a start
    # had been warned of only when the file had an empty 实际开工 column (tester 12).
    has = set(frame.columns)
    start_known = new | ("actual_start" in has)
    done_known = new | ("actual_completion" in has)
    stage = pd.Series(out["stage"], dtype=object)
    start = pd.Series(out.get("actual_start", [None] * len(stage)), dtype=object).notna().to_numpy()
    done = pd.Series(out.get("actual_completion", [None] * len(stage)), dtype=object).notna().to_numpy()
    checks = [("v_stage_has_start", stage.isin(BEFORE_START).to_numpy() & (start | done), start_known | done_known),
              ("v_stage_no_start", stage.isin(STARTED).to_numpy() & ~start, start_known),
              ("v_stage_no_completion", stage.isin(FINISHED).to_numpy() & ~done, done_known),
              ("v_stage_has_completion", (stage == "在建").to_numpy() & done, done_known)]
    for key, hit, known in checks:
        for i in np.flatnonzero(hit & known & ~bad):
            report.add(rows[i], sources["stage"], frame["stage"].iat[i], key, {"stage": stage.iat[i]})


def load_above_capacity(out: dict, sources: dict, frame: pd.DataFrame, rows: np.ndarray, bad: np.ndarray,
                        report: Report) -> None:
    """A substation whose 最高负荷 is above its firm capacity (capacity × ``schema.POWER_FACTOR``,
    load rate > 100 %, as the energy page judges it: ``geo.energy.quality_problems``): a warning
    on the load's cell (or the capacity's, when the file gives only that). It had passed the
    import unremarked and was flagged only on the energy page, after publishing (tester 12).
    Rows whose load and capacity both came from the stored data are not this file's to judge."""
    given = [c for c in ("peak_load_mw", "capacity_mva") if c in frame.columns]
    if not given or "peak_load_mw" not in out or "capacity_mva" not in out:
        return
    load = pd.to_numeric(pd.Series(out["peak_load_mw"]), errors="coerce").to_numpy(dtype=float)
    capacity = pd.to_numeric(pd.Series(out["capacity_mva"]), errors="coerce").to_numpy(dtype=float)
    firm = capacity * schema.POWER_FACTOR
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = load / np.where(firm > 0, firm, np.nan) * 100
    column = given[0]
    for i in np.flatnonzero((rate > 100) & ~bad):
        report.add(rows[i], sources[column], frame[column].iat[i], "v_load_above_capacity",
                   {"rate": f"{rate[i]:.1f}%", "load": f"{load[i]:,.6g} MW", "capacity": f"{capacity[i]:,.6g} MVA",
                    "pf": schema.POWER_FACTOR, "firm": f"{firm[i]:,.6g} MW"})
