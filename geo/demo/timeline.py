"""The demo projects' calendar: dates and stage from each project's timing bucket, the 八未 states
that those dates make true, and the 2023 investment completed so far.

A project's timing "bucket" (set in ``geo.demo.projects``) decides its stage and dates together,
so they never contradict each other: a completed project has both actual dates; a project stalled
as 开工未竣工 is under construction past its planned completion, and so on.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from geo.demo.util import random_dates

CONCENTRATED_STARTS = {  # bucket -> (day, projects, 亿元)
    "q1": (date(2023, 1, 30), 103, 227.6),
    "bairi": (date(2022, 12, 30), 76, 306.9),
}


def dates_and_stage(rng: np.random.Generator, rows: pd.DataFrame, as_of: date, *,
                    calibrate_liling: bool = True) -> None:
    """Planned and actual start and completion, and the stage, from each row's bucket; with
    ``calibrate_liling`` 醴陵's plans reproduce its published Jan–Jul 2023 figures."""
    n = len(rows)
    bucket = rows["bucket"].to_numpy()
    liling = (rows["district_adcode"].to_numpy() == "430281") & calibrate_liling
    big = rows["size_group"].to_numpy() != "rest"
    actual_start = np.full(n, None, dtype=object)
    actual_done = np.full(n, None, dtype=object)
    planned_start = np.full(n, None, dtype=object)
    planned_done = np.full(n, None, dtype=object)

    def pick(mask, lo, hi):
        return random_dates(rng, lo, hi, int(mask.sum()))

    for b, (day, _, _) in CONCENTRATED_STARTS.items():
        sel = bucket == b
        actual_start[sel] = day
        planned_start[sel] = day
    sel = bucket == "start23"
    actual_start[sel] = pick(sel, date(2023, 2, 1), as_of - timedelta(days=5))
    actual_start[sel & liling] = pick(sel & liling, date(2023, 2, 1), date(2023, 7, 31))
    sel = bucket == "start23_late"
    actual_start[sel] = pick(sel, date(2023, 8, 1), as_of - timedelta(days=3))
    sel = bucket == "building"
    actual_start[sel] = pick(sel, date(2020, 6, 1), date(2022, 11, 30))
    sel = bucket == "done23"
    actual_start[sel] = pick(sel, date(2021, 3, 1), date(2022, 10, 31))
    actual_done[sel] = pick(sel, date(2023, 1, 10), as_of - timedelta(days=2))
    actual_done[sel & liling] = pick(sel & liling, date(2023, 1, 10), date(2023, 7, 31))
    sel = bucket == "done_early"
    actual_start[sel] = pick(sel, date(2020, 3, 1), date(2021, 6, 30))
    actual_done[sel] = pick(sel, date(2022, 3, 1), date(2022, 12, 20))
    not_started = np.isin(bucket, ["prep", "signed", "talks"])
    planned_start[not_started] = pick(not_started, date(2023, 3, 1), date(2024, 6, 30))

    # Planned starts of started projects sit near the actual start (a few started early).
    started = np.array([d is not None for d in actual_start]) & (planned_start == None)  # noqa: E711
    shift = rng.normal(0, 25, n).astype(int)
    for k in np.flatnonzero(started):
        planned_start[k] = actual_start[k] + timedelta(days=int(shift[k]))
    # Build time: 1–3 years, 3–7 for the largest; completed projects' plans sit near the actual.
    months = np.where(big, rng.integers(36, 82, n), rng.integers(10, 37, n))
    for k in range(n):
        base = planned_start[k] or actual_start[k]
        planned_done[k] = actual_done[k] + timedelta(days=int(rng.normal(0, 35))) if actual_done[k] \
            else base + timedelta(days=int(months[k] * 30.4))
    if calibrate_liling and liling.any():
        _liling_plans(rng, rows, bucket, liling, actual_start, planned_start, planned_done)

    rows["actual_start"], rows["actual_completion"] = actual_start, actual_done
    rows["planned_start"], rows["planned_completion"] = planned_start, planned_done
    industrial = rows["industrial"].to_numpy()
    producing = np.isin(bucket, ["done_early"]) | ((bucket == "done23") & industrial & (rng.random(n) < 0.55))
    stage = pd.Series(bucket).map({"talks": "谋划在谈", "signed": "已签约", "prep": "前期", "done23": "竣工",
                                   "done_early": "投产"}).fillna("在建").to_numpy()
    stage[producing] = "投产"
    rows["stage"] = stage


