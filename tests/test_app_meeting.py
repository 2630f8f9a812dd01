"""AppTest of the meeting page's agendas and of presentation mode: starting an agenda opens its
first view in presentation mode, previous / next open the other views with their own filters."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import conftest
from geo import agenda as agendas
from geo import present


def keep_title(at, prefix: str):
    """The 加入议程 popover's title box (keyed by its default title)."""
    return next(w for w in at.text_input if (w.key or "").startswith(f"{prefix}_keep_title"))


def three_views(store_dir):
    items = [agendas.item_from_link("醴陵 — 在建项目", "/investment?district=430281&stage=在建"),
             agendas.item_from_link("攸县闲置土地", "/land?district=430223&status=闲置"),
             agendas.item_from_link("<i>电网</i>", "/energy?kv=220")]
    return agendas.save(agendas.new_agenda("九月调度会", items), store_dir)


def test_present_an_agenda_of_three_views(monkeypatch, demo_store):
    saved = three_views(demo_store)
    try:
        at = conftest.open_page(monkeypatch, demo_store, "meeting", view="agenda")
        assert not at.exception
        at.selectbox(key="agenda_pick").set_value(saved.agenda_id).run()
        conftest.follow_link(at, "从第 1 项开始演示")
        assert not at.exception
        assert at.query_params["present"] == "1" and at.query_params["item"] == "1"
        assert at.query_params["district"] == "430281" and at.query_params["stage"] == "在建"
        assert at.multiselect(key="f_stage").value == ["在建"]
        bar = next(m.value for m in at.markdown if "九月调度会" in m.value)
        assert "第 1 / 3 项" in bar
        assert conftest.page_link(at, "上一项").disabled
        conftest.follow_link(at, "下一项")
        assert not at.exception
        assert at.query_params["item"] == "2" and at.query_params["status"] == "闲置"
        assert "stage" not in at.query_params  # the first view's filters do not leak into the second
        assert at.multiselect(key="f_district").value == ["430223"]
        conftest.follow_link(at, "下一项")
        assert at.query_params["item"] == "3" and at.query_params["kv"] == "220"
        assert conftest.page_link(at, "下一项").disabled
        bar = next(m.value for m in at.markdown if "九月调度会" in m.value)
        assert r"\<i\>电网\<\/i\>" in bar  # HTML in a title is shown as text
        conftest.follow_link(at, "上一项")
        assert at.query_params["item"] == "2" and at.multiselect(key="f_status").value == ["闲置"]
    finally:
        agendas.delete(saved.agenda_id, demo_store)


def test_presentation_mode_hides_the_chrome_and_can_be_left(monkeypatch, demo_store):
    at = conftest.open_page(monkeypatch, demo_store, "investment", present="1")
    assert not at.exception
    styles = [css for css in conftest.stylesheets(at) if "stSidebar" in css]
    assert styles and "font-size: clamp(34px, 3.1vw, 60px)" in styles[0]  # 60 px on a 1920 projector
    assert chart_type_sizes(at) == {(20, 40)}  # the investment page's four bar charts, read from the back
    at.button(key="inv_unpresent").click().run()
    assert "present" not in at.query_params
    assert not [css for css in conftest.stylesheets(at) if "stSidebar" in css]
    assert chart_type_sizes(at) == {(13, 28)}


def chart_type_sizes(at) -> set[tuple[int, int]]:
    """(axis label px, px per bar) of the page's bar charts."""
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    return {(s["config"]["axis"]["labelFontSize"], s["height"]["step"]) for s in specs
            if isinstance(s.get("height"), dict)}


def copy_of_demo(demo_store, tmp_path):
    """A private copy of the demo store: these tests write snapshots."""
    import shutil

    target = tmp_path / "store"
    shutil.copytree(demo_store, target, symlinks=True)
    return target


