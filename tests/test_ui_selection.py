"""A selection the filters leave out: a project, parcel or substation opened by a link, or kept
across a filter change, has its panel say so (it had contradicted the filter line above it,
silently: tester 11). ``query.matches`` decides, on the same conditions as the page's queries."""

from __future__ import annotations

import duckdb

import conftest
from geo import store
from geo.filters import Filters
from geo.query import Scope, matches

NOTE = "当前筛选不包含此项"


def first_id(store_dir, table: str, where: str) -> str:
    path = store.open_current(store_dir).table_path(table)
    key = {"projects": "project_id", "parcels": "parcel_id", "substations": "station_id"}[table]
    return duckdb.sql(f"SELECT {key} FROM read_parquet('{path}') WHERE {where} ORDER BY {key} LIMIT 1").fetchone()[0]


def noted(at) -> bool:
    return any(NOTE in c.value for c in at.caption)


def test_matches_follows_the_filters_conditions(demo_store):
    snap = store.open_current(demo_store)
    you = first_id(demo_store, "projects", "district_adcode = '430223'")
    assert matches(snap, Scope.all(), Filters(districts=("430223", "430281")), "projects", you)
    assert not matches(snap, Scope.all(), Filters(districts=("430281",)), "projects", you)
    assert not matches(snap, Scope.all(), Filters(), "projects", "NO-SUCH-ID")
    station = first_id(demo_store, "substations", "voltage_kv = 35")
    assert matches(snap, Scope.all(), Filters(voltages=("35",)), "substations", station)
    assert not matches(snap, Scope.all(), Filters(voltages=("220",)), "substations", station)


def test_a_project_left_out_by_a_district_change_says_so(monkeypatch, demo_store):
    you = first_id(demo_store, "projects", "district_adcode = '430223'")
    at = conftest.open_page(monkeypatch, demo_store, "investment", district="430223,430281", project=you)
    assert not at.exception and not noted(at)
    at.multiselect(key="f_district").set_value(["430281"]).run()
    assert not at.exception and noted(at)


def test_a_parcel_opened_by_a_link_outside_its_filter_says_so(monkeypatch, demo_store):
    liling = first_id(demo_store, "parcels", "district_adcode = '430281'")
    at = conftest.open_page(monkeypatch, demo_store, "land", parcel=liling, district="430223")
    assert not at.exception and noted(at)
    at = conftest.open_page(monkeypatch, demo_store, "land", parcel=liling, district="430281")
    assert not noted(at)


def test_a_station_left_out_by_the_voltage_filter_says_so(monkeypatch, demo_store):
    station = first_id(demo_store, "substations", "voltage_kv = 35")
    at = conftest.open_page(monkeypatch, demo_store, "energy", station=station)
    assert not at.exception and not noted(at)
    at.multiselect(key="f_kv").set_value(["220"]).run()
    assert not at.exception and noted(at)
