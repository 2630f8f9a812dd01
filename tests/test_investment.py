"""geo.investment: hand-computed values on the tiny tables, independent checks on the demo store."""

from __future__ import annotations

import datetime as dt

import duckdb
import h3
import pandas as pd
import pytest
from conftest import AS_OF, CHALING, HETANG, LILING, make_tiny_tables

from geo import investment as inv
from geo import schema, store
from geo.filters import Filters
from geo.query import Scope

D = dt.date
ALL = Scope.all()
NONE = Filters()


@pytest.fixture
def snap(store_dir):
    """The tiny tables plus tasks on P001 that exercise every derived task state at AS_OF."""
    tables = make_tiny_tables()
    extra = pd.DataFrame({
        "task_id": ["T005", "T006", "T007", "T008", "T009"],
        "project_id": ["P001"] * 5,
        "district_adcode": [HETANG] * 5,
        "title": ["due on as-of", "due as-of + 7", "due as-of + 8", "closed on due", "closed late"],
        "assigned_unit": ["供电公司"] * 5,
        "assigned_on": [D(2023, 7, 1)] * 5,
        "due_on": [D(2023, 9, 30), D(2023, 10, 7), D(2023, 10, 8), D(2023, 9, 5), D(2023, 9, 5)],
        "closed_on": [None, None, None, D(2023, 9, 5), D(2023, 9, 6)],
        "status": ["办理中", "办理中", "办理中", "已办结", "已办结"],
    })
    tables["tasks"] = pd.concat([tables["tasks"], extra], ignore_index=True)
    return store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=["test"],
                                store_dir=store_dir)


# --- tiny tables: hand-computed ------------------------------------------------------------------


def test_count_and_filters(snap):
    assert inv.count_projects(snap, ALL, NONE) == 5
    assert inv.count_projects(snap, ALL, Filters(stages=("在建",))) == 2
    assert inv.count_projects(snap, Scope((HETANG,)), NONE) == 2
    assert inv.count_projects(snap, Scope((HETANG,)), Filters(districts=(LILING,))) == 0


def test_stage_funnel_tiny(snap):
    df = inv.stage_funnel(snap, ALL, NONE)
    assert list(df.columns) == ["stage", "projects", "total_yi"]
    assert list(df["stage"]) == list(schema.STAGES)
    assert list(df["projects"]) == [1, 0, 1, 2, 0, 1]
    assert list(df["total_yi"]) == [1.0, 0.0, 4.0, 17.5, 0.0, 2.25]


def test_stalled_breakdown_tiny(snap):
    df = inv.stalled_breakdown(snap, ALL, NONE)
    assert list(df.columns) == ["stalled_state", "projects", "total_yi", "median_days"]
    assert list(df["stalled_state"]) == list(schema.STALLED_STATES)
    row = df.set_index("stalled_state").loc["签约未开工"]
    # P002, stalled since 2023-05-01; as of 2023-09-30: 30 + 30 + 31 + 31 + 30 days.
    assert (row["projects"], row["total_yi"], row["median_days"]) == (1, 4.0, 152.0)
    others = df[df["stalled_state"] != "签约未开工"]
    assert others["projects"].sum() == 0 and others["total_yi"].sum() == 0
    assert others["median_days"].isna().all()


def test_chain_breakdown_tiny(snap):
    df = inv.chain_breakdown(snap, ALL, NONE)
    assert df.head(3).to_dict("list") == {"industry_chain": ["先进硬质材料", "新能源", "陶瓷"],
                                          "projects": [1, 1, 1], "total_yi": [10.5, 7.0, 2.25]}
    # every other chain follows with zeros, in name order: its bar stays to click
    rest = df.iloc[3:]
    assert sorted(df["industry_chain"]) == sorted(schema.INDUSTRY_CHAINS)
    assert rest["projects"].eq(0).all() and rest["total_yi"].eq(0).all()
    assert rest["industry_chain"].tolist() == sorted(rest["industry_chain"])


