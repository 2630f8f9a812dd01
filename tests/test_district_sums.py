"""geo.district_sums: figures grouped by district once equal the same figures queried with the district filter."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import CHALING, HETANG, LILING

from geo import district_sums, energy, land, meeting, overview
from geo.filters import Filters
from geo.query import Scope

ALL = Scope.all()
FIGURES = (overview.project_figures, overview.grid_figures, overview.land_figures, overview.district_summary,
           meeting.scoreboard, energy.stations, energy.plant_capacity, energy.load_band_counts,
           energy.governance_funnel, energy.district_headroom, land.land_summary, land.district_disposal,
           land.monthly_disposal)
VIEWS = [
    (ALL, Filters(districts=(HETANG,))),
    (ALL, Filters(districts=(HETANG, LILING))),
    (ALL, Filters(districts=(CHALING,), stages=("在建",))),
    (ALL, Filters(districts=(LILING,), voltages=(220,), plant_kinds=("风电",))),
    (ALL, Filters(districts=(HETANG, CHALING), parcel_statuses=("闲置", "已处置"), area_min=1.0)),
    (ALL, Filters(districts=("430211",))),  # no row at all in the tiny tables
    (Scope((HETANG, CHALING)), Filters(districts=(HETANG, LILING))),
    (ALL, Filters()),
]


def _queried(grouped, snapshot, scope, filters, *args, key="district_adcode"):
    """The grouped query run with the district filter itself: one query per selection, as before."""
    return grouped(snapshot, scope, filters, *args)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), None)


def _same(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        # A column with a NULL somewhere in the city reads as nullable (Int64, str with NaN) from
        # the whole city's rows, as int64 / object with None from one district's: the same values.
        pd.testing.assert_frame_equal(_plain(a), _plain(b), check_exact=False, rtol=1e-12)
        if len(a):
            assert [t.kind for t in a.dtypes] == [t.kind for t in b.dtypes]
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            _same(a[key], b[key])
    elif dataclasses.is_dataclass(a):
        assert dataclasses.asdict(a) == dataclasses.asdict(b)
    else:
        assert a == b


@pytest.mark.parametrize("scope, filters", VIEWS)
def test_grouped_once_equals_queried_per_selection(tiny_snapshot, monkeypatch, scope, filters):
    summed = [fn(tiny_snapshot, scope, filters) for fn in FIGURES]
    with monkeypatch.context() as m:
        m.setattr(district_sums, "rows", _queried)
        queried = [fn(tiny_snapshot, scope, filters) for fn in FIGURES]
    for a, b in zip(summed, queried):
        _same(a, b)


def test_hand_computed_selection(tiny_snapshot):
    """荷塘 + 醴陵 key projects (conftest): P001, P002 (荷塘) and P004 (醴陵); plan 3.0 + 1.0 + 2.0."""
    both = overview.project_figures(tiny_snapshot, ALL, Filters(districts=(HETANG, LILING)))
    assert (both["all"].count, both["all"].plan_yi) == (3, 6.0)
    assert both["completed_yi"] == 2.75 and both["stalled"] == 1
    summary = overview.district_summary(tiny_snapshot, ALL, Filters(districts=(LILING,)))
    assert summary["adcode"].tolist() == [LILING] and summary["plan_yi"].tolist() == [2.0]


def test_sums_behave_like_sql():
    frame = pd.DataFrame({"n": np.array([], dtype=np.int64), "mw": np.array([], dtype=float)})
    assert district_sums.sums(frame, ["n", "mw"]) == {"n": 0, "mw": None}  # count 0, sum NULL
    frame = pd.DataFrame({"n": np.array([2, 3], dtype=np.int64), "mw": [np.nan, 1.5]})
    assert district_sums.sums(frame, ["n", "mw"]) == {"n": 5, "mw": 1.5}  # NULL skipped
    frame = pd.DataFrame({"mw": [np.nan, np.nan]})
    assert district_sums.sums(frame, ["mw"]) == {"mw": None}