def test_assign_and_close_a_task_in_the_meeting(monkeypatch, demo_store, tmp_path):
    import datetime as dt

    from geo import store

    store_dir = copy_of_demo(demo_store, tmp_path)
    before = store.open_current(store_dir)
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="tasks")
    assert not at.exception
    assigned = next(m.value for m in at.metric if m.label == "交办")
    picker = at.selectbox(key="assign_project")
    project = store.read_table(before, "projects").set_index("project_id").loc["XM2023-430281-0023"]
    label = picker.format_func("XM2023-430281-0023")  # its stage and size tell two phases apart (tester 13)
    assert label.startswith(f"{project['name']} · 醴陵市 · {project['stage']}") and label.endswith(
        f"{project['total_investment_yi']:,.1f} 亿元")
    picker.set_value("XM2023-430281-0023")
    at.selectbox(key="assign_unit").set_value("国网株洲供电公司")
    at.text_input(key="assign_task_title").input("<script>alert(1)</script>协调专线接入")
    at.button[[b.label for b in at.button].index("交办")].click().run()
    assert not at.exception
    done = next(s.value for s in at.success if s.value.startswith("已交办"))
    task_id = done.split("：")[1]
    after = store.open_current(store_dir)
    assert after.id != before.id and after.manifest["parent"] == before.id
    assert next(m.value for m in at.metric if m.label == "交办") != assigned
    tasks = store.read_table(after, "tasks").set_index("task_id")
    assert tasks.loc[task_id, "title"] == "<script>alert(1)</script>协调专线接入"
    # close it; closing it again (someone else did) is refused and nothing is saved
    at.selectbox(key="close_task").set_value(task_id)
    # a date after the as-of date is refused in words, nothing saved (it had been recorded as the
    # as-of date, unsaid: tester 19)
    at.date_input(key="close_on").set_value(after.as_of + dt.timedelta(days=5))
    at.button[[b.label for b in at.button].index("办结")].click().run()
    assert any(f"晚于数据截至日 {after.as_of}" in e.value for e in at.error)
    assert store.open_current(store_dir).id == after.id
    at.date_input(key="close_on").set_value(after.as_of)  # assigned that day: the earliest it can close
    at.button[[b.label for b in at.button].index("办结")].click().run()
    assert [s.value for s in at.success] == [f"已办结：{task_id}，办结日期 {after.as_of}"], [e.value for e in at.error]
    closed = store.open_current(store_dir)
    assert store.read_table(closed, "tasks").set_index("task_id").loc[task_id, "status"] == "已办结"


def test_a_deadline_is_moved_in_the_meeting(monkeypatch, demo_store, tmp_path):
    import datetime as dt

    from geo import store

    store_dir = copy_of_demo(demo_store, tmp_path)
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="tasks")
    overdue = next(m.value for m in at.metric if m.label == "已逾期")
    tasks = store.read_table(store.open_current(store_dir), "tasks").set_index("task_id")
    late = tasks[(tasks["status"] == "办理中") & (tasks["due_on"] < "2023-09-30")].index[0]  # an overdue one
    at.selectbox(key="reschedule_task").set_value(late)
    at.date_input(key="reschedule_due").set_value(dt.date(2023, 11, 30))
    at.text_input(key="reschedule_by").input("王五")
    at.button[[b.label for b in at.button].index("调整时限")].click().run()
    assert not at.exception
    assert any(s.value == f"已调整：{late} 办结时限改为 2023-11-30" for s in at.success)
    moved = store.read_table(store.open_current(store_dir), "tasks").set_index("task_id").loc[late]
    assert moved["due_on"].date() == dt.date(2023, 11, 30) and moved["status"] == "办理中"
    assert store.open_current(store_dir).manifest["published_by"] == "王五"  # who, not "调度会"
    assert next(m.value for m in at.metric if m.label == "已逾期") != overdue  # one fewer overdue