def test_district_breakdown_tiny(snap):
    df = inv.district_breakdown(snap, ALL, NONE).set_index("adcode")
    assert list(df.index) == [HETANG, CHALING, LILING]
    het, cha, lil = df.loc[HETANG], df.loc[CHALING], df.loc[LILING]
    assert het["name_zh"] == "荷塘区" and het["name_en"] == "Hetang District"
    assert (het["projects"], het["total_yi"], het["plan_yi"], het["completed_yi"]) == (2, 14.5, 4.0, 1.25)
    assert het["progress_pct"] == pytest.approx(31.25, abs=0.051)  # 1.25 / 4.0, one decimal
    # This year to 2023-09-30: P001 started 03-15 (planned 03-01), P002 planned 04-01.
    assert (het["started"], het["started_plan"], het["completed"], het["completed_plan"]) == (1, 2, 0, 0)
    assert (lil["projects"], lil["total_yi"], lil["plan_yi"], lil["completed_yi"]) == (2, 9.25, 2.5, 2.0)
    assert lil["progress_pct"] == 80.0
    # P003 started in 2022 (not this year) and completed 2023-06-30 as planned; P004 started 02-20.
    assert (lil["started"], lil["started_plan"], lil["completed"], lil["completed_plan"]) == (1, 1, 1, 1)
    assert (cha["projects"], cha["total_yi"], cha["progress_pct"]) == (1, 1.0, 0.0)
    assert (cha["started"], cha["started_plan"], cha["completed"], cha["completed_plan"]) == (0, 0, 0, 0)


def test_district_breakdown_scope_filter_and_zero_rows(snap):
    assert list(inv.district_breakdown(snap, Scope((HETANG,)), NONE)["adcode"]) == [HETANG]
    assert list(inv.district_breakdown(snap, ALL, Filters(districts=(LILING,)))["adcode"]) == [LILING]
    # Only P003 is 投产: the other districts are still listed, with zeros and no progress.
    df = inv.district_breakdown(snap, ALL, Filters(stages=("投产",))).set_index("adcode")
    assert list(df["projects"]) == [0, 0, 1]
    assert df.loc[HETANG, "total_yi"] == 0.0 and pd.isna(df.loc[HETANG, "progress_pct"])
    assert df.loc[LILING, "progress_pct"] == 100.0


def test_monthly_progress_tiny(snap):
    df = inv.monthly_progress(snap, ALL, NONE).set_index("month")
    assert list(df.index) == list(range(1, 13))
    assert list(df["started_plan"]) == [0, 1, 1, 1] + [0] * 8  # P004 Feb, P001 Mar, P002 Apr
    assert list(df["started"].iloc[:9]) == [0, 1, 1, 0, 0, 0, 0, 0, 0]  # P004 Feb, P001 Mar
    assert df.loc[6, "completed"] == 1 and df.loc[6, "completed_plan"] == 1  # P003
    assert df.loc[9, "cum_started"] == 2 and df.loc[12, "cum_started_plan"] == 3
    assert df.loc[10:, ["started", "completed", "cum_started", "cum_completed"]].isna().all().all()
    assert df.loc[10:, "cum_completed_plan"].tolist() == [1, 1, 1]


def test_investment_progress_tiny(snap):
    assert inv.investment_progress(snap, ALL, NONE) == {
        "plan_yi": 6.75, "completed_yi": 3.25, "pct": round(3.25 / 6.75 * 100, 1), "projects": 5}


def test_project_points_tiny(snap):
    res = inv.project_points(snap, ALL, NONE)
    assert res.cells is None and res.total == 5
    pts = res.points
    assert list(pts.columns) == inv.POINT_COLUMNS + ["lon", "lat"]
    assert list(pts["project_id"]) == ["P001", "P004", "P002", "P003", "P005"]  # biggest first
    first = pts.iloc[0]
    assert (first["lon"], first["lat"]) == pytest.approx((113.15, 27.85))


