"""Demo projects calibrated to the 2023 key-project list (seed-facts "Projects").

Exact by construction (money in integer hundredths of 亿元, see ``allocate``):
549 projects, 5430 亿元 total, 1135 亿元 planned for 2023; 16 projects ≥ 100 亿 (2160 / 267);
15 projects of 50–100 亿 (999 / 154); 340 industrial projects (2913 / 678). Also exact though
not starred: the 2023-01-30 concentrated start (103 projects, 227.6 亿), the 2022-12-30 "百日攻坚"
start (76, 306.9 亿), 醴陵's 74 projects with 49 started and 12 completed in Jan–Jul 2023, both
above plan (45 and 10 planned).

A project's timing "bucket" decides its stage and dates together (``geo.demo.timeline``), so they
never contradict each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from geo.demo import names
from geo.demo.allocate import allocate
from geo.demo.places import PLACES, places_in
from geo.demo.timeline import CONCENTRATED_STARTS, dates_and_stage, progress, stalled

DISTRICT_COUNTS = {
    "430211": 110, "430202": 70, "430204": 60, "430203": 50, "430212": 50,
    "430223": 60, "430224": 45, "430225": 30, "430281": 74,
}
BIG_WEIGHTS = {  # where the ≥ 50 亿 projects tend to be
    "430211": 3, "430204": 2, "430202": 2, "430281": 2, "430212": 1.5,
    "430223": 1, "430203": 1, "430224": 0.5, "430225": 0.5,
}
# (size group, industrial?) -> (count, total 亿元, 2023 plan 亿元); the marginals are the ★ figures
CELLS = {
    ("G100", True): (6, 800.0, 95.0), ("G100", False): (10, 1360.0, 172.0),
    ("G50", True): (7, 455.0, 70.0), ("G50", False): (8, 544.0, 84.0),
    ("rest", True): (327, 1658.0, 513.0), ("rest", False): (191, 613.0, 201.0),
}
SIZE_BOUNDS = {"G100": (100.0, 320.0), "G50": (50.0, 99.9), "rest": (0.3, 49.9)}
# 醴陵's 74 projects by bucket: 15 + 34 started Jan–Jul 2023 = 49; 12 completed Jan–Jul.
LILING_PLAN = {"q1": 15, "start23": 34, "start23_late": 3, "done23": 12, "bairi": 2,
               "building": 2, "prep": 3, "signed": 2, "talks": 1}
OTHER_MIX = {"start23": 0.2, "building": 0.26, "done23": 0.13, "done_early": 0.04,
             "prep": 0.22, "signed": 0.08, "talks": 0.07}
CHAIN_BY_DISTRICT = {
    "430211": {"先进硬质材料": 2, "电子信息": 3, "新能源": 2, "生物医药": 2, "人工智能": 2, "中小航空发动机": 1},
    "430202": {"北斗": 3, "电子信息": 2, "新能源汽车": 2, "先进硬质材料": 2, "人工智能": 1},
    "430204": {"轨道交通": 6, "新材料": 1, "电子信息": 1},
    "430203": {"服饰": 4, "中小航空发动机": 3, "新材料": 1},
    "430212": {"新材料": 2, "高分子新材料": 2, "新能源汽车": 2, "轨道交通": 1},
    "430223": {"新材料": 2, "新能源": 2, "电子信息": 1},
    "430224": {"新材料": 2, "电子信息": 1, "生物医药": 1},
    "430225": {"新材料": 1, "生物医药": 2},
    "430281": {"陶瓷": 5, "服饰": 1, "新能源": 2, "新材料": 1},
}


@dataclass(frozen=True)
class Anchor:
    """A project named in the articles, with its published figures."""

    name: str
    adcode: str
    category: str
    size: str
    total: float
    bucket: str
    level: str = "省重点"
    chain: str | None = None
    park: str | None = None
    lonlat: tuple[float, float] | None = None  # sites outside any park
    owner: str = ""
    power_mw: float | None = None
    parcel: str | None = None  # the named parcel it stands on (see land.NAMED_PARCELS)


ANCHORS = (
    Anchor("田心轨道交通城城市更新项目", "430204", "基础设施", "G100", 300.0, "building",
           park="田心轨道交通城", owner="株洲市石峰区城市发展集团有限公司", power_mw=12.0),
    Anchor("株洲智慧绿色能源互联网项目", "430211", "能源", "G100", 150.0, "building",
           lonlat=(113.08, 27.80), owner="国网湖南省电力有限公司株洲供电分公司"),
    Anchor("攸县广寒坪抽水蓄能电站建设项目", "430223", "能源", "G100", 119.75, "prep",
           lonlat=(113.56, 27.05), owner="湖南攸县抽水蓄能有限公司"),
    Anchor("大唐华银株洲2×100万千瓦扩能升级改造项目", "430212", "能源", "G50", 85.0, "building",
           lonlat=(113.16, 27.64), owner="大唐华银株洲发电有限公司"),
    Anchor("炎陵罗萍江抽水蓄能电站项目", "430225", "能源", "G50", 82.3, "building",
           lonlat=(113.93, 26.36), owner="湖南炎陵抽水蓄能有限公司"),
    Anchor("醴陵市文家牌抽水蓄能电站项目", "430281", "能源", "G50", 78.0, "prep",
           lonlat=(113.60, 27.60), owner="湖南醴陵抽水蓄能有限公司"),
    Anchor("湖南铂威年产5万吨锂离子电池负极材料产业化项目", "430281", "产业发展", "rest", 20.0, "q1",
           level="市重点", chain="新能源", park="醴陵经开区东富工业园",
           owner="湖南铂威新能源科技有限公司", power_mw=45.0),
    Anchor("高精传动大兆瓦级风电齿轮箱项目", "430211", "产业发展", "rest", 8.0, "q1",
           level="市重点", chain="新能源", park="株洲高新区", owner="株洲高精传动技术有限公司",
           power_mw=8.0),
    Anchor("攸县高新区原艾硅特项目地块新材料项目", "430223", "产业发展", "rest", 10.0, "start23",
           level="市重点", chain="新材料", park="攸县高新区", parcel="攸县高新区",
           owner="攸县新材料科技有限公司", power_mw=6.0),
    Anchor("南洲产业园分割出让地块精密制造项目", "430212", "产业发展", "rest", 1.5, "done23",
           level="市重点", chain="轨道交通", park="南洲产业园", parcel="南洲产业园",
           owner="株洲南洲精密制造有限公司", power_mw=1.2),
)


def build_projects(rng: np.random.Generator, as_of: date) -> pd.DataFrame:
    """The 549 projects' attributes (no geometry yet: ``place_projects`` adds it with parcels)."""
    rows = _skeleton(rng)
    _assign_buckets(rng, rows)
    _money(rng, rows)
    dates_and_stage(rng, rows, as_of)
    stalled(rng, rows, as_of)
    progress(rng, rows, as_of)
    _descriptions(rng, rows)
    rows["project_id"] = [f"XM2023-{a}-{i:04d}" for i, a in enumerate(rows["district_adcode"], 1)]
    rows["updated_at"] = [as_of - timedelta(days=int(d)) for d in rng.integers(0, 21, len(rows))]
    return rows