def test_a_mistaken_closing_and_a_mistaken_task_are_undone(monkeypatch, demo_store, tmp_path):
    """撤销办结 and 撤销交办, each with a reason; the changes view then names both."""
    from geo import store

    store_dir = copy_of_demo(demo_store, tmp_path)
    start = store.open_current(store_dir)
    tasks = store.read_table(start, "tasks")
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="tasks")
    assert not at.exception
    closed_before = next(m.value for m in at.metric if m.label == "按期办结")
    last_closed = tasks[tasks["status"] == "已办结"].sort_values(["closed_on", "task_id"]).iloc[-1]
    picker = at.selectbox(key="undo_task")
    assert picker.options[0].startswith(last_closed["task_id"])  # the last closed first
    assert all("办结" in o for o in picker.options) and len(picker.options) == (tasks["status"] == "已办结").sum()
    on_time = tasks[(tasks["status"] == "已办结") & (tasks["closed_on"] <= tasks["due_on"])]["task_id"].iloc[0]
    picker.set_value(on_time)
    at.button[[b.label for b in at.button].index("撤销办结")].click().run()  # no reason: refused, nothing saved
    assert any("请填写原因" in e.value for e in at.error) and store.open_current(store_dir).id == start.id
    at.text_input(key="undo_reason").input("很" * 101)  # pasted, not cut away by the box: refused with the limit, kept
    at.button[[b.label for b in at.button].index("撤销办结")].click().run()
    assert any("原因最多 100 个字" in e.value for e in at.error) and at.text_input(key="undo_reason").value == "很" * 101
    at.text_input(key="undo_reason").input("误点办结")
    at.text_input(key="undo_by").input("赵六")
    at.button[[b.label for b in at.button].index("撤销办结")].click().run()
    assert not at.exception
    assert any(s.value == f"已撤销办结：{on_time} 恢复为办理中" for s in at.success)
    reopened = store.open_current(store_dir)
    row = store.read_table(reopened, "tasks").set_index("task_id").loc[on_time]
    assert row["status"] == "办理中" and pd.isna(row["closed_on"]) and reopened.manifest["published_by"] == "赵六"
    assert next(m.value for m in at.metric if m.label == "按期办结") != closed_before
    assert at.text_input(key="undo_reason").value == ""  # emptied for the next one
    # withdraw: every task offered, the one this meeting changed last first, its project named;
    # another correction starts clean (the reason typed for the other one had stayed)
    at.text_input(key="undo_reason").input("写给撤销办结的原因")
    at.radio(key="undo_action").set_value("withdraw").run()
    assert at.text_input(key="undo_reason").value == ""
    options = at.selectbox(key="undo_task").options
    project = store.read_table(start, "projects").set_index("project_id").loc[
        tasks.set_index("task_id").loc[on_time, "project_id"], "name"]
    assert len(options) == len(tasks) and options[0].startswith(on_time) and project in options[0]
    at.selectbox(key="undo_task").set_value(on_time)
    at.text_input(key="undo_reason").input("重复交办")
    at.button[[b.label for b in at.button].index("撤销交办")].click().run()
    assert any(s.value == f"已撤销交办：{on_time}" for s in at.success)
    assert on_time not in set(store.read_table(store.open_current(store_dir), "tasks")["task_id"])
    # the changes view compares with the data before today's edits by default (it took the last edit)
    changes = conftest.open_page(monkeypatch, store_dir, "meeting", view="changes")
    assert changes.selectbox(key="changes_old").value == start.id
    assert "调度会撤销交办" in changes.selectbox(key="changes_new").format_func(changes.selectbox(key="changes_new").value)
    counts = {m.label: m.value for m in changes.metric}
    assert counts["撤销/移出事项"] == "1 件" and counts["撤销办结"] == "0 件"  # reopened, then withdrawn: gone
    withdrawn = next(df.value for df in changes.dataframe if "原因" in df.value.columns)
    assert withdrawn[["事项编号", "原因", "记录人"]].values.tolist() == [[on_time, "重复交办", "赵六"]]  # the recorder stays
    changes.selectbox(key="changes_old").set_value(reopened.id).run()  # the previous edit: the withdrawal alone
    assert {m.label: m.value for m in changes.metric}["撤销/移出事项"] == "1 件"


def test_a_bad_task_is_refused_and_nothing_saved(monkeypatch, demo_store, tmp_path):
    from geo import store

    store_dir = copy_of_demo(demo_store, tmp_path)
    before = store.open_current(store_dir).id
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="tasks")
    at.selectbox(key="assign_project").set_value("XM2023-430281-0023")
    at.selectbox(key="assign_unit").set_value("国网株洲供电公司")
    at.text_input(key="assign_task_title").input("   ")
    at.button[[b.label for b in at.button].index("交办")].click().run()
    assert any("事项内容为空" in e.value and "the task" not in e.value for e in at.error)  # no English tail
    at.text_input(key="assign_task_title").input("协调")
    at.date_input(key="assign_due").set_value(__import__("datetime").date(2023, 1, 1))
    at.button[[b.label for b in at.button].index("交办")].click().run()
    assert any("办结时限 2023-01-01 早于交办日期 2023-09-30" in e.value for e in at.error)
    assert store.open_current(store_dir).id == before


def test_stalled_view_lists_every_stalled_key_project(monkeypatch, demo_store):
    from geo import meeting, store
    from geo.filters import Filters
    from geo.query import Scope

    at = conftest.open_page(monkeypatch, demo_store, "meeting", view="stalled", district="430224")
    rows, total = meeting.stalled_projects(store.open_current(demo_store), Scope.all(), Filters(districts=("430224",)))
    table = next(df.value for df in at.dataframe if "days_stalled" in df.value.columns)
    assert len(table) == total == len(rows) and set(table["district"]) == {"茶陵县"}
    assert next(m.value for m in at.metric if m.label == "八未卡点项目") == f"{total} 个"


def test_the_brief_is_built_on_request(monkeypatch, demo_store):
    at = conftest.open_page(monkeypatch, demo_store, "meeting", view="brief", district="430281")
    assert not at.exception
    assert at.selectbox(key="brief_place").value == "430281"  # one district filtered: its brief
    assert not at.get("download_button")
    at.button(key="brief_build").click().run()
    assert not at.exception
    download = at.get("download_button")[0]
    assert "调度会简报_醴陵市_2023-09-30.pdf" in download.proto.label
    assert not [w for w in at.warning if "不含侧栏的其他筛选" in w.value]  # one district: the brief's own scope
    parked = conftest.open_page(monkeypatch, demo_store, "meeting", view="brief", park="株洲高新区")
    assert [w.value for w in parked.warning if "不含侧栏的其他筛选" in w.value]  # said, not silently city-wide (tester 17)


