"""geo.meeting: the scoreboard against plan and the stalled projects, on hand-made rows and the demo.

Tiny data (tests/conftest.py), as of 2023-09-30. Key projects (省重点/市重点): P001 荷塘 (plan 3.0,
done 1.25, started 03-15 vs planned 03-01), P002 荷塘 (plan 1.0, stalled 签约未开工 since 05-01,
planned start 04-01, not started), P004 醴陵 (plan 2.0, done 1.5, started 02-20 vs 02-01).
P003 醴陵 and P005 茶陵 are 县重点 and not on the list. Tasks: T001 (P001, overdue),
T002 (P002, due 10-05: due soon), T003 (P004, closed on time), T004 (P005, not a key project).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import AS_OF, CHALING, HETANG, LILING, make_tiny_tables

from geo import meeting, overview, store
from geo.filters import Filters
from geo.query import Scope

ALL = Scope.all()


def _row(board: pd.DataFrame, adcode: str) -> dict:
    return board.set_index("adcode").loc[adcode].to_dict()


@pytest.mark.parametrize("ratio,expected", [
    (1.25, "green"), (1.0, "green"), (0.9999, "amber"), (9 / 10, "amber"), (0.8999, "red"), (0.0, "red"),
    (None, None), (float("nan"), None),
])
def test_rag_thresholds(ratio, expected):
    assert meeting.rag(ratio) == expected


@pytest.mark.parametrize("day,pct", [(dt.date(2023, 9, 30), 74.8), (dt.date(2023, 1, 1), 0.3),
                                     (dt.date(2023, 12, 31), 100.0), (dt.date(2024, 6, 30), 49.7)])
def test_time_progress(day, pct):
    assert meeting.time_progress_pct(day) == pct


def test_scoreboard_values(tiny_snapshot):
    board = meeting.scoreboard(tiny_snapshot, ALL, Filters())
    assert list(board.columns) == meeting.SCOREBOARD_COLUMNS
    assert list(board["adcode"]) == ["430200", HETANG, CHALING, LILING]
    city = _row(board, "430200")
    assert city["is_city"] and city["name_zh"] == "全市"
    assert (city["projects"], city["total_yi"], city["plan_yi"], city["completed_yi"]) == (3, 21.5, 6.0, 2.75)
    assert (city["started"], city["started_plan"], city["completed"], city["completed_plan"]) == (2, 3, 0, 0)
    assert (city["stalled"], city["tasks"], city["overdue_tasks"], city["closing_rate_pct"]) == (1, 3, 1, 50.0)
    assert city["completed_pct"] == pytest.approx(45.8) and city["time_pct"] == 74.8
    assert (city["rag_investment"], city["rag_started"], city["rag_completed"], city["rag_closing"]) == (
        "red", "red", None, "red")

    hetang = _row(board, HETANG)
    assert (hetang["projects"], hetang["total_yi"], hetang["plan_yi"], hetang["completed_yi"]) == (2, 14.5, 4.0, 1.25)
    assert (hetang["started"], hetang["started_plan"], hetang["stalled"]) == (1, 2, 1)
    assert (hetang["tasks"], hetang["overdue_tasks"], hetang["closing_rate_pct"]) == (2, 1, 0.0)
    assert hetang["rag_started"] == "red" and hetang["rag_closing"] == "red"

    liling = _row(board, LILING)  # 75.0 % done against 74.8 % of the year gone: on schedule
    assert (liling["projects"], liling["completed_pct"], liling["closing_rate_pct"]) == (1, 75.0, 100.0)
    assert (liling["rag_investment"], liling["rag_started"], liling["rag_closing"]) == ("green", "green", "green")

    chaling = _row(board, CHALING)  # only a 县重点 project: zeros, and no target to colour against
    assert (chaling["projects"], chaling["total_yi"], chaling["tasks"], chaling["stalled"]) == (0, 0.0, 0, 0)
    assert pd.isna(chaling["completed_pct"]) and pd.isna(chaling["closing_rate_pct"])
    assert chaling["rag_investment"] is None and chaling["rag_started"] is None


def test_scoreboard_agrees_with_overview_and_direct_sums(tiny_snapshot):
    board = meeting.scoreboard(tiny_snapshot, ALL, Filters())
    fig = overview.project_figures(tiny_snapshot, ALL, Filters())
    city = _row(board, "430200")
    assert (city["projects"], city["total_yi"], city["plan_yi"]) == (fig["all"].count, fig["all"].total_yi,
                                                                     fig["all"].plan_yi)
    for key in ("completed_yi", "started", "started_plan", "completed", "completed_plan", "stalled"):
        assert city[key] == fig[key], key
    districts = board[~board["is_city"]]
    for key in ("projects", "started", "stalled", "tasks", "overdue_tasks"):
        assert districts[key].sum() == city[key], key
    # direct pandas computation over the raw tables
    t = make_tiny_tables()
    key = t["projects"][t["projects"]["level"].isin(["省重点", "市重点"])]
    assert city["total_yi"] == round(key["total_investment_yi"].sum(), 2)
    tasks = t["tasks"][t["tasks"]["project_id"].isin(key["project_id"])]
    assert city["tasks"] == len(tasks)


def test_scoreboard_respects_filters_and_scope(tiny_snapshot):
    only_liling = meeting.scoreboard(tiny_snapshot, ALL, Filters(districts=(LILING,)))
    assert list(only_liling["adcode"]) == ["430200", LILING]
    assert only_liling["name_zh"].iloc[0] == "合计" and only_liling["projects"].iloc[0] == 1

    scoped = meeting.scoreboard(tiny_snapshot, Scope((HETANG,)), Filters())
    assert list(scoped["adcode"]) == ["430200", HETANG]
    assert scoped["total_yi"].tolist() == [14.5, 14.5] and scoped["name_en"].iloc[0] == "Total"

    stalled_only = meeting.scoreboard(tiny_snapshot, ALL, Filters(stalled=("签约未开工",)))
    assert stalled_only["projects"].tolist() == [1, 1, 0, 0] and stalled_only["tasks"].tolist() == [1, 1, 0, 0]
    # the first row is 全市 only for every project: under another filter it is the total shown (tester 17)
    assert stalled_only["name_zh"].iloc[0] == "合计" and stalled_only["name_en"].iloc[0] == "Total"
    assert meeting.scoreboard(tiny_snapshot, ALL, Filters(parcel_statuses=("闲置",)))["name_zh"].iloc[0] == "全市"

    nothing = meeting.scoreboard(tiny_snapshot, ALL, Filters(search="没有这个项目"))
    assert nothing["projects"].tolist() == [0, 0, 0, 0] and nothing["rag_investment"].isna().all()


@pytest.fixture
def stalled_snapshot(tmp_path):
    """Tiny tables plus: P001 stalled 开工未竣工 since 2023-01-01 (one overdue task), P005 (县重点)
    stalled 洽谈未签约 since 2023-09-01, P004 stalled with no known start."""
    tables = make_tiny_tables()
    p = tables["projects"]
    p.loc[p["project_id"] == "P001", ["stalled_state", "stalled_since"]] = ["开工未竣工", dt.date(2023, 1, 1)]
    p.loc[p["project_id"] == "P005", ["stalled_state", "stalled_since"]] = ["洽谈未签约", dt.date(2023, 9, 1)]
    p.loc[p["project_id"] == "P004", "stalled_state"] = "在建未入库"
    return store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=[], store_dir=tmp_path / "s")


def test_a_stall_dated_after_the_as_of_date_has_no_days(tmp_path):
    """A ledger's 卡点起始 after the data's as-of date (warned at import, publishable) had put
    "-62 天" in a leader's brief: no days (shown "—") rather than negative ones."""
    tables = make_tiny_tables()
    p = tables["projects"]
    p.loc[p["project_id"] == "P001", ["stalled_state", "stalled_since"]] = ["开工未竣工", AS_OF + dt.timedelta(days=62)]
    snap = store.write_snapshot(tables, as_of=AS_OF, published_by="pytest", sources=[], store_dir=tmp_path / "s")
    rows = meeting.stalled_projects(snap, ALL, Filters())[0].set_index("project_id")
    assert pd.isna(rows.loc["P001", "days_stalled"]) and rows.loc["P002", "days_stalled"] == 152


