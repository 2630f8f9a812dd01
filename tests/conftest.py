"""Shared fixtures: a tiny, hand-made Zhuzhou dataset and a store holding it.

``make_tiny_tables()`` is importable (``from conftest import make_tiny_tables``) so other tests
can build on the same rows. Values are picked by hand so sums are easy to check:
total investment 荷塘 14.5 + 醴陵 9.25 + 茶陵 1.0 = 24.75 亿元; parcels 150.5 + 80.0 + 45.25 = 275.75 亩.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, box

from fixtures_demo import demo_store  # noqa: F401  (session fixture: the calibrated demo store)
from geo.join import add_h3_cells
from geo.schema import column_names


HETANG, LILING, CHALING = "430202", "430281", "430224"
AS_OF = dt.date(2023, 9, 30)
D = dt.date


def make_tiny_tables() -> dict[str, pd.DataFrame]:
    """Every schema table with a few hand-picked rows and all columns (fresh frames each call)."""
    crs = "EPSG:4326"
    districts = gpd.GeoDataFrame({
        "adcode": [HETANG, LILING, CHALING],
        "name_zh": ["荷塘区", "醴陵市", "茶陵县"],
        "name_en": ["Hetang District", "Liling City", "Chaling County"],
        "area_km2": [151.0, 2157.0, 2500.0],
    }, geometry=[MultiPolygon([box(113.10, 27.80, 113.20, 27.90)]),
                 MultiPolygon([box(113.40, 27.50, 113.60, 27.70)]),
                 MultiPolygon([box(113.50, 26.70, 113.70, 26.90)])], crs=crs)
    projects = gpd.GeoDataFrame({
        "project_id": ["P001", "P002", "P003", "P004", "P005"],
        "name": ["硬质合金产业园", "荷塘大道改造", "醴陵陶瓷谷", "醴陵光伏电站", "茶陵学校"],
        "district_adcode": [HETANG, HETANG, LILING, LILING, CHALING],
        "park": ["荷塘工业园", None, "醴陵经开区", None, None],
        "industry_chain": ["先进硬质材料", None, "陶瓷", "新能源", None],
        "category": ["产业发展", "基础设施", "产业发展", "能源", "民生社会"],
        "level": ["市重点", "省重点", "县重点", "市重点", "县重点"],
        "stage": ["在建", "前期", "投产", "在建", "谋划在谈"],
        "stalled_state": [None, "签约未开工", None, None, None],
        "stalled_since": [None, D(2023, 5, 1), None, None, None],
        "total_investment_yi": [10.5, 4.0, 2.25, 7.0, 1.0],
        "annual_plan_yi": [3.0, 1.0, 0.5, 2.0, 0.25],
        "completed_yi": [1.25, 0.0, 0.5, 1.5, 0.0],
        "planned_start": [D(2023, 3, 1), D(2023, 4, 1), D(2022, 1, 10), D(2023, 2, 1), None],
        "actual_start": [D(2023, 3, 15), None, D(2022, 1, 20), D(2023, 2, 20), None],
        "planned_completion": [D(2025, 12, 31), D(2024, 12, 31), D(2023, 6, 30), D(2024, 6, 30), None],
        "actual_completion": [None, None, D(2023, 6, 30), None, None],
        "power_demand_mw": [8.0, None, 3.5, 12.5, None],
        "parcel_id": ["L001", None, "L003", None, None],
        "owner": ["株洲硬质合金集团", "荷塘区城投", "醴陵陶瓷公司", "国网醴陵", "O'Brien'); DROP TABLE projects; --"],
        "updated_at": [D(2023, 9, 28), D(2023, 9, 1), D(2023, 7, 1), D(2023, 9, 29), D(2023, 8, 15)],
    }, geometry=[Point(113.15, 27.85), Point(113.12, 27.82), Point(113.50, 27.60),
                 Point(113.45, 27.55), Point(113.60, 26.80)], crs=crs)
    tasks = pd.DataFrame({
        "task_id": ["T001", "T002", "T003", "T004"],
        "project_id": ["P001", "P002", "P004", "P005"],
        "district_adcode": [HETANG, HETANG, LILING, CHALING],
        "title": ["协调用电接入", "完成征拆", "办理施工许可", "落实用地"],
        "assigned_unit": ["供电公司", "荷塘区政府", "醴陵市住建局", "茶陵县自然资源局"],
        "assigned_on": [D(2023, 7, 1), D(2023, 8, 1), D(2023, 6, 1), D(2023, 8, 20)],
        "due_on": [D(2023, 8, 31), D(2023, 10, 5), D(2023, 9, 1), D(2023, 9, 15)],
        "first_due_on": [None, D(2023, 9, 20), None, None],  # T002's deadline was moved at a meeting
        "closed_on": [None, None, D(2023, 8, 20), None],
        "status": ["办理中", "办理中", "已办结", "办理中"],
    })
    parcels = gpd.GeoDataFrame({
        "parcel_id": ["L001", "L002", "L003", "L004"],
        "district_adcode": [HETANG, HETANG, LILING, CHALING],
        "park": ["荷塘工业园", "荷塘工业园", "醴陵经开区", None],
        "area_mu": [120.0, 30.5, 80.0, 45.25],
        "land_use": ["工业", "仓储", "工业", "商业"],
        "status": ["闲置", "批而未供", "已处置", "在用"],
        "idle_class": ["闲置", "批而未供", None, None],
        "listed_on": [D(2022, 6, 1), D(2021, 3, 15), None, None],
        "disposal_method": [None, None, "挂牌出让", None],
        "disposed_on": [None, None, D(2023, 4, 20), None],
        "supply_mode": [None, None, "出让", "划拨"],
        "supplied_on": [None, None, D(2023, 5, 1), D(2019, 1, 1)],
        "tax_per_mu_wan": [None, None, 12.5, 3.0],
    }, geometry=[box(113.13, 27.83, 113.14, 27.84), box(113.16, 27.86, 113.165, 27.865),
                 box(113.50, 27.60, 113.51, 27.61), box(113.60, 26.80, 113.605, 26.805)], crs=crs)
    substations = gpd.GeoDataFrame({
        "station_id": ["S001", "S002", "S003"],
        "name": ["荷塘220kV变", "醴陵110kV变", "茶陵35kV变"],
        "district_adcode": [HETANG, LILING, CHALING],
        "voltage_kv": [220, 110, 35],
        "transformer_count": pd.array([2, 2, None], dtype="Int64"),
        "capacity_mva": [360.0, 100.0, None],
        "peak_load_mw": [210.5, 55.0, None],
        "status": ["在运", "在运", "规划"],
        "commissioned_year": pd.array([2010, 2015, None], dtype="Int64"),
    }, geometry=[Point(113.18, 27.88), Point(113.42, 27.52), Point(113.55, 26.75)], crs=crs)
    plants = gpd.GeoDataFrame({
        "plant_id": ["G001", "G002"],
        "name": ["醴陵光伏", "茶陵风电"],
        "district_adcode": [LILING, CHALING],
        "kind": ["集中式光伏", "风电"],
        "capacity_mw": [50.0, 100.0],
        "status": ["在运", "在建"],
        "commissioned_year": pd.array([2021, None], dtype="Int64"),
    }, geometry=[Point(113.48, 27.58), Point(113.65, 26.85)], crs=crs)
    transformer_areas = gpd.GeoDataFrame({
        "area_id": ["A001", "A002", "A003"],
        "station_id": ["S001", "S002", None],
        "district_adcode": [HETANG, LILING, CHALING],
        "voltage_pass_rate": [98.5, 99.9, None],
        "low_voltage_users": pd.array([3, 0, None], dtype="Int64"),
        "imbalance_pct": [12.0, 5.5, None],
        "state": ["待治理", "正常", "治理中"],
    }, geometry=[Point(113.11, 27.81), Point(113.41, 27.51), Point(113.52, 26.72)], crs=crs)
    tables = {"districts": districts, "projects": projects, "tasks": tasks, "parcels": parcels,
              "substations": substations, "plants": plants, "transformer_areas": transformer_areas}
    # Derived columns are set the way import/demo sets them (H3 cell of each feature's point).
    return {name: add_h3_cells(df) if "h3_r7" in column_names(name) else df for name, df in tables.items()}


def extract(snapshot, tables: list[str], fmt: str, **options) -> bytes:
    """The bytes of this app's extract of ``tables`` (whole city, no filter) in ``fmt``."""
    from geo import export
    from geo.filters import Filters
    from geo.query import Scope

    return export.build(snapshot, Scope.all(), Filters(), tables, fmt, **options).data