def _skeleton(rng: np.random.Generator) -> pd.DataFrame:
    """One row per project with size group, industrial flag and district."""
    anchors = pd.DataFrame([a.__dict__ for a in ANCHORS]).rename(
        columns={"adcode": "district_adcode", "size": "size_group", "total": "total_fixed"})
    anchors["industrial"] = anchors["category"] == "产业发展"
    generic = []
    for (size, industrial), (count, _, _) in CELLS.items():
        have = ((anchors["size_group"] == size) & (anchors["industrial"] == industrial)).sum()
        generic += [{"size_group": size, "industrial": industrial}] * (count - have)
    generic = pd.DataFrame(generic)
    generic["category"] = np.where(
        generic["industrial"], "产业发展",
        rng.choice(["基础设施", "民生社会", "生态环保", "能源"], len(generic), p=[0.45, 0.27, 0.16, 0.12]))
    # districts: big projects first, by weight, then the rest fill each district's quota
    left = dict(DISTRICT_COUNTS)
    for a in ANCHORS:
        left[a.adcode] -= 1
    districts = np.empty(len(generic), dtype=object)
    for k in np.flatnonzero(generic["size_group"].to_numpy() != "rest"):
        codes = [c for c in left if left[c] > 0]
        w = np.array([BIG_WEIGHTS[c] for c in codes])
        districts[k] = rng.choice(codes, p=w / w.sum())
        left[districts[k]] -= 1
    pool = np.array([c for c, n in left.items() for _ in range(n)], dtype=object)
    rng.shuffle(pool)
    districts[generic["size_group"].to_numpy() == "rest"] = pool
    generic["district_adcode"] = districts
    rows = pd.concat([anchors, generic], ignore_index=True)
    rows["is_anchor"] = rows["name"].notna()
    return rows


