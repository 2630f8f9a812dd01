"""geo.task_edits: assigning and closing tasks in a meeting, each a new snapshot; bad input is
refused with its reason and nothing saved; two people closing one task at once: one wins."""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest

from geo import store, task_edits
from geo.query import Scope

D = dt.date


def snapshots(store_dir):
    return sorted(p.name for p in (store_dir / "snapshots").iterdir() if not p.name.startswith("."))


def test_assign_then_close(tiny_snapshot, store_dir):
    new, task_id = task_edits.assign(store_dir, tiny_snapshot, project_id="P003", unit="醴陵市供电公司",
                                     title="<b>协调</b>用电接入", due_on=D(2023, 10, 15), by="张三")
    assert task_id == "JB-20230930-001"
    tasks = store.read_table(new, "tasks").set_index("task_id")
    row = tasks.loc[task_id]
    assert (row["project_id"], row["district_adcode"], row["status"]) == ("P003", "430281", "办理中")
    assert row["title"] == "<b>协调</b>用电接入"  # stored as typed, shown as text
    assert row["assigned_on"].date() == D(2023, 9, 30) and row["due_on"].date() == D(2023, 10, 15)
    assert new.manifest["published_by"] == "张三" and store.open_current(store_dir).id == new.id
    closed, _ = task_edits.close(store_dir, new, task_id=task_id, closed_on=D(2023, 9, 30))
    row = store.read_table(closed, "tasks").set_index("task_id").loc[task_id]
    assert row["status"] == "已办结" and row["closed_on"].date() == D(2023, 9, 30)
    second = task_edits.assign(store_dir, closed, project_id="P001", unit="u", title="t", due_on=D(2023, 10, 2))[1]
    assert second == "JB-20230930-002"


@pytest.mark.parametrize("kwargs,code", [
    ({"title": "  "}, "empty_title"),
    ({"unit": ""}, "empty_unit"),
    ({"due_on": D(2023, 9, 1)}, "due_before_assigned"),
    ({"project_id": "NOPE"}, "unknown_project"),
    ({"title": "x" * 201}, "too_long"),
])
def test_bad_assignments_are_refused_and_nothing_saved(tiny_snapshot, store_dir, kwargs, code):
    args = {"project_id": "P001", "unit": "供电公司", "title": "接电", "due_on": D(2023, 10, 30), **kwargs}
    before = snapshots(store_dir)
    with pytest.raises(task_edits.TaskError) as refused:
        task_edits.assign(store_dir, tiny_snapshot, **args)
    assert refused.value.code == code
    assert snapshots(store_dir) == before and store.open_current(store_dir).id == tiny_snapshot.id


def test_scope_and_bad_closes(tiny_snapshot, store_dir):
    with pytest.raises(task_edits.TaskError) as refused:  # P001 is in 荷塘, the user sees only 醴陵
        task_edits.assign(store_dir, tiny_snapshot, project_id="P001", unit="u", title="t", due_on=D(2023, 10, 30),
                          scope=Scope(("430281",)))
    assert refused.value.code == "unknown_project"
    with pytest.raises(task_edits.TaskError) as refused:
        task_edits.close(store_dir, tiny_snapshot, task_id="T003")  # closed in the fixture already
    assert refused.value.code == "already_closed"
    with pytest.raises(task_edits.TaskError) as refused:
        task_edits.close(store_dir, tiny_snapshot, task_id="T001", closed_on=D(2023, 1, 1))
    assert refused.value.code == "closed_before_assigned"
    with pytest.raises(task_edits.TaskError) as refused:  # after the data's as-of date: counted as late before
        task_edits.close(store_dir, tiny_snapshot, task_id="T001", closed_on=tiny_snapshot.as_of + dt.timedelta(days=1))
    assert refused.value.code == "closed_after_as_of" and refused.value.params["as_of"] == tiny_snapshot.as_of
    with pytest.raises(task_edits.TaskError) as refused:
        task_edits.close(store_dir, tiny_snapshot, task_id="T001", scope=Scope(("430281",)))
    assert refused.value.code == "unknown_task"
    assert store.open_current(store_dir).id == tiny_snapshot.id