@pytest.fixture
def tiny_tables() -> dict[str, pd.DataFrame]:
    return make_tiny_tables()


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def tiny_snapshot(store_dir: Path):
    """A store under tmp_path with the tiny tables written and published."""
    from geo import store

    return store.write_snapshot(make_tiny_tables(), as_of=AS_OF, published_by="pytest",
                                sources=["tests/conftest.py"], note="tiny", store_dir=store_dir)


APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(monkeypatch, store_dir: Path, page: str, **query):
    """AppTest of ``pages/<page>.py`` entered through app.py, with URL parameters ``query``: a
    link opened in a new tab (its page is the session's first run)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ZZMAP_STORE", str(store_dir))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    at.switch_page(f"pages/{page}.py")
    return at.run()


def page_link(at, label: str):
    """The page link labelled ``label`` (its proto: page, query_string, disabled)."""
    found = [element.proto for element in at.get("page_link") if element.proto.label == label]
    assert len(found) == 1, f"{len(found)} page links labelled {label!r}"
    return found[0]


def follow_link(at, label: str):
    """Click the page link labelled ``label`` as the browser does: its page, with its URL parameters
    in place of the current ones."""
    from urllib.parse import parse_qsl

    link = page_link(at, label)
    assert not link.disabled, f"the link {label!r} is greyed out"
    at.query_params.clear()
    at.query_params.update(dict(parse_qsl(link.query_string)))
    at.switch_page(f"pages/{link.page}.py")
    return at.run()


def stylesheets(at) -> list[str]:
    """The page's own stylesheets (``geo.styles``: Markdown elements holding ``<style>``)."""
    return [m.value for m in at.markdown if "<style>" in m.value]
