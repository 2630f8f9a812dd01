"""Where things are in Zhuzhou: the parks and town centres the demo clusters its features around.

Coordinates are WGS84 approximations of the real places (parks named in the articles, district
seats, larger towns). They only need to be right to a few kilometres: features are scattered
around them and every one is checked to fall inside its district. A test asserts each place lies
inside its own district's boundary.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    name: str  # park name as stored in projects.park / parcels.park, or a town name
    adcode: str
    lon: float
    lat: float
    kind: str  # "park" (industrial park) or "town" (town centre)
    weight: float  # relative share of projects / parcels / transformer areas
    spread_km: float  # how far features scatter around the centre


PLACES: tuple[Place, ...] = (
    # 天元区 = 株洲高新区 administration
    Place("株洲高新区", "430211", 113.070, 27.805, "park", 5.0, 4.0),
    Place("天易科技城", "430211", 113.055, 27.745, "park", 1.5, 3.0),
    Place("天元城区", "430211", 113.100, 27.835, "town", 3.0, 3.0),
    # 荷塘区: 株洲经开区 (云龙 / 北斗产业园) and 金山
    Place("株洲经开区", "430202", 113.205, 27.905, "park", 3.0, 3.5),
    Place("北斗产业园", "430202", 113.170, 27.885, "park", 1.0, 1.5),
    Place("荷塘城区", "430202", 113.165, 27.860, "town", 2.5, 2.5),
    # 石峰区
    Place("田心轨道交通城", "430204", 113.128, 27.892, "park", 3.0, 2.5),
    Place("清水塘", "430204", 113.080, 27.875, "park", 1.2, 2.0),
    Place("石峰城区", "430204", 113.125, 27.872, "town", 1.5, 2.0),
    # 芦淞区
    Place("芦淞服饰市场群", "430203", 113.148, 27.825, "park", 2.0, 1.5),
    Place("董家塅高科园", "430203", 113.160, 27.768, "park", 1.5, 2.0),
    Place("白关", "430203", 113.235, 27.772, "town", 1.0, 3.0),
    Place("芦淞城区", "430203", 113.155, 27.800, "town", 1.5, 2.0),
    # 渌口区
    Place("南洲产业园", "430212", 113.135, 27.660, "park", 2.0, 3.0),
    Place("渌口城区", "430212", 113.150, 27.700, "town", 1.5, 2.5),
    Place("淦田", "430212", 113.085, 27.445, "town", 0.6, 3.0),
    # 攸县
    Place("攸县高新区", "430223", 113.375, 27.030, "park", 2.5, 3.0),
    Place("攸县城区", "430223", 113.345, 27.000, "town", 2.0, 3.0),
    Place("皇图岭", "430223", 113.385, 27.190, "town", 0.6, 3.5),
    Place("网岭", "430223", 113.250, 27.060, "town", 0.5, 3.5),
    # 茶陵县
    Place("茶陵经开区", "430224", 113.520, 26.825, "park", 2.0, 3.0),
    Place("茶陵城区", "430224", 113.545, 26.790, "town", 1.8, 3.0),
    Place("严塘", "430224", 113.620, 26.960, "town", 0.5, 3.5),
    # 炎陵县
    Place("炎陵工业集中区", "430225", 113.790, 26.510, "park", 1.0, 2.5),
    Place("炎陵城区", "430225", 113.772, 26.490, "town", 1.2, 2.5),
    Place("沔渡", "430225", 113.880, 26.565, "town", 0.4, 3.5),
    # 醴陵市
    Place("醴陵经开区东富工业园", "430281", 113.560, 27.625, "park", 2.5, 3.0),
    Place("醴陵陶瓷新材料园", "430281", 113.470, 27.680, "park", 2.0, 3.0),
    Place("船湾服饰产业园", "430281", 113.520, 27.700, "park", 1.0, 2.0),
    Place("醴陵城区", "430281", 113.500, 27.648, "town", 2.5, 3.0),
    Place("浦口", "430281", 113.390, 27.760, "town", 0.5, 3.5),
    Place("白兔潭", "430281", 113.640, 27.820, "town", 0.5, 3.5),
)

PLACE_BY_NAME = {p.name: p for p in PLACES}


def places_in(adcode: str, kind: str | None = None) -> list[Place]:
    return [p for p in PLACES if p.adcode == adcode and (kind is None or p.kind == kind)]