def test_two_people_close_the_same_task_at_once(tiny_snapshot, store_dir):
    results, start = [], threading.Barrier(2)

    def attempt(name):
        start.wait()
        try:
            results.append(("ok", task_edits.close(store_dir, tiny_snapshot, task_id="T001", by=name)[0].id))
        except task_edits.TaskError as refused:
            results.append((refused.code, None))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in ("甲", "乙")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(code for code, _ in results) == ["already_closed", "ok"]
    assert len(snapshots(store_dir)) == 2  # the fixture's and the one close: no duplicate change
    tasks = store.read_table(store.open_current(store_dir), "tasks").set_index("task_id")
    assert tasks.loc["T001", "status"] == "已办结" and len(tasks) == 4


def test_an_assignment_on_a_stale_view_is_applied_on_top(tiny_snapshot, store_dir):
    first, a = task_edits.assign(store_dir, tiny_snapshot, project_id="P001", unit="u", title="一", due_on=D(2023, 10, 9))
    # someone still looking at the fixture's snapshot assigns another task: both are kept
    second, b = task_edits.assign(store_dir, tiny_snapshot, project_id="P004", unit="u", title="二", due_on=D(2023, 10, 9))
    tasks = store.read_table(store.open_current(store_dir), "tasks")
    assert {a, b} <= set(tasks["task_id"]) and a != b and len(tasks) == 6


def test_the_same_open_task_twice_is_one_task(tiny_snapshot, store_dir):
    """A double click on 交办 made two identical tasks, and the page cannot delete one (tester 6)."""
    kwargs = dict(project_id="P003", unit="醴陵市供电公司", title="协调用电接入", due_on=D(2023, 10, 15))
    first, task_id = task_edits.assign(store_dir, tiny_snapshot, **kwargs)
    with pytest.raises(task_edits.TaskError) as twice:
        task_edits.assign(store_dir, first, **{**kwargs, "title": " 协调用电接入 "})
    assert twice.value.code == "duplicate" and twice.value.params["task"] == task_id
    assert store.open_current(store_dir).id == first.id  # nothing saved
    other = task_edits.assign(store_dir, first, **{**kwargs, "due_on": D(2023, 10, 20)})[1]  # another deadline
    closed, _ = task_edits.close(store_dir, store.open_current(store_dir), task_id=task_id)
    again = task_edits.assign(store_dir, closed, **kwargs)[1]  # once closed, the same task may be assigned anew
    assert len({task_id, other, again}) == 3


def test_a_rolled_back_tasks_id_is_not_given_again(tiny_snapshot, store_dir):
    """After a rollback the next task took the id a rolled-back one had had: JB-20230930-012 named
    two tasks, and the changes view saw none (tester 6)."""
    first, gone = task_edits.assign(store_dir, tiny_snapshot, project_id="P003", unit="u", title="a", due_on=D(2023, 10, 2))
    assert "JB-20230930-001" == gone and first.manifest["note"] == f"assign task {gone} for P003"
    store.publish(tiny_snapshot.id, store_dir)  # rolled back
    _, after = task_edits.assign(store_dir, tiny_snapshot, project_id="P001", unit="u", title="b", due_on=D(2023, 10, 2))
    assert after == "JB-20230930-002"


def test_a_deadline_moves_for_an_open_task_only(tiny_snapshot, store_dir):
    """延期 granted at a meeting: only a tasks import could do it (tester 6)."""
    moved, task_id = task_edits.reschedule(store_dir, tiny_snapshot, task_id="T001", due_on=D(2023, 12, 31), by="李四")
    row = store.read_table(moved, "tasks").set_index("task_id").loc["T001"]
    assert task_id == "T001" and row["due_on"].date() == D(2023, 12, 31) and row["status"] == "办理中"
    assert moved.manifest["note"] == "reschedule task T001 to 2023-12-31" and moved.manifest["published_by"] == "李四"
    for kwargs, code in [({"task_id": "T003"}, "already_closed"), ({"task_id": "NOPE"}, "unknown_task"),
                         ({"task_id": "T001", "due_on": D(2023, 12, 31)}, "same_due"),
                         ({"task_id": "T001", "due_on": D(2000, 1, 1)}, "due_before_assigned"),
                         ({"task_id": "T001", "due_on": D(2023, 9, 29)}, "due_before_as_of")]:
        with pytest.raises(task_edits.TaskError) as refused:
            task_edits.reschedule(store_dir, moved, **{"due_on": D(2024, 1, 15), **kwargs})
        assert refused.value.code == code
    assert store.open_current(store_dir).id == moved.id  # nothing saved by the refusals


