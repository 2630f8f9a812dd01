"""AppTest of the app frame and the overview page: figures, language, filters, URL, bad stores."""

from __future__ import annotations

import conftest

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import store

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def run_app(monkeypatch, store_dir: Path, settle: bool = True, **query) -> AppTest:
    monkeypatch.setenv("ZZMAP_STORE", str(store_dir))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    # Two runs: AppTest's first run enters through app.py with no page selected; the second
    # settles on the page (as a browser session does), so the test's first interaction is not
    # taken for a page change. The browser side of this is covered by the Playwright test.
    at.run()
    return at.run() if settle else at


def rerun(at: AppTest) -> AppTest:
    """Run again after an interaction.

    AppTest (Streamlit 1.67) reruns a multipage app by executing the current page as the main
    script, without app.py; ``ui.page_context()`` then draws the shared sidebar itself, so the
    same sidebar code is exercised either way.
    """
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_headline_figures_in_chinese(monkeypatch, demo_store):
    at = run_app(monkeypatch, demo_store)
    assert not at.exception
    m = metrics(at)
    assert m["重点项目"] == "549 个"
    assert m["总投资"] == "5,430.0 亿元"
    assert m["年度计划投资"] == "1,135.0 亿元"
    assert m["电网供电能力"] == "2,900.0 MW"  # as the peak load beside it; the published 2.9 GW below
    assert m["最高负荷"] == "2,703.8 MW"
    assert m["新能源装机"] == "697.8 MW"
    assert m["公变台区"] == "19,994 个"
    assert m["批而未供处置"] == "10,200 亩" and m["低效用地处置"] == "10,200 亩"
    groups = at.dataframe[0].value
    assert list(groups.iloc[:, 1]) == ["16 个", "15 个", "340 个", "549 个"]
    assert list(groups.iloc[:, 2]) == ["2,160.0 亿元", "999.0 亿元", "2,913.0 亿元", "5,430.0 亿元"]
    assert list(groups.iloc[:, 3]) == ["267.0 亿元", "154.0 亿元", "678.0 亿元", "1,135.0 亿元"]
    deltas = {mt.label: mt.delta.replace("\xa0", " ") if mt.delta else mt.delta for mt in at.metric}  # parts kept whole with NBSPs
    assert "59.88 %" in deltas["批而未供处置"] and "66.15 %" in deltas["低效用地处置"]
    started = next(k for k in deltas if k.endswith("已开工"))
    assert deltas[started].startswith("计划 ") and deltas[started].endswith(" · 截至9月30日")  # not the year's (tester 17)
    assert deltas["电网供电能力"] == "2.9 GW"
    assert deltas["新能源装机"] == "风电 309.0 MW · 集中式光伏 55.8 MW · 分布式光伏 333.0 MW"  # each with its unit
    assert "603" in deltas["公变台区"] and "322" in deltas["公变台区"]
    board = next(df.value for df in at.dataframe if "八未" in df.value.columns).set_index("区县")
    assert list(board.index) == ["全市", "荷塘区", "芦淞区", "石峰区", "天元区", "渌口区", "攸县", "茶陵县", "炎陵县", "醴陵市"]
    assert (board.loc["全市", "项目"], board.loc["全市", "总投资"], board.loc["全市", "年度计划"]) == \
        (549, 5430.0, 1135.0)
    assert board.drop("全市")["项目"].sum() == 549 and board.drop("全市")["八未"].sum() == board.loc["全市", "八未"]
    legend = at.get("html")[0].proto.body  # the map's legend: the metric's title and one swatch per class
    assert ">总投资（亿元）<" in legend and legend.count("background:rgb(") == 5 and "亿元</span>" in legend


