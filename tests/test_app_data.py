"""AppTest of the 数据管理 page: upload → mapping → report → publish, a stopped file, a corrected
mapping, the history and one-click rollback."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

import conftest
from geo import store
from geo.boundaries import DISTRICT_SEATS

HEAD = ["项目编号", "项目名称", "所属区县", "项目类别", "项目级别", "项目阶段", "总投资（万元）", "年度计划投资（亿元）",
        "年度已完成投资（亿元）", "经度", "纬度"]
HETANG, LILING = DISTRICT_SEATS["430202"], DISTRICT_SEATS["430281"]


def csv_bytes(rows, head=HEAD, encoding="gbk") -> bytes:
    out = io.StringIO()
    pd.DataFrame(rows, columns=head).to_csv(out, index=False)
    return out.getvalue().encode(encoding)


def rows():
    return [["P100", "<script>alert(1)</script>", "荷塘", "产业发展", "市重点", "施工中", "12,000", 1, 0.5, *HETANG],
            ["P101", "醴陵新园", "醴陵市", "基础设施", "省重点", "在建", "5000", 0.5, 0.1, *LILING],
            ["P102", "坏坐标", "醴陵市", "基础设施", "省重点", "在建", "5000", 0.5, 0.1, 0, 0]]


def open_page(monkeypatch, store_dir: Path) -> AppTest:
    at = conftest.open_page(monkeypatch, store_dir, "data")
    return at.run()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="data_file").upload(name, data)
    at.run()
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_before_upload(monkeypatch, tiny_snapshot, store_dir):
    at = open_page(monkeypatch, store_dir)
    assert not at.exception
    assert any("上传台账文件" in i.value for i in at.info)
    history = next(df.value for df in at.dataframe if "快照" in df.value.columns)
    assert history["快照"].tolist() == [tiny_snapshot.id] and history["当前"].tolist() == ["●"]
    assert at.button(key=f"data_rollback_{tiny_snapshot.id}").disabled
    assert "template" in str(at.get("download_button")[0].proto.url) or at.get("download_button")


def test_upload_report_and_publish(monkeypatch, tiny_snapshot, store_dir):
    at = open_page(monkeypatch, store_dir)
    at = upload(at, "项目台账.csv", csv_bytes(rows()))
    assert not at.exception
    assert (metric(at, "读取行数"), metric(at, "接受"), metric(at, "拒绝")) == ("3", "2", "1")
    assert any("GBK" in i.value for i in at.info)
    problems = next(df.value for df in at.dataframe if "原因" in df.value.columns)
    assert problems.iloc[0].tolist()[:2] == [4, "经度/纬度"] and "(0, 0)" in problems.iloc[0]["原因"]
    mapping = at.data_editor[0].value if hasattr(at, "data_editor") else None
    assert mapping is None or mapping["target"].tolist()[:2] == ["project_id", "name"]
    assert at.button(key="data_publish").disabled  # no name, and rows were rejected
    at.text_input(key="data_user").input("数据科")
    at.run()
    assert at.button(key="data_publish").disabled  # still: what is missing is said (tester 18)
    assert [c.value for c in at.caption if c.value.startswith("有 1 行被拒绝：勾选上方的复选框（跳过被拒绝的行）后才能发布")]
    at.checkbox(key="data_publish_valid").check()
    at.run()
    assert not [c for c in at.caption if "后才能发布" in c.value]
    assert not at.button(key="data_publish").disabled
    at.button(key="data_publish").click()
    at.run()
    assert not at.exception
    assert any("已发布快照" in s.value for s in at.success)
    current = store.open_current(store_dir)
    assert current.id != tiny_snapshot.id and current.manifest["published_by"] == "数据科"
    projects = store.read_table(current, "projects").set_index("project_id")
    assert projects.loc["P100", "name"] == "<script>alert(1)</script>"  # stored as text
    assert projects.loc["P100", "total_investment_yi"] == 1.2 and projects.loc["P100", "stage"] == "在建"
    history = next(df.value for df in at.dataframe if "快照" in df.value.columns)
    assert len(history) == 2 and history["当前"].tolist() == ["●", ""]
    # back: the page first says what goes, then switches on the second click
    at.button(key=f"data_rollback_{tiny_snapshot.id}").click()
    at.run()
    assert store.open_current(store_dir).id == current.id
    said = " ".join(m.value for m in at.markdown)
    assert "当前数据将撤销这 1 次发布的变更" in said and "数据科" in said and "新增 2" in said
    assert not at.warning  # no meeting's change among them
    at.text_input(key="data_switch_by").input("王主任")
    at.button(key="data_switch_yes").click()
    at.run()
    assert store.open_current(store_dir).id == tiny_snapshot.id
    assert any("已回滚" in s.value for s in at.success)
    # who switched, when: the rollback itself is in the history now, and what it took out is marked
    log = next(df.value for df in at.dataframe if "操作人" in df.value.columns)
    assert log[["原当前快照", "切换为", "操作人"]].values.tolist() == [[current.id, tiny_snapshot.id, "王主任"]]
    history = next(df.value for df in at.dataframe if "快照" in df.value.columns and "发布人" in df.value.columns)
    assert history["当前"].tolist() == ["不在当前数据中", "●"]
    assert not [b for b in at.button if b.key == "data_switch_yes"]
    at.button(key=f"data_rollback_{current.id}").click()  # and forward again
    at.run()
    assert "将恢复这 1 次发布的变更" in " ".join(m.value for m in at.markdown)
    at.button(key="data_switch_yes").click()
    at.run()
    assert store.open_current(store_dir).id == current.id
    assert any("已切换到较新的快照" in s.value for s in at.success)


def test_a_rollback_past_a_meetings_task_change_warns_and_cancel_keeps_everything(monkeypatch, tiny_snapshot, store_dir):
    from geo import task_edits

    closed, _ = task_edits.close(store_dir, tiny_snapshot, task_id="T001")
    at = open_page(monkeypatch, store_dir)
    at.button(key=f"data_rollback_{tiny_snapshot.id}").click()
    at.run()
    assert not at.exception
    assert any("其中 1 次是调度会上对交办事项的变更" in w.value for w in at.warning)
    assert "调度会办结：事项 T001" in " ".join(m.value for m in at.markdown)
    at.button(key="data_switch_no").click()
    at.run()
    assert store.open_current(store_dir).id == closed.id
    assert not at.warning and not [b for b in at.button if b.key == "data_switch_yes"]


def test_replacing_a_table_says_how_many_rows_go_and_asks_once_more(monkeypatch, tiny_snapshot, store_dir):
    before = store.read_table(tiny_snapshot, "projects")
    tasks = store.read_table(tiny_snapshot, "tasks")
    store.derive_snapshot(tiny_snapshot, {"tasks": tasks.iloc[0:0]}, published_by="t", sources=[], note="no tasks",
                          store_dir=store_dir)  # no task would lose its project (next test)
    at = open_page(monkeypatch, store_dir)
    at.radio(key="data_mode").set_value("replace")
    at = upload(at, "项目台账.csv", csv_bytes(rows()[:2]))  # two new projects, none of those there now
    at.text_input(key="data_user").input("数据科")
    at.run()
    warning = next(w.value for w in at.warning if "整表替换" in w.value)
    assert f"现有的 {len(before)} 行将被删除" in warning and "只剩本文件的 2 行" in warning
    assert at.button(key="data_publish").disabled  # a name is given, but not the confirmation
    at.checkbox(key=f"data_replace_confirm_{len(before)}").check()
    at.run()
    assert not at.button(key="data_publish").disabled
    at.button(key="data_publish").click()
    at.run()
    assert sorted(store.read_table(store.open_current(store_dir), "projects")["project_id"]) == ["P100", "P101"]
    # Upsert deletes nothing: no warning, nothing to confirm.
    at.radio(key="data_mode").set_value("upsert")
    at.run()
    assert not any("整表替换" in w.value for w in at.warning)


def test_a_replace_that_would_orphan_tasks_is_refused_with_the_reason(monkeypatch, tiny_snapshot, store_dir):
    at = open_page(monkeypatch, store_dir)
    at.radio(key="data_mode").set_value("replace")
    at = upload(at, "项目台账.csv", csv_bytes(rows()[:2]))  # none of the projects the stored tasks belong to
    at.text_input(key="data_user").input("数据科")
    at.run()
    at.checkbox(key=f"data_replace_confirm_{len(store.read_table(tiny_snapshot, 'projects'))}").check()
    at.run()
    error = next(e.value for e in at.error if "交办事项" in e.value)
    assert "4 件交办事项" in error and "P001" in error
    assert at.button(key="data_publish").disabled
    assert store.open_current(store_dir).id == tiny_snapshot.id


def test_a_start_after_the_as_of_date_is_named_until_the_date_moves(monkeypatch, tiny_snapshot, store_dir):
    """A start dated after the as-of date the snapshot will carry is a warning with the column,
    the count and the latest date; choosing an as-of on or after it clears the warning."""
    head = [*HEAD, "实际开工"]
    late = str(tiny_snapshot.as_of + dt.timedelta(days=40))
    data = csv_bytes([[*rows()[0], late], [*rows()[1], str(tiny_snapshot.as_of)]], head)
    at = upload(open_page(monkeypatch, store_dir), "项目台账.csv", data)
    warning = [w.value for w in at.warning if "晚于数据截至日期" in w.value]
    assert len(warning) == 1 and "实际开工 1 行" in warning[0] and f"最晚 {late}" in warning[0]
    at.date_input(key="data_as_of").set_value(dt.date.fromisoformat(late))
    at.run()
    assert not [w for w in at.warning if "晚于数据截至日期" in w.value]


def test_a_date_typed_and_published_in_one_click_is_the_date_published(monkeypatch, tiny_snapshot, store_dir):
    """The date field changed and the button clicked reach the server in one rerun: the button's
    callback had been bound to the date drawn before, and October's ledger went out as of
    2023-09-30, the success message silent about it (tester 19)."""
    later = tiny_snapshot.as_of + dt.timedelta(days=31)
    at = upload(open_page(monkeypatch, store_dir), "项目台账.csv", csv_bytes(rows()[:2]))
    at.text_input(key="data_user").input("重点办")
    at.run()
    at.date_input(key="data_as_of").set_value(later)
    at.button(key="data_publish").click()  # no run between: one rerun carries both
    at.run()
    current = store.open_current(store_dir)
    assert current.id != tiny_snapshot.id and current.as_of == later
    assert any(f"数据截至 {later.isoformat()}" in m.value for m in at.success)


def test_a_stopped_file_says_why(monkeypatch, tiny_snapshot, store_dir):
    at = open_page(monkeypatch, store_dir)
    at = upload(at, "台账.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300))
    assert not at.exception
    assert any("文件未导入" in e.value and "不是文本文件" in e.value for e in at.error)
    assert store.open_current(store_dir).id == tiny_snapshot.id


def test_duplicated_column_is_corrected_in_the_mapping(monkeypatch, tiny_snapshot, store_dir):
    head = HEAD + ["项目名称"]
    data = csv_bytes([r + ["别名"] for r in rows()[:2]], head)
    at = open_page(monkeypatch, store_dir)
    at = upload(at, "dup.csv", data)
    assert any("对应了多列" in e.value for e in at.error)
    key = f"data_mapping_{hashlib.sha256(data).hexdigest()[:12]}_projects"  # the editor's key follows the file
    at.session_state[key] = {"edited_rows": {11: {"target": ""}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception and not at.error
    assert (metric(at, "接受"), metric(at, "拒绝")) == ("2", "0")
    assert any("不导入：项目名称（2）" in i.value for i in at.info)


def test_english(monkeypatch, tiny_snapshot, store_dir):
    monkeypatch.setenv("ZZMAP_STORE", str(store_dir))
    at = conftest.open_page(monkeypatch, store_dir, "data", lang="en")
    at = upload(at.run(), "ledger.csv", csv_bytes(rows(), encoding="utf-8"))
    assert not at.exception
    assert metric(at, "Rejected") == "1"
    assert "Data management" in at.title[0].value


def test_snapshots_beyond_the_buttons_are_in_a_picker(monkeypatch, tiny_snapshot, store_dir):
    """Only the newest 20 had a button: after one meeting's edits the imports before it could not
    be restored from the page (exploratory tester 6)."""
    tasks = store.read_table(tiny_snapshot, "tasks")
    snap = tiny_snapshot
    for i in range(21):
        snap = store.derive_snapshot(snap, {"tasks": tasks.iloc[: 1 + i % 4]}, published_by="t", sources=[],
                                     note=f"edit {i}", store_dir=store_dir)
    at = open_page(monkeypatch, store_dir)
    picker = at.selectbox(key="data_older")
    assert picker.label == "更早的 2 个快照" and tiny_snapshot.id in picker.options[-1]
    picker.set_value(tiny_snapshot.id).run()
    at.button(key="data_rollback_older").click().run()
    assert "当前数据将撤销这 21 次发布的变更" in " ".join(m.value for m in at.markdown)
    at.button(key="data_switch_yes").click().run()
    assert not at.exception and store.open_current(store_dir).id == tiny_snapshot.id


def test_a_file_whose_rows_are_all_rejected_offers_no_publishing_of_zero_rows(monkeypatch, tiny_snapshot, store_dir):
    """Every row rejected, the page still offered "只发布 0 行有效数据…" (tester 12)."""
    at = open_page(monkeypatch, store_dir)
    bad = [["P200", "坏坐标", "醴陵市", "基础设施", "省重点", "在建", "5000", 0.5, 0.1, 0, 0],
           ["P201", "坏坐标", "醴陵市", "基础设施", "省重点", "在建", "5000", 0.5, 0.1, 0, 0]]
    at = upload(at, "全拒绝.csv", csv_bytes(bad))
    assert not at.exception and (metric(at, "接受"), metric(at, "拒绝")) == ("0", "2")
    assert not [c for c in at.checkbox if c.key == "data_publish_valid"]
    assert any("2 行全部被拒绝，没有可发布的数据" in w.value for w in at.warning)
    at.text_input(key="data_user").input("数据科")
    at.run()
    assert at.button(key="data_publish").disabled
