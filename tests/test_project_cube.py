"""geo.project_cube: the per-snapshot project cube gives exactly the figures of the raw projects."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import AS_OF, CHALING, HETANG, LILING, make_tiny_tables
from test_investment import demo, snap  # noqa: F401  (fixtures: the tiny store with tasks; the demo)

from geo import district_sums, investment, meeting, overview, project_cube, store
from geo.filters import Filters
from geo.query import Scope

ALL = Scope.all()
VIEWS = [  # (scope, filters): every list filter the cube keeps, and a restricted scope
    (ALL, Filters()),
    (ALL, Filters(districts=(LILING,))),
    (ALL, Filters(stages=("前期", "在建"))),
    (ALL, Filters(stalled=("未开工",), levels=("省重点", "市重点"))),
    (ALL, Filters(categories=("产业发展",), chains=("轨道交通",), parks=("醴陵经开区",))),
    (Scope((HETANG, CHALING)), Filters()),
    (Scope((LILING,)), Filters(stages=("在建",))),
]
FIGURES = (investment.count_projects, investment.stage_funnel, investment.stalled_breakdown,
           investment.chain_breakdown, investment.district_breakdown, investment.monthly_progress,
           investment.investment_progress, overview.project_figures, overview.district_summary, meeting.scoreboard)


def _figures(snapshot, scope, filters) -> list:
    district_sums._all_districts.cache_clear()  # keyed by (snapshot, scope, filters), not by the source
    project_cube.view.cache_clear()
    out = [fn(snapshot, scope, filters) for fn in FIGURES]
    cells = investment.project_points(snapshot, scope, filters, max_points=0)  # H3 cells
    return out + [cells.cells]


def _raw_figures(monkeypatch, snapshot, scope, filters) -> list:
    """The same figures computed from the raw projects (the cube's fallback path)."""
    with monkeypatch.context() as m:
        m.setattr(project_cube, "answers", lambda filters: False)
        return _figures(snapshot, scope, filters)


def _same(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _same(a[key], b[key])
    elif dataclasses.is_dataclass(a):
        assert dataclasses.asdict(a) == pytest.approx(dataclasses.asdict(b))
    else:
        assert a == pytest.approx(b)


@pytest.mark.parametrize("scope, filters", VIEWS)
def test_cube_equals_raw_rows_tiny(snap, monkeypatch, scope, filters):  # noqa: F811
    for cube, raw in zip(_figures(snap, scope, filters), _raw_figures(monkeypatch, snap, scope, filters)):
        _same(cube, raw)


@pytest.mark.parametrize("scope, filters", [VIEWS[0], VIEWS[2], VIEWS[3], VIEWS[5]])
def test_cube_equals_raw_rows_demo(demo, monkeypatch, scope, filters):  # noqa: F811
    figures = _figures(demo, scope, filters)
    assert figures[0] > 0  # the view is not empty, so the comparison means something
    for cube, raw in zip(figures, _raw_figures(monkeypatch, demo, scope, filters)):
        _same(cube, raw)


def test_scalar_filters_are_answered_from_rows(snap):  # noqa: F811
    assert project_cube.answers(Filters(stages=("在建",), districts=(LILING,)))
    for scalar in (Filters(inv_min=10.0), Filters(inv_max=5.0), Filters(year=2023), Filters(search="醴陵")):
        assert not project_cube.answers(scalar)
        table, params = project_cube.source(snap, scalar)
        assert "{projects}" in table and params == {"cube_as_of": snap.as_of}
    # and they still give the right count (the filtered raw rows, in the cube's shape)
    expected = investment.top_projects(snap, ALL, Filters(inv_min=10.0), limit=1000)
    assert investment.count_projects(snap, ALL, Filters(inv_min=10.0)) == len(expected)


@pytest.mark.parametrize("scope, filters", VIEWS + [
    (ALL, Filters(inv_min=10.0)), (ALL, Filters(search="醴陵")), (ALL, Filters(districts=(LILING, HETANG))),
    (ALL, Filters(districts=(LILING, CHALING), stages=("在建", "前期"))), (Scope((LILING,)), Filters(districts=(LILING, HETANG)))])
@pytest.mark.parametrize("limit", [1, 50, 1000])
def test_top_projects_from_the_presorted_table_equal_a_sort(demo, monkeypatch, scope, filters, limit):  # noqa: F811
    presorted = investment.top_projects(demo, scope, filters, limit=limit)
    with monkeypatch.context() as m:
        m.setattr(project_cube, "TOP_ORDER", None)  # every order goes through ORDER BY
        sorted_ = investment.top_projects(demo, scope, filters, limit=limit)
    assert len(presorted) == min(limit, investment.count_projects(demo, scope, filters))
    # (a text column that is empty in these rows is NaN in a string column picked from more rows,
    # None in an object column when queried alone: the same missing value)
    def plain(frame):
        return frame.astype(object).where(frame.notna(), None)

    pd.testing.assert_frame_equal(plain(presorted), plain(sorted_))


def test_sums_round_half_away_from_zero_as_duckdb_does():
    assert investment._half_away([0.125, -0.125, 2.675, 1.0], 2).tolist() == [0.13, -0.13, 2.68, 1.0]
    assert investment._half_away([12.25], 1).tolist() == [12.3]


def test_scoreboard_tasks_filed_under_another_district(store_dir, monkeypatch):
    """T001 (on P001, 荷塘) filed under 醴陵: a scope showing P001 but not T001 must not count T001,
    which the cube (one sum per project) cannot tell, so the scoreboard counts that view from rows."""
    tables = make_tiny_tables()
    tables["tasks"].loc[tables["tasks"]["task_id"] == "T001", "district_adcode"] = LILING
    snap = store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=["test"], store_dir=store_dir)
    for scope in (ALL, Scope((HETANG,)), Scope((LILING,)), Scope((HETANG, LILING))):
        board = meeting.scoreboard(snap, scope, Filters())
        with monkeypatch.context() as m:
            m.setattr(project_cube, "answers", lambda filters: False)
            _same(board, meeting.scoreboard(snap, scope, Filters()))
    hetang = meeting.scoreboard(snap, Scope((HETANG,)), Filters()).set_index("adcode").loc[HETANG]
    assert (hetang["tasks"], hetang["overdue_tasks"]) == (1, 0)  # T002 only
    whole = meeting.scoreboard(snap, ALL, Filters()).set_index("adcode").loc[HETANG]
    assert (whole["tasks"], whole["overdue_tasks"]) == (2, 1)  # the whole city sees T001 too
