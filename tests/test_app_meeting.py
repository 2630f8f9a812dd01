"""AppTest of the meeting page's agendas and of presentation mode: starting an agenda opens its
first view in presentation mode, previous / next open the other views with their own filters."""

from __future__ import annotations

import conftest
from geo import agenda as agendas


def three_views(store_dir):
    items = [agendas.item_from_link("醴陵 — 在建项目", "/investment?district=430281&stage=在建"),
             agendas.item_from_link("攸县闲置土地", "/land?district=430223&status=闲置"),
             agendas.item_from_link("<i>电网</i>", "/energy?kv=220")]
    return agendas.save(agendas.new_agenda("九月调度会", items), store_dir)


def test_present_an_agenda_of_three_views(monkeypatch, demo_store):
    saved = three_views(demo_store)
    try:
        at = conftest.open_page(monkeypatch, demo_store, "meeting")
        assert not at.exception
        at.selectbox(key="agenda_pick").set_value(saved.agenda_id).run()
        at.button(key="agenda_start").click().run()
        assert not at.exception
        assert at.query_params["present"] == "1" and at.query_params["item"] == "1"
        assert at.query_params["district"] == "430281" and at.query_params["stage"] == "在建"
        assert at.multiselect(key="f_stage").value == ["在建"]
        bar = next(m.value for m in at.markdown if "九月调度会" in m.value)
        assert "第 1 / 3 项" in bar
        at.button(key="agenda_next").click().run()
        assert not at.exception
        assert at.query_params["item"] == "2" and at.query_params["status"] == "闲置"
        assert "stage" not in at.query_params  # the first view's filters do not leak into the second
        assert at.multiselect(key="f_district").value == ["430223"]
        at.button(key="agenda_next").click().run()
        assert at.query_params["item"] == "3" and at.query_params["kv"] == "220"
        assert at.button(key="agenda_next").disabled
        bar = next(m.value for m in at.markdown if "九月调度会" in m.value)
        assert r"\<i\>电网\<\/i\>" in bar  # HTML in a title is shown as text
        at.button(key="agenda_prev").click().run()
        assert at.query_params["item"] == "2"
    finally:
        agendas.delete(saved.agenda_id, demo_store)


def test_presentation_mode_hides_the_chrome_and_can_be_left(monkeypatch, demo_store):
    at = conftest.open_page(monkeypatch, demo_store, "investment", present="1")
    assert not at.exception
    styles = [h for h in at.get("html") if "stSidebar" in h.proto.body]
    assert styles and "font-size: 60px" in styles[0].proto.body
    at.button(key="inv_unpresent").click().run()
    assert "present" not in at.query_params
    assert not [h for h in at.get("html") if "stSidebar" in h.proto.body]