def test_stalled_projects_days_owner_tasks(stalled_snapshot):
    rows, total = meeting.stalled_projects(stalled_snapshot, ALL, Filters())
    assert total == 3 and list(rows.columns) == meeting.STALLED_COLUMNS
    # 八未 order: 签约未开工 (P002), 开工未竣工 (P001), 在建未入库 (P004)
    assert rows["project_id"].tolist() == ["P002", "P001", "P004"]
    by_id = rows.set_index("project_id")
    assert by_id.loc["P002", "days_stalled"] == 152  # 05-01 .. 09-30
    assert by_id.loc["P001", "days_stalled"] == 272
    assert pd.isna(by_id.loc["P004", "days_stalled"])
    assert by_id.loc["P001", "owner"] == "株洲硬质合金集团" and by_id.loc["P001", "district_zh"] == "荷塘区"
    assert (by_id.loc["P001", "open_tasks"], by_id.loc["P001", "overdue_tasks"]) == (1, 1)
    assert (by_id.loc["P002", "open_tasks"], by_id.loc["P002", "overdue_tasks"]) == (1, 0)
    assert (by_id.loc["P004", "open_tasks"], by_id.loc["P004", "overdue_tasks"]) == (0, 0)


@pytest.mark.parametrize("order_by,expected", [
    ("state", ["P002", "P001", "P004"]),
    ("district", ["P002", "P001", "P004"]),  # 荷塘 430202 before 醴陵 430281, then 八未 order
    ("days", ["P001", "P002", "P004"]),      # unknown start last
    ("investment", ["P001", "P004", "P002"]),
    ("overdue_tasks", ["P001", "P002", "P004"]),
])
def test_stalled_projects_orders(stalled_snapshot, order_by, expected):
    rows, _ = meeting.stalled_projects(stalled_snapshot, ALL, Filters(), order_by=order_by)
    assert rows["project_id"].tolist() == expected


