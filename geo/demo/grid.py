"""Demo grid: substations, power plants and public transformer areas (seed-facts "Grid and energy").

Exact by construction:
- supply capability 2.9 GW ★ = Σ capacity of in-service 220 kV substations (5,220 MVA) ÷ the
  planning capacity-to-load ratio 容载比 1.8 (``schema.CAPACITY_LOAD_RATIO_220KV``);
- record peak load 2,703.8 MW ★ = Σ of the in-service 220 kV substations' loads at the moment of
  the city's record peak (``peak_load_mw`` is that coincident load);
- new-energy capacity 697.8 MW ★ = in-service wind 309 + centralised PV 55.8 + distributed PV 333;
- 19,994 public transformer areas ★, 603 with a governance plan ★, 322 of them verified ★.
Named assets: 220 kV 成家(白关) smart energy station (芦淞, 240 MVA, in service 2022-09, 330 kW
PV on its roof), 220 kV 龙头 (株洲经开区, 荷塘), 110 kV 黄沙 (醴陵), pumped storage 攸县广寒坪
1.8 GW, 炎陵罗萍江 1.2 GW, 醴陵文家牌, and 大唐华银株洲 2 × 1000 MW.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.demo.allocate import allocate
from geo.demo.layout import Frame, scatter
from geo.demo.places import PLACE_BY_NAME, PLACES, Place, places_in
from geo.schema import POWER_FACTOR

RECORD_PEAK_MW = 2703.8
# name, adcode, place, transformers, MVA each, commissioned
SUBSTATIONS_220 = (
    ("220千伏成家(白关)智慧能源站", "430203", "白关", 2, 120, 2022),
    ("220千伏龙头变", "430202", "株洲经开区", 2, 180, 2022),
    ("220千伏栗雨变", "430211", "株洲高新区", 3, 240, 2012),
    ("220千伏天易变", "430211", "天易科技城", 2, 240, 2016),
    ("220千伏田心变", "430204", "田心轨道交通城", 2, 240, 2009),
    ("220千伏清水塘变", "430204", "清水塘", 2, 180, 2005),
    ("220千伏董家塅变", "430203", "董家塅高科园", 2, 180, 2011),
    ("220千伏渌口变", "430212", "渌口城区", 2, 180, 2013),
    ("220千伏攸县变", "430223", "攸县城区", 2, 240, 2010),
    ("220千伏茶陵变", "430224", "茶陵城区", 2, 180, 2011),
    ("220千伏炎陵变", "430225", "炎陵城区", 2, 120, 2014),
    ("220千伏醴陵变", "430281", "醴陵城区", 3, 180, 2008),
    ("220千伏东富变", "430281", "醴陵经开区东富工业园", 2, 120, 2019),
)
SUBSTATIONS_220_PIPELINE = (
    ("220千伏南洲变", "430212", "南洲产业园", 2, 240, "在建"),
    ("220千伏云龙变", "430202", "株洲经开区", 2, 240, "规划"),
)
SUBSTATIONS_500 = (
    ("500千伏云田变", "430202", "株洲经开区", 2, 1000, 2007),
    ("500千伏醴陵变", "430281", "醴陵陶瓷新材料园", 2, 750, 2015),
)
# Towns and streets of each district that 110 and 35 kV stations are named after, in turn (a second
# round adds 2, 3 …). Every name comes from the district the station stands in: a fixed list
# dealt out wherever the station fell put 荷塘 in 石峰区 and 船湾 in 炎陵县, and 35 kV stations
# named after their place shared names three to five times (exploratory tester 7). 黄沙 (醴陵) is
# the articles' station, placed by hand.
STATION_TOWNS: dict[str, tuple[str, ...]] = {
    "430202": ("荷塘", "月塘", "茨菇塘", "宋家桥", "桂花", "金山", "仙庾", "明照", "新塘"),
    "430203": ("建设", "建宁", "贺家土", "庆云", "枫溪", "龙泉", "白关", "董家塅"),
    "430204": ("清水", "田心", "井龙", "响石", "铜塘湾", "龙头铺", "石峰", "学林"),
    "430211": ("泰山", "嵩山", "栗雨", "马家河", "群丰", "雷打石", "三门"),
    "430212": ("渌口", "南洲", "淦田", "朱亭", "古岳峰", "龙船", "南阳桥", "龙门"),
    "430223": ("攸州", "网岭", "皇图岭", "酒埠江", "黄丰桥", "柏市", "宁家坪", "鸾山", "新市", "桃水", "丫江桥",
               "菜花坪", "渌田", "莲塘坳"),
    "430224": ("洣江", "云阳", "严塘", "下东", "虎踞", "腰潞", "枣市", "火田", "马江", "界首", "湖口", "秩堂",
               "高陇", "平水"),
    "430225": ("霞阳", "沔渡", "十都", "水口", "鹿原", "船形", "中村", "策源", "下村", "垄溪"),
    "430281": ("来龙门", "阳三石", "仙岳山", "浦口", "白兔潭", "东富", "船湾", "泗汾", "嘉树", "王仙", "孙家湾",
               "沩山", "官庄", "均楚", "石亭", "李畋", "茶山", "明月", "枫林", "板杉", "左权", "大障", "富里"),
}
WIND_FARMS = (  # name, adcode, lon, lat, MW, status
    ("攸县大坪风电场", "430223", 113.55, 27.25, 50.0, "在运"),
    ("攸县黄丰桥风电场", "430223", 113.62, 27.15, 49.5, "在运"),
    ("茶陵云阳山风电场", "430224", 113.50, 26.72, 48.0, "在运"),
    ("茶陵严塘风电场", "430224", 113.65, 26.98, 40.0, "在运"),
    ("炎陵青石冈风电场", "430225", 113.70, 26.30, 45.0, "在运"),
    ("醴陵官庄风电场", "430281", 113.45, 27.50, 40.0, "在运"),
    ("渌口龙门风电场", "430212", 113.20, 27.40, 36.5, "在运"),
    ("炎陵策源风电场", "430225", 113.95, 26.55, 50.0, "在建"),
)
CENTRAL_PV = (
    ("醴陵孙家湾光伏电站", "430281", 113.42, 27.58, 20.0, "在运"),
    ("攸县网岭农光互补光伏电站", "430223", 113.25, 27.08, 20.0, "在运"),
    ("渌口淦田渔光互补光伏电站", "430212", 113.09, 27.47, 15.8, "在运"),
)
BIG_PLANTS = (
    ("攸县广寒坪抽水蓄能电站", "430223", "抽水蓄能", 113.56, 27.05, 1800.0, "规划", None),
    ("炎陵罗萍江抽水蓄能电站", "430225", "抽水蓄能", 113.93, 26.36, 1200.0, "在建", None),
    ("醴陵文家牌抽水蓄能电站", "430281", "抽水蓄能", 113.60, 27.60, 1200.0, "规划", None),
    ("大唐华银株洲2×100万千瓦扩能电厂", "430212", "火电", 113.16, 27.64, 2000.0, "在建", None),
    ("攸县酒埠江水电站", "430223", "水电", 113.48, 27.12, 21.6, "在运", 1965),
    ("炎陵洣水水电站", "430225", "水电", 113.82, 26.45, 12.6, "在运", 1998),
    ("茶陵洣江水电站", "430224", "水电", 113.57, 26.82, 9.6, "在运", 2003),
    ("醴陵经开区电化学储能电站", "430281", "储能", 113.55, 27.63, 100.0, "在运", 2022),
    ("株洲高新区用户侧储能电站", "430211", "储能", 113.07, 27.80, 20.0, "在运", 2023),
    ("攸县共享储能电站", "430223", "储能", 113.38, 27.03, 100.0, "在建", None),
)
DISTRIBUTED_PV_MW = 333.0
CHENGJIA_PV_MW = 0.33
TA_COUNT = 19_994
TA_GOVERNANCE = {"已验证": 322, "待验证": 71, "治理中": 122, "待治理": 88}  # 603 with a plan


def build_substations(rng: np.random.Generator, frame: Frame, *, extra: int = 0) -> pd.DataFrame:
    rows = []
    for name, adcode, place, n, mva, year in SUBSTATIONS_500:
        rows.append(_station(rng, frame, name, 500, place, n, mva, "在运", year))
    for name, adcode, place, n, mva, year in SUBSTATIONS_220:
        rows.append(_station(rng, frame, name, 220, place, n, mva, "在运", year))
    for name, adcode, place, n, mva, status in SUBSTATIONS_220_PIPELINE:
        rows.append(_station(rng, frame, name, 220, place, n, mva, status, None))
    stations = pd.DataFrame(rows)
    _calibrate_220_peak(rng, stations)
    stations = pd.concat([stations, _distribution_stations(rng, frame, 110, 68),
                          _distribution_stations(rng, frame, 35, 95)], ignore_index=True)
    if extra:
        stations = pd.concat([stations, _distribution_stations(rng, frame, 35, extra, suffix="扩")],
                             ignore_index=True)
    stations["station_id"] = [f"BDZ-{v}-{i:05d}" for i, v in enumerate(stations["voltage_kv"], 1)]
    # A 500 kV station's "load" is its transformation flow; keep it realistic too.
    return stations


def _station(rng, frame, name, kv, place_name, n, mva, status, year) -> dict:
    place = PLACE_BY_NAME[place_name]
    x, y = scatter(rng, frame, place, 1, spread_km=1.5)
    lon, lat = frame.lonlat(x, y)
    in_service = status == "在运"
    return {"name": name, "voltage_kv": kv, "transformer_count": n, "capacity_mva": float(n * mva),
            "peak_load_mw": np.nan if not in_service else
            round(float(n * mva * POWER_FACTOR * rng.uniform(0.4, 0.7)), 1),
            "status": status, "commissioned_year": year, "place_adcode": place.adcode,
            "geometry": shapely.Point(lon[0], lat[0])}


def _calibrate_220_peak(rng: np.random.Generator, stations: pd.DataFrame) -> None:
    """Coincident loads of the in-service 220 kV stations add up to the record peak, 2703.8 MW."""
    sel = ((stations["voltage_kv"] == 220) & (stations["status"] == "在运")).to_numpy()
    cap_mw = stations.loc[sel, "capacity_mva"].to_numpy() * POWER_FACTOR
    weights = cap_mw * rng.uniform(0.45, 0.95, sel.sum())
    stations.loc[sel, "peak_load_mw"] = allocate(int(sel.sum()), RECORD_PEAK_MW, rng, lo=0.0,
                                                 hi=np.floor(cap_mw * 0.95), weights=weights)


def _distribution_stations(rng, frame: Frame, kv: int, count: int, suffix: str = "") -> pd.DataFrame:
    weights = np.array([p.weight if kv == 110 else (p.weight if p.kind == "town" else 0.5) for p in PLACES])
    picks = rng.choice(len(PLACES), count, p=weights / weights.sum())
    # Points for all stations of a place in one draw (one polygon test per place, not per station).
    lon = np.empty(count)
    lat = np.empty(count)
    for k in np.unique(picks):
        idx = np.flatnonzero(picks == k)
        place = PLACES[k]
        x, y = scatter(rng, frame, place, len(idx), spread_km=place.spread_km * (1.5 if kv == 110 else 4))
        lon[idx], lat[idx] = frame.lonlat(x, y)
    unit = (40, 50, 63) if kv == 110 else (6.3, 10, 12.5)
    n = rng.choice([2, 2, 3], count)
    mva = rng.choice(unit, count)
    status = rng.choice(["在运", "在建", "规划"], count, p=[0.92, 0.05, 0.03])
    load = np.minimum(rng.beta(4, 3, count) * 1.05, 0.98)  # in-service loads stay under capacity
    years = rng.integers(1995, 2023, count)
    rows = []
    dealt: dict[str, int] = {}  # names given so far per district
    for i, k in enumerate(picks):
        place = PLACES[k]
        towns, n_given = STATION_TOWNS[place.adcode], dealt.get(place.adcode, 0)
        dealt[place.adcode] = n_given + 1
        again = n_given // len(towns)
        label = f"{kv}千伏{towns[n_given % len(towns)]}{suffix}{again + 1 if again else ''}变"
        in_service = status[i] == "在运"
        rows.append({"name": label, "voltage_kv": kv, "transformer_count": int(n[i]),
                     "capacity_mva": round(float(n[i] * mva[i]), 1),
                     "peak_load_mw": round(float(n[i] * mva[i] * POWER_FACTOR * load[i]), 1) if in_service else np.nan,
                     "status": status[i], "commissioned_year": int(years[i]) if in_service else None,
                     "place_adcode": place.adcode, "geometry": shapely.Point(lon[i], lat[i])})
    out = pd.DataFrame(rows)
    if kv == 110:  # 110 kV 黄沙 (醴陵), commissioned in 2022, is one of the articles' named assets
        liling = places_in("430281", "town")[0]
        x, y = scatter(rng, frame, liling, 1, spread_km=3)
        lon, lat = frame.lonlat(x, y)
        out.loc[0, ["name", "status", "commissioned_year", "place_adcode", "geometry"]] = \
            ["110千伏黄沙变", "在运", 2022, "430281", shapely.Point(lon[0], lat[0])]
        if pd.isna(out.loc[0, "peak_load_mw"]):
            out.loc[0, "peak_load_mw"] = round(out.loc[0, "capacity_mva"] * POWER_FACTOR * 0.5, 1)
    return out


def build_plants(rng: np.random.Generator, frame: Frame) -> pd.DataFrame:
    rows = []
    for name, adcode, lon, lat, mw, status in WIND_FARMS:
        rows.append(_plant(name, adcode, "风电", lon, lat, mw, status, 2019 if status == "在运" else None))
    for name, adcode, lon, lat, mw, status in CENTRAL_PV:
        rows.append(_plant(name, adcode, "集中式光伏", lon, lat, mw, status, 2021))
    for name, adcode, kind, lon, lat, mw, status, year in BIG_PLANTS:
        rows.append(_plant(name, adcode, kind, lon, lat, mw, status, year))
    plants = pd.DataFrame(rows)
    plants = pd.concat([plants, _distributed_pv(rng, frame)], ignore_index=True)
    plants["plant_id"] = [f"DY-{i:05d}" for i in range(1, len(plants) + 1)]
    return plants


def _plant(name, adcode, kind, lon, lat, mw, status, year) -> dict:
    return {"name": name, "kind": kind, "capacity_mw": mw, "status": status, "commissioned_year": year,
            "place_adcode": adcode, "geometry": shapely.Point(lon, lat)}


def _distributed_pv(rng: np.random.Generator, frame: Frame, count: int = 240) -> pd.DataFrame:
    """Rooftop PV on factories and public buildings: 333 MW in all, clustered in parks."""
    weights = np.array([p.weight * (2 if p.kind == "park" else 1) for p in PLACES])
    picks = rng.choice(len(PLACES), count - 1, p=weights / weights.sum())
    mw = allocate(count - 1, DISTRIBUTED_PV_MW - CHENGJIA_PV_MW, rng, lo=0.1, hi=8.0, sigma=0.9, step=0.01)
    rows = [_plant("成家(白关)智慧能源站屋顶光伏", "430203", "分布式光伏", *_near(rng, frame, PLACE_BY_NAME["白关"]),
                   CHENGJIA_PV_MW, "在运", 2022)]
    for k, cap in zip(picks, mw):
        place = PLACES[k]
        rows.append(_plant(f"{place.name}分布式光伏{len(rows):03d}", place.adcode, "分布式光伏",
                           *_near(rng, frame, place), float(cap), "在运", int(rng.integers(2016, 2024))))
    return pd.DataFrame(rows)


def _near(rng, frame: Frame, place: Place) -> tuple[float, float]:
    x, y = scatter(rng, frame, place, 1)
    lon, lat = frame.lonlat(x, y)
    return float(lon[0]), float(lat[0])


def build_transformer_areas(
    rng: np.random.Generator, frame: Frame, stations: pd.DataFrame, *, count: int = TA_COUNT
) -> pd.DataFrame:
    """公变台区 around towns and villages, each fed by its nearest in-service 110/35 kV station."""
    weights = np.array([p.weight * (1.5 if p.kind == "town" else 0.6) for p in PLACES])
    per_place = rng.multinomial(count, weights / weights.sum())
    xs, ys = [], []
    for place, n in zip(PLACES, per_place):
        near = rng.random(n) < 0.6  # 60 % in the town itself, the rest in the villages around
        x1, y1 = scatter(rng, frame, place, int(near.sum()))
        x2, y2 = scatter(rng, frame, place, int((~near).sum()), spread_km=place.spread_km * 5)
        xs += [x1, x2]
        ys += [y1, y2]
    x, y = np.concatenate(xs), np.concatenate(ys)
    lon, lat = frame.lonlat(x, y)
    areas = pd.DataFrame({"geometry": shapely.points(lon, lat)})
    areas["station_id"] = _nearest_feeder(frame, stations, x, y)
    state = np.full(count, "正常", dtype=object)
    governed = rng.choice(count, sum(TA_GOVERNANCE.values()), replace=False)
    state[governed] = np.repeat(list(TA_GOVERNANCE), list(TA_GOVERNANCE.values()))
    areas["state"] = state
    _voltage_quality(rng, areas)
    areas["area_id"] = [f"TQ-{i:06d}" for i in range(1, count + 1)]
    return areas


def _nearest_feeder(frame: Frame, stations: pd.DataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    feeders = stations[stations["voltage_kv"].isin([110, 35]) & (stations["status"] == "在运")]
    fx, fy = frame.to_metric.transform(shapely.get_x(feeders.geometry.to_numpy()),
                                       shapely.get_y(feeders.geometry.to_numpy()))
    tree = shapely.STRtree(shapely.points(fx, fy))
    nearest = tree.query_nearest(shapely.points(x, y), return_distance=False, all_matches=False)[1]
    return feeders["station_id"].to_numpy()[nearest]


def _voltage_quality(rng: np.random.Generator, areas: pd.DataFrame) -> None:
    """Pass rate, low-voltage users and imbalance that agree with each governance state."""
    n = len(areas)
    state = areas["state"].to_numpy()
    bad = np.isin(state, ["待治理", "治理中"])
    checking = state == "待验证"
    rate = 100 - rng.gamma(1.0, 0.25, n)
    rate[bad] = rng.uniform(80, 96.5, bad.sum())
    rate[checking] = rng.uniform(97, 99.5, checking.sum())
    users = np.where(rng.random(n) < 0.05, rng.integers(1, 4, n), 0)
    users[bad] = rng.integers(5, 80, bad.sum())
    imbalance = rng.uniform(2, 15, n)
    imbalance[bad] = rng.uniform(15, 45, bad.sum())
    areas["voltage_pass_rate"] = np.round(np.clip(rate, 0, 100), 2)
    areas["low_voltage_users"] = users
    areas["imbalance_pct"] = np.round(imbalance, 1)
