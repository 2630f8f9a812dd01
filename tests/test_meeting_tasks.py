"""geo.task_rates: task states on the edge days, rates per unit / project / district, the demo's 高新区.

Hand-made tasks, as of 2023-09-30 (due soon = due 09-30 .. 10-07), on the tiny projects:

| task | project | unit | due | closed | state |
| K01 | P001 | 住建局 | 09-29 | — | overdue (due the day before as-of) |
| K02 | P001 | 住建局 | 09-30 | — | due_soon (due on the as-of day: not overdue yet) |
| K03 | P001 | 住建局 | 10-07 | — | due_soon (as-of + 7, inclusive) |
| K04 | P002 | 住建局 | 10-08 | — | open |
| K05 | P002 | 财政局 | 09-01 | 09-01 | closed_on_time (on the due date) |
| K06 | P002 | 财政局 | 09-01 | 09-02 | closed_late |
| K07 | P004 | 财政局 | 12-31 | 09-10 | closed_on_time (early, not yet due: counts as decided) |
| K08 | P004 | 财政局 | 08-01 | — | overdue |
| K09 | P005 | 财政局 | 08-01 | — | overdue, but P005 is 县重点 (only with key_only=False) |
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import AS_OF, HETANG, LILING, make_tiny_tables

from geo import investment, meeting_view, store, task_rates
from geo.filters import Filters
from geo.query import Scope

ALL = Scope.all()
D = dt.date
ROWS = [  # task_id, project_id, district, unit, due_on, closed_on
    ("K01", "P001", HETANG, "住建局", D(2023, 9, 29), None),
    ("K02", "P001", HETANG, "住建局", D(2023, 9, 30), None),
    ("K03", "P001", HETANG, "住建局", D(2023, 10, 7), None),
    ("K04", "P002", HETANG, "住建局", D(2023, 10, 8), None),
    ("K05", "P002", HETANG, "财政局", D(2023, 9, 1), D(2023, 9, 1)),
    ("K06", "P002", HETANG, "财政局", D(2023, 9, 1), D(2023, 9, 2)),
    ("K07", "P004", LILING, "财政局", D(2023, 12, 31), D(2023, 9, 10)),
    ("K08", "P004", LILING, "财政局", D(2023, 8, 1), None),
    ("K09", "P005", "430224", "财政局", D(2023, 8, 1), None),
]
# 原定时限: K04 and K08 were moved; K07's is its deadline (a move back to it: not moved now).
FIRST_DUE = {"K04": D(2023, 9, 20), "K07": D(2023, 12, 31), "K08": D(2023, 7, 25)}
EXPECTED_STATE = {"K01": "overdue", "K02": "due_soon", "K03": "due_soon", "K04": "open",
                  "K05": "closed_on_time", "K06": "closed_late", "K07": "closed_on_time",
                  "K08": "overdue", "K09": "overdue"}


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    tables = make_tiny_tables()
    tables["tasks"] = pd.DataFrame({
        "task_id": [r[0] for r in ROWS], "project_id": [r[1] for r in ROWS],
        "district_adcode": [r[2] for r in ROWS], "title": [f"事项{r[0]}" for r in ROWS],
        "assigned_unit": [r[3] for r in ROWS], "assigned_on": [D(2023, 7, 15)] * len(ROWS),
        "due_on": [r[4] for r in ROWS], "closed_on": [r[5] for r in ROWS],
        "status": ["已办结" if r[5] else "办理中" for r in ROWS],
        "first_due_on": [FIRST_DUE.get(r[0]) for r in ROWS],
    })
    return store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=[],
                                store_dir=tmp_path_factory.mktemp("tasks_store"))


def test_task_states_on_edge_days(snap):
    rows, total = task_rates.task_list(snap, ALL, Filters(), states=task_rates.TASK_STATES, key_only=False)
    assert total == 9
    assert dict(zip(rows["task_id"], rows["state"])) == EXPECTED_STATE


def test_investment_panel_uses_the_same_states(snap):
    details = investment.project_details(snap, ALL, "P001")
    assert dict(zip(details.tasks["task_id"], details.tasks["state"])) == {
        k: EXPECTED_STATE[k] for k in ("K01", "K02", "K03")}


def test_rates_per_unit(snap):
    df = task_rates.task_rates(snap, ALL, Filters(), by="unit")
    assert list(df.columns) == ["assigned_unit", *task_rates.RATE_COLUMNS]
    by = df.set_index("assigned_unit")
    # 住建局: K01 overdue, K02/K03 due soon, K04 open -> decided 1 (K01), none closed on time
    assert by.loc["住建局"].tolist()[:8] == [4, 4, 2, 1, 0, 0, 0, 1]
    assert by.loc["住建局", "closing_rate_pct"] == 0.0
    # 财政局 (key projects only): K05 on time, K06 late, K07 early, K08 overdue -> 2 / 4
    assert by.loc["财政局"].tolist()[:8] == [4, 1, 0, 1, 3, 2, 1, 4]
    assert by.loc["财政局", "closing_rate_pct"] == 50.0
    # both have one overdue task: the lower closing rate (住建局, 0 %) comes first
    assert df["assigned_unit"].tolist() == ["住建局", "财政局"]


def test_rates_order_puts_worst_first(snap):
    df = task_rates.task_rates(snap, ALL, Filters(), by="unit", key_only=False)
    # 财政局 now has 2 overdue (K08, K09): first; 住建局 1 overdue
    assert df["assigned_unit"].tolist() == ["财政局", "住建局"]
    assert df.set_index("assigned_unit").loc["财政局", "closing_rate_pct"] == 40.0  # 2 / 5


def test_rates_per_project_and_district(snap):
    per_project = task_rates.task_rates(snap, ALL, Filters(), by="project").set_index("project_id")
    assert set(per_project.index) == {"P001", "P002", "P004"}
    assert per_project.loc["P002", ["assigned", "open", "closed_on_time", "closed_late", "decided"]].tolist() == [
        3, 1, 1, 1, 2]
    assert per_project.loc["P002", "name"] == "荷塘大道改造" and per_project.loc["P002", "closing_rate_pct"] == 50.0
    per_district = task_rates.task_rates(snap, ALL, Filters(), by="district").set_index("district_adcode")
    assert per_district.loc[HETANG, ["assigned", "overdue", "decided", "closing_rate_pct"]].tolist() == [6, 1, 3, 33.3]
    assert per_district.loc[LILING, ["assigned", "overdue", "closed_on_time", "closing_rate_pct"]].tolist() == [2, 1, 1, 50.0]


def test_totals_filters_and_scope(snap):
    totals = task_rates.task_totals(snap, ALL, Filters())
    assert (totals["assigned"], totals["overdue"], totals["due_soon"], totals["closing_rate_pct"]) == (8, 2, 2, 40.0)
    assert task_rates.task_totals(snap, Scope((LILING,)), Filters())["assigned"] == 2
    assert task_rates.task_totals(snap, ALL, Filters(stalled=("签约未开工",)))["assigned"] == 3  # P002's tasks
    none = task_rates.task_totals(snap, ALL, Filters(search="无此项目"))
    assert none["assigned"] == 0 and none["closing_rate_pct"] is None


def test_moved_deadlines_are_counted_and_listed_with_the_first_one(snap):
    """States follow the deadline now in force; the first one is shown beside it where it differs."""
    assert task_rates.task_totals(snap, ALL, Filters())["moved"] == 2
    assert task_rates.task_totals(snap, Scope((LILING,)), Filters())["moved"] == 1
    rows, _ = task_rates.task_list(snap, ALL, Filters(), states=task_rates.TASK_STATES)
    rows = rows.set_index("task_id", drop=False)
    assert rows.loc["K04", "state"] == "open" and rows.loc["K08", "state"] == "overdue"
    shown = dict(zip(rows["task_id"], meeting_view.first_deadlines(rows)))
    assert (shown["K04"], shown["K08"], shown["K07"], shown["K01"]) == ("2023-09-20", "2023-07-25", "—", "—")
    table = meeting_view.task_table(rows, "en").set_index("Task ID")
    assert table.loc["K04", "Original deadline"] == "2023-09-20" and table.loc["K04", "Due on"] == "2023-10-08"


def test_task_list_overdue_first_with_days(snap):
    rows, total = task_rates.task_list(snap, ALL, Filters(), limit=1)
    assert total == 2 and rows["task_id"].tolist() == ["K08"]
    assert rows["days_overdue"].iloc[0] == 60 and rows["project_name"].iloc[0] == "醴陵光伏电站"
    with pytest.raises(ValueError, match="unknown task states"):
        task_rates.task_list(snap, ALL, Filters(), states=("late",))
    with pytest.raises(ValueError, match="by must be"):
        task_rates.task_rates(snap, ALL, Filters(), by="owner")


@pytest.mark.parametrize("on_time,decided,expected", [(52, 52, 100.0), (2, 3, 66.7), (0, 4, 0.0), (0, 0, None)])
def test_closing_rate(on_time, decided, expected):
    assert task_rates.closing_rate(on_time, decided) == expected


def test_demo_gaoxin_66_assigned_52_closed_on_time(demo_store):
    snap = store.open_current(demo_store)
    per_district = task_rates.task_rates(snap, ALL, Filters(), by="district").set_index("district_adcode")
    gaoxin = per_district.loc["430211"]  # 高新区 = 天元区
    assert (gaoxin["assigned"], gaoxin["closed_on_time"], gaoxin["closed_late"], gaoxin["overdue"]) == (66, 52, 0, 0)
    assert (gaoxin["open"], gaoxin["due_soon"], gaoxin["decided"], gaoxin["closing_rate_pct"]) == (14, 0, 52, 100.0)
    units = task_rates.task_rates(snap, ALL, Filters(districts=("430211",)), by="unit")
    assert units["assigned"].sum() == 66 and units["closed_on_time"].sum() == 52
