"""AppTest of the extracts page: counts follow the filters, files are built only on request and
match the filtered counts, and an empty selection says there is nothing to export."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

import conftest


def open_page(monkeypatch, store_dir: Path, **query) -> AppTest:
    return conftest.open_page(monkeypatch, store_dir, "export", **query)


def counts(at: AppTest) -> dict[str, str]:
    table = next(df.value for df in at.dataframe if "当前筛选行数" in df.value.columns)
    return dict(zip(table["数据表"], table["当前筛选行数"]))


def test_counts_follow_the_filters(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store, district="430281")
    assert not at.exception
    c = counts(at)
    tasks = direct(demo_store, "tasks", "district_adcode = '430281'")
    assert c["项目"] == "74" and c["交办事项"] == f"{tasks:,}"
    assert not at.get("download_button")  # nothing is built before the user asks
    assert [cap for cap in at.caption if "生成文件" in cap.value]
    shown = open_page(monkeypatch, demo_store, district="430281", present="1")
    assert counts(shown) == c and not [cap for cap in shown.caption if "生成文件" in cap.value]  # its button is hidden


def test_build_an_xlsx_with_the_filtered_rows(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store, district="430281", stage="在建")
    at.button(key="export_build").click()
    at.run()
    assert not at.exception
    download = at.get("download_button")[0]
    assert "项目_醴陵市_在建_2023-09-30" in download.proto.label
    caption = " ".join(c.value for c in at.caption)
    expected = direct(demo_store, "projects", "district_adcode = '430281' AND stage = '在建'")
    assert f"项目 {expected}" in caption


def direct(store_dir: Path, table: str, where: str) -> int:
    import duckdb

    from geo import store

    path = store.open_current(store_dir).table_path(table)
    return duckdb.sql(f"SELECT count(*) FROM read_parquet('{path}') WHERE {where}").fetchone()[0]


def test_nothing_to_export(monkeypatch, demo_store):
    """Said before anyone clicks, the button greyed (it had said so only after a click: tester 14)."""
    at = open_page(monkeypatch, demo_store, q="没有这样的项目")
    assert not at.exception
    assert any("没有可导出的内容" in i.value for i in at.info) and at.button(key="export_build").disabled
    at = open_page(monkeypatch, demo_store, district="430281")
    assert not at.info and not at.button(key="export_build").disabled


def test_a_format_without_the_tasks_says_so_before_the_file_is_built(monkeypatch, demo_store):
    at = open_page(monkeypatch, demo_store, district="430281")
    at.multiselect(key="export_tables").set_value(["projects", "tasks"])
    at.selectbox(key="export_format").set_value("xlsx")
    at.run()
    assert not any("不含" in w.value for w in at.warning)  # Excel holds every table
    for fmt in ("geojson", "parquet", "shp"):
        at.selectbox(key="export_format").set_value(fmt)
        at.run()
        assert any("文件中不含：交办事项" in w.value for w in at.warning), fmt
    at.selectbox(key="export_format").set_value("gpkg")  # tasks as an attribute table
    at.run()
    assert not any("不含" in w.value for w in at.warning)
    at.selectbox(key="export_format").set_value("geojson")
    at.button(key="export_build").click()
    at.run()
    assert not at.exception and at.get("download_button")  # the projects still come


def test_the_tables_chosen_first_are_those_the_filters_narrow(monkeypatch, demo_store):
    """A link with a land status opened the extracts page on projects alone (tester 9)."""
    assert open_page(monkeypatch, demo_store, district="430281").multiselect(key="export_tables").value == ["projects"]
    land = open_page(monkeypatch, demo_store, status="闲置")
    assert land.multiselect(key="export_tables").value == ["parcels"]
    both = open_page(monkeypatch, demo_store, stage="在建", kv="110")
    assert both.multiselect(key="export_tables").value == ["projects", "substations"]