def test_project_cells_tiny_match_h3_directly(snap):
    """Cells computed from the store's h3_r7 equal cells computed here from the coordinates.

    The expected cell is the res-7 cell's *parent*, not ``latlng_to_cell(.., 6)``: H3 is not
    exactly nested, so a point near a hexagon edge can have a res-7 cell whose parent differs
    from the res-6 cell containing the point (P001 here)."""
    projects = make_tiny_tables()["projects"]
    for filters, res in [(NONE, 6), (Filters(districts=(LILING,)), 7)]:
        result = inv.project_points(snap, ALL, filters, max_points=0)
        assert result.points is None
        cells = result.cells
        assert list(cells.columns) == ["cell", "projects", "total_yi", "stage", "lon", "lat", "boundary"]
        mine = projects[projects["district_adcode"] == LILING] if filters.districts else projects
        expected = (mine.assign(cell=[h3.cell_to_parent(h3.latlng_to_cell(p.y, p.x, 7), res)
                                       for p in mine.geometry])
                    .groupby("cell")["total_investment_yi"].agg(["count", "sum"]))
        got = cells.set_index("cell").sort_index()
        assert list(got.index) == list(expected.index)
        assert list(got["projects"]) == list(expected["count"])
        assert list(got["total_yi"]) == pytest.approx(list(expected["sum"]))
        assert all(h3.get_resolution(c) == res for c in cells["cell"])
        assert all(len(b) >= 6 for b in cells["boundary"])
    # resolution override
    cells = inv.project_points(snap, ALL, NONE, max_points=0, resolution=5).cells
    assert all(h3.get_resolution(c) == 5 for c in cells["cell"]) and cells["projects"].sum() == 5
    # At res 5 P001 (在建, 10.5) and P002 (前期, 4.0) share a cell: one project each, so the
    # dominant stage is the one with more investment.
    hetang = cells.set_index("cell").loc[h3.cell_to_parent(h3.latlng_to_cell(27.85, 113.15, 7), 5)]
    assert (hetang["projects"], hetang["total_yi"], hetang["stage"]) == (2, 14.5, "在建")
    with pytest.raises(ValueError):
        inv.project_points(snap, ALL, NONE, max_points=0, resolution=8)


def test_top_projects_tiny(snap):
    df = inv.top_projects(snap, ALL, NONE)
    assert list(df.columns) == inv.TOP_COLUMNS
    assert list(df["project_id"]) == ["P001", "P004", "P002", "P003", "P005"]
    # Ascending by power demand: NULLs last, ties (the two NULLs) broken by project_id.
    df = inv.top_projects(snap, ALL, NONE, order_by="power_demand_mw", descending=False)
    assert list(df["project_id"]) == ["P003", "P001", "P004", "P002", "P005"]
    assert list(inv.top_projects(snap, ALL, NONE, limit=2)["project_id"]) == ["P001", "P004"]
    assert list(inv.top_projects(snap, Scope((LILING,)), NONE)["project_id"]) == ["P004", "P003"]
    for bad in ("nope", "geometry", "total_investment_yi; DROP TABLE projects"):
        with pytest.raises(ValueError):
            inv.top_projects(snap, ALL, NONE, order_by=bad)


