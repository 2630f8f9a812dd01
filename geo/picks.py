"""What a click in a map, chart or table selects: the ``on_select`` callbacks that turn a pick
into a shared filter or a page's selection, and where a selection was picked.

Streamlit calls a callback before the next script run, with the widget's selection already in
``st.session_state``, so callbacks may set the sidebar widgets' state.
"""

from __future__ import annotations

import zlib

import streamlit as st

from geo import layers
from geo.agenda import PRESENTATION_PARAMS
from geo.boundaries import DISTRICTS
from geo.charts import PICK
from geo.present import presenting
from geo.sidebar import carried_params


def _picked_rows(table_key: str) -> list[int]:
    """The rows picked in a table (``selection_mode="single-row"``: none or one)."""
    state = st.session_state.get(table_key) or {}
    return (state.get("selection") or {}).get("rows") or []


def map_pick(map_name: str, project_key: str | None = None, pick_layer: str = "projects",
             pick_field: str = "project_id") -> dict:
    """``key`` and ``on_select`` for a map whose click picks a district (the shared filter) or,
    with ``project_key``, a feature (``on_district_click``); ``ui.clickable_map`` draws it.

    The browser keeps a map's last pick selected, and a click on a selected feature unselects it:
    once the page had let the pick go (清除全部, the panel closed, another district chosen in the
    sidebar), a click on the same district or project did nothing (measured in Chromium). A map
    still holding a pick the page no longer shows is drawn under a new key, with nothing selected.
    Only then: a new key makes the browser build the map anew (in software GL ~0.2–0.7 s of
    shader compiling a layer type)."""
    generation_key = f"_{map_name}_generation"
    key = f"{map_name}_pick_{st.session_state.get(generation_key, 0)}"
    objects = ((st.session_state.get(key) or {}).get("selection") or {}).get("objects") or {}
    picked = _picked_features(objects, pick_layer, pick_field) if project_key else []
    if picked:
        stale = picked[0] != st.session_state.get(project_key)
    else:
        codes = _picked_districts(objects)
        stale = bool(codes) and codes != list(st.session_state.get("f_district") or [])
    if stale:
        st.session_state[generation_key] = st.session_state.get(generation_key, 0) + 1
        st.session_state.pop(key, None)
        key = f"{map_name}_pick_{st.session_state[generation_key]}"
    return {"key": key, "on_select": on_district_click(key, project_key=project_key, pick_layer=pick_layer,
                                                       pick_field=pick_field, picked_in=map_name)}


def _picked_features(objects: dict, pick_layer: str, pick_field: str) -> list:
    return [(o.get("properties") or o).get(pick_field) for layer, objs in objects.items()
            if layer.startswith(pick_layer) for o in objs]


def _picked_districts(objects: dict, layer_id: str = "districts") -> list[str]:
    codes = [(o.get("properties") or o).get("adcode") for o in objects.get(layer_id, [])]
    return [c for c in codes if c in DISTRICTS]


def on_district_click(map_key: str, layer_id: str = "districts", project_key: str | None = None,
                      pick_layer: str = "projects", pick_field: str = "project_id", picked_in: str | None = None):
    """An ``on_select`` callback for maps: a click on a district narrows the shared district
    filter to it; with ``project_key``, a click on a feature of a layer whose id starts with
    ``pick_layer`` (projects are one layer per stage: "projects-<n>") selects that feature: its
    ``pick_field`` goes to ``project_key``, and ``picked_in`` (default: ``map_key``) is where."""

    def callback() -> None:
        state = st.session_state.get(map_key) or {}
        objects = (state.get("selection") or {}).get("objects", {})
        if project_key:
            picked = _picked_features(objects, pick_layer, pick_field)
            if picked and picked[0]:
                st.session_state[project_key] = picked[0]
                st.session_state[f"{project_key}_picked_in"] = picked_in or map_key
                return
        codes = _picked_districts(objects, layer_id)
        if codes:
            st.session_state["f_district"] = codes

    return callback


def chart_pick(chart_key: str, field: str, widget_key: str) -> dict:
    """``key`` and ``on_select`` for a clickable chart that sets the shared filter ``widget_key``.

    The key carries a digest of that filter's value: a chart keeps its clicked bar selected in the
    browser, so once the filter was cleared (清除全部, the sidebar) a click on the same bar only
    unselected it and the next one filtered again. A new key whenever the filter changes draws a
    chart with nothing selected."""
    key = _keyed(chart_key, st.session_state.get(widget_key))
    return {"key": key, "on_select": on_chart_pick(key, field, widget_key)}


def on_chart_pick(chart_key: str, field: str, widget_key: str):
    """An ``on_select`` callback for charts from ``geo.charts``: the clicked bar's ``field``
    value becomes the shared filter ``widget_key`` (e.g. a stage bar -> the stage filter)."""

    def callback() -> None:
        state = st.session_state.get(chart_key) or {}
        picks = (state.get("selection") or {}).get(PICK) or []
        values = [p.get(field) for p in picks if p.get(field) is not None]
        # An empty selection never comes: the chart starts with the filter's bars selected by its
        # spec, which the browser does not count as a selection made, so emptying it sends nothing
        # (a shift-click on the last chosen bar; measured). The sidebar or "clear" lifts the filter.
        if values:
            st.session_state[widget_key] = values

    return callback