def _liling_plans(rng, rows, bucket, liling, actual_start, planned_start, planned_done) -> None:
    """醴陵 Jan–Jul 2023: 45 starts and 10 completions planned, 49 and 12 achieved."""
    jan, jul, aug = date(2023, 1, 1), date(2023, 7, 31), date(2023, 8, 1)
    started_h1 = np.flatnonzero(liling & np.isin(bucket, ["q1", "start23"]))
    early = set(rng.choice([k for k in started_h1 if bucket[k] == "start23"], 6, replace=False))
    for k in started_h1:  # 43 planned inside Jan–Jul, 6 planned for later and started early
        planned_start[k] = random_dates(rng, aug, date(2023, 10, 31), 1)[0] if k in early else \
            min(max(actual_start[k] + timedelta(days=int(rng.integers(-20, 21))), jan), jul)
    late = np.flatnonzero(liling & (bucket == "start23_late"))
    for i, k in enumerate(late):  # two planned for June/July and started late
        planned_start[k] = random_dates(rng, date(2023, 6, 1), jul, 1)[0] if i < 2 else actual_start[k]
    for k in np.flatnonzero(liling & np.isin(bucket, ["prep", "signed", "talks"])):
        planned_start[k] = random_dates(rng, aug, date(2024, 3, 31), 1)[0]
    done = np.flatnonzero(liling & (bucket == "done23"))
    for i, k in enumerate(done):  # ten planned inside Jan–Jul, two finished ahead of an autumn plan
        planned_done[k] = random_dates(rng, date(2023, 2, 1), jul, 1)[0] if i < 10 else \
            random_dates(rng, date(2023, 9, 1), date(2023, 12, 31), 1)[0]
    for k in np.flatnonzero(liling & (bucket != "done23")):
        if planned_done[k] <= jul:
            planned_done[k] = random_dates(rng, date(2023, 10, 1), date(2024, 12, 31), 1)[0]


def stalled(rng: np.random.Generator, rows: pd.DataFrame, as_of: date) -> None:
    """茶陵's 八未, each only where the project's stage and dates make it true."""
    n = len(rows)
    state = np.full(n, None, dtype=object)
    since = np.full(n, None, dtype=object)
    rate = np.where(rows["district_adcode"].to_numpy() == "430224", 2.0, 1.0)
    u = rng.random(n)
    stage = rows["stage"].to_numpy()
    for k in range(n):
        ps, pd_, as_, ad = (rows.at[k, c] for c in ("planned_start", "planned_completion",
                                                    "actual_start", "actual_completion"))
        if stage[k] == "谋划在谈" and u[k] < 0.3 * rate[k]:
            state[k], since[k] = "洽谈未签约", as_of - timedelta(days=int(rng.integers(120, 400)))
        elif stage[k] in ("已签约", "前期") and ps < as_of - timedelta(days=30):
            state[k], since[k] = "签约未开工", ps
        elif stage[k] == "在建" and pd_ < as_of:
            state[k], since[k] = "开工未竣工", pd_
        elif stage[k] == "在建" and u[k] < 0.04 * rate[k] and as_ < as_of - timedelta(days=45):
            state[k], since[k] = "在建未入库", as_ + timedelta(days=30)
        elif stage[k] == "在建" and u[k] < 0.09 * rate[k]:
            state[k], since[k] = "征拆未清零", max(as_, as_of - timedelta(days=int(rng.integers(30, 300))))
        elif stage[k] == "在建" and u[k] < 0.12 * rate[k] and rows.at[k, "category"] != "产业发展":
            state[k], since[k] = "专债资金未拨付", max(as_, as_of - timedelta(days=int(rng.integers(30, 200))))
        elif stage[k] == "竣工" and ad < as_of - timedelta(days=60) and u[k] < 0.35 * rate[k]:
            state[k], since[k] = "竣工未投产", ad
        elif stage[k] == "投产" and u[k] < 0.2 * rate[k] and ad < as_of - timedelta(days=90):
            state[k], since[k] = "投产未达产", ad + timedelta(days=90)
    rows["stalled_state"], rows["stalled_since"] = state, since


def progress(rng: np.random.Generator, rows: pd.DataFrame, as_of: date) -> None:
    """2023 investment completed up to the as-of date, consistent with stage and start date."""
    year_end = date(as_of.year, 12, 31)
    done = np.zeros(len(rows))
    for k in range(len(rows)):
        plan, start = rows.at[k, "annual_plan_yi"], rows.at[k, "actual_start"]
        stage = rows.at[k, "stage"]
        if stage in ("谋划在谈", "已签约"):
            continue
        if stage == "前期":
            factor = rng.uniform(0, 0.15)
        elif stage in ("竣工", "投产"):
            factor = rng.uniform(0.9, 1.02)
        else:
            begin = max(start, date(as_of.year, 1, 1))
            elapsed = (as_of - begin).days / max((year_end - begin).days, 1)
            factor = min(1.1, elapsed * rng.uniform(1.0, 1.4))
        if pd.notna(rows.at[k, "stalled_state"]):
            factor *= 0.6
        done[k] = min(round(plan * factor, 2), rows.at[k, "total_investment_yi"])
    rows["completed_yi"] = done