def test_scoreboard_rows_match_direct_queries(monkeypatch, demo_store):
    import duckdb

    from geo import store

    snap = store.open_current(demo_store)
    at = run_app(monkeypatch, demo_store)
    board = next(df.value for df in at.dataframe if "八未" in df.value.columns).set_index("区县")
    sql = """SELECT count(*), sum(total_investment_yi), sum(annual_plan_yi), count(stalled_state),
                    count(*) FILTER (WHERE actual_start BETWEEN DATE '2023-01-01' AND DATE '2023-09-30'),
                    count(*) FILTER (WHERE planned_start BETWEEN DATE '2023-01-01' AND DATE '2023-09-30')
             FROM read_parquet(?) WHERE level IN ('省重点', '市重点') AND district_adcode = ?"""
    overdue_sql = """SELECT count(*) FROM read_parquet(?) t WHERE status = '办理中' AND due_on < DATE '2023-09-30'
                     AND district_adcode = ? AND project_id IN (SELECT project_id FROM read_parquet(?)
                                                                WHERE level IN ('省重点', '市重点'))"""
    for code, name in (("430281", "醴陵市"), ("430211", "天元区"), ("430225", "炎陵县")):
        n, total, plan, stalled, started, started_plan = duckdb.execute(
            sql, [str(snap.table_path("projects")), code]).fetchone()
        row = board.loc[name]
        assert (row["项目"], row["八未"], row["开工"], row["计划开工"]) == (n, stalled, started, started_plan)
        assert row["总投资"] == pytest.approx(total, abs=0.01) and row["年度计划"] == pytest.approx(plan, abs=0.01)
        overdue = duckdb.execute(overdue_sql, [str(snap.table_path("tasks")), code,
                                               str(snap.table_path("projects"))]).fetchone()[0]
        assert row["逾期事项"] == overdue


def test_english_switch(monkeypatch, demo_store):
    at = run_app(monkeypatch, demo_store)
    at.segmented_control(key="lang").set_value("English")
    rerun(at)
    assert not at.exception
    m = metrics(at)
    assert m["Key projects"] == "549"
    assert m["Total investment"].startswith("5,430.0 亿元")
    assert at.query_params["lang"] == ["en"] or at.query_params["lang"] == "en"
    assert at.title[0].value == "Overview"


def test_language_from_url(monkeypatch, demo_store):
    at = run_app(monkeypatch, demo_store, lang="en")
    assert metrics(at)["Record peak load"] == "2,703.8 MW"


def test_district_filter_from_url_narrows_every_figure(monkeypatch, demo_store):
    at = run_app(monkeypatch, demo_store, district="醴陵")
    assert not at.exception
    assert at.multiselect(key="f_district").value == ["430281"]
    m = metrics(at)
    assert m["重点项目"] == "74 个"
    board = next(df.value for df in at.dataframe if "八未" in df.value.columns)
    assert list(board["区县"]) == ["合计", "醴陵市"]  # the total of what is shown, then the district
    assert any(c.value.startswith("筛选范围：") and "醴陵市" in c.value for c in at.caption), [c.value for c in at.caption]
    # the grid: the district's own 110 kV stations (the city's 220 kV figures are city-wide only)
    assert "电网供电能力" not in m and m["区内110千伏可供容量"].endswith(" MW") and m["区内110千伏最高负荷"].endswith(" MW")
    assert not [x for x in at.metric if x.label == "区内110千伏可供容量" and x.delta]


def test_figures_that_do_not_follow_a_filter_say_so(monkeypatch, demo_store):
    """Under 株洲高新区 the grid cards stayed the city's, under 轨道交通 the land cards too, below a
    header naming the filter, unsaid (tester 17)."""
    notes = lambda at: [c.value for c in at.caption if "只按区县" in c.value]  # noqa: E731
    assert notes(run_app(monkeypatch, demo_store)) == []
    assert notes(run_app(monkeypatch, demo_store, district="醴陵")) == []  # both follow the district
    park = run_app(monkeypatch, demo_store, park="株洲高新区")
    assert notes(park) == ["电网与能源各项只按区县筛选，不随园区、产业链、项目阶段等项目筛选变化。"]  # land follows parks
    chain = notes(run_app(monkeypatch, demo_store, chain="轨道交通"))
    assert len(chain) == 2 and chain[1].startswith("土地处置各项只按区县和园区筛选")


def test_filter_widget_writes_the_url(monkeypatch, demo_store):
    at = run_app(monkeypatch, demo_store)
    at.multiselect(key="f_district").set_value(["430223"])
    rerun(at)
    assert metrics(at)["重点项目"] == "60 个"
    assert at.query_params["district"] in ("430223", ["430223"])
    at.button(key="clear_filters").click()
    rerun(at)
    assert metrics(at)["重点项目"] == "549 个"
    assert "district" not in at.query_params


