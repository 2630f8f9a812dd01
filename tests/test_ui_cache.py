"""The page data cache hands out detached copies: what a page does to a result never reaches the cache."""

from dataclasses import dataclass
from datetime import date

import pandas as pd

from geo import page_cache, ui
from geo.filters import Filters
from geo.query import Scope


@dataclass(frozen=True)
class Result:
    frame: pd.DataFrame
    extra: dict


CALLS = []


def figures(snapshot, scope, filters, factor=1):
    CALLS.append(filters)
    return Result(frame=pd.DataFrame({"n": [1, 2, 3]}) * factor, extra={"rows": [pd.Series([1.0])], "day": date(2023, 1, 1)})


class FakeSnapshot:
    id = "20230101T000000-abcdef"
    path = "/nowhere/snapshots/20230101T000000-abcdef"


def test_cached_results_are_computed_once_and_detached(monkeypatch):
    ctx = ui.PageContext(snapshot=FakeSnapshot(), lang="zh", filters=Filters(districts=("430281",)),
                         scope=Scope.all(), page="overview")
    first = page_cache.cached(figures, ctx, factor=2)
    first.frame["n"] = 0                      # a page overwriting a column
    first.frame["label"] = "x"                # ... adding one
    first.extra["rows"][0].iloc[0] = 99.0     # ... changing a value in place
    first.extra["new"] = True
    again = page_cache.cached(figures, ctx, factor=2)
    assert len(CALLS) == 1
    assert again.frame["n"].tolist() == [2, 4, 6] and list(again.frame.columns) == ["n"]
    assert again.extra["rows"][0].iloc[0] == 1.0 and "new" not in again.extra
    assert again.extra["day"] == date(2023, 1, 1)
    page_cache.cached(figures, ctx, factor=3)
    assert len(CALLS) == 2


def test_derived_results_are_built_once_per_snapshot_scope_and_key():
    builds = []

    def build(n):
        builds.append(n)
        return {"risk": pd.DataFrame({"mw": [float(n)]})}

    ctx = ui.PageContext(snapshot=FakeSnapshot(), lang="zh", filters=Filters(), scope=Scope.all(), page="energy")
    first = page_cache.derived(ctx, ("view", ("430281",), 10.0), lambda: build(1))
    first["risk"]["mw"] = 0.0                 # a page changing what it got
    again = page_cache.derived(ctx, ("view", ("430281",), 10.0), lambda: build(2))
    assert builds == [1] and again["risk"]["mw"].tolist() == [1.0]
    page_cache.derived(ctx, ("view", ("430281",), 20.0), lambda: build(3))      # another key
    page_cache.derived(ui.PageContext(snapshot=FakeSnapshot(), lang="zh", filters=Filters(),
                                      scope=Scope(("430281",)), page="energy"),
                       ("view", ("430281",), 10.0), lambda: build(4))           # another scope
    assert builds == [1, 3, 4]


def test_immutable_members_are_handed_out_as_they_are_and_frames_in_tuples_detached():
    ctx = ui.PageContext(snapshot=FakeSnapshot(), lang="zh", filters=Filters(), scope=Scope.all(), page="energy")
    pieces = tuple(f'{{"id": {i}}}' for i in range(1000))
    first = page_cache.derived(ctx, ("pieces",), lambda: (pieces, (pd.DataFrame({"mw": [1.0]}), "label")))
    assert first[0] is pieces                 # JSON strings: nothing to copy or walk
    first[1][0]["mw"] = 0.0                   # a frame inside a tuple is still detached
    again = page_cache.derived(ctx, ("pieces",), lambda: None)
    assert again[1][0]["mw"].tolist() == [1.0] and again[1][1] == "label"


def test_the_energy_maps_risk_pieces_are_handed_out_unwalked():
    """A named tuple of encoded strings (the energy map's projects at risk, 2 × 51 k at 1 M parcels)
    comes out of the cache as the very object: walking it cost ~5 ms a rerun."""
    from geo.energy_layers import RiskPieces

    ctx = ui.PageContext(snapshot=FakeSnapshot(), lang="zh", filters=Filters(), scope=Scope.all(), page="energy")
    pieces = RiskPieces(tuple(f'{{"id": {i}}}' for i in range(3)), ('{"s": 1}', None, None))
    assert page_cache.derived(ctx, ("risk",), lambda: pieces) is pieces


def test_objects_alive_after_the_first_page_are_frozen_once(monkeypatch):
    import gc

    calls = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append(1))
    monkeypatch.setattr(ui, "_frozen", type(ui._frozen)())
    ui.end_run()
    ui.end_run()
    assert calls == [1]
