"""Coordinates of a ledger: the declared source system to WGS84, and whether they are plausible.

The steward says what system the coordinates are in (``CRS_CHOICES``): WGS84 and CGCS2000 are
taken as they are (they differ by centimetres), GCJ-02 and BD-09 go through ``geo.crs``'s exact
inverses, an EPSG code (a projected CGCS2000 zone, say) through pyproj. Then the whole file is
judged: if most points fall outside Zhuzhou it is stopped (with "lat/lon look swapped" when
swapping them would put the points inside); single points outside, (0, 0), NaN and
self-intersecting polygons are rejected row by row; points (or polygons' centroids) declared
WGS84 that sit where the same ids stood shifted by exactly the GCJ-02 offset produce a warning.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo import crs as gcrs
from geo.boundaries import load_districts
from geo.ingest.errors import IngestError, Localized
from geo.join import assign_districts
from geo.schema import STORAGE_CRS

CRS_CHOICES = ("auto", "wgs84", "cgcs2000", "gcj02", "bd09", "epsg")
OUTSIDE_SHARE_STOPS = 0.5  # more than half the points outside the city: the file is wrong, not the rows
_GEOGRAPHIC = {4326, 4490, 4610, 4214}  # WGS84, CGCS2000, Xian 1980, Beijing 1954: degrees, ~as WGS84 here
_HALF_LIFE_M = 60.0  # how close the file-vs-store shift must be to the GCJ-02 offset to warn


def parse_choice(text: str | None) -> str:
    """``"gcj02"``, ``"EPSG:4547"``, ``"4547"`` … -> a canonical choice; IngestError otherwise."""
    t = (text or "auto").strip().lower().replace("-", "").replace("_", "")
    if t in ("auto", "wgs84", "cgcs2000", "gcj02", "bd09"):
        return t
    if t in ("4326",):
        return "wgs84"
    if t in ("4490",):
        return "cgcs2000"
    code = t.removeprefix("epsg:")
    if code.isdigit():
        try:
            CRS.from_epsg(int(code))
        except CRSError:
            raise IngestError("bad_crs", crs=text) from None
        return f"epsg:{int(code)}"
    raise IngestError("bad_crs", crs=text)


def source_system(choice: str, file_crs: str | None, is_gis: bool) -> str:
    """What the coordinates are in: "wgs84", "gcj02", "bd09" or "epsg:NNNN"."""
    if choice == "cgcs2000":
        return "wgs84"
    if choice != "auto":
        return choice
    if not is_gis:
        return "wgs84"
    if file_crs is None:
        raise IngestError("no_crs")
    epsg = CRS.from_user_input(file_crs).to_epsg()
    if epsg in _GEOGRAPHIC:
        return "wgs84"
    return f"epsg:{epsg}" if epsg else file_crs


def _to_wgs84(geom: np.ndarray, system: str) -> np.ndarray:
    if system == "wgs84":
        return geom
    if system == "gcj02":
        return gcrs.transform_geometry(geom, gcrs.gcj02_to_wgs84)
    if system == "bd09":
        return gcrs.transform_geometry(geom, gcrs.bd09_to_wgs84)
    src = system.upper() if system.startswith("epsg:") else system
    return gpd.GeoSeries(geom, crs=src).to_crs(STORAGE_CRS).to_numpy()


def points_from_columns(x: pd.Series, y: pd.Series, system: str) -> tuple[np.ndarray, dict[int, tuple], list]:
    """Point geometries from two numeric columns; rows without usable numbers are rejected.

    With a projected system, surveyors' X is the northing: X ≈ 3,000,000 and Y ≈ 500,000 (or with
    the zone prefix, 38,500,000) around here, so those columns are swapped back, with a note."""
    xv, yv = x.to_numpy(dtype=float, na_value=np.nan), y.to_numpy(dtype=float, na_value=np.nan)
    notes: list = []
    if system.startswith("epsg:") and np.isfinite(xv).any() and np.isfinite(yv).any():
        mx, my = np.nanmedian(xv), np.nanmedian(yv)
        if 2_000_000 < mx < 4_000_000 and (my < 1_000_000 or my > 10_000_000):
            xv, yv = yv, xv
            notes.append(("ingest_n_xy_swapped", {}))
    if system.startswith("epsg:") and np.isfinite(xv).any():
        _check_zone_prefix(int(system.split(":")[1]), float(np.nanmedian(xv)))
    reasons: dict[int, tuple] = {}
    missing = ~(np.isfinite(xv) & np.isfinite(yv))
    for i in np.flatnonzero(missing):
        reasons[i] = ("v_coords_missing", {})
    zero = ~missing & (xv == 0) & (yv == 0)
    for i in np.flatnonzero(zero):
        reasons[i] = ("v_coords_zero", {})
    if not system.startswith("epsg:"):
        located = ~missing & ~zero
        if located.any() and np.nanmedian(np.abs(xv[located])) > 1000:
            raise IngestError("looks_projected")
        off = located & ((np.abs(xv) > 180) | (np.abs(yv) > 90))
        if off.sum() > OUTSIDE_SHARE_STOPS * located.sum():  # latitude 113°: swapped columns, or nonsense
            swapped = shapely.points(yv[off], xv[off])
            if _inside_share(swapped, system, load_districts()) >= 0.8:
                raise IngestError("swapped", n=int(off.sum()), total=int(located.sum()))
            i = int(np.flatnonzero(off)[0])
            raise IngestError("outside_city", n=int(off.sum()), total=int(located.sum()), lon=xv[i], lat=yv[i])
        for i in np.flatnonzero(off):  # one such row: say when it is a swapped pair, as the stop above does
            swapped = _inside_share(np.array([shapely.Point(yv[i], xv[i])], dtype=object), system, load_districts())
            reasons[i] = ("v_coords_swapped" if swapped else "v_coords_range", {"x": xv[i], "y": yv[i]})
    geom = np.full(len(xv), None, dtype=object)
    ok = np.ones(len(xv), bool)
    ok[list(reasons)] = False
    geom[ok] = shapely.points(xv[ok], yv[ok])
    return geom, reasons, notes


# CGCS2000 3-degree Gauss-Kruger, the surveyors' grids: EPSG 4513-4533 are zones 25-45 with the
# zone number before the easting (38,512,345 m), 4534-4554 central meridians 75-135°E without it
# (512,345 m). Zhuzhou lies in zone 38, CM 114°E: 4526 or 4547.
_GK_ZONED, _GK_CM = range(4513, 4534), range(4534, 4555)


def _check_zone_prefix(epsg: int, easting: float) -> None:
    """Stop a file whose eastings do not match the chosen grid's form (with or without the zone
    number), naming the code that fits: otherwise every point is reported outside the city
    (projected to infinity), which tells the steward nothing."""
    zone = int(easting // 1_000_000)
    if epsg in _GK_CM and 25 <= zone <= 45:
        raise IngestError("zone_prefix", epsg=epsg, zone=zone, fits=_GK_ZONED[zone - 25])
    if epsg in _GK_ZONED and 100_000 < easting < 1_000_000:
        cm = 3 * (epsg - _GK_ZONED[0] + 25)
        raise IngestError("no_zone_prefix", epsg=epsg, cm=cm, fits=_GK_CM[(cm - 75) // 3])


def wkt_geometries(wkt: pd.Series) -> tuple[np.ndarray, dict[int, tuple]]:
    values = wkt.to_numpy(dtype=object)
    geom = shapely.from_wkt(np.where(pd.isna(values), None, values), on_invalid="ignore")
    reasons = {}
    for i in np.flatnonzero(pd.isna(values)):
        reasons[i] = ("v_coords_missing", {})
    for i in np.flatnonzero(~pd.isna(values) & pd.isna(geom)):
        reasons[i] = ("v_bad_wkt", {})
    return geom, reasons


# GEOS's validity reasons (shapely.is_valid_reason: "Self-intersection[113.1206387 27.8860137]"),
# in the steward's words; a reason GEOS adds later is shown as it comes.
_GEOS_REASONS = {
    "Self-intersection": ("图形自相交", "self-intersection"),
    "Ring Self-intersection": ("边界环自相交", "ring self-intersection"),
    "Too few points in geometry component": ("顶点太少，围不成面", "too few points to make an area"),
    "Too few distinct points in geometry component": ("顶点太少，围不成面", "too few points to make an area"),
    "Hole lies outside shell": ("内环（洞）在外边界之外", "a hole lies outside the outer boundary"),
    "Holes are nested": ("内环（洞）相互嵌套", "holes are nested"),
    "Interior is disconnected": ("内环把地块分成了不相连的几块", "holes split the interior into disconnected parts"),
    "Nested shells": ("多个外边界相互嵌套", "outer boundaries are nested"),
    "Duplicate Rings": ("边界环重复", "duplicated rings"),
    "Invalid Coordinate": ("坐标无效（非数字）", "invalid coordinate (not a number)"),
    "Ring is not closed": ("边界环未闭合", "a ring is not closed"),
    "Repeated Point": ("有重复的顶点", "repeated point"),
    "Topology Validation Error": ("拓扑错误", "topology error"),
}
_GEOS_REASON_RE = re.compile(r"^(.*?)\s*\[(\S+) (\S+)\]$")


def invalid_reason(geom) -> Localized:
    """Why a polygon is invalid, in Chinese and English, with GEOS's position rounded to 4
    decimals (about 10 m): "图形自相交（位置 113.1206, 27.8860）"."""
    text = shapely.is_valid_reason(geom) or ""
    found = _GEOS_REASON_RE.match(text)
    what, where = (found[1], (found[2], found[3])) if found else (text, None)
    zh, en = _GEOS_REASONS.get(what, (what, what))
    if where is None:
        return Localized((zh, en))

    def rounded(v: str) -> str:
        try:
            return f"{float(v):.4f}"
        except ValueError:
            return v

    x, y = map(rounded, where)
    return Localized((f"{zh}（位置 {x}, {y}）", f"{en} (at {x}, {y})"))


def check_geometry(geom: np.ndarray, polygons: bool, repair: bool, flag_missing: bool = True
                   ) -> tuple[np.ndarray, dict[int, tuple], np.ndarray]:
    """Type and validity per row: point tables need points, parcels (multi)polygons; an invalid
    polygon (self-intersection …) is rejected with GEOS's reason, or repaired with make_valid when
    the steward asks (those rows count as changed)."""
    reasons: dict[int, tuple] = {}
    changed = np.zeros(len(geom), bool)
    have = ~pd.isna(geom)
    kinds = np.array([g.geom_type if g is not None else "" for g in geom], dtype=object)
    empty = have & shapely.is_empty(np.where(have, geom, None)).astype(bool)
    for i in np.flatnonzero(empty | (~have & flag_missing)):
        reasons[i] = ("v_coords_missing", {})
    want = ("Polygon", "MultiPolygon") if polygons else ("Point",)
    for i in np.flatnonzero(have & ~empty & ~np.isin(kinds, want)):
        # a parcel given as a point (lon/lat): said in words, with what to give instead (tester 15)
        reasons[i] = (("v_point_not_outline", {}) if polygons and kinds[i] in ("Point", "MultiPoint") else
                      ("v_geom_type", {"got": kinds[i], "want": "/".join(want)}))
    if polygons:
        check = have & ~empty & np.isin(kinds, want)
        invalid = check & ~shapely.is_valid(np.where(check, geom, None)).astype(bool)
        for i in np.flatnonzero(invalid):
            why = invalid_reason(geom[i])
            if repair:
                fixed = shapely.make_valid(geom[i])
                parts = [g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in want]
                geom[i] = shapely.multipolygons(parts) if len(parts) > 1 else (parts[0] if parts else None)
                changed[i] = True
                if geom[i] is None:  # nothing of an area left (too few points): the original's reason
                    reasons[i] = ("v_invalid_polygon_unrepaired", {"why": why})
            else:
                reasons[i] = ("v_invalid_polygon", {"why": why})
    return geom, reasons, changed


def locate(geom: np.ndarray, system: str, ids: pd.Series, swap_probe: np.ndarray | None = None
           ) -> tuple[gpd.GeoSeries, pd.Series, dict[int, tuple]]:
    """WGS84 geometry and district of every row with a geometry; rows outside the city are
    rejected, or the whole file is stopped when most are (swapped lat/lon says so)."""
    wgs = _to_wgs84(geom, system)
    have = ~pd.isna(wgs)
    districts = load_districts()
    gs = gpd.GeoSeries(np.where(have, wgs, None), crs=STORAGE_CRS)
    feats = gpd.GeoDataFrame({"_id": ids.to_numpy()[have]}, geometry=gs[have].reset_index(drop=True), crs=STORAGE_CRS)
    joined, outside = assign_districts(feats, districts, id_column="_id")
    adcode = pd.Series(None, index=range(len(wgs)), dtype=object)
    adcode.iloc[np.flatnonzero(have)] = joined["district_adcode"].to_numpy()
    out_mask = have & adcode.isna().to_numpy()
    n_have = int(have.sum())
    if n_have and out_mask.sum() > OUTSIDE_SHARE_STOPS * n_have:
        if swap_probe is not None and _inside_share(shapely.transform(swap_probe, lambda c: c[:, ::-1]), system, districts) >= 0.8:
            raise IngestError("swapped", n=int(out_mask.sum()), total=n_have)
        sample = wgs[np.flatnonzero(out_mask)[0]].representative_point()
        raise IngestError("outside_city", n=int(out_mask.sum()), total=n_have,
                          lon=f"{sample.x:.4f}", lat=f"{sample.y:.4f}")
    reasons = {}
    for i in np.flatnonzero(out_mask):
        p = wgs[i].representative_point()
        reasons[i] = ("v_outside", {"lon": f"{p.x:.5f}", "lat": f"{p.y:.5f}"})
    return gs, adcode, reasons


def _inside_share(geom: np.ndarray, system: str, districts: gpd.GeoDataFrame) -> float:
    have = ~pd.isna(geom)
    if not have.any():
        return 0.0
    try:
        wgs = _to_wgs84(geom[have], system)
    except Exception:  # noqa: BLE001 - a swapped projected pair may not even transform
        return 0.0
    city = districts.geometry.union_all()
    return float(shapely.contains_xy(city, shapely.get_x(shapely.centroid(wgs)), shapely.get_y(shapely.centroid(wgs))).mean())


def gcj_suspect(new: gpd.GeoSeries, ids: pd.Series, stored: gpd.GeoSeries | None, stored_ids: pd.Series | None) -> dict | None:
    """Values for the "looks like GCJ-02" warning, or None.

    Compares geometries declared WGS84 with the stored ones of the same ids, points as they are
    and polygons by their centroids (which the near-uniform offset moves with them: a GCJ-02
    parcel extract imported back had moved 304 parcels ~660 m unremarked, tester 14): if the
    shift between them is the GCJ-02 offset at that place (within tens of metres, while the
    offset is ~600 m), the file almost certainly holds AMap/Tencent coordinates."""
    if stored is None or stored_ids is None or not len(stored):
        return None
    here = pd.Series(new.to_numpy(), index=ids.to_numpy())
    there = pd.Series(stored.to_numpy(), index=stored_ids.to_numpy())
    # ids once on each side, matched as indexes: looked up one by one, 200 k parcels took 0.65 s
    here, there = (s[~s.index.duplicated(keep=False) & s.notna().to_numpy()] for s in (here, there))
    common = here.index.intersection(there.index)[:2000]
    pairs = [(a, b) for a, b in zip(here[common].to_numpy(), there[common].to_numpy())
             if all(isinstance(g, shapely.Geometry) and not g.is_empty for g in (a, b))]
    if len(pairs) < 3:
        return None
    new_points, stored_points = (shapely.centroid(np.array(side, dtype=object)) for side in zip(*pairs))
    nx, ny = shapely.get_x(new_points), shapely.get_y(new_points)
    sx, sy = shapely.get_x(stored_points), shapely.get_y(stored_points)
    gx, gy = gcrs.wgs84_to_gcj02(sx, sy)
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    _, _, to_gcj = geod.inv(gx, gy, nx, ny)
    _, _, moved = geod.inv(sx, sy, nx, ny)
    near_gcj = np.asarray(to_gcj) < _HALF_LIFE_M
    moved = np.asarray(moved)
    if near_gcj.mean() >= 0.6 and np.median(moved) > 300:
        return {"n": int(near_gcj.sum()), "total": len(pairs), "m": f"{np.median(moved):.0f}"}
    return None


# Of a degree, when rows are compared: points within 1e-6° (~10 cm) are the same, what department
# ledgers and AMap's picker carry. Compared to 1e-7° (a hash of rounded coordinates), a ledger
# typing the stored point to 6 decimals moved it ~2 cm, and every such row (every row of a GCJ-02
# file, converted back) counted as updated (exploratory tester 5). A tolerance, not rounding:
# rounding both sides to 6 decimals split points that straddle a rounding boundary.
COORD_TOLERANCE = 1e-6


def same_shapes(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Whether each pair of geometries is the same within ``COORD_TOLERANCE``, whatever the
    orientation and start vertex of their rings (both missing counts as the same): a Shapefile
    writer makes outer rings clockwise, and an unedited parcel layer round-tripped through one had
    "updated" all 1,831 parcels (tester 14)."""
    same = shapely.equals_exact(new, old, tolerance=COORD_TOLERANCE) | (pd.isna(new) & pd.isna(old))
    # Normalised only where the plain test fails: normalising 1 M outlines took 2.35 s against
    # 0.07 s, on every check of a parcel file (review)
    redo = np.flatnonzero(~same & pd.notna(new) & pd.notna(old))
    if len(redo):
        same[redo] = shapely.equals_exact(shapely.normalize(new[redo]), shapely.normalize(old[redo]),
                                          tolerance=COORD_TOLERANCE)
    return same