def test_a_moved_deadline_keeps_the_one_first_set(tiny_snapshot, store_dir):
    """原定时限: the first move keeps the deadline it replaces; a second move leaves it alone, and
    a task never moved keeps it empty."""
    once, _ = task_edits.reschedule(store_dir, tiny_snapshot, task_id="T001", due_on=D(2023, 10, 31))
    twice, _ = task_edits.reschedule(store_dir, once, task_id="T001", due_on=D(2023, 11, 30))
    rows = store.read_table(twice, "tasks").set_index("task_id")
    assert rows.loc["T001", "first_due_on"].date() == D(2023, 8, 31)
    assert rows.loc["T001", "due_on"].date() == D(2023, 11, 30)
    assert pd.isna(rows.loc["T004", "first_due_on"])
    # T002 had been moved before (the fixture): moving it again keeps its first deadline
    again, _ = task_edits.reschedule(store_dir, twice, task_id="T002", due_on=D(2023, 10, 20))
    assert store.read_table(again, "tasks").set_index("task_id").loc["T002", "first_due_on"].date() == D(2023, 9, 20)


def test_a_fragment_of_a_known_unit_is_not_a_new_unit(tiny_snapshot, store_dir):
    """Typing "国网" offered "Add: 国网" above the full name: the fragment became a unit (tester 8)."""
    units = set(store.read_table(tiny_snapshot, "tasks")["assigned_unit"])
    known = sorted(units)[0]
    with pytest.raises(task_edits.TaskError) as refused:
        task_edits.assign(store_dir, tiny_snapshot, project_id="P003", unit=known[:2], title="t", due_on=D(2023, 10, 2))
    assert refused.value.code == "unit_fragment" and known in refused.value.params["units"]
    assert task_edits.assign(store_dir, tiny_snapshot, project_id="P003", unit="全新的单位", title="t",
                             due_on=D(2023, 10, 2))[1]  # a new unit typed in full is fine
    confirmed = task_edits.assign(store_dir, store.open_current(store_dir), project_id="P003", unit=known[:2],
                                  title="t", due_on=D(2023, 10, 2), new_unit=True)[0]  # a distinct shorter unit, confirmed
    assert known[:2] in set(store.read_table(confirmed, "tasks")["assigned_unit"])


def test_a_closing_made_by_mistake_is_undone(tiny_snapshot, store_dir):
    """The only undo of a wrong 办结 had been a rollback of the store, which takes out every later change."""
    reopened, task_id = task_edits.reopen(store_dir, tiny_snapshot, task_id="T003", reason="  误点\n办结 ", by="王五")
    row = store.read_table(reopened, "tasks").set_index("task_id").loc["T003"]
    assert task_id == "T003" and row["status"] == "办理中" and row.isna()["closed_on"]
    assert reopened.manifest["note"] == "reopen task T003: 误点 办结" and reopened.manifest["published_by"] == "王五"
    closed_again, _ = task_edits.close(store_dir, reopened, task_id="T003", closed_on=D(2023, 9, 29))
    assert store.read_table(closed_again, "tasks").set_index("task_id").loc["T003", "closed_on"].date() == D(2023, 9, 29)
    for kwargs, code in [({"task_id": "T001"}, "not_closed"), ({"task_id": "NOPE"}, "unknown_task"),
                         ({"task_id": ""}, "no_task"), ({"reason": " \n"}, "empty_reason"),
                         ({"reason": "x" * 101}, "reason_too_long"),
                         ({"scope": Scope(("430202",))}, "unknown_task")]:  # T003 is in 醴陵
        with pytest.raises(task_edits.TaskError) as refused:
            task_edits.reopen(store_dir, closed_again, **{"task_id": "T003", "reason": "r", **kwargs})
        assert refused.value.code == code
    assert store.open_current(store_dir).id == closed_again.id  # nothing saved by the refusals