def _with_one_task_assigned(demo_store, tmp_path):
    """A copy of the demo store with a second snapshot: one task assigned on the first."""
    import datetime as dt

    from geo import store, task_edits

    store_dir = copy_of_demo(demo_store, tmp_path)
    task_edits.assign(store_dir, store.open_current(store_dir), project_id="XM2023-430281-0023",
                      unit="国网株洲供电公司", title="接电", due_on=dt.date(2023, 10, 20))
    return store_dir


def test_changes_view_compares_two_snapshots(monkeypatch, demo_store, tmp_path):
    store_dir = _with_one_task_assigned(demo_store, tmp_path)
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="changes")
    assert not at.exception
    counts = {m.label: m.value for m in at.metric}
    assert counts["新交办事项"] == "1 件" and counts["新增项目"] == "0 个"  # with their units
    assigned = next(df.value for df in at.dataframe if "事项内容" in df.value.columns or "交办日期" in df.value.columns)
    assert not [c for c in assigned.columns if c.isascii()], list(assigned.columns)  # no task_id, due_on …
    assert assigned.iloc[0].astype(str).str.fullmatch(r"2023-10-20").any()  # a day, not 2023-10-20 00:00:00
    assert not [c for c in at.caption if "只按区县筛选" in c.value]
    searched = conftest.open_page(monkeypatch, store_dir, "meeting", view="changes", q="不存在的项目")
    assert {m.label: m.value for m in searched.metric}["新交办事项"] == "1 件"  # the search does not apply: said
    assert [c for c in searched.caption if "只按区县筛选" in c.value]


def test_changes_since_the_last_meeting_are_those_since_the_data_it_saw_and_a_link_keeps_the_baseline(
        monkeypatch, demo_store, tmp_path):
    """Meeting 1 assigns a task (as of 09-30); a month's ledger moves the data to 10-31; a task is
    closed. The default baseline had been the last snapshot of an earlier calendar day: meeting
    1's assignment showed as new at meeting 2, and an agenda item fell back to it (tester 19)."""
    import datetime as dt

    from geo import store, task_edits

    store_dir = _with_one_task_assigned(demo_store, tmp_path)  # meeting 1: one task assigned
    meeting_1 = store.open_current(store_dir)
    tables = {t: store.read_table(meeting_1, t) for t in meeting_1.tables}
    tables["projects"].loc[0, "completed_yi"] = float(tables["projects"].loc[0, "completed_yi"]) + 1.0
    store.write_snapshot(tables, as_of=dt.date(2023, 10, 31), published_by="重点办", sources=["10月台账"],
                         store_dir=store_dir)
    open_task = tables["tasks"][tables["tasks"]["status"] == "办理中"]["task_id"].iloc[0]
    task_edits.close(store_dir, store.open_current(store_dir), task_id=open_task)
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="changes")
    assert not at.exception and at.selectbox(key="changes_old").value == meeting_1.id
    picker = at.selectbox(key="changes_new")  # each option says its data's date (tester 19)
    assert "数据截至 2023-10-31" in picker.format_func(picker.value)
    assert "数据截至 2023-09-30" in picker.format_func(meeting_1.id)
    counts = {m.label: m.value for m in at.metric}
    assert counts["新交办事项"] == "0 件" and counts["办结事项"] == "1 件"
    assert counts["投资进展"] == "1 个" and any("合计变化 +1.0 亿元（1 个项目）" in c.value for c in at.caption)
    due_in_october = tables["tasks"][(tables["tasks"]["status"] == "办理中") & (tables["tasks"]["task_id"] != open_task)
                                     & tables["tasks"]["due_on"].between("2023-09-30", "2023-10-30")]
    assert counts["新增逾期事项"] == f"{len(due_in_october)} 件" and len(due_in_october) > 0
    first = store.list_snapshots(store_dir)[0].id  # before meeting 1: chosen, it is in the address
    at.selectbox(key="changes_old").set_value(first).run()
    assert at.query_params["since"] in ([first], first)
    brief = conftest.open_page(monkeypatch, store_dir, "meeting", view="brief")  # its line counts from meeting 1
    assert [c.value for c in brief.caption if f"快照 {meeting_1.id}" in c.value and "数据截至 2023-09-30" in c.value]
    # the baseline chosen here is the brief's, after the changes view is left (its widget state is dropped)
    at.segmented_control(key="meeting_view").set_value("brief").run()
    at.run()
    assert [c.value for c in at.caption if f"快照 {first}" in c.value], [c.value for c in at.caption]
    at.button(key="brief_build").click().run()
    assert at.session_state["brief_result"][0][-1] == first
    linked = conftest.open_page(monkeypatch, store_dir, "meeting", view="changes", since=first)
    assert linked.selectbox(key="changes_old").value == first
    assert {m.label: m.value for m in linked.metric}["新交办事项"] == "1 件"


