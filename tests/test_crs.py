"""geo.crs: WGS84 / GCJ-02 / BD-09 conversion."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from geo import crs

# A 61 x 61 grid over Zhuzhou's extent (the districts span 112.96-114.11 E, 26.04-28.03 N).
_GRID = np.meshgrid(np.linspace(112.9, 114.2, 61), np.linspace(26.0, 28.1, 61))
_LON, _LAT = _GRID[0].ravel(), _GRID[1].ravel()

ROUND_TRIPS = [
    pytest.param(crs.wgs84_to_gcj02, crs.gcj02_to_wgs84, id="wgs-gcj-wgs"),
    pytest.param(crs.wgs84_to_bd09, crs.bd09_to_wgs84, id="wgs-bd-wgs"),
    pytest.param(crs.gcj02_to_bd09, crs.bd09_to_gcj02, id="gcj-bd-gcj"),
]
ALL_FUNCS = [
    crs.wgs84_to_gcj02, crs.gcj02_to_wgs84, crs.gcj02_to_bd09,
    crs.bd09_to_gcj02, crs.wgs84_to_bd09, crs.bd09_to_wgs84,
]


@pytest.mark.parametrize(("forward", "inverse"), ROUND_TRIPS)
def test_round_trip_over_zhuzhou_grid(forward, inverse) -> None:
    lon, lat = inverse(*forward(_LON, _LAT))
    assert isinstance(lon, np.ndarray) and lon.shape == _LON.shape
    assert np.max(np.abs(lon - _LON)) < 1e-7
    assert np.max(np.abs(lat - _LAT)) < 1e-7


@pytest.mark.parametrize(("forward", "inverse"), ROUND_TRIPS)
def test_inverse_reproduces_forward_to_1e9_degrees(forward, inverse) -> None:
    """The documented contract: the forward image of the inverse matches its input to < 1e-9°."""
    target_lon, target_lat = forward(_LON, _LAT)
    lon, lat = forward(*inverse(target_lon, target_lat))
    assert np.max(np.abs(lon - target_lon)) < 1e-9
    assert np.max(np.abs(lat - target_lat)) < 1e-9


@pytest.mark.parametrize(("forward", "inverse"), ROUND_TRIPS)
def test_round_trip_scalars_return_floats(forward, inverse) -> None:
    glon, glat = forward(113.13, 27.83)
    assert isinstance(glon, float) and isinstance(glat, float)
    lon, lat = inverse(glon, glat)
    assert isinstance(lon, float) and isinstance(lat, float)
    assert lon == pytest.approx(113.13, abs=1e-7)
    assert lat == pytest.approx(27.83, abs=1e-7)


def test_gcj_offset_around_zhuzhou_is_615_to_685_m() -> None:
    offset = crs.gcj02_offset_m(_LON, _LAT)
    # Measured over this grid: 618-679 m (over the shipped boundary vertices: 637-679 m).
    assert offset.min() > 615
    assert offset.max() < 685
    assert isinstance(crs.gcj02_offset_m(113.13, 27.83), float)


def test_bd_is_a_further_shift_of_several_hundred_metres() -> None:
    glon, glat = crs.wgs84_to_gcj02(113.13, 27.83)
    blon, blat = crs.wgs84_to_bd09(113.13, 27.83)
    assert 0.005 < blon - glon < 0.008
    assert 0.005 < blat - glat < 0.008


@pytest.mark.parametrize("func", ALL_FUNCS, ids=lambda f: f.__name__)
def test_points_outside_china_are_unchanged(func) -> None:
    assert func(2.3522, 48.8566) == (2.3522, 48.8566)  # Paris
    lon, lat = func(np.array([-74.006, 151.2093]), np.array([40.7128, -33.8688]))
    np.testing.assert_array_equal(lon, [-74.006, 151.2093])
    np.testing.assert_array_equal(lat, [40.7128, -33.8688])


@pytest.mark.parametrize("func", ALL_FUNCS, ids=lambda f: f.__name__)
def test_mixed_array_converts_only_points_inside_china(func) -> None:
    lon, lat = func(np.array([2.3522, 113.13, np.nan]), np.array([48.8566, 27.83, 27.0]))
    assert (lon[0], lat[0]) == (2.3522, 48.8566)
    assert abs(lon[1] - 113.13) > 1e-3
    assert np.isnan(lon[2]) and lat[2] == 27.0  # NaN counts as outside: passes through


# Published vectors. eviltransform (github.com/googollee/eviltransform, python/test.py):
# (wgs lat, wgs lng, gcj lat, gcj lng) for Shanghai, Shenzhen, Beijing. Our forward formula
# reproduces them to the last bit.
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), EVILTRANSFORM)
def test_published_gcj_vectors(wlat: float, wlng: float, glat: float, glng: float) -> None:
    lon, lat = crs.wgs84_to_gcj02(wlng, wlat)
    assert lon == pytest.approx(glng, abs=1e-9)
    assert lat == pytest.approx(glat, abs=1e-9)
    lon, lat = crs.gcj02_to_wgs84(glng, glat)
    assert lon == pytest.approx(wlng, abs=1e-8)
    assert lat == pytest.approx(wlat, abs=1e-8)


def test_published_bd_vector() -> None:
    """GCJ-02 -> BD-09 step of the vector in Glatzel/pyxis (geotool) tests."""
    gcj = (121.09626935575027, 30.608604331756705)
    bd = (121.10271732371203, 30.61484572185035)
    assert crs.gcj02_to_bd09(*gcj) == pytest.approx(bd, abs=1e-12)
    assert crs.bd09_to_gcj02(*bd) == pytest.approx(gcj, abs=1e-9)


def test_transform_geometry_moves_every_vertex() -> None:
    ring = [(113.1, 27.8), (113.2, 27.8), (113.2, 27.9), (113.1, 27.9)]
    poly = Polygon(ring, holes=[[(113.12, 27.82), (113.13, 27.82), (113.13, 27.83)]])
    out = crs.transform_geometry(poly, crs.wgs84_to_gcj02)
    assert out.geom_type == "Polygon" and len(out.interiors) == 1
    src, dst = shapely.get_coordinates(poly), shapely.get_coordinates(out)
    lon, lat = crs.wgs84_to_gcj02(src[:, 0], src[:, 1])
    np.testing.assert_allclose(dst, np.column_stack([lon, lat]), rtol=0, atol=1e-12)
    back = crs.transform_geometry(out, crs.gcj02_to_wgs84)
    np.testing.assert_allclose(shapely.get_coordinates(back), src, rtol=0, atol=1e-9)


def test_transform_geometry_on_arrays() -> None:
    triangle = Polygon([(113, 27), (113.1, 27), (113.1, 27.1)])
    geoms = np.array([Point(113.13, 27.83), MultiPolygon([triangle])])
    out = crs.transform_geometry(geoms, crs.wgs84_to_bd09)
    assert [g.geom_type for g in out] == ["Point", "MultiPolygon"]
    assert (out[0].x, out[0].y) == pytest.approx(crs.wgs84_to_bd09(113.13, 27.83), abs=1e-12)