def test_unknown_url_values_are_ignored_with_a_notice(monkeypatch, demo_store):
    at = run_app(monkeypatch, demo_store, settle=False, district="atlantis", stage="在建")
    assert not at.exception
    assert at.multiselect(key="f_district").value == []
    assert at.multiselect(key="f_stage").value == ["在建"]
    notice = next(toast for toast in at.toast if "district=atlantis" in toast.value)
    assert notice.proto.duration == 0  # "infinite": stays until closed (a 4-second toast went unseen)


def test_a_present_value_other_than_1_and_a_long_search_are_said(monkeypatch, demo_store):
    at = run_app(monkeypatch, demo_store, settle=False, present="yes", q="株" * 130)
    assert not at.exception
    said = " ".join(toast.value for toast in at.toast)
    assert "present=yes" in said and "链接中的搜索词超过 100 字：只按前 100 字搜索" in said, said
    assert "q=" not in said  # the search is used (cut), not ignored
    assert all(toast.proto.duration == 0 for toast in at.toast)  # each until closed
    assert not [css for css in conftest.stylesheets(at) if "stSidebar" in css]  # not presenting
    assert at.text_input(key="f_q").value == "株" * 100


def test_a_pages_own_bad_parameters_and_an_unknown_language_are_named_until_closed(monkeypatch, demo_store):
    """A page's view parameters (max_km, headroom_kv …) and ?lang= are said as the filters are,
    by a notice that stays: a default four-second toast was gone before the energy map drew."""
    import conftest

    at = conftest.open_page(monkeypatch, demo_store, "energy", max_km="abc", headroom_kv="500")
    assert not at.exception
    texts = " ".join(toast.value for toast in at.toast)
    assert "max_km=abc" in texts and "headroom_kv=500" in texts
    assert all(toast.proto.duration == 0 for toast in at.toast)
    at = run_app(monkeypatch, demo_store, settle=False, lang="xx")
    notice = next(toast for toast in at.toast if "lang=xx" in toast.value)
    assert notice.proto.duration == 0 and "已忽略" in notice.value  # and the page is in Chinese