def test_a_default_baseline_follows_new_data_and_a_chosen_one_stays(monkeypatch, demo_store, tmp_path):
    """The default kept in the session had stayed the one from before an import moved the data
    (review): it follows; one the user chose is kept."""
    import datetime as dt

    from geo import store

    store_dir = _with_one_task_assigned(demo_store, tmp_path)
    first, meeting_1 = [s.id for s in store.list_snapshots(store_dir)]
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="changes")
    assert at.selectbox(key="changes_old").value == first  # one day, one as-of date: the line's first
    snap = store.open_current(store_dir)
    store.write_snapshot({t: store.read_table(snap, t) for t in snap.tables}, as_of=dt.date(2023, 10, 31),
                         published_by="重点办", sources=["10月台账"], store_dir=store_dir)
    at.run()
    assert at.selectbox(key="changes_old").value == meeting_1  # the data meeting 1 saw
    at.selectbox(key="changes_old").set_value(first).run()
    store.write_snapshot({t: store.read_table(snap, t) for t in snap.tables}, as_of=dt.date(2023, 11, 30),
                         published_by="重点办", sources=["11月台账"], store_dir=store_dir)
    at.run()
    assert at.selectbox(key="changes_old").value == first  # chosen: kept


def test_add_the_current_view_to_an_agenda(monkeypatch, demo_store, tmp_path):
    store_dir = copy_of_demo(demo_store, tmp_path)
    saved = agendas.save(agendas.new_agenda("十月调度会"), store_dir)
    at = conftest.open_page(monkeypatch, store_dir, "land", district="430223", status="闲置")
    assert not at.exception
    assert keep_title(at, "land").value == "闲置土地 — 攸县 · 闲置"
    at.button(key="land_keep").click().run()
    assert not at.exception
    item = agendas.load(saved.agenda_id, store_dir).items[0]
    assert item.page == "land" and item.query() == {"district": "430223", "status": "闲置"}
    assert item.title == "闲置土地 — 攸县 · 闲置"


def test_changes_since_a_meeting_day(monkeypatch, demo_store, tmp_path):
    store_dir = _with_one_task_assigned(demo_store, tmp_path)
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="changes")
    at.toggle(key="changes_by_date").set_value(True).run()
    assert not at.exception
    # both snapshots were published today: the day's latest is the current one, nothing to compare
    assert any("当日发布的最新快照" in c.value for c in at.caption)
    assert any("请选择两个不同的快照" in i.value for i in at.info)


def test_stalled_projects_by_state_and_district(monkeypatch, demo_store):
    from geo import meeting, store
    from geo.filters import Filters
    from geo.query import Scope

    at = conftest.open_page(monkeypatch, demo_store, "meeting", view="stalled")
    grid = next(df.value for df in at.dataframe if "八未状态" in df.value.columns).set_index("八未状态")
    _, total = meeting.stalled_projects(store.open_current(demo_store), Scope.all(), Filters())
    assert grid.loc["合计", "合计"] == total
    assert list(grid.index[:-1]) == [s for s in __import__("geo.schema", fromlist=["x"]).STALLED_STATES
                                     if s in grid.index]
    assert grid.drop(index="合计").drop(columns="合计").to_numpy().sum() == total
    english = conftest.open_page(monkeypatch, demo_store, "meeting", view="stalled", lang="en")
    grid = next(df.value for df in english.dataframe if "Stalled state" in df.value.columns)
    # short names: with " District" / " County" the last districts and the total scrolled at 1366 px
    assert list(grid.columns)[1:4] == ["Hetang", "Lusong", "Shifeng"] and list(grid.columns)[-1] == "Total"


def test_no_matching_rows_are_said_in_the_page_language(monkeypatch, demo_store):
    """A search matching no project: the stalled and task views show a caption in the page
    language instead of empty grids; the task list's missing 逾期天数 read "—"."""
    at = conftest.open_page(monkeypatch, demo_store, "meeting", q="不存在的项目")
    assert not at.exception
    assert "没有符合筛选条件的八未项目" in [c.value for c in at.caption]
    assert not at.dataframe
    at = conftest.open_page(monkeypatch, demo_store, "meeting", view="tasks", q="不存在的项目", lang="en")
    assert not at.exception
    assert "No assigned tasks match the filters" in [c.value for c in at.caption]
    assert not at.dataframe
    at = conftest.open_page(monkeypatch, demo_store, "meeting", view="tasks")
    tasks = next(df for df in at.dataframe if "逾期天数" in df.value.columns)
    assert tasks.value["逾期天数"].isna().any() and tasks.proto.placeholder == "—"


