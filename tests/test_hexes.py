"""H3 parents computed in SQL (geo.hexes.parent_sql) and the roll-up to cells."""

import duckdb
import h3
import pandas as pd
import pytest

from geo.hexes import parent_sql, roll_up

# res-7 cells around Zhuzhou and elsewhere (other base cells, other digits)
CELLS = [h3.latlng_to_cell(lat, lng, 7) for lat, lng in
         [(27.83, 113.15), (27.0, 113.9), (26.5, 113.6), (28.1, 113.2), (-33.9, 151.2), (64.1, -21.9), (0.0, 0.0)]]


@pytest.mark.parametrize("res", range(0, 8))
def test_parent_sql_equals_h3_cell_to_parent(res):
    ints = [h3.str_to_int(c) for c in CELLS]
    got = duckdb.sql(f"SELECT {parent_sql('c', res)} AS p FROM (SELECT unnest($cells::BIGINT[]) AS c)",
                     params={"cells": ints}).fetchall()
    assert [h3.int_to_str(p) for (p,) in got] == [h3.cell_to_parent(c, res) for c in CELLS]


@pytest.mark.parametrize("res", [-1, 8, True, 6.0])
def test_parent_sql_refuses_other_resolutions(res):
    with pytest.raises(ValueError, match="resolution"):
        parent_sql("h3_r7", res)


def test_roll_up_counts_sums_and_dominant_category_per_cell():
    a, b = (h3.str_to_int(h3.cell_to_parent(c, 6)) for c in CELLS[:2])
    rows = pd.DataFrame({"cell": [a, a, a, b], "stage": ["在建", "前期", "竣工", "前期"],
                         "n": [2, 2, 1, 3], "total": [5.0, 9.0, None, 1.0]})
    out = roll_up(rows, category="stage", order=("前期", "在建", "竣工"), count="projects",
                  sums={"total_yi": "total"}).set_index("cell")
    first, second = h3.int_to_str(a), h3.int_to_str(b)
    assert out.loc[first, "projects"] == 5 and out.loc[first, "total_yi"] == 14.0
    assert out.loc[first, "stage"] == "前期"  # 2 v 2 projects: the larger sum wins
    assert out.loc[second, "projects"] == 3 and out.loc[second, "stage"] == "前期"
    lat, lng = h3.cell_to_latlng(first)
    assert (out.loc[first, "lon"], out.loc[first, "lat"]) == (lng, lat)
    assert len(out.loc[first, "boundary"]) == 6


def test_roll_up_adds_a_categorys_rows_before_choosing_the_dominant_one():
    """A cell on a border has a row per district for the same stage: 3 + 3 前期 beat 5 在建."""
    a = h3.str_to_int(h3.cell_to_parent(CELLS[0], 6))
    rows = pd.DataFrame({"cell": [a, a, a], "stage": ["前期", "在建", "前期"], "n": [3, 5, 3],
                         "total": [1.0, 1.0, 1.0]})
    out = roll_up(rows, category="stage", order=("前期", "在建"), count="projects", sums={"total_yi": "total"})
    assert out["stage"].tolist() == ["前期"] and out["projects"].tolist() == [11] and out["total_yi"].tolist() == [3.0]


def test_roll_up_of_nothing_has_the_columns():
    out = roll_up(pd.DataFrame({"cell": [], "state": [], "n": [], "x": []}), category="state", order=("a",),
                  count="areas", sums={"x": "x"})
    assert list(out.columns) == ["cell", "areas", "x", "state", "lon", "lat", "boundary"] and out.empty


def test_roll_up_ties_and_missing_categories_are_decided_the_same_way_every_time():
    a = h3.str_to_int(h3.cell_to_parent(CELLS[0], 6))
    rows = pd.DataFrame({"cell": [a, a, a], "kind": ["zeta", "alpha", None], "n": [1, 1, 5], "x": [2.0, 2.0, 9.0]})
    for order in (rows, rows.iloc[::-1]):
        out = roll_up(order, category="kind", order=("known",), count="n_all", sums={"x": "x"})
        assert out["kind"].tolist() == ["alpha"] and out["n_all"].tolist() == [2] and out["x"].tolist() == [4.0]


def test_roll_up_rounds_sums_as_numpy_does():
    a = h3.str_to_int(h3.cell_to_parent(CELLS[0], 6))
    out = roll_up(pd.DataFrame({"cell": [a], "s": ["x"], "n": [1], "v": [1275.345]}), category="s", order=("x",),
                  count="c", sums={"v": "v"})
    assert out["v"].tolist() == [float(__import__("numpy").round(1275.345, 2))]