def row_pick(table_key: str, ids: list[str], target_key: str) -> dict:
    """``key`` and ``on_select`` for a table whose picked row opens a feature (``target_key``).

    As for charts (``chart_pick``): the browser keeps the picked row ticked, so after the panel
    was closed a click on the same row only unticked it, and a third click opened it again. The
    key follows the page's selection; ``picked_in`` still names the table (``table_key``)."""
    key = _keyed(table_key, st.session_state.get(target_key))
    return {"key": key, "on_select": on_row_pick(key, ids, target_key, picked_in_key=table_key)}


def _keyed(key: str, value) -> str:
    """``key`` while ``value`` is empty, else ``key`` and a digest of ``value``."""
    if not value:
        return key
    return f"{key}_{zlib.crc32(repr(tuple(value) if isinstance(value, list) else value).encode()):08x}"


def on_row_pick(table_key: str, ids: list[str], target_key: str, picked_in_key: str | None = None):
    """An ``on_select`` callback for a table: the picked row's id goes to ``target_key``, and
    ``picked_in(target_key)`` says it was this table."""

    def callback() -> None:
        rows = _picked_rows(table_key)
        if rows and rows[0] < len(ids):
            st.session_state[target_key] = ids[rows[0]]
            st.session_state[f"{target_key}_picked_in"] = picked_in_key or table_key

    return callback


def picked_in(selection_key: str) -> str | None:
    """The key of the table or map where the current selection was picked (None: from a link).
    A page shows the selection's panel there: picked in a table far below the map, a panel
    under the map would be off screen, and the click would seem to do nothing."""
    return st.session_state.get(f"{selection_key}_picked_in")


def map_bounds(selection_key: str, map_key: str, selected_id: str | None, record: dict | None, view_bounds) -> tuple:
    """What the map shows: ``view_bounds`` (the filters' districts, park or search), or the
    selected feature with its town around (``layers.selection_bounds``: opened by a link, from
    another page or picked in a table, not clicked on this map). The selection keeps the view
    until the filters move it: a district clicked on the map afterwards must still get its
    district, so the view the selection was opened over is remembered with it."""
    focus = layers.selection_bounds(record, picked_in(selection_key) == map_key)
    view_bounds = tuple(float(b) for b in view_bounds)
    if focus is None:
        return view_bounds
    opened_over = st.session_state.get(f"{selection_key}_opened_over")
    if opened_over is None or opened_over[0] != selected_id:
        opened_over = st.session_state[f"{selection_key}_opened_over"] = (selected_id, view_bounds)
    return focus if opened_over[1] == view_bounds else view_bounds


def on_district_row(table_key: str, adcodes: list[str], open_page: str | None = None):
    """An ``on_select`` callback for a table of districts: the picked district becomes the
    district filter; with ``open_page``, that page opens next (``open_pending_page``). A row
    that is no district (the city total) clears the district filter."""

    def callback() -> None:
        rows = _picked_rows(table_key)
        if not rows or rows[0] >= len(adcodes):
            return
        code = adcodes[rows[0]]
        st.session_state["f_district"] = [code] if code in DISTRICTS else []
        if open_page:
            st.session_state["_open_page"] = (open_page, {})

    return callback


def on_project_row(table_key: str, ids: list[str]):
    """An ``on_select`` callback for a table of projects: the picked project opens on the
    investment page (its details panel)."""

    def callback() -> None:
        rows = _picked_rows(table_key)
        if rows and rows[0] < len(ids):
            st.session_state["inv_project"] = ids[rows[0]]
            st.session_state["_open_page"] = ("investment", {"project": ids[rows[0]]})

    return callback


def open_pending_page() -> None:
    """Switch to the page a callback asked for (a script run may switch pages; a callback not),
    with the filters and its selection: without them the browser's history had an entry of the
    page unfiltered, then one with the selection. In presentation mode the page opens presenting,
    under the agenda item it was opened from: a drill-down had thrown the projector back to the
    sidebar and the agenda bar was gone (tester 13)."""
    pending = st.session_state.pop("_open_page", None)
    if pending:
        target, selection = pending
        query = {**carried_params(), **selection}
        if presenting():
            # The agenda's too when the link marks its item (``ik``): without the mark, an item is
            # judged by its page, and the project's page would be taken back to the item's.
            shown = st.query_params.to_dict()
            carried = PRESENTATION_PARAMS if "ik" in shown else ("present",)
            query.update({key: shown[key] for key in carried if key in shown})
        st.switch_page(f"pages/{target}.py", query_params=query)


def forget(key: str) -> None:
    """Callback: drop a page-level selection (e.g. close the selected project), and where it was
    picked (the next one, from a link, opens under the map)."""
    st.session_state[key] = None
    st.session_state.pop(f"{key}_picked_in", None)
    st.session_state.pop(f"{key}_opened_over", None)