def test_the_agenda_table_refuses_rows_without_a_title_or_link_in_words(monkeypatch, demo_store, tmp_path):
    """Rows the editor leaves empty come as None, NaN or pd.NA: an empty title or link is refused
    with its row number and reason (in Chinese), nothing saved; a good table saves, and the
    picker keeps the agenda after an item is added."""
    store_dir = copy_of_demo(demo_store, tmp_path)
    saved = agendas.save(agendas.new_agenda("十一月调度会", [agendas.item_from_link("醴陵", "/investment?district=430281")]),
                         store_dir)
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="agenda")
    at.selectbox(key="agenda_pick").set_value(saved.agenda_id).run()
    assert any("本议程共 1 项" in c.value for c in at.caption)
    editor = f"agenda_items_{saved.agenda_id}_0"  # agenda_view.agenda_editor's key before any save
    for empty in (None, float("nan"), pd.NA):
        at.session_state[editor] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [
            {"order": 2, "title": empty, "link": "/land?district=430223"},
            {"order": 3, "title": "能源", "link": empty},
            {"order": 0, "title": "坏链接", "link": "/nosuch?district=1"}]}  # sorted first, shown fourth
        at.button(key="agenda_save").click().run()
        assert not at.exception
        error = next(e.value for e in at.error)
        # each bad row named by its place in the table, whatever its order number
        assert "第 2 行：议题为空" in error and "第 3 行：链接为空" in error and "第 4 行：" in error, error
        assert len(agendas.load(saved.agenda_id, store_dir).items) == 1  # nothing saved
    # The add-item form: the picker stays on the agenda, whose count follows.
    at.text_input(key="meeting_new_title").input("攸县闲置土地")
    at.text_input(key="meeting_new_link").input("/land?district=430223&status=闲置")
    next(b for b in at.button if (b.key or "").startswith("FormSubmitter:meeting_add_item")).click().run()
    assert not at.exception
    assert at.selectbox(key="agenda_pick").value == saved.agenda_id
    assert any("本议程共 2 项" in c.value for c in at.caption)
    at.run()
    assert at.selectbox(key="agenda_pick").value == saved.agenda_id


def test_a_new_session_opens_the_last_agenda_and_a_copy_makes_next_months(monkeypatch, demo_store, tmp_path):
    """The day after, the agenda editor had opened on an empty new agenda; renaming October's for
    November had renamed meeting 1's (tester 19)."""
    store_dir = copy_of_demo(demo_store, tmp_path)
    items = [agendas.item_from_link("醴陵", "/investment?district=430281"), agendas.item_from_link("攸县", "/land?district=430223")]
    agendas.save(agendas.new_agenda("九月调度会", items[:1]), store_dir)
    october = agendas.save(agendas.new_agenda("10月重点项目调度会", items), store_dir)
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="agenda")
    assert at.selectbox(key="agenda_pick").value == october.agenda_id  # the one saved last
    at.button(key="agenda_copy").click().run()
    assert not at.exception
    copy = next(a for a in agendas.list_agendas(store_dir) if a.agenda_id not in (october.agenda_id,)
                and a.title != "九月调度会")
    assert copy.title == "10月重点项目调度会（副本）" and [i.query() for i in copy.items] == [i.query() for i in october.items]
    assert at.selectbox(key="agenda_pick").value == copy.agenda_id and at.text_input(key="agenda_title").value == copy.title
    assert agendas.load(october.agenda_id, store_dir).title == "10月重点项目调度会"  # meeting 1's agenda as it was


def test_the_tasks_view_link_keeps_its_grouping_and_states(monkeypatch, demo_store):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ZZMAP_STORE", str(demo_store))
    at = AppTest.from_file(conftest.APP, default_timeout=120)  # the link opened in a new tab
    at.query_params.update({"view": "tasks", "by": "district", "states": "overdue,closed_on_time"})
    at.switch_page("pages/meeting.py")
    at.run()
    assert not at.exception
    assert at.segmented_control(key="meeting_rates_by").value == "district"
    assert at.pills(key="meeting_task_states").value == ["overdue", "closed_on_time"]
    rates = next(df.value for df in at.dataframe if "区县" in df.value.columns and "按期办结" in df.value.columns)
    assert len(rates) >= 9  # one row per district (and the city's figure above)
    at.segmented_control(key="meeting_rates_by").set_value("unit").run()
    assert "by" not in at.query_params and at.query_params["states"] == "overdue,closed_on_time"
    # The state buttons split 办理中 (every unclosed task) into overdue, due soon and not yet due.
    assert "未到期" in at.pills(key="meeting_task_states").proto.options[2].content