def test_project_details_tiny(snap):
    d = inv.project_details(snap, ALL, "P001")
    assert d.project["name"] == "硬质合金产业园" and "geometry" not in d.project
    assert d.project["actual_start"] == D(2023, 3, 15) and d.project["actual_completion"] is None
    assert (d.project["lon"], d.project["lat"]) == pytest.approx((113.15, 27.85))
    assert d.parcel["parcel_id"] == "L001"
    assert (d.parcel["area_mu"], d.parcel["status"], d.parcel["idle_class"], d.parcel["park"]) == \
        (120.0, "闲置", "闲置", "荷塘工业园")
    assert d.parcel["disposal_method"] is None and "geometry" not in d.parcel
    tasks = d.tasks
    assert list(tasks.columns) == inv.TASK_COLUMNS + ["state"]
    # As of 2023-09-30, ordered by due date (then id).
    assert list(zip(tasks["task_id"], tasks["state"])) == [
        ("T001", "overdue"),         # due 08-31, open
        ("T008", "closed_on_time"),  # closed on the due date
        ("T009", "closed_late"),     # closed the day after
        ("T005", "due_soon"),        # due on the as-of date itself: not overdue yet
        ("T006", "due_soon"),        # due as-of + 7: still "within 7 days"
        ("T007", "open"),            # due as-of + 8
    ]
    # P002 has no parcel; its one task is due 10-05.
    d = inv.project_details(snap, ALL, "P002")
    assert d.parcel is None and list(d.tasks["state"]) == ["due_soon"]
    # A value that looks like SQL is data, returned as stored.
    assert inv.project_details(snap, ALL, "P005").project["owner"] == "O'Brien'); DROP TABLE projects; --"


def test_project_details_unknown_out_of_scope_and_injection(snap):
    assert inv.project_details(snap, ALL, "P999") is None
    assert inv.project_details(snap, Scope((HETANG,)), "P003") is None  # 醴陵 project
    assert inv.project_details(snap, Scope((LILING,)), "P003") is not None
    assert inv.project_details(snap, ALL, "x' OR '1'='1") is None
    assert inv.project_details(snap, ALL, "P001' --") is None


def test_filter_matching_nothing(snap):
    f = Filters(districts=(CHALING,), stages=("在建",))
    assert inv.count_projects(snap, ALL, f) == 0
    res = inv.project_points(snap, ALL, f)
    assert res.total == 0 and res.points.empty and list(res.points.columns) == inv.POINT_COLUMNS + ["lon", "lat"]
    funnel = inv.stage_funnel(snap, ALL, f)
    assert list(funnel["stage"]) == list(schema.STAGES)
    assert funnel["projects"].tolist() == [0] * 6 and funnel["total_yi"].tolist() == [0.0] * 6
    stalled = inv.stalled_breakdown(snap, ALL, f)
    assert len(stalled) == 8 and stalled["projects"].sum() == 0
    chains = inv.chain_breakdown(snap, ALL, f)
    assert list(chains.columns) == ["industry_chain", "projects", "total_yi"]
    assert len(chains) == len(schema.INDUSTRY_CHAINS) and chains["projects"].eq(0).all()
    districts = inv.district_breakdown(snap, ALL, f)
    assert districts["adcode"].tolist() == [CHALING] and districts["projects"].tolist() == [0]
    monthly = inv.monthly_progress(snap, ALL, f)
    assert len(monthly) == 12 and monthly["cum_started_plan"].tolist() == [0] * 12
    assert inv.investment_progress(snap, ALL, f) == {"plan_yi": 0.0, "completed_yi": 0.0, "pct": None,
                                                     "projects": 0}
    top = inv.top_projects(snap, ALL, f)
    assert top.empty and list(top.columns) == inv.TOP_COLUMNS


# --- demo store: published figures and independent DuckDB checks ---------------------------------


@pytest.fixture(scope="module")
def demo(demo_store):
    return store.open_current(demo_store)


def _direct(demo_snap, where: str = "TRUE", params: list | None = None):
    """An independent count straight from the Parquet file (no query layer, no Filters)."""
    con = duckdb.connect()
    try:
        path = str(demo_snap.table_path("projects"))
        return con.execute(f"SELECT count(*) FROM read_parquet(?) WHERE {where}",
                           [path, *(params or [])]).fetchone()[0]
    finally:
        con.close()


def test_demo_funnel_totals(demo):
    df = inv.stage_funnel(demo, ALL, NONE)
    assert df["projects"].sum() == 549
    assert df["total_yi"].sum() == pytest.approx(5430.0, abs=1e-6)


