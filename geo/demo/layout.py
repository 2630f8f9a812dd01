"""Putting demo features on the ground: points around places, non-overlapping parcels in parks.

All placement happens in the metric CRS (EPSG:4547, metres) so spreads and parcel sizes are real
distances; results are converted to WGS84 once at the end. Every feature is drawn inside its
district's boundary shrunk by a margin, so even a parcel's corners stay in its district.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geo.demo.places import Place
from geo.schema import METRIC_CRS, STORAGE_CRS


@dataclass
class Frame:
    """District polygons in metres, with the transforms to and from WGS84."""

    polygons: dict[str, shapely.Geometry]  # adcode -> MultiPolygon in METRIC_CRS
    to_metric: Transformer
    to_wgs84: Transformer

    @classmethod
    def from_districts(cls, districts: gpd.GeoDataFrame) -> Frame:
        metric = districts.to_crs(METRIC_CRS)
        polygons = dict(zip(metric["adcode"], metric.geometry))
        for geom in polygons.values():
            shapely.prepare(geom)
        return cls(
            polygons,
            Transformer.from_crs(STORAGE_CRS, METRIC_CRS, always_xy=True),
            Transformer.from_crs(METRIC_CRS, STORAGE_CRS, always_xy=True),
        )

    def shrunk(self, adcode: str, margin_m: float) -> shapely.Geometry:
        key = (adcode, round(margin_m))
        cache = self.__dict__.setdefault("_shrunk", {})
        if key not in cache:
            geom = self.polygons[adcode].buffer(-margin_m) if margin_m else self.polygons[adcode]
            shapely.prepare(geom)
            cache[key] = geom
        return cache[key]

    def metric_xy(self, lon: float, lat: float) -> tuple[float, float]:
        return self.to_metric.transform(lon, lat)

    def lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.to_wgs84.transform(x, y)


def scatter(
    rng: np.random.Generator, frame: Frame, place: Place, n: int, *, spread_km: float | None = None,
    margin_m: float = 150.0,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points (metres) normally spread around ``place``, all inside its district."""
    cx, cy = frame.metric_xy(place.lon, place.lat)
    sigma = (spread_km or place.spread_km) * 1000.0
    area = frame.shrunk(place.adcode, margin_m)
    xs, ys = np.empty(0), np.empty(0)
    for _ in range(200):
        if len(xs) >= n:
            break
        k = max(2 * (n - len(xs)), 16)
        x = cx + rng.normal(0, sigma, k)
        y = cy + rng.normal(0, sigma, k)
        keep = shapely.contains_xy(area, x, y)
        xs, ys = np.concatenate([xs, x[keep]]), np.concatenate([ys, y[keep]])
    if len(xs) < n:
        raise ValueError(f"could not place {n} points around {place.name} inside {place.adcode}")
    return xs[:n], ys[:n]


def grid_cells(
    rng: np.random.Generator, frame: Frame, quotas: list[tuple[Place, int]], cell_m: float,
    *, margin_m: float, taken: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cell centres on one city-wide grid: each place takes its nearest free cells.

    Cells never repeat, so parcels drawn inside cells never overlap. Nearness has a little noise
    so parks grow as irregular blobs rather than perfect discs. ``taken`` holds cell keys
    (``i * 2**32 + j``) that are already built on. Returns (x, y, place index, all taken keys).
    """
    taken = np.empty(0, np.int64) if taken is None else taken
    out_x, out_y, out_place = [], [], []
    for index, (place, quota) in enumerate(quotas):
        if quota <= 0:
            continue
        cx, cy = frame.metric_xy(place.lon, place.lat)
        area = frame.shrunk(place.adcode, margin_m)
        radius = cell_m * (np.sqrt(quota) * 1.2 + 3)
        while True:
            i0, i1 = int((cx - radius) // cell_m), int((cx + radius) // cell_m) + 1
            j0, j1 = int((cy - radius) // cell_m), int((cy + radius) // cell_m) + 1
            ii, jj = np.meshgrid(np.arange(i0, i1), np.arange(j0, j1), indexing="ij")
            ii, jj = ii.ravel(), jj.ravel()
            x, y = (ii + 0.5) * cell_m, (jj + 0.5) * cell_m
            keys = ii.astype(np.int64) * 2**32 + jj
            ok = shapely.contains_xy(area, x, y) & ~np.isin(keys, taken)
            if ok.sum() >= quota or radius > 80_000:
                break
            radius *= 1.5
        dist = np.hypot(x - cx, y - cy) * rng.lognormal(0, 0.25, len(x))
        dist[~ok] = np.inf
        chosen = np.argsort(dist)[:quota]
        chosen = chosen[np.isfinite(dist[chosen])]
        if len(chosen) < quota:
            raise ValueError(f"{place.name}: room for {len(chosen)} parcels, {quota} wanted")
        taken = np.concatenate([taken, keys[chosen]])
        out_x.append(x[chosen])
        out_y.append(y[chosen])
        out_place.append(np.full(len(chosen), index))
    return np.concatenate(out_x), np.concatenate(out_y), np.concatenate(out_place), taken


def refine_keys(keys: np.ndarray, factor: int) -> np.ndarray:
    """The keys of a grid ``factor`` times finer that lie inside the given coarse cells."""
    i, j = keys // 2**32, keys % 2**32
    a, b = np.meshgrid(np.arange(factor), np.arange(factor), indexing="ij")
    fine_i = (i[:, None] * factor + a.ravel()[None, :]).ravel()
    fine_j = (j[:, None] * factor + b.ravel()[None, :]).ravel()
    return fine_i.astype(np.int64) * 2**32 + fine_j


def rectangles(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, area_m2: np.ndarray, cell_m: float
) -> np.ndarray:
    """Rotated rectangles of exactly ``area_m2`` centred in their cells, never leaving the cell.

    The diagonal is kept under 90 % of the cell side, so any rotation stays inside the cell and
    neighbouring parcels keep a gap (a road) between them.
    """
    aspect = rng.uniform(0.6, 1.7, len(x))
    max_diag = 0.9 * cell_m
    # diagonal^2 = A*(r + 1/r); shrink the aspect towards 1 where the diagonal would not fit
    for _ in range(20):
        too_long = area_m2 * (aspect + 1 / aspect) > max_diag**2
        if not too_long.any():
            break
        aspect[too_long] = 1 + (aspect[too_long] - 1) * 0.6
    if (area_m2 * 2 > max_diag**2).any():
        raise ValueError("a parcel is too large for its grid cell")
    width = np.sqrt(area_m2 * aspect)
    height = area_m2 / width
    angle = rng.uniform(-np.pi / 9, np.pi / 9, len(x))
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], float) / 2
    dx = corners[None, :, 0] * width[:, None]
    dy = corners[None, :, 1] * height[:, None]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    px = x[:, None] + dx * cos - dy * sin
    py = y[:, None] + dx * sin + dy * cos
    rings = np.stack([px, py], axis=-1)
    return shapely.polygons(rings)