def _assign_buckets(rng: np.random.Generator, rows: pd.DataFrame) -> None:
    bucket = rows["bucket"].to_numpy(dtype=object).copy()
    liling = rows["district_adcode"].to_numpy() == "430281"
    rest = rows["size_group"].to_numpy() == "rest"
    # 醴陵: its exact plan. Concentrated starts come only from the < 50 亿 group.
    need = dict(LILING_PLAN)
    for b in bucket[liling & rows["is_anchor"].to_numpy()]:
        need[b] -= 1
    free = list(np.flatnonzero(liling & pd.isna(bucket)))
    rng.shuffle(free)
    small = [k for k in free if rest[k]]
    for b in ("q1", "bairi"):
        bucket[small[: need[b]]] = b
        small, need[b] = small[need[b]:], 0
    remaining = [k for k in free if pd.isna(bucket[k])]
    leftover = np.array([b for b, n in need.items() for _ in range(n)], dtype=object)
    rng.shuffle(leftover)
    bucket[remaining] = leftover
    # Other districts: the rest of each concentrated start, then a mix.
    for b, (_, total_count, _) in CONCENTRATED_STARTS.items():
        have = (bucket == b).sum()
        candidates = np.flatnonzero(~liling & rest & pd.isna(bucket))
        bucket[rng.choice(candidates, total_count - have, replace=False)] = b
    free = np.flatnonzero(pd.isna(bucket))
    mix = list(OTHER_MIX)
    bucket[free] = rng.choice(mix, len(free), p=np.array(list(OTHER_MIX.values())) / sum(OTHER_MIX.values()))
    rows["bucket"] = bucket


def _money(rng: np.random.Generator, rows: pd.DataFrame) -> None:
    total = np.full(len(rows), np.nan)
    fixed = rows["total_fixed"].to_numpy(dtype=float)
    bucket = rows["bucket"].to_numpy()
    industrial = rows["industrial"].to_numpy()
    size = rows["size_group"].to_numpy()
    # Split the "< 50 亿" cells further by concentrated-start bucket so those sums are exact too.
    groups: dict[tuple, tuple[np.ndarray, float]] = {}
    for (sz, ind), (_, cell_total, _) in CELLS.items():
        in_cell = (size == sz) & (industrial == ind)
        if sz != "rest":
            groups[(sz, ind)] = (np.flatnonzero(in_cell), cell_total)
            continue
        remaining = cell_total
        for b, (_, _, start_total) in CONCENTRATED_STARTS.items():
            both = (size == "rest") & (bucket == b)
            share = (both & industrial).sum() * 1.2 / ((both & industrial).sum() * 1.2 + (both & ~industrial).sum())
            part = round(start_total * share, 1) if ind else round(start_total - round(start_total * share, 1), 1)
            groups[(sz, ind, b)] = (np.flatnonzero(in_cell & (bucket == b)), part)
            remaining -= part
        groups[(sz, ind, "other")] = (np.flatnonzero(in_cell & ~np.isin(bucket, list(CONCENTRATED_STARTS))),
                                      round(remaining, 2))
    for key, (idx, target) in groups.items():
        pinned = idx[~np.isnan(fixed[idx])]
        free = idx[np.isnan(fixed[idx])]
        total[pinned] = fixed[pinned]
        lo, hi = SIZE_BOUNDS[key[0]]
        if key[0] == "rest" and key[-1] in CONCENTRATED_STARTS:
            hi = 15.0  # concentrated starts are mostly mid-sized projects
        total[free] = allocate(len(free), target - fixed[pinned].sum(), rng, lo=lo, hi=hi, sigma=0.9)
    rows["total_investment_yi"] = total
    # 2023 plan: nothing for projects still being negotiated or just signed; otherwise a share
    # of the total that depends on how far along the project is.
    share = pd.Series(bucket).map({"talks": 0, "signed": 0, "prep": 0.08, "q1": 0.35, "bairi": 0.35,
                                   "start23": 0.3, "start23_late": 0.15, "building": 0.3,
                                   "done23": 0.25, "done_early": 0.04}).to_numpy()
    annual = np.zeros(len(rows))
    for (sz, ind), (_, _, plan) in CELLS.items():
        idx = np.flatnonzero((size == sz) & (industrial == ind))
        weights = total[idx] * share[idx] * rng.uniform(0.7, 1.3, len(idx))
        hi = np.where(share[idx] > 0, np.floor(total[idx] * 0.9 * 10) / 10, 0.0)
        annual[idx] = allocate(len(idx), plan, rng, lo=0.0, hi=hi, weights=weights)
    rows["annual_plan_yi"] = annual