def test_a_link_to_an_item_the_agenda_lacks_opens_the_nearest_and_says_so(monkeypatch, demo_store, tmp_path):
    from streamlit.testing.v1 import AppTest

    store_dir = copy_of_demo(demo_store, tmp_path)
    saved = three_views(store_dir)
    monkeypatch.setenv("ZZMAP_STORE", str(store_dir))
    at = AppTest.from_file(conftest.APP, default_timeout=120)
    at.query_params.update({"present": "1", "agenda": saved.agenda_id, "item": "99", "stage": "投产"})
    at.switch_page("pages/meeting.py")
    at.run()
    assert not at.exception
    assert any("议程没有第 99 项（共 3 项）" in w.value for w in at.warning)
    assert at.query_params["item"] == "3" and at.query_params["kv"] == "220"  # item 3's own view
    assert "stage" not in at.query_params  # the link's own filter gave way to the item's
    bar = next(m.value for m in at.markdown if "九月调度会" in m.value)
    assert "第 3 / 3 项" in bar


def test_a_view_the_page_does_not_have_is_named_in_a_notice(monkeypatch, demo_store):
    at = conftest.open_page(monkeypatch, demo_store, "meeting", view="nonsense")
    assert not at.exception
    assert at.segmented_control(key="meeting_view").value == "stalled"  # the default view
    assert any("view=nonsense" in toast.value for toast in at.toast)


@pytest.mark.parametrize("page,first_column,shown", [
    ("energy", "reasons", ("name", "reasons", "demand_mw", "station", "distance_km", "headroom_mw")),
    ("land", "area_m2", ("parcel_id", "district_adcode", "status", "area_mu", "land_use", "park")),
    ("meeting", "owner", ("stalled_state", "district", "name", "days_stalled", "total_investment_yi", "overdue_tasks")),
    ("meeting?view=tasks", "交办日期", ("办理情况", "交办事项", "责任单位", "办结时限", "逾期天数", "原定时限", "项目名称", "区县")),
])
def test_wide_tables_show_their_main_columns_on_a_projector(monkeypatch, demo_store, page, first_column, shown):
    """At 21-px type the energy risk table cut its project names and the land and meeting lists
    their last columns at 1366 px: in presentation mode they show their main columns, and say so."""
    def wide(at):
        return next(df for df in at.dataframe if first_column in df.value.columns)

    page, _, view = page.partition("?view=")
    extra = {"view": view} if view else {}
    normal = conftest.open_page(monkeypatch, demo_store, page, **extra)
    assert list(wide(normal).proto.column_order) == []  # every column
    assert not [c for c in normal.caption if "主要列" in c.value]
    projector = conftest.open_page(monkeypatch, demo_store, page, present="1", **extra)
    assert tuple(wide(projector).proto.column_order) == shown
    assert [c for c in projector.caption if "演示模式只显示主要列" in c.value]
    assert len(wide(projector).value) == len(wide(normal).value)  # the same rows


def test_a_unit_that_is_part_of_a_known_one_is_asked_about_once(monkeypatch, demo_store, tmp_path):
    """"Add: 国网" sits above 国网株洲供电公司 in the picker (tester 8); a distinct shorter unit passes
    on the second press. (AppTest cannot hold a typed option: the form's save step is called as
    the button's callback calls it.)"""
    import datetime as dt
    from types import SimpleNamespace

    from geo import meeting_forms, store
    from geo.query import Scope

    store_dir = copy_of_demo(demo_store, tmp_path)
    before = store.open_current(store_dir)
    state = {"assign_project": "XM2023-430281-0023", "assign_unit": "国网", "assign_task_title": "协调专线接入",
             "assign_due": dt.date(2023, 10, 14), "assign_by": ""}
    monkeypatch.setattr(meeting_forms.st, "session_state", state)
    ctx = SimpleNamespace(lang="zh", snapshot=before, scope=Scope.all())
    meeting_forms._assign(ctx, store_dir)
    kind, text = state["assign_message"]
    assert kind == "error" and "国网株洲供电公司" in text and "再点一次" in text
    assert store.open_current(store_dir).id == before.id  # nothing saved
    meeting_forms._assign(ctx, store_dir)
    assert state["assign_message"][0] == "success" and store.open_current(store_dir).id != before.id


