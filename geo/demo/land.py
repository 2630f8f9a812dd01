"""Demo land parcels calibrated to the 2022 disposal figures (seed-facts "Land").

The published rates are for 2022: disposed in 2022 / stock at 1 January 2022, where the stock
is every parcel of the class listed before 2022 and not disposed before 2022. The demo holds:

=========  ==============  ==============  ===========  =======================
class      disposed 2022   disposed 2023*  still idle   stock 2022-01-01 (rate)
=========  ==============  ==============  ===========  =======================
批而未供    10,200 亩 ★     2,150 亩        4,684 亩     17,034 亩 (59.88 % ★)
低效        10,200 亩 ★     1,600 亩        3,620 亩     15,420 亩 (66.15 % ★)
闲置         1,300 亩         700 亩        1,500 亩      3,500 亩
=========  ==============  ==============  ===========  =======================

(* January to the as-of date.) Parcels listed after 1 January 2022 (newly approved land, and
every extra parcel of a scaled store) do not change the 2022 rates. 2022 supply also holds 33
标准地 parcels and 45 弹性出让 parcels of 2,392 亩 (seed facts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from geo.demo.allocate import allocate
from geo.demo.layout import Frame, grid_cells, rectangles, refine_keys
from geo.demo.places import PLACES, PLACE_BY_NAME
from geo.demo.util import random_dates
from geo.schema import MU_M2

COARSE_CELL_M = 600.0  # calibrated parcels: up to ~210 亩 each
FINE_FACTOR = 12  # scaled stores: 50 m cells inside the same grid, ~1.5 亩 cadastral lots
MAX_COARSE_MU = 200.0


@dataclass(frozen=True)
class Bucket:
    idle_class: str | None  # None = ordinary land in use
    fate: str  # "disposed" | "idle" | "in_use"
    year: int | None  # disposal year, or listing year for newly listed stock
    total_mu: float | None  # exact area of the bucket (None = unconstrained)
    count: int
    supply_mode: str | None = None  # fixed supply mode for the bucket (2022 supply figures)


CALIBRATED_BUCKETS: tuple[Bucket, ...] = (
    Bucket("批而未供", "disposed", 2022, 2392.0, 45, "弹性出让"),
    Bucket("批而未供", "disposed", 2022, 1650.0, 33, "标准地"),
    Bucket("批而未供", "disposed", 2022, 10200.0 - 2392.0 - 1650.0, 140),
    Bucket("批而未供", "disposed", 2023, 2150.0, 48),
    Bucket("批而未供", "idle", None, 4684.0, 110),
    Bucket("批而未供", "idle", 2023, 900.0, 22),  # listed after 2022-01-01: not in the base
    Bucket("低效", "disposed", 2022, 10200.0, 230),
    Bucket("低效", "disposed", 2023, 1600.0, 38),
    Bucket("低效", "idle", None, 3620.0, 85),
    Bucket("闲置", "disposed", 2022, 1300.0, 30),
    Bucket("闲置", "disposed", 2023, 700.0, 16),
    Bucket("闲置", "idle", None, 1500.0, 34),
)
# Parcels the articles describe, given their published size inside the buckets above.
NAMED_PARCELS = {
    # 攸县高新区: the former stalled 艾硅特 site, 100 亩, repossessed and given to a 10 亿 project
    "攸县高新区": ("闲置", "disposed", 2023, 100.0, "收回"),
    # 渌口 南洲产业园: 29 亩 beside 时代华昇, released from mortgage, split and resold, now built
    "南洲产业园": ("低效", "disposed", 2022, 29.0, "解押+分割出让"),
}

DISPOSAL_METHODS = {
    "批而未供": (("挂牌出让", "租赁"), (0.85, 0.15)),
    "低效": (("收回", "解押+分割出让", "盘活利用", "挂牌出让"), (0.25, 0.2, 0.4, 0.15)),
    "闲置": (("收回", "挂牌出让", "盘活利用"), (0.45, 0.3, 0.25)),
}
SUPPLY_OF_METHOD = {"挂牌出让": "出让", "租赁": "租赁", "弹性出让": "弹性出让", "标准地出让": "标准地"}
PARK_USES = (("工业", "仓储", "商业", "交通"), (0.8, 0.1, 0.05, 0.05))
TOWN_USES = (("住宅", "商业", "公共设施", "交通", "工业"), (0.45, 0.2, 0.2, 0.1, 0.05))


def build_parcels(
    rng: np.random.Generator, frame: Frame, as_of: date, *, in_use: int = 1000, extra: int = 0
) -> pd.DataFrame:
    """All parcels as a DataFrame with a shapely ``geometry`` column (WGS84) and ``place``."""
    buckets = list(CALIBRATED_BUCKETS) + [Bucket(None, "in_use", None, None, in_use)]
    rows = _bucket_rows(buckets)
    rows["place"] = _choose_places(rng, rows)
    _pin_named_parcels(rows)
    rows["area_mu"] = _areas(rng, rows, buckets)
    x, y, taken = _place_on_grid(rng, frame, rows, COARSE_CELL_M)
    geometry = rectangles(rng, x, y, rows["area_mu"].to_numpy() * MU_M2, COARSE_CELL_M)
    rows["geometry"] = _to_wgs84(frame, geometry)
    _attributes(rng, rows, as_of)
    if extra:
        rows = pd.concat([rows, _scaled_parcels(rng, frame, extra, taken, as_of)], ignore_index=True)
    rows["parcel_id"] = [f"P{a}-{i:07d}" for i, a in enumerate(rows["place_adcode"], start=1)]
    return rows


def _bucket_rows(buckets: list[Bucket]) -> pd.DataFrame:
    frames = [
        pd.DataFrame({"bucket": k, "idle_class": b.idle_class, "fate": b.fate, "year": b.year},
                     index=range(b.count))
        for k, b in enumerate(buckets)
    ]
    rows = pd.concat(frames, ignore_index=True)
    rows["disposal_method"] = None
    return rows


def _choose_places(rng: np.random.Generator, rows: pd.DataFrame) -> np.ndarray:
    """Idle and inefficient land sits mostly in industrial parks; land in use also in towns."""
    weights_park = np.array([p.weight * (3.0 if p.kind == "park" else 0.4) for p in PLACES])
    weights_any = np.array([p.weight for p in PLACES])
    idle = rows["idle_class"].notna().to_numpy()
    names = np.array([p.name for p in PLACES], dtype=object)
    out = np.empty(len(rows), dtype=object)
    out[idle] = rng.choice(names, idle.sum(), p=weights_park / weights_park.sum())
    out[~idle] = rng.choice(names, (~idle).sum(), p=weights_any / weights_any.sum())
    return out


def _pin_named_parcels(rows: pd.DataFrame) -> None:
    rows["named_area"] = np.nan
    for place, (cls, fate, year, area, method) in NAMED_PARCELS.items():
        match = rows.index[(rows["idle_class"] == cls) & (rows["fate"] == fate) & (rows["year"] == year)
                           & rows["named_area"].isna()]
        k = match[-1]
        rows.loc[k, ["place", "named_area", "disposal_method"]] = [place, area, method]


def _areas(rng: np.random.Generator, rows: pd.DataFrame, buckets: list[Bucket]) -> np.ndarray:
    area = np.zeros(len(rows))
    for k, bucket in enumerate(buckets):
        idx = np.flatnonzero(rows["bucket"].to_numpy() == k)
        named = rows["named_area"].to_numpy()[idx]
        free = idx[np.isnan(named)]
        pinned = named[~np.isnan(named)]
        area[idx[~np.isnan(named)]] = pinned
        if bucket.total_mu is None:
            area[free] = np.round(np.clip(rng.lognormal(np.log(35), 0.7, len(free)), 3, MAX_COARSE_MU), 2)
        else:
            area[free] = allocate(len(free), bucket.total_mu - pinned.sum(), rng,
                                  lo=3.0, hi=MAX_COARSE_MU, sigma=0.7, step=0.01)
    return area


def _place_on_grid(rng, frame: Frame, rows: pd.DataFrame, cell_m: float):
    order = [(p, int((rows["place"] == p.name).sum())) for p in PLACES]
    x, y, place_idx, taken = grid_cells(rng, frame, order, cell_m, margin_m=cell_m * 0.5)
    # grid_cells returns cells grouped by place, in PLACES order: line the rows up the same way
    sorter = np.argsort(pd.Categorical(rows["place"], [p.name for p in PLACES]).codes, kind="stable")
    xs, ys = np.empty(len(rows)), np.empty(len(rows))
    xs[sorter], ys[sorter] = x, y
    return xs, ys, taken


def _to_wgs84(frame: Frame, geometry: np.ndarray) -> np.ndarray:
    import shapely

    return shapely.transform(geometry, lambda xy: np.column_stack(frame.lonlat(xy[:, 0], xy[:, 1])))


def _attributes(rng: np.random.Generator, rows: pd.DataFrame, as_of: date) -> None:
    n = len(rows)
    places = [PLACE_BY_NAME[name] for name in rows["place"]]
    rows["place_adcode"] = [p.adcode for p in places]
    rows["park"] = [p.name if p.kind == "park" else None for p in places]
    in_park = rows["park"].notna().to_numpy()
    uses = np.where(in_park, rng.choice(PARK_USES[0], n, p=PARK_USES[1]),
                    rng.choice(TOWN_USES[0], n, p=TOWN_USES[1]))
    idle_class = rows["idle_class"].to_numpy()
    uses[idle_class == "低效"] = np.where(rng.random((idle_class == "低效").sum()) < 0.9, "工业", "仓储")
    rows["land_use"] = uses

    fate = rows["fate"].to_numpy()
    year = rows["year"].to_numpy()
    disposed = fate == "disposed"
    rows["status"] = np.where(disposed, "已处置", np.where(fate == "idle", idle_class, "在用"))
    newly_listed = (fate == "idle") & (year == 2023)
    listed = random_dates(rng, date(2012, 1, 1), date(2021, 12, 31), n)
    listed[newly_listed] = random_dates(rng, date(2022, 3, 1), date(2023, 8, 31), newly_listed.sum())
    rows["listed_on"] = np.where(pd.isna(idle_class), None, listed)

    disposed_on = np.full(n, None, dtype=object)
    for y, end in ((2022, date(2022, 12, 31)), (2023, as_of)):
        sel = disposed & (year == y)
        disposed_on[sel] = random_dates(rng, date(y, 1, 5), end, sel.sum())
    rows["disposed_on"] = disposed_on

    method = rows["disposal_method"].to_numpy().copy()
    for cls, (choices, p) in DISPOSAL_METHODS.items():
        sel = disposed & (idle_class == cls) & pd.isna(method)
        method[sel] = rng.choice(choices, sel.sum(), p=p)
    for k, bucket in enumerate(CALIBRATED_BUCKETS if "bucket" in rows else ()):
        if bucket.supply_mode:
            method[rows["bucket"].to_numpy() == k] = {"弹性出让": "弹性出让", "标准地": "标准地出让"}[bucket.supply_mode]
    rows["disposal_method"] = method

    # Supply: disposed 批而未供 land is supplied on its disposal date; land in use, idle and
    # inefficient land was supplied years ago; approved-but-unsupplied land has no supply.
    supply_mode = np.full(n, None, dtype=object)
    supplied_on = np.full(n, None, dtype=object)
    first_supply = disposed & (idle_class == "批而未供")
    supply_mode[first_supply] = [SUPPLY_OF_METHOD[m] for m in method[first_supply]]
    supplied_on[first_supply] = disposed_on[first_supply]
    old = ~first_supply & (rows["status"].to_numpy() != "批而未供")
    supply_mode[old] = rng.choice(["出让", "划拨"], old.sum(), p=[0.85, 0.15])
    supplied_on[old] = random_dates(rng, date(2003, 1, 1), date(2021, 12, 31), old.sum())
    # Idle and inefficient land was supplied before it was listed as stock, idle land two years
    # before at least (7 of 34 idle parcels had been listed years before their supply: tester 11).
    # The drawn dates are rescaled into [2003-01-01, listed − 2 years]: no further draws, so the
    # rest of the demo (and every calibrated figure) is as it was.
    stock = old & pd.notna(rows["listed_on"]).to_numpy()
    if stock.any():
        first, last = np.datetime64(date(2003, 1, 1), "D"), np.datetime64(date(2021, 12, 31), "D")
        drawn = supplied_on[stock].astype("datetime64[D]")
        latest = rows["listed_on"].to_numpy()[stock].astype("datetime64[D]") - np.timedelta64(730, "D")
        share = (drawn - first).astype(float) / float((last - first).astype(int))
        supplied_on[stock] = (first + (share * (latest - first).astype(float)).astype("timedelta64[D]")).astype(object)
    resold = disposed & np.isin(method, ["挂牌出让", "解押+分割出让"]) & ~first_supply
    supply_mode[resold], supplied_on[resold] = "出让", disposed_on[resold]
    rows["supply_mode"], rows["supplied_on"] = supply_mode, supplied_on

    # 亩均税收 (万元/亩) is what makes land 低效: inefficient parcels pay under 5 万元 a mu.
    productive = (rows["status"].to_numpy() == "在用") & np.isin(uses, ["工业", "仓储"])
    tax = np.full(n, np.nan)
    tax[productive] = np.round(rng.lognormal(np.log(18), 0.5, productive.sum()).clip(6, 120), 2)
    weak = rows["status"].to_numpy() == "低效"
    tax[weak] = np.round(rng.uniform(0.3, 4.9, weak.sum()), 2)
    rows["tax_per_mu_wan"] = tax


def _scaled_parcels(rng, frame: Frame, extra: int, coarse_taken: np.ndarray, as_of: date) -> pd.DataFrame:
    """Cadastral-size lots for benchmark stores, on a finer grid that avoids the calibrated ones.

    Newly listed idle land among them is listed after 2022, so the published 2022 rates hold.
    """
    cell = COARSE_CELL_M / FINE_FACTOR
    taken = refine_keys(coarse_taken, FINE_FACTOR)
    counts = _scaled_quotas(rng, frame, extra, cell, taken)
    x, y, place_idx, _ = grid_cells(rng, frame, list(zip(PLACES, counts)), cell, margin_m=cell, taken=taken)
    rows = pd.DataFrame({"place": [PLACES[i].name for i in place_idx]})
    max_mu = (0.9 * cell) ** 2 / 2 / MU_M2
    rows["area_mu"] = np.round(rng.uniform(0.3, 0.95, extra) * max_mu, 2)
    rows["geometry"] = _to_wgs84(frame, rectangles(rng, x, y, rows["area_mu"].to_numpy() * MU_M2, cell))
    state = rng.choice(["in_use", "批而未供", "闲置", "低效"], extra, p=[0.85, 0.06, 0.03, 0.06])
    rows["fate"] = np.where(state == "in_use", "in_use", "idle")
    rows["idle_class"] = np.where(state == "in_use", None, state)
    rows["year"] = np.where(state == "in_use", None, 2023)
    rows["disposal_method"] = None
    _attributes(rng, rows, as_of)
    return rows


def _scaled_quotas(rng: np.random.Generator, frame: Frame, extra: int, cell: float,
                   taken: np.ndarray) -> np.ndarray:
    """Lots per place: by weight, but no district filled beyond 40 % of its free cells.

    The four central districts are small (138–323 km²); at a million lots their share by weight
    would not fit, so the overflow goes to districts with room, by their spare capacity.
    """
    weights = np.array([p.weight for p in PLACES])
    adcodes = sorted({p.adcode for p in PLACES})
    import shapely

    tx, ty = (taken // 2**32 + 0.5) * cell, (taken % 2**32 + 0.5) * cell
    capacity = {a: int(0.4 * (frame.polygons[a].area / cell**2
                              - shapely.contains_xy(frame.polygons[a], tx, ty).sum())) for a in adcodes}
    share = {a: weights[[p.adcode == a for p in PLACES]].sum() / weights.sum() for a in adcodes}
    want = {a: extra * share[a] for a in adcodes}
    for _ in range(len(adcodes)):
        over = sum(max(0.0, want[a] - capacity[a]) for a in adcodes)
        if over <= 0:
            break
        spare = {a: max(0.0, capacity[a] - want[a]) for a in adcodes}
        total_spare = sum(spare.values())
        if total_spare <= 0:
            raise ValueError(f"{extra:,} extra parcels do not fit in the city at {cell:.0f} m cells")
        for a in adcodes:
            want[a] = min(want[a], capacity[a]) + over * spare[a] / total_spare
    per_district = np.array([want[a] for a in adcodes])
    per_district = np.floor(per_district).astype(int)
    per_district[np.argmax(per_district)] += extra - per_district.sum()
    counts = np.zeros(len(PLACES), int)
    for a, n in zip(adcodes, per_district):
        idx = np.flatnonzero([p.adcode == a for p in PLACES])
        counts[idx] = rng.multinomial(n, weights[idx] / weights[idx].sum())
    return counts