def test_demo_stalled_total(demo):
    df = inv.stalled_breakdown(demo, ALL, NONE)
    expected = _direct(demo, "stalled_state IS NOT NULL")
    assert expected > 0 and df["projects"].sum() == expected
    assert (df["median_days"].dropna() >= 0).all()


@pytest.mark.parametrize("districts", [(), (LILING,), (HETANG, "430211"), ("430225",)])
def test_demo_stalled_medians_match_duckdb(demo, districts):
    """The medians come from cached per-project days (a district change runs no query): the same
    values as DuckDB's median over the matching projects, straight from the file."""
    df = inv.stalled_breakdown(demo, ALL, Filters(districts=districts)).set_index("stalled_state")
    where = f"district_adcode IN ({', '.join('?' * len(districts))})" if districts else "TRUE"
    con = duckdb.connect()
    try:
        expected = dict(con.execute(
            f"SELECT stalled_state, median(date_diff('day', stalled_since, ?)) FROM read_parquet(?) "
            f"WHERE stalled_state IS NOT NULL AND {where} GROUP BY 1",
            [demo.as_of, str(demo.table_path("projects")), *districts]).fetchall())
    finally:
        con.close()
    assert expected and df["median_days"].dropna().to_dict() == pytest.approx(
        {k: v for k, v in expected.items() if v is not None})
    assert df.loc[[s for s in df.index if s not in expected], "median_days"].isna().all()


def test_demo_liling_monthly(demo):
    df = inv.monthly_progress(demo, ALL, Filters(districts=(LILING,))).set_index("month")
    july = df.loc[7]
    assert (july["cum_started"], july["cum_started_plan"]) == (49, 45)
    assert (july["cum_completed"], july["cum_completed_plan"]) == (12, 10)
    assert df.loc[10:, "started"].isna().all() and df.loc[:9, "started"].notna().all()


@pytest.mark.parametrize(("filters", "where", "params"), [
    (Filters(districts=(LILING,)), "district_adcode = ?", [LILING]),
    (Filters(stages=("在建",), categories=("产业发展",)), "stage = ? AND category = ?", ["在建", "产业发展"]),
    (Filters(levels=("省重点",), chains=("新材料",)), "level = ? AND industry_chain = ?", ["省重点", "新材料"]),
    (Filters(districts=(HETANG, "430211"), stages=("在建", "竣工")),
     "district_adcode IN (?, ?) AND stage IN (?, ?)", [HETANG, "430211", "在建", "竣工"]),
    (Filters(districts=(LILING,), chains=("陶瓷",), levels=("市重点",)),
     "district_adcode = ? AND industry_chain = ? AND level = ?", [LILING, "陶瓷", "市重点"]),
])
def test_demo_count_matches_direct_duckdb(demo, filters, where, params):
    expected = _direct(demo, where, params)
    assert expected > 0
    assert inv.count_projects(demo, ALL, filters) == expected
    assert inv.stage_funnel(demo, ALL, filters)["projects"].sum() == expected
    assert inv.investment_progress(demo, ALL, filters)["projects"] == expected
    assert inv.district_breakdown(demo, ALL, filters)["projects"].sum() == expected


def test_demo_points_and_cells(demo):
    res = inv.project_points(demo, ALL, NONE)
    assert res.total == 549 and res.cells is None and len(res.points) == 549
    pts = res.points
    assert pts["total_investment_yi"].is_monotonic_decreasing
    assert pts["lon"].between(112.9, 114.3).all() and pts["lat"].between(26.0, 28.2).all()

    res = inv.project_points(demo, ALL, NONE, max_points=100)
    assert res.points is None and res.total == 549
    cells = res.cells
    assert cells["projects"].sum() == 549
    assert cells["total_yi"].sum() == pytest.approx(5430.0, abs=0.1)
    assert all(len(b) >= 6 for b in cells["boundary"])
    assert {h3.get_resolution(c) for c in cells["cell"]} == {6}  # nine districts
    assert set(cells["stage"]) <= set(schema.STAGES)

    liling = inv.project_points(demo, ALL, Filters(districts=(LILING,)), max_points=10)
    assert liling.total == 74 and liling.cells["projects"].sum() == 74
    assert {h3.get_resolution(c) for c in liling.cells["cell"]} == {7}  # one district