def test_a_task_assigned_by_mistake_is_withdrawn_and_its_id_never_reused(tiny_snapshot, store_dir):
    first, task_id = task_edits.assign(store_dir, tiny_snapshot, project_id="P003", unit="u", title="错项目",
                                       due_on=D(2023, 10, 2))
    gone, withdrawn = task_edits.withdraw(store_dir, first, task_id=task_id, reason="项目选错")
    assert withdrawn == task_id and task_id not in set(store.read_table(gone, "tasks")["task_id"])
    assert len(store.read_table(gone, "tasks")) == len(store.read_table(tiny_snapshot, "tasks"))
    assert task_id in set(store.read_table(first, "tasks")["task_id"])  # the snapshot before keeps it
    assert gone.manifest["note"] == f"withdraw task {task_id}: 项目选错"
    # an imported task (no assignment note names its id) withdrawn: its id is not given again either
    imported = store.derive_snapshot(gone, {"tasks": store.read_table(gone, "tasks").assign(
        task_id=lambda f: f["task_id"].replace({"T001": "JB-20230930-002"}))}, published_by="import", sources=[],
        store_dir=store_dir)
    after, _ = task_edits.withdraw(store_dir, imported, task_id="JB-20230930-002", reason="重复导入")
    assert task_edits.assign(store_dir, after, project_id="P003", unit="u", title="新", due_on=D(2023, 10, 2))[1] == \
        "JB-20230930-003"
    with pytest.raises(task_edits.TaskError) as refused:
        task_edits.withdraw(store_dir, store.open_current(store_dir), task_id=task_id, reason="again")
    assert refused.value.code == "unknown_task"


def test_an_imported_id_with_a_space_is_found_in_the_history(tiny_snapshot, store_dir):
    """Each change keeps a structured record (``task_edit``) in its manifest: ids were read back
    from the English notes by patterns that stop at a space, so an imported "JB 7" was lost."""
    from geo import task_notes
    from geo.ingest import publish
    from geo.ingest.view import note_text

    renamed = store.derive_snapshot(tiny_snapshot, {"tasks": store.read_table(tiny_snapshot, "tasks").assign(
        task_id=lambda f: f["task_id"].replace({"T003": "JB 7", "T001": "JB-20230930-004 b"}))},
        published_by="import", sources=[], store_dir=store_dir)
    reopened, _ = task_edits.reopen(store_dir, renamed, task_id="JB 7", reason="误点 办结", by="王五")
    assert reopened.manifest["task_edit"] == {"action": "reopen", "task_id": "JB 7", "reason": "误点 办结"}
    assert reopened.manifest["note"] == "reopen task JB 7: 误点 办结"  # the note reads as before
    closed, _ = task_edits.close(store_dir, reopened, task_id="JB-20230930-004 b", closed_on=D(2023, 9, 30))
    assert task_edits.recently_changed(store_dir, closed) == ["JB-20230930-004 b", "JB 7"]
    assert task_edits.corrections(store_dir, closed, renamed) == {("reopen", "JB 7"): ("误点 办结", "王五")}
    gone, _ = task_edits.withdraw(store_dir, closed, task_id="JB-20230930-004 b", reason="重复")
    # a withdrawn id is never given again, spaces and all
    assert "JB-20230930-004 b" in task_edits._ids_in_history(store_dir)
    entry = next(h for h in publish.history(store_dir) if h["id"] == gone.id)
    assert note_text(entry["note"], "zh", entry["task_edit"]).count("JB-20230930-004 b") == 1
    # a snapshot written before the record existed is read from its note
    assert task_notes.edit_of({"note": "reschedule task T1 to 2023-10-30"}) == {
        "action": "reschedule", "task_id": "T1", "due_on": "2023-10-30"}
    assert task_notes.edit_of({"note": "import projects (upsert): +1 ~0 -0, 0 rejected"}) is None