def _copy_store(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_missing_current_offers_last_good(monkeypatch, demo_store, tmp_path):
    store_dir = _copy_store(demo_store, tmp_path / "store")
    (store_dir / "CURRENT").unlink()
    at = run_app(monkeypatch, store_dir)
    assert not at.exception
    assert any("CURRENT" in e.value for e in at.error)
    assert not at.metric
    at.button(key="use_last_good").click()
    rerun(at)
    assert metrics(at)["重点项目"] == "549 个"
    good = store.list_snapshots(store_dir)[-1]
    assert any(f"正在显示上一个完好的快照 {good.id}" in w.value for w in at.warning)  # and says it is not current
    # repaired, with newer data: the tab follows, told so (it had stayed on the old snapshot for good)
    (store_dir / "CURRENT").write_text(good.id)
    projects = store.read_table(good, "projects")
    newer = store.derive_snapshot(good, {"projects": projects.iloc[:500]}, published_by="t", sources=[], note="fix",
                                  store_dir=store_dir)
    rerun(at)
    assert metrics(at)["重点项目"] != "549 个" and not at.warning
    assert any(newer.id in toast.value for toast in at.toast)


def test_corrupt_snapshot_names_the_file_and_offers_the_previous_one(monkeypatch, demo_store, tmp_path):
    store_dir = _copy_store(demo_store, tmp_path / "store")
    good = store.open_current(store_dir)
    tables = {name: store.read_table(good, name) for name in good.tables}
    newer = store.write_snapshot(tables, as_of=good.as_of, published_by="test", sources=["copy"],
                                 note="second", store_dir=store_dir)
    broken = newer.table_path("projects")
    broken.write_bytes(broken.read_bytes()[: broken.stat().st_size // 2])
    at = run_app(monkeypatch, store_dir)
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "projects" in message and newer.id in message
    at.button(key="use_last_good").click()
    rerun(at)
    assert metrics(at)["重点项目"] == "549 个"


def test_no_store_builds_the_demo(monkeypatch, tmp_path):
    at = run_app(monkeypatch, tmp_path / "empty")
    assert not at.exception
    assert metrics(at)["重点项目"] == "549 个"
    assert store.open_current(tmp_path / "empty").row_count("projects") == 549


def test_switching_language_keeps_the_filters(monkeypatch, demo_store):
    at = run_app(monkeypatch, demo_store, district="430281", stage="在建")
    at.segmented_control(key="lang").set_value("English")
    rerun(at)
    assert at.multiselect(key="f_district").value == ["430281"]
    assert at.multiselect(key="f_stage").value == ["在建"]
    assert metrics(at)["Key projects"] == metrics(run_app(monkeypatch, demo_store, district="430281",
                                                           stage="在建", lang="en"))["Key projects"]


def test_current_naming_a_missing_snapshot(monkeypatch, demo_store, tmp_path):
    store_dir = _copy_store(demo_store, tmp_path / "store")
    (store_dir / "CURRENT").write_text("20990101T000000-gone00\n", encoding="utf-8")
    at = run_app(monkeypatch, store_dir)
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "20990101T000000-gone00" in message
    good = store.list_snapshots(store_dir)[-1]
    assert good.id in at.button(key="use_last_good").label


def test_a_view_without_projects_has_no_share_of_plan(monkeypatch, demo_store):
    at = run_app(monkeypatch, demo_store, q="没有这样的项目")
    assert not at.exception
    completed = next(m for m in at.metric if m.label == "年度已完成投资")
    assert completed.value == "0.0 亿元" and "—" in completed.delta and "0.0 %" not in completed.delta


def test_the_overview_has_the_header_of_every_page(monkeypatch, demo_store):
    """The scoreboard could go on an agenda only by pasting its address, and a district filter had
    no visible "clear" (tester 13): 加入议程 and 清除全部 as on every other page."""
    at = conftest.open_page(monkeypatch, demo_store, "overview", district="430281")
    assert not at.exception
    assert [p for p in at.get("popover") if "加入议程" in str(p.proto)]
    clear = at.button(key="overview_clear")
    assert not clear.disabled
    clear.click().run()
    assert at.multiselect(key="f_district").value == [] and at.button(key="overview_clear").disabled


def test_a_filter_the_overview_does_not_offer_is_neither_named_nor_applied(monkeypatch, demo_store):
    """/?district=醴陵&status=闲置 read "醴陵市 · 闲置" above land cards that were Liling's whole
    (tester 15): the overview's grid and land figures follow its own sidebar (district, park)."""
    plain = conftest.open_page(monkeypatch, demo_store, "overview", district="430281")
    carried = conftest.open_page(monkeypatch, demo_store, "overview", district="430281", status="闲置", use="工业",
                                 kv="220")
    assert not carried.exception
    scope = next(c.value for c in carried.caption if c.value.startswith("筛选范围："))
    assert "醴陵市" in scope and "闲置" not in scope and "工业" not in scope and "220" not in scope
    assert {m.label: m.value for m in carried.metric} == {m.label: m.value for m in plain.metric}
    assert carried.button(key="overview_clear").disabled is False  # the district: something to clear


def test_the_completion_rate_map_is_green_where_the_rate_is_best(demo_store):
    """炎陵县 (81.3 %, the best) was the darkest red under a scoreboard showing it green (tester 17):
    a rate where more is better is on greens; the amounts stay on reds."""
    import json

    from geo import overview
    from geo.filters import Filters
    from geo.map_classes import CLASS_COLOURS, GOOD_COLOURS
    from geo.query import Scope

    summary = overview.district_summary(store.open_current(demo_store), Scope.all(), Filters())
    best, worst = (summary.set_index("adcode")["progress_pct"].astype(float).agg(f) for f in ("idxmax", "idxmin"))

    def fill_of(metric, code):
        deck, _ = overview.investment_choropleth(summary, metric, "zh")
        layer = next(x for x in json.loads(deck.to_json())["layers"] if x["id"] == "districts")
        return next(f["properties"]["fill"][:3] for f in layer["data"]["features"] if f["properties"]["adcode"] == code)

    assert fill_of("progress", best) == list(GOOD_COLOURS[-1]) and fill_of("progress", worst) == list(GOOD_COLOURS[0])
    top = summary.set_index("adcode")["total_yi"].astype(float).idxmax()
    assert fill_of("total", top) == list(CLASS_COLOURS[-1])
