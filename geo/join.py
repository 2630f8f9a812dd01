"""District of every feature, by one spatial join at build/import time (never per page view)."""

from __future__ import annotations

import geopandas as gpd
import h3
import pandas as pd

from geo.schema import H3_RESOLUTION, STORAGE_CRS


def assign_districts(
    features: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, *, id_column: str
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Set ``district_adcode`` from the district each feature lies in.

    Points join with ``within``; polygons by their representative point (always inside the
    polygon, and cheap for a million parcels). Returns the features (all of them, in their
    original order) and a report of those that fall in no district (``id``, ``lon``, ``lat``),
    so a caller can reject or flag them: nothing is dropped silently.
    """
    if features.crs is None or features.crs.to_string() != STORAGE_CRS:
        raise ValueError(f"features must be in {STORAGE_CRS}, got {features.crs}")
    probe = gpd.GeoDataFrame(
        {"_row": range(len(features))},
        geometry=_probe_points(features.geometry),
        crs=STORAGE_CRS,
    )
    joined = gpd.sjoin(probe, districts[["adcode", "geometry"]], how="left", predicate="within")
    # A point on a shared border matches two districts: keep the first (lowest adcode) match.
    joined = joined.sort_values(["_row", "adcode"]).drop_duplicates("_row")
    result = features.copy()
    result["district_adcode"] = joined.set_index("_row")["adcode"].reindex(range(len(features))).to_numpy()
    missing = result["district_adcode"].isna().to_numpy()
    report = pd.DataFrame({
        "id": result.loc[missing, id_column].to_numpy(),
        "lon": probe.geometry.x.to_numpy()[missing],
        "lat": probe.geometry.y.to_numpy()[missing],
    })
    return result, report


def _probe_points(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    is_point = (geometry.geom_type == "Point").to_numpy()
    if is_point.all():
        return geometry
    return gpd.GeoSeries(geometry.where(is_point, geometry.representative_point()), crs=geometry.crs)


def add_h3_cells(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``h3_r7``: the H3 cell (as a signed 64-bit int) of each feature's point.

    Precomputed once so maps can aggregate millions of features with a GROUP BY instead of
    geometry work per page view (DESIGN "Maps at any size").
    """
    points = _probe_points(features.geometry)
    result = features.copy()
    result["h3_r7"] = pd.array(
        [h3.str_to_int(h3.latlng_to_cell(y, x, H3_RESOLUTION)) for x, y in zip(points.x, points.y)],
        dtype="Int64")
    return result