def test_stalled_projects_limit_key_only_and_bad_input(stalled_snapshot):
    rows, total = meeting.stalled_projects(stalled_snapshot, ALL, Filters(), order_by="days", limit=1)
    assert rows["project_id"].tolist() == ["P001"] and total == 3
    rows, total = meeting.stalled_projects(stalled_snapshot, ALL, Filters(), key_only=False)
    assert total == 4 and rows["project_id"].iloc[0] == "P005"  # 洽谈未签约 is the first 八未 state
    rows, total = meeting.stalled_projects(stalled_snapshot, Scope((LILING,)), Filters())
    assert rows["project_id"].tolist() == ["P004"] and total == 1
    with pytest.raises(ValueError, match="order_by"):
        meeting.stalled_projects(stalled_snapshot, ALL, Filters(), order_by="name; DROP")
    with pytest.raises(ValueError, match="limit"):
        meeting.stalled_projects(stalled_snapshot, ALL, Filters(), limit=-1)


def test_stalled_summary(stalled_snapshot):
    summary = meeting.stalled_summary(stalled_snapshot, ALL, Filters())
    assert summary[["stalled_state", "district_adcode", "projects"]].values.tolist() == [
        ["签约未开工", HETANG, 1], ["开工未竣工", HETANG, 1], ["在建未入库", LILING, 1]]
    assert summary["total_yi"].tolist() == [4.0, 10.5, 7.0]
    assert summary["median_days"].iloc[1] == 272.0 and summary["overdue_tasks"].tolist() == [0, 1, 0]


# --- the demo store ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(demo_store):
    return store.open_current(demo_store)


def test_demo_scoreboard_city_row_is_the_overview(demo):
    board = meeting.scoreboard(demo, ALL, Filters())
    fig = overview.project_figures(demo, ALL, Filters())
    city = _row(board, "430200")
    assert (city["projects"], city["total_yi"], city["plan_yi"]) == (549, 5430.0, 1135.0)
    for key in ("completed_yi", "started", "started_plan", "completed", "completed_plan", "stalled"):
        assert city[key] == fig[key], key
    assert len(board) == 10 and board[~board["is_city"]]["projects"].sum() == 549
    liling = _row(board, "430281")
    assert liling["projects"] == 74
    rows, total = meeting.stalled_projects(demo, ALL, Filters())
    assert total == city["stalled"] == len(rows)
    assert (rows["days_stalled"] >= 0).all()


def test_demo_scoreboard_fits_beside_the_sidebar_at_1366(demo):
    """Thirteen columns sized to their text: in Chinese they fit the ~880 px the main area has at
    1366×768 with the sidebar open (the last two, 逾期事项 and 按期办结率, were cut off before)."""
    from geo.meeting_view import scoreboard_table

    styled, config, adcodes = scoreboard_table(meeting.scoreboard(demo, ALL, Filters()), "zh")
    widths = {label: column["width"] for label, column in config.items()}
    assert list(widths)[-2:] == ["逾期事项", "按期办结率"] and sum(widths.values()) <= 880
    assert widths["按期办结率"] >= 16 + 5 * 14  # wide enough for its header
    assert styled.data.columns[2] == "总投资" and adcodes[0] == "430200"
    # In English too (its longer names and headers ran ~130 px over: Overdue and On time scrolled);
    # the checkbox column takes ~32 px of the ~900 the table had in Chromium.
    english, config, _ = scoreboard_table(meeting.scoreboard(demo, ALL, Filters()), "en")
    assert sum(column["width"] for column in config.values()) <= 870
    assert list(english.data.iloc[:, 0])[:2] == ["City", "Hetang"] and "Chaling" in list(english.data.iloc[:, 0])
