"""geo.cube: the per-snapshot parcel cube gives exactly the figures of the raw parcels, in scope."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import CHALING, HETANG, LILING
from test_land import demo, snap  # noqa: F401  (fixtures: the tiny store with disposals; the demo)

from geo import cube, land, store
from geo.filters import Filters
from geo.query import Scope

ALL = Scope.all()
VIEWS = [  # (scope, filters): every filter the cube keeps, a year, and a restricted scope
    (ALL, Filters()),
    (ALL, Filters(districts=(LILING,))),
    (ALL, Filters(parcel_statuses=("已处置", "低效"))),
    (ALL, Filters(parks=("醴陵经开区",), disposed_year=2022)),
    (ALL, Filters(land_uses=("工业",), supply_modes=("出让",), disposal_methods=("挂牌出让", "收回"))),
    (Scope((HETANG, CHALING)), Filters()),
    (Scope((LILING,)), Filters(parcel_statuses=("已处置",))),
]
FIGURES = (land.land_summary, land.disposal_rates, land.district_disposal, land.monthly_disposal,
           land.largest_idle)


def _raw(monkeypatch, fn, *args, **kwargs):
    """The same figure computed from the raw parcels (the cube's fallback path)."""
    with monkeypatch.context() as m:
        m.setattr(cube, "answers", lambda filters: False)
        return fn(*args, **kwargs)


def _same(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    else:
        assert a == b


@pytest.mark.parametrize("scope, filters", VIEWS)
def test_cube_equals_raw_rows_tiny(snap, monkeypatch, scope, filters):  # noqa: F811
    for fn in FIGURES:
        _same(fn(snap, scope, filters), _raw(monkeypatch, fn, snap, scope, filters))
    shapes, raw = land.parcel_shapes(snap, scope, filters), _raw(monkeypatch, land.parcel_shapes, snap, scope, filters)
    assert shapes.total == raw.total


@pytest.mark.parametrize("scope, filters", [VIEWS[0], VIEWS[2], VIEWS[5]])
def test_cube_equals_raw_rows_demo(demo, monkeypatch, scope, filters):  # noqa: F811
    for fn in FIGURES:
        _same(fn(demo, scope, filters), _raw(monkeypatch, fn, demo, scope, filters))
    cells = land.parcel_shapes(demo, scope, filters, max_parcels=10)  # H3 cells from the cells cube
    raw = _raw(monkeypatch, land.parcel_shapes, demo, scope, filters, max_parcels=10)
    pd.testing.assert_frame_equal(cells.cells, raw.cells)


def test_area_range_is_answered_from_rows():
    assert cube.answers(Filters(parcel_statuses=("低效",), disposed_year=2022))
    assert not cube.answers(Filters(area_min=10.0))
    assert cube.source(Filters(area_max=5.0)) == cube.rows_source()


def test_reuse_by_a_project_of_another_district_follows_the_scope(snap, store_dir):  # noqa: F811
    """L005 (醴陵) is reused by P004 (醴陵). Move P004 to 荷塘: a 醴陵-only user no longer sees that
    project, so L005 no longer counts as reused for them (the raw query's answer), while a user
    who sees both districts still counts it."""
    tables = {name: store.read_table(snap, name) for name in snap.tables}
    tables["projects"].loc[tables["projects"]["project_id"] == "P004", "district_adcode"] = HETANG
    moved = store.write_snapshot(tables, as_of=snap.as_of, published_by="pytest", sources=["test"],
                                 store_dir=store_dir)
    liling, both = Scope((LILING,)), Scope((LILING, HETANG))
    assert cube.needs_rows(moved, liling, Filters())
    assert land.land_summary(moved, liling, Filters())["reused_mu"] == 80.0  # L003 only (P003)
    assert land.land_summary(moved, both, Filters())["reused_mu"] == 130.0
    assert land.land_summary(moved, ALL, Filters())["reused_mu"] == 130.0


@pytest.mark.parametrize("filters", [Filters(parcel_statuses=("已处置",)),
                                     Filters(parcel_statuses=("低效", "闲置"), districts=(HETANG,)),
                                     Filters(parcel_statuses=("批而未供", "已处置"), area_min=20.0)])
def test_outlines_of_parcels_not_in_use_come_from_memory_unchanged(snap, monkeypatch, filters):  # noqa: F811
    assert cube.outline_source(filters) == "{parcels_not_in_use}"
    shapes = land.parcel_shapes(snap, ALL, filters)
    with monkeypatch.context() as m:
        m.setattr(cube, "outline_source", lambda filters: "{parcels}")
        raw = land.parcel_shapes(snap, ALL, filters)
    assert shapes.total == raw.total and len(shapes.parcels) > 0
    pd.testing.assert_frame_equal(shapes.parcels.drop(columns="geometry"), raw.parcels.drop(columns="geometry"))
    assert [g.wkb for g in shapes.parcels.geometry] == [g.wkb for g in raw.parcels.geometry]
    pd.testing.assert_frame_equal(shapes.invalid, raw.invalid)


def test_outlines_with_in_use_parcels_come_from_the_file():
    assert cube.outline_source(Filters()) == "{parcels}"
    assert cube.outline_source(Filters(parcel_statuses=("在用", "已处置"))) == "{parcels}"


@pytest.mark.parametrize("scope, filters", VIEWS + [(ALL, Filters(area_min=5.0)), (ALL, Filters(districts=(LILING, HETANG)))])
@pytest.mark.parametrize("limit", [1, 50, 1000])
def test_largest_idle_from_the_presorted_table_equal_a_sort(demo, monkeypatch, scope, filters, limit):  # noqa: F811
    presorted = land.largest_idle(demo, scope, filters, limit=limit)
    with monkeypatch.context() as m:
        m.setattr(cube, "NOT_IN_USE_ORDER", None)  # every order goes through ORDER BY
        sorted_ = land.largest_idle(demo, scope, filters, limit=limit)
    if (scope, filters) == (ALL, Filters()):  # not a comparison of two empty tables
        assert len(presorted) == min(limit, 251)  # the demo has 251 parcels still idle
    pd.testing.assert_frame_equal(presorted, sorted_)

