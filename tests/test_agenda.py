"""geo.agenda: items from pasted links, validation with reasons, save/load/list/delete."""

from __future__ import annotations

import json

import pytest

from geo import agenda as agendas


def test_item_from_a_pasted_link_keeps_the_view_and_drops_presentation_params():
    item = agendas.item_from_link("醴陵 — 在建项目",
                                  "http://localhost:8501/investment?district=430281&stage=%E5%9C%A8%E5%BB%BA&present=1&item=2")
    assert item.page == "investment" and item.query() == {"district": "430281", "stage": "在建"}
    assert item.link() == "/investment?district=430281&stage=%E5%9C%A8%E5%BB%BA"
    assert agendas.item_from_link("总览", "/").page == "overview"
    assert agendas.item_from_link("土地", "/land?status=闲置").query() == {"status": "闲置"}


@pytest.mark.parametrize("title,link,reason", [
    ("", "/land", "empty title"),
    ("x" * 61, "/land", "longer than 60"),
    ("bad page", "/admin?x=1", "unknown page"),
    ("bad param", "/land?X-Y=1", "not one this app writes"),
    ("too long", "/land?q=" + "a" * 600, "parameter .q. is longer than 500 characters"),  # its own q=, said so (tester 13)
])
def test_bad_items_are_refused_with_a_reason(title, link, reason):
    with pytest.raises(agendas.AgendaError, match=reason):
        agendas.item_from_link(title, link)


def test_save_load_list_delete(tmp_path):
    items = [agendas.item_from_link("<b>醴陵</b>", "/investment?district=430281"),
             agendas.item_from_link("逾期事项", "/meeting?view=tasks")]
    first = agendas.save(agendas.new_agenda("9月调度会", items), tmp_path)
    second = agendas.save(agendas.new_agenda("10月调度会"), tmp_path)
    loaded = agendas.load(first.agenda_id, tmp_path)
    assert loaded.title == "9月调度会" and loaded.items == tuple(items)
    assert loaded.items[0].title == "<b>醴陵</b>"  # stored as typed; shown escaped
    assert [a.agenda_id for a in agendas.list_agendas(tmp_path)][0] in {first.agenda_id, second.agenda_id}
    assert {a.agenda_id for a in agendas.list_agendas(tmp_path)} == {first.agenda_id, second.agenda_id}
    agendas.delete(first.agenda_id, tmp_path)
    assert agendas.load(first.agenda_id, tmp_path) is None
    assert [a.agenda_id for a in agendas.list_agendas(tmp_path)] == [second.agenda_id]
    assert not list((tmp_path / "agendas").glob("*.tmp"))  # written atomically, nothing left over


def test_the_listing_reads_files_only_when_they_changed(tmp_path, monkeypatch):
    """Every page's header lists the agendas on every rerun: unchanged files are not read again,
    while a save, an edit in place by another process, a new file and a removal are all seen."""
    first = agendas.save(agendas.new_agenda("9月调度会"), tmp_path)
    reads = []
    load = agendas.load
    monkeypatch.setattr(agendas, "load", lambda agenda_id, store=None: reads.append(agenda_id) or load(agenda_id, store))
    assert [a.title for a in agendas.list_agendas(tmp_path)] == ["9月调度会"] and reads == [first.agenda_id]
    assert [a.title for a in agendas.list_agendas(tmp_path)] == ["9月调度会"] and len(reads) == 1  # nothing read

    item = agendas.item_from_link("醴陵", "/investment?district=430281")
    agendas.save(agendas.Agenda(first.agenda_id, "9月调度会（改）", (item,)), tmp_path)
    assert [(a.title, len(a.items)) for a in agendas.list_agendas(tmp_path)] == [("9月调度会（改）", 1)]

    path = tmp_path / "agendas" / f"{first.agenda_id}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "title": "另一个进程改的"}, ensure_ascii=False), encoding="utf-8")
    assert [a.title for a in agendas.list_agendas(tmp_path)] == ["另一个进程改的"]

    second = agendas.save(agendas.new_agenda("10月调度会"), tmp_path)
    assert {a.title for a in agendas.list_agendas(tmp_path)} == {"另一个进程改的", "10月调度会"}
    path.unlink()
    assert [a.agenda_id for a in agendas.list_agendas(tmp_path)] == [second.agenda_id]
    listed = agendas.list_agendas(tmp_path)
    listed.clear()  # a caller's list is its own
    assert len(agendas.list_agendas(tmp_path)) == 1


def test_unreadable_or_hostile_ids_are_ignored(tmp_path):
    assert agendas.load("../../etc/passwd", tmp_path) is None
    (tmp_path / "agendas").mkdir()
    (tmp_path / "agendas" / "0123abcd.json").write_text("{not json", encoding="utf-8")
    assert agendas.load("0123abcd", tmp_path) is None and agendas.list_agendas(tmp_path) == []
    with pytest.raises(agendas.AgendaError):
        agendas.save(agendas.Agenda("../x", "t"), tmp_path)
    with pytest.raises(agendas.AgendaError, match="title"):
        agendas.new_agenda("  ")
    with pytest.raises(agendas.AgendaError, match="at most"):
        agendas.new_agenda("big", [agendas.item_from_link("a", "/land")] * 41)


def test_reasons_are_given_in_the_page_language():
    with pytest.raises(agendas.AgendaError) as empty:
        agendas.item_from_link("醴陵", "  ")  # used to become the overview
    assert empty.value.text("zh").startswith("链接为空") and str(empty.value) == "empty link"
    with pytest.raises(agendas.AgendaError) as unknown:
        agendas.item_from_link("醴陵", "not a link")
    assert "不是本系统的页面" in unknown.value.text("zh") and "not a page of this app" in unknown.value.text("en")
