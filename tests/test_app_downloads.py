"""AppTest of the download panel every page carries: closed it costs nothing; open, it counts
the page's filtered rows, builds a file only on a click, and that file holds those rows."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import conftest

PAGES = {"overview": ("overview_dl", "项目"), "investment": ("investment_dl", "项目"),
         "land": ("land_dl", "地块"), "energy": ("energy_dl", "变电站")}


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_builds_its_filtered_rows(monkeypatch, demo_store, page):
    key, label = PAGES[page]
    served = _capture_downloads(monkeypatch)
    at = conftest.open_page(monkeypatch, demo_store, page, district="430281")
    assert not at.exception
    assert not at.get("download_button") and not [b for b in at.button if b.key == f"{key}_build"]
    at.session_state[f"{key}_open"] = True  # what a click on the closed panel does
    at.run()
    at.selectbox(key=f"{key}_format").set_value("csv").run()
    at.button(key=f"{key}_build").click().run()
    assert not at.exception
    download = at.get("download_button")[0]
    # the overview's file holds its key projects (a level filter): its name says so
    assert ("醴陵市_省重点+市重点_2023-09-30" if page == "overview" else "醴陵市_2023-09-30") in download.proto.label
    single = len(at.multiselect(key=f"{key}_tables").value) == 1  # a lone CSV has no 说明: the panel says so
    assert any(c.value.startswith("单个 CSV 文件只含数据") for c in at.caption) == single
    counts = next(c.value for c in at.caption if c.value.startswith("行数"))
    expected = _rows_in(counts, label)
    first_table = at.multiselect(key=f"{key}_tables").value[0]
    data = served[download.proto.url.rsplit("/", 1)[-1].split(".")[0]]
    if data[:2] == b"PK":  # several tables: a zip of CSVs
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as z:
            name = next(n for n in z.namelist() if n.endswith(".csv") and n.startswith(label))
            data = z.read(name)
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert len(frame) == expected, (first_table, counts)
    assert set(frame["区县代码"]) == {"430281"}


def _rows_in(caption: str, label: str) -> int:
    part = next(p for p in caption.split("：", 1)[1].split("、") if p.startswith(label + " "))
    return int(part.split(" ")[1].replace(",", ""))


def _capture_downloads(monkeypatch) -> dict[str, bytes]:
    """The bytes behind each download button, by file id: AppTest's media storage lives only for
    one run, so the test keeps a copy of what the app hands it."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    served: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        served[file_id] = bytes(path_or_data) if isinstance(path_or_data, (bytes, bytearray)) else b""
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return served


def test_a_slow_xlsx_is_announced_before_it_is_built(monkeypatch, demo_store):
    from geo import export

    monkeypatch.setattr(export, "SLOW_XLSX_ROWS", 100)
    at = conftest.open_page(monkeypatch, demo_store, "land")
    at.session_state["land_dl_open"] = True
    at.run()
    warning = next(w.value for w in at.warning if "Excel" in w.value)
    assert "1,831 行" in warning and "CSV" in warning
    assert not at.get("download_button")  # announced, not built
    at.selectbox(key="land_dl_format").set_value("parquet").run()
    assert not any("Excel" in w.value for w in at.warning)


def test_a_format_that_holds_none_of_the_chosen_tables_cannot_be_built(monkeypatch, demo_store):
    """Only tasks, as a Shapefile: the panel says the format leaves them out and offers no build
    (it used to build and then say the filters matched nothing, beside a count of 46 rows)."""
    at = conftest.open_page(monkeypatch, demo_store, "investment", district="430202")
    at.session_state["investment_dl_open"] = True
    at.run()
    at.multiselect(key="investment_dl_tables").set_value(["tasks"]).run()
    at.selectbox(key="investment_dl_format").set_value("shp").run()
    assert any("文件中不含：交办事项" in w.value for w in at.warning)
    assert at.button(key="investment_dl_build").disabled
    at.selectbox(key="investment_dl_format").set_value("gpkg").run()  # GeoPackage holds tasks
    assert not at.button(key="investment_dl_build").disabled


@pytest.mark.parametrize("view,expected", [("stalled", "项目 133、交办事项 211"), ("tasks", "项目 549、交办事项 386")])
def test_the_meeting_page_downloads_the_lists_behind_its_view(monkeypatch, demo_store, view, expected):
    """The meeting page had no panel (tester 14): its stalled view downloads its 133 stalled key
    projects and their tasks, its tasks view every key project's tasks, with the task states."""
    at = conftest.open_page(monkeypatch, demo_store, "meeting", view=view)
    at.session_state["meeting_dl_open"] = True
    at.run()
    assert not at.exception
    assert any(c.value.startswith("行数") and expected in c.value for c in at.caption), [c.value for c in at.caption]
    other = conftest.open_page(monkeypatch, demo_store, "meeting", view="changes")
    assert not [e for e in other.get("expander") if "下载" in str(e.proto)]
