"""The click callbacks that turn map, chart and table selections into filters (no browser needed).

Streamlit calls them with the widget's selection state already in st.session_state; here a
plain dict stands in for it.
"""

from __future__ import annotations

import types

import pytest

from geo import picks
from geo.charts import PICK


@pytest.fixture
def state(monkeypatch):
    session: dict = {}
    monkeypatch.setattr(picks, "st", types.SimpleNamespace(session_state=session))
    return session


def test_district_click_sets_the_district_filter(state):
    state["map"] = {"selection": {"objects": {"districts": [{"type": "Feature", "properties": {"adcode": "430281"}}]}}}
    picks.on_district_click("map")()
    assert state["f_district"] == ["430281"]


def test_project_click_selects_the_project_not_the_district(state):
    state["f_district"] = ["430223"]
    state["map"] = {"selection": {"objects": {"projects-3": [{"project_id": "XM1"}],
                                              "districts": [{"properties": {"adcode": "430281"}}]}}}
    picks.on_district_click("map", project_key="picked")()
    assert state["picked"] == "XM1" and state["f_district"] == ["430223"] and state["picked_picked_in"] == "map"


def test_a_map_still_holding_a_pick_the_page_let_go_gets_a_new_key(state):
    """The browser keeps a map's pick selected, and a click on it unselects it: after 清除全部 or
    a closed panel the map is drawn under a new key, with nothing selected, so the same district
    or project can be picked again."""
    first = picks.map_pick("inv_map", "project")
    assert first["key"] == "inv_map_pick_0"
    state["inv_map_pick_0"] = {"selection": {"objects": {"districts": [{"properties": {"adcode": "430281"}}]}}}
    first["on_select"]()
    assert state["f_district"] == ["430281"]
    assert picks.map_pick("inv_map", "project")["key"] == "inv_map_pick_0"  # the page shows the pick: kept
    state["f_district"] = []  # 清除全部
    again = picks.map_pick("inv_map", "project")
    assert again["key"] == "inv_map_pick_1" and "inv_map_pick_0" not in state
    state["inv_map_pick_1"] = {"selection": {"objects": {"projects-2": [{"project_id": "XM1"}]}}}
    again["on_select"]()
    assert state["project"] == "XM1" and state["project_picked_in"] == "inv_map"  # the map's name, not its key
    assert picks.map_pick("inv_map", "project")["key"] == "inv_map_pick_1"
    state["project"] = None  # the panel closed
    assert picks.map_pick("inv_map", "project")["key"] == "inv_map_pick_2"
    assert picks.map_pick("inv_map", "project")["key"] == "inv_map_pick_2"  # nothing picked: stays


def test_unknown_district_codes_are_ignored(state):
    state["map"] = {"selection": {"objects": {"districts": [{"properties": {"adcode": "999999"}}]}}}
    picks.on_district_click("map")()
    assert "f_district" not in state


def test_chart_pick_sets_that_filter(state):
    state["chart"] = {"selection": {PICK: [{"stage": "在建"}]}}
    picks.on_chart_pick("chart", "stage", "f_stage")()
    assert state["f_stage"] == ["在建"]
    state["chart"] = {"selection": {PICK: []}}  # a cleared selection leaves the filter alone
    picks.on_chart_pick("chart", "stage", "f_stage")()
    assert state["f_stage"] == ["在建"]


def test_row_pick_selects_the_row_id(state):
    state["table"] = {"selection": {"rows": [2]}}
    picks.on_row_pick("table", ["a", "b", "c"], "picked")()
    assert state["picked"] == "c" and state["picked_picked_in"] == "table"  # the panel opens under it
    picks.forget("picked")  # the panel's close button: the next selection (a link) opens under the map
    assert state["picked"] is None and "picked_picked_in" not in state


def test_scoreboard_row_filters_to_the_district_and_opens_its_view(state):
    codes = ["430200", "430202", "430281"]  # the city total first
    state["board"] = {"selection": {"rows": [2]}}
    picks.on_district_row("board", codes, open_page="investment")()
    assert state["f_district"] == ["430281"] and state["_open_page"] == ("investment", {})
    state["board"] = {"selection": {"rows": [0]}}  # the city row clears the district filter
    picks.on_district_row("board", codes)()
    assert state["f_district"] == []


def test_project_row_opens_the_project(state):
    state["stalled"] = {"selection": {"rows": [1]}}
    picks.on_project_row("stalled", ["XM1", "XM2"])()
    assert state["inv_project"] == "XM2" and state["_open_page"] == ("investment", {"project": "XM2"})


@pytest.mark.parametrize("shown,expected", [
    ({"district": "430223"}, {"district": "430223", "project": "XM2"}),
    # presenting an agenda item: the project opens presenting, under that item (tester 13)
    ({"district": "430223", "present": "1", "agenda": "b62e057b", "item": "5", "ik": "f5a11e7b"},
     {"district": "430223", "project": "XM2", "present": "1", "agenda": "b62e057b", "item": "5", "ik": "f5a11e7b"}),
    # an older item link without its mark would be taken back to its item by page: presenting only
    ({"district": "430223", "present": "1", "agenda": "b62e057b", "item": "5"},
     {"district": "430223", "project": "XM2", "present": "1"}),
])
def test_a_drill_down_opens_with_the_filters_its_selection_and_in_a_presentation_presenting(monkeypatch, shown, expected):
    switched = []
    fake = types.SimpleNamespace(session_state={"_open_page": ("investment", {"project": "XM2"})},
                                 query_params=types.SimpleNamespace(to_dict=lambda: dict(shown)),
                                 switch_page=lambda page, query_params: switched.append((page, query_params)))
    monkeypatch.setattr(picks, "st", fake)
    monkeypatch.setattr(picks, "presenting", lambda: shown.get("present") == "1")
    monkeypatch.setattr(picks, "carried_params", lambda: {"district": shown["district"]})
    picks.open_pending_page()
    assert switched == [("pages/investment.py", expected)] and "_open_page" not in fake.session_state
    picks.open_pending_page()  # nothing pending: nothing switches
    assert len(switched) == 1


def test_fitted_table_heights_follow_the_rows_and_the_projectors_larger_rows(monkeypatch):
    from geo import present, ui

    monkeypatch.setattr(present, "presenting", lambda: False)
    assert ui.fitted_height(10, 1000) == 3 + 35 * 11      # header and ten rows, no scrollbar
    assert ui.fitted_height(100, 420) == 420              # capped: the table scrolls
    monkeypatch.setattr(present, "presenting", lambda: True)
    assert ui.fitted_height(10, 1000) == round((3 + 35 * 11) * 21 / 16)  # 46-px rows on a projector
    assert ui.fitted_height(100, 420) == round(420 * 21 / 16)