def build_county_projects(rng: np.random.Generator, n: int, as_of: date) -> pd.DataFrame:
    """County-level projects (县重点) for scaled benchmark stores: same rules, no calibration."""
    codes = list(DISTRICT_COUNTS)
    counts = np.array(list(DISTRICT_COUNTS.values()), float)
    rows = pd.DataFrame({"district_adcode": rng.choice(codes, n, p=counts / counts.sum()),
                         "size_group": "rest", "industrial": rng.random(n) < 0.6, "is_anchor": False})
    rows["category"] = np.where(rows["industrial"], "产业发展",
                                rng.choice(["基础设施", "民生社会", "生态环保", "能源"], n))
    mix = list(OTHER_MIX)
    rows["bucket"] = rng.choice(mix, n, p=np.array(list(OTHER_MIX.values())) / sum(OTHER_MIX.values()))
    rows["total_investment_yi"] = np.round(np.clip(rng.lognormal(np.log(1.2), 0.8, n), 0.1, 20), 1)
    share = rows["bucket"].map({"talks": 0, "signed": 0, "prep": 0.08}).fillna(0.3).to_numpy()
    rows["annual_plan_yi"] = np.round(rows["total_investment_yi"] * share * rng.uniform(0.7, 1.3, n), 2)
    dates_and_stage(rng, rows, as_of, calibrate_liling=False)
    stalled(rng, rows, as_of)
    progress(rng, rows, as_of)
    _descriptions(rng, rows)
    rows["level"] = "县重点"
    rows["project_id"] = [f"XM2023-{a}-X{i:06d}" for i, a in enumerate(rows["district_adcode"], 1)]
    rows["updated_at"] = [as_of - timedelta(days=int(d)) for d in rng.integers(0, 21, n)]
    return rows


def _descriptions(rng: np.random.Generator, rows: pd.DataFrame) -> None:
    """Park, chain, level, owner, name and power demand for the generic projects."""
    n = len(rows)
    for col in ("park", "chain", "owner", "name", "power_mw", "level"):
        rows[col] = rows[col].astype(object) if col in rows else None
    if "is_anchor" not in rows:
        rows["is_anchor"] = False
    for k in range(n):
        if rows.at[k, "is_anchor"]:
            continue
        adcode, category = rows.at[k, "district_adcode"], rows.at[k, "category"]
        parks = places_in(adcode, "park")
        towns = places_in(adcode, "town")
        if category == "产业发展":
            weights = np.array([p.weight for p in parks])
            place = parks[rng.choice(len(parks), p=weights / weights.sum())]
            chains = CHAIN_BY_DISTRICT[adcode]
            chain = rng.choice(list(chains), p=np.array(list(chains.values())) / sum(chains.values()))
            rows.at[k, "park"], rows.at[k, "chain"] = place.name, chain
            rows.at[k, "power_mw"] = round(float(np.clip(rng.lognormal(np.log(2.5), 0.9), 0.2, 40)), 1) \
                if rng.random() < 0.85 else None
            town = place.name
        else:
            town = towns[rng.integers(len(towns))].name.replace("城区", "")
            if category in ("基础设施", "能源") and rng.random() < 0.3:
                rows.at[k, "power_mw"] = round(float(rng.uniform(0.5, 8)), 1)
        owner = names.company(rng, rows.at[k, "chain"], town) if category == "产业发展" else \
            f"{town}{rng.choice(['城市建设投资', '交通建设投资', '城市发展集团', '产业投资'])}有限公司"
        rows.at[k, "owner"] = owner
        rows.at[k, "name"] = names.project_name(rng, category, rows.at[k, "chain"], owner, town)
        big = rows.at[k, "size_group"] != "rest"
        rows.at[k, "level"] = "省重点" if big or rng.random() < 0.07 else "市重点"
    rows.columns = [{"chain": "industry_chain", "power_mw": "power_demand_mw"}.get(c, c) for c in rows.columns]
    _dedupe_names(rows)


def _dedupe_names(rows: pd.DataFrame) -> None:
    seen: dict[str, int] = {}
    for k, name in enumerate(rows["name"]):
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            rows.at[k, "name"] = name.replace("项目", f"（{seen[name]}期）项目", 1) if "项目" in name \
                else f"{name}（{seen[name]}期）"


def place_names() -> list[str]:
    return [p.name for p in PLACES]
