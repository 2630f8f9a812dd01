"""Parcels overlapping each other in an import: warned per row, with the other parcel and the 亩."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely

from geo import schema, store
from geo.boundaries import DISTRICT_SEATS
from geo.ingest import Options, check, load

from fixtures_demo import demo_store  # noqa: F401  (session fixture: the calibrated demo store)

SIDE_M = 100.0  # a 100 m square is 15 亩
SQUARE_MU = SIDE_M ** 2 / schema.MU_M2


def _metric_box(x0: float, y0: float, side: float = SIDE_M):
    """A square in WGS84 whose south-west corner is (x0, y0) metres east/north of Liling's seat."""
    seat = gpd.GeoSeries([shapely.Point(*DISTRICT_SEATS["430281"])], crs=4326).to_crs(schema.METRIC_CRS).iloc[0]
    box = shapely.box(seat.x + x0, seat.y + y0, seat.x + x0 + side, seat.y + y0 + side)
    return gpd.GeoSeries([box], crs=schema.METRIC_CRS).to_crs(4326).iloc[0]


def _geojson(parcels: dict[str, shapely.Geometry]) -> bytes:
    feats = [{"type": "Feature", "geometry": shapely.geometry.mapping(g),
              "properties": {"地块编号": pid, "土地用途": "工业", "状态": "闲置"}} for pid, g in parcels.items()]
    return json.dumps({"type": "FeatureCollection", "features": feats}).encode()


def _overlaps(checked, lang: str = "zh") -> dict[str, str]:
    """parcel id -> the overlap warning's text."""
    frame = checked.report.problem_frame(lang)
    reason = frame.columns[3]
    return {value: text for value, text in zip(frame.iloc[:, 2], frame[reason]) if "重叠" in text or "overlap" in text}


def test_two_rows_of_a_file_overlapping_each_name_the_other_with_the_overlap_in_mu():
    c = check(load(_geojson({"A": _metric_box(0, 0), "B": _metric_box(50, 0),  # half of A: 7.50 亩
                             "C": _metric_box(300, 0), "D": _metric_box(400, 0)}),  # C and D only touch
                   "p.geojson", "parcels"), Options("parcels"))
    assert c.report.rejected == 0 and c.report.accepted == 4  # a warning: nothing is held back
    warned = _overlaps(c)
    assert sorted(warned) == ["A", "B"]
    assert warned["A"] == "与 B（7.50 亩）重叠，共 7.50 亩（重叠部分会重复计入存量），请核对范围"
    assert _overlaps(c, "en")["A"].startswith("overlaps B (7.50 mu), 7.50 mu in all")
    assert ("ingest_w_overlaps", {"n": 2}) in c.report.notes


def test_slivers_where_digitised_outlines_meet_are_not_overlaps():
    """0.3 m into the neighbour: 0.045 亩, under both the 0.1 亩 and the 1 % floor."""
    c = check(load(_geojson({"A": _metric_box(0, 0), "B": _metric_box(SIDE_M - 0.3, 0)}), "p.geojson", "parcels"),
              Options("parcels"))
    assert _overlaps(c) == {} and not [k for k, _ in c.report.notes if k == "ingest_w_overlaps"]


def test_a_new_parcel_over_a_stored_one_is_warned_and_an_unchanged_stored_one_is_not(demo_store):  # noqa: F811
    base = store.open_current(demo_store)
    stored = store.read_table(base, "parcels")
    victim = stored.iloc[0]
    # the stored parcel's own outline, unchanged, and a new square centred on it
    centre = gpd.GeoSeries([victim.geometry.representative_point()], crs=4326).to_crs(schema.METRIC_CRS).iloc[0]
    new = gpd.GeoSeries([shapely.box(centre.x - 20, centre.y - 20, centre.x + 20, centre.y + 20)],
                        crs=schema.METRIC_CRS).to_crs(4326).iloc[0]
    data = _geojson({victim.parcel_id: victim.geometry, "NEW-1": new})
    c = check(load(data, "p.geojson", "parcels"), Options("parcels"), base=base)
    warned = _overlaps(c)
    assert list(warned) == ["NEW-1"] and f"{victim.parcel_id}（" in warned["NEW-1"]
    overlap_mu = new.intersection(victim.geometry)
    mu = gpd.GeoSeries([overlap_mu], crs=4326).to_crs(schema.METRIC_CRS).area.iloc[0] / schema.MU_M2
    assert f"重叠，共 {mu:,.2f} 亩" in warned["NEW-1"]
    # replacing the table drops the stored parcels the file lacks: only the file's rows compare
    replaced = check(load(_geojson({"NEW-1": new}), "p.geojson", "parcels"), Options("parcels", mode="replace"), base=base)
    assert _overlaps(replaced) == {}


def test_a_redrawn_stored_parcel_is_checked_and_moving_off_its_neighbour_clears_it(demo_store):  # noqa: F811
    base = store.open_current(demo_store)
    stored = store.read_table(base, "parcels")
    a, b = stored.iloc[0], stored.iloc[1]
    # a redrawn onto b: warned, naming b; a redrawn to where it was: nothing
    onto_b = check(load(_geojson({a.parcel_id: b.geometry}), "p.geojson", "parcels"), Options("parcels"), base=base)
    assert list(_overlaps(onto_b)) == [a.parcel_id] and b.parcel_id in _overlaps(onto_b)[a.parcel_id]
    back = check(load(_geojson({a.parcel_id: a.geometry}), "p.geojson", "parcels"), Options("parcels"), base=base)
    assert _overlaps(back) == {}


@pytest.mark.parametrize("n, named", [(3, 3), (5, 3)])
def test_one_warning_names_at_most_three_parcels_and_counts_the_rest(n, named):
    small = {f"S{i}": _metric_box(i * 20, 0, side=20) for i in range(n)}
    c = check(load(_geojson({"BIG": _metric_box(0, 0, side=n * 20), **small}), "p.geojson", "parcels"), Options("parcels"))
    text = _overlaps(c)["BIG"]
    assert text.count("（0.60 亩）") == named and (f"另 {n - named} 块" in text) == (n > named)
    assert f"重叠，共 {n * 0.6:,.2f} 亩" in text


def test_a_stored_parcel_with_an_invalid_outline_is_compared_not_a_crash():
    """A bow-tie outline in the store (the land page lists such parcels) made the intersection
    raise (review): it is made valid for the comparison."""
    bowtie = _metric_box(0, 0)
    x0, y0, x1, y1 = bowtie.bounds
    stored = gpd.GeoDataFrame({"parcel_id": ["OLD"]}, crs=4326,
                              geometry=[shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])])
    assert not stored.geometry.is_valid.all()
    import numpy as np
    import pandas as pd

    from geo.ingest import overlaps
    from geo.ingest.report import Report

    report = Report("parcels", "p.geojson")
    new = gpd.GeoSeries([_metric_box(0, 0)], crs=4326)
    n = overlaps.check(new, pd.Series(["NEW"]), stored, False, {}, np.array([2]), np.zeros(1, bool), report)
    assert n == 1 and report.problems[0][3] == "v_overlaps"
    assert report.problem_frame("zh").iloc[0, 3].startswith("与 OLD（")  # the valid part of the bow-tie


def test_neighbours_sharing_edges_are_not_measured_as_overlaps():
    grid = {f"G{i}{j}": _metric_box(i * SIDE_M, j * SIDE_M) for i in range(4) for j in range(4)}
    c = check(load(_geojson(grid), "p.geojson", "parcels"), Options("parcels"))
    assert _overlaps(c) == {} and c.report.accepted == 16