def test_a_scoped_user_does_not_read_other_districts_task_notes(monkeypatch, demo_store, tmp_path):
    """The snapshot labels of the changes view gave each snapshot's note: a 荷塘区 user read another
    district's task id and a correction's reason (code review)."""
    from geo import store, task_edits, ui
    from geo.query import Scope

    store_dir = copy_of_demo(demo_store, tmp_path)
    tasks = store.read_table(store.open_current(store_dir), "tasks")
    liling = tasks[tasks["district_adcode"] == "430281"]["task_id"].iloc[0]
    task_edits.withdraw(store_dir, store.open_current(store_dir), task_id=liling, reason="醴陵项目选错")
    monkeypatch.setattr(ui, "user_scope", lambda: Scope(("430202",)))
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="changes")
    assert not at.exception
    labels = [*at.selectbox(key="changes_old").options, *at.selectbox(key="changes_new").options]  # as shown
    assert labels and not any(liling in lab or "醴陵项目选错" in lab for lab in labels)
    assert {m.label: m.value for m in at.metric}["撤销/移出事项"] == "0 件"


def test_a_link_made_before_the_agenda_changed_opens_its_item_where_it_now_is(monkeypatch, demo_store, tmp_path):
    """After a reorder an old item link showed "第 2 / 2 项：醴陵在建" above the city's task list
    (tester 13): a link carries its item's view (``ik``), found where it moved, or the position's
    item as saved, with a notice either way; a link without ``ik`` is judged by its page."""
    from dataclasses import replace

    from streamlit.testing.v1 import AppTest

    store_dir = copy_of_demo(demo_store, tmp_path)
    saved = three_views(store_dir)
    land = saved.items[1]
    old_link = present.item_query(saved.agenda_id, land, 1, "zh")  # item 2: 攸县闲置土地
    agendas.save(replace(saved, items=(land, saved.items[0], saved.items[2])), store_dir)  # land first now
    monkeypatch.setenv("ZZMAP_STORE", str(store_dir))

    def open_link(query, page):
        at = AppTest.from_file(conftest.APP, default_timeout=120)
        at.query_params.update(query)
        at.switch_page(f"pages/{page}.py")
        at.run()
        assert not at.exception
        return at

    at = open_link(old_link, "land")
    assert any("此链接的议题现为第 1 项" in w.value for w in at.warning)
    assert at.query_params["item"] == "1" and at.query_params["status"] == "闲置"
    assert "第 1 / 3 项" in next(m.value for m in at.markdown if "九月调度会" in m.value)
    gone = {**old_link, "ik": "00000000"}  # an item the agenda no longer has
    at = open_link(gone, "land")
    assert any("第 2 项已不是此链接所指的内容" in w.value for w in at.warning)
    assert at.query_params["item"] == "2" and at.query_params["stage"] == "在建"  # item 2 as saved now
    hand_made = {"present": "1", "agenda": saved.agenda_id, "item": "2"}  # no ik, another page than item 2's
    at = open_link(hand_made, "land")
    assert at.query_params["stage"] == "在建" and any("第 2 项已不是" in w.value for w in at.warning)
    fresh = present.item_query(saved.agenda_id, saved.items[0], 1, "zh")  # a link of the agenda as it is: no notice
    at = open_link(fresh, "investment")
    assert not at.warning and at.query_params["item"] == "2" and at.query_params["stage"] == "在建"


def test_an_agenda_item_of_the_meeting_page_is_named_by_its_view(monkeypatch, demo_store, tmp_path):
    """Two items of an agenda read "调度会" and "调度会 — 攸县" whatever they showed (tester 13)."""
    store_dir = copy_of_demo(demo_store, tmp_path)
    three_views(store_dir)  # an agenda to add to: the popover offers the form
    at = conftest.open_page(monkeypatch, store_dir, "meeting")
    assert keep_title(at, "meeting").value == "调度会 · 八未卡点项目"
    # in the same session: a keyed title had kept its first default (review)
    at.segmented_control(key="meeting_view").set_value("tasks").run()
    assert keep_title(at, "meeting").value == "调度会 · 交办事项"
    at.multiselect(key="f_district").set_value(["430223"]).run()
    assert keep_title(at, "meeting").value == "调度会 · 交办事项 — 攸县"


def test_typing_1_on_the_last_item_makes_it_the_first(monkeypatch, demo_store, tmp_path):
    """The order column kept an item typed 1 after the old item 1: moving the last to the top
    meant renumbering another row too (tester 13)."""
    store_dir = copy_of_demo(demo_store, tmp_path)
    saved = three_views(store_dir)
    at = conftest.open_page(monkeypatch, store_dir, "meeting", view="agenda")
    at.selectbox(key="agenda_pick").set_value(saved.agenda_id).run()
    at.session_state[f"agenda_items_{saved.agenda_id}_0"] = {"edited_rows": {2: {"order": 1}}, "deleted_rows": [],
                                                             "added_rows": []}
    at.button(key="agenda_save").click().run()
    assert not at.exception
    titles = [item.title for item in agendas.load(saved.agenda_id, store_dir).items]
    assert titles == ["<i>电网</i>", "醴陵 — 在建项目", "攸县闲置土地"]