@pytest.mark.parametrize("districts", [(LILING,), (HETANG, LILING), (CHALING, HETANG, LILING)])
@pytest.mark.parametrize("res", [6, 7])
def test_cells_of_chosen_districts_equal_one_query_over_them(demo, districts, res):
    """The map's cells add up per-district rows (``geo.district_sums``): the same cells, counts,
    sums and dominant category as grouping only the chosen districts' features, for projects
    and for transformer areas, cells on a border included."""
    from geo import energy
    from geo.hexes import parent_sql, roll_up

    con = duckdb.connect()
    inside = f"district_adcode IN ({', '.join(repr(d) for d in districts)}) AND h3_r7 IS NOT NULL"
    rows = con.execute(f"SELECT {parent_sql('h3_r7', res)} AS cell, stage, count(*) AS n, sum(total_investment_yi) "
                       f"AS total FROM read_parquet(?) WHERE {inside} GROUP BY ALL",
                       [str(demo.table_path("projects"))]).df()
    expected = roll_up(rows, category="stage", order=schema.STAGES, count="projects", sums={"total_yi": "total"})
    got = inv.project_points(demo, ALL, Filters(districts=districts), max_points=0, resolution=res).cells
    pd.testing.assert_frame_equal(got.drop(columns="boundary"), expected.drop(columns="boundary"))
    rows = con.execute(f"SELECT {parent_sql('h3_r7', res)} AS cell, state, count(*) AS n, "
                       "coalesce(sum(voltage_pass_rate), 0) AS rate_sum, count(voltage_pass_rate) AS rated, "
                       "count(*) FILTER (WHERE list_contains(?, state)) AS bad "
                       f"FROM read_parquet(?) WHERE {inside} GROUP BY ALL",
                       [list(schema.TA_ABNORMAL_STATES), str(demo.table_path("transformer_areas"))]).df()
    expected = roll_up(rows, category="state", order=schema.TA_STATES, count="areas",
                       sums={"rate_sum": "rate_sum", "rated": "rated", "abnormal": "bad"})
    got = energy.ta_cells(demo, ALL, Filters(districts=districts), res)
    assert got["cell"].tolist() == expected["cell"].tolist() and len(got) > 3
    assert got["areas"].tolist() == expected["areas"].tolist() and got["state"].tolist() == expected["state"].tolist()
    assert got["abnormal"].tolist() == expected["abnormal"].astype(int).tolist()


def test_a_district_with_no_plan_gets_no_mark():
    """"0 / 0 ✓" where the scoreboard shows no target (tester 11): no plan, no mark."""
    import pandas as pd

    from geo.investment_view import district_progress_frame

    rows = pd.DataFrame({"adcode": ["430281", "430223"], "started": [3, 0], "started_plan": [2, 0],
                         "completed": [1, 2], "completed_plan": [4, 0], "progress_pct": [50.0, 20.0]})
    out = district_progress_frame(rows, "zh")
    assert out.iloc[:, 1].tolist() == ["3 / 2 ✓", "0 / 0"]
    assert out.iloc[:, 2].tolist() == ["1 / 4 ✗", "2 / 0"]
    near = district_progress_frame(pd.DataFrame({  # the scoreboard's amber (tester 17)
        "adcode": ["430281"], "started": [52], "started_plan": [53], "completed": [8], "completed_plan": [10],
        "progress_pct": [70.0]}), "zh")
    assert near.iloc[0, 1:3].tolist() == ["52 / 53 △", "8 / 10 ✗"]
