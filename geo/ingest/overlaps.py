"""Parcels overlapping each other in an import: a warning per file row, naming the parcels it
overlaps and by how many 亩.

Cadastral parcels do not overlap. A new parcel drawn over a stored one (the same land entered
twice, an outline in the wrong place) counts the overlap twice in the stock: an edited extract
added 30 亩 of 闲置 land, 9.56 亩 of it on a parcel in use, without a word (tester 15). It is a
warning, not a rejection: the steward may be redrawing both parcels in two steps.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import schema
from geo.ingest.coords import same_shapes
from geo.ingest.errors import Localized
from geo.ingest.report import Report

# Slivers where two digitised outlines meet are not overlaps: one must exceed both of these.
MIN_MU = 0.1
MIN_SHARE = 0.01  # of the smaller parcel
NAMED = 3  # parcels named in one warning; more are counted


def check(geometry: gpd.GeoSeries, ids: pd.Series, stored: gpd.GeoDataFrame | None, replace: bool,
          sources: dict, rows: np.ndarray, bad: np.ndarray, report: Report) -> int:
    """Warn for each accepted row whose outline overlaps another parcel: another row of the file,
    or (unless ``replace``) a stored parcel the file does not carry. Only new and redrawn outlines
    are checked, so an unchanged ledger says nothing again. Returns the rows warned about."""
    shapes = geometry.to_numpy()
    ids = ids.astype(str).to_numpy()
    usable = ~bad & pd.notna(shapes)
    usable[usable] &= ~shapely.is_empty(shapes[usable])
    checked = usable.copy()
    others_geom, others_id = shapes[usable], ids[usable]
    if stored is not None and len(stored):
        stored_ids = stored[schema.PRIMARY_KEYS["parcels"]].astype(str).to_numpy()
        stored_geom = stored.geometry.to_numpy()
        # ids are unique in a snapshot: one hash of the stored ids answers both lookups below
        # (isin over a million ids, twice, had been most of the check's time)
        found = pd.Index(stored_ids).get_indexer(ids)
        known = usable & (found >= 0)
        checked[known] = ~same_shapes(stored_geom[found[known]], shapes[known])
        if not replace:  # the stored parcels this file leaves as they are
            kept = np.ones(len(stored_ids), bool)
            kept[found[usable & (found >= 0)]] = False
            others_geom = np.concatenate([others_geom, stored_geom[kept]])
            others_id = np.concatenate([others_id, stored_ids[kept]])
    rows_checked = np.flatnonzero(checked)
    if not len(rows_checked) or len(others_geom) < 2:
        return 0
    # The tree over the few checked outlines, queried with the many others by their boxes: a tree
    # over a million stored parcels took ~1 s to build, for an import of a dozen
    theirs, mine = shapely.STRtree(shapes[rows_checked]).query(others_geom)
    pairs = pd.DataFrame({"row": rows_checked[mine], "other": theirs})
    pairs = pairs[others_id[pairs["other"].to_numpy()] != ids[pairs["row"].to_numpy()]]
    if pairs.empty:
        return 0
    a, b = (_valid(shapes[pairs["row"].to_numpy()]), _valid(others_geom[pairs["other"].to_numpy()]))
    # Interiors meeting in an area, not neighbours sharing an edge: only those are measured (a grid
    # of 40,000 new lots had measured its 280 k touching pairs one by one: review)
    overlapping = shapely.relate_pattern(a, b, "2********")
    pairs, a, b = pairs[overlapping], a[overlapping], b[overlapping]
    if pairs.empty:
        return 0
    metric = gpd.GeoSeries(np.concatenate([a, b]), crs=schema.STORAGE_CRS).to_crs(schema.METRIC_CRS).to_numpy()
    a, b = metric[:len(pairs)], metric[len(pairs):]
    overlap = shapely.area(shapely.intersection(a, b)) / schema.MU_M2
    smaller = np.minimum(shapely.area(a), shapely.area(b)) / schema.MU_M2
    pairs = pairs.assign(mu=overlap)[(overlap > MIN_MU) & (overlap > MIN_SHARE * smaller)]
    pk_label = sources.get(schema.PRIMARY_KEYS["parcels"], schema.PRIMARY_KEYS["parcels"])
    for row, found in pairs.sort_values("mu", ascending=False).groupby("row", sort=True):
        named = [Localized((f"{others_id[o]}（{mu:,.2f} 亩）", f"{others_id[o]} ({mu:,.2f} mu)"))
                 for o, mu in zip(found["other"].head(NAMED), found["mu"].head(NAMED))]
        if len(found) > NAMED:
            named.append(Localized((f"另 {len(found) - NAMED} 块", f"{len(found) - NAMED} more")))
        report.add(rows[row], pk_label, ids[row], "v_overlaps", {"others": named, "mu": f"{found['mu'].sum():,.2f}"})
    return int(pairs["row"].nunique())


def _valid(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` with the invalid ones made valid: a stored parcel with a bad outline (the land
    page reports them) had made the intersection raise and the check crash (review)."""
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
    return geoms
