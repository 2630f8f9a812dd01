"""geo.ingest.readers: file kinds from bytes, encodings, zips, GIS drivers — on tiny hand-made files."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo.ingest import readers
from geo.ingest.errors import IngestError
from geo.ingest.pipeline import load

HEADER = "项目编号,项目名称,所属区县,项目类别,项目级别,项目阶段,总投资（亿元）,年度计划投资（亿元）,年度已完成投资（亿元）,经度,纬度\n"
ROW = "P1,渌口示范园,渌口区,产业发展,市重点,在建,3.5,1,0.5,113.14,27.70\n"


def csv_bytes(encoding: str, bom: bool = False) -> bytes:
    data = (HEADER + ROW).encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def refused(data: bytes, name: str, key: str, **kw) -> IngestError:
    with pytest.raises(IngestError) as err:
        readers.read_bytes(data, name, **kw)
    assert err.value.key == key, str(err.value)
    return err.value


# --- encodings -----------------------------------------------------------------------------------


def test_gbk_csv_without_bom_is_detected():
    raw = readers.read_bytes(csv_bytes("gbk"), "台账.csv")
    assert raw.encoding == "gb18030"
    assert raw.grid.iat[1, 1] == "渌口示范园" and raw.grid.iat[0, 6] == "总投资（亿元）"
    assert ("ingest_n_encoding", {"encoding": "GBK/GB18030"}) in raw.notes


def test_utf8_with_bom_has_no_bom_in_the_first_header():
    raw = readers.read_bytes(csv_bytes("utf-8", bom=True), "a.csv")
    assert raw.encoding == "utf-8-sig" and raw.grid.iat[0, 0] == "项目编号"


def test_plain_utf8():
    raw = readers.read_bytes(csv_bytes("utf-8"), "a.csv")
    assert raw.encoding == "utf-8" and raw.grid.iat[1, 2] == "渌口区"


def test_mixed_bytes_are_refused_with_the_line():
    data = (HEADER + ROW * 3).encode("utf-8") + "P9,醴陵新区,醴陵,产业发展,市重点,在建,1,1,1,113.5,27.6\n".encode("gbk")
    err = refused(data, "mixed.csv", "mixed_bytes")
    assert err.params["line"] == 5


def test_invalid_bytes_are_refused():
    refused(b"a,b\n\xff\xfe\xfa\xfb\x80\x81\xfe\xff\x81\x30\n", "bad.csv", "undecodable")


def test_manual_encoding_override():
    raw = readers.read_bytes(csv_bytes("gbk"), "a.csv", encoding="gbk")
    assert raw.encoding == "gbk" and raw.grid.iat[1, 1] == "渌口示范园"
    refused(csv_bytes("gbk"), "a.csv", "decode_failed", encoding="utf-8")
    refused(csv_bytes("gbk"), "a.csv", "bad_encoding_name", encoding="klingon")


# --- kinds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\n", "\ufeff".encode("utf-8")])
def test_empty_file(data):
    with pytest.raises(IngestError) as err:
        load(data, "empty.csv", "projects")
    assert err.value.key in ("empty_file", "no_header")


def test_header_only_is_said_to_have_only_its_header():
    """A header row without data was called "empty" (tester 12): it has its header."""
    with pytest.raises(IngestError) as err:
        load(HEADER.encode(), "h.csv", "projects")
    assert err.value.key == "header_only"
    assert "只有表头，没有数据行" in err.value.text("zh") and "no data rows" in err.value.text("en")


@pytest.mark.parametrize("data,what", [
    (b"<html><body><table><tr><td>\xe9\xa1\xb9\xe7\x9b\xae\xe7\xbc\x96\xe5\x8f\xb7</td></tr></table></body></html>", "HTML"),
    (b"\n<table border=1><tr><td>a</td></tr></table>", "HTML"),
    (b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>', "XML"),
])
def test_a_web_table_named_xls_says_how_to_get_a_workbook(data, what):
    """An HTML table saved as .xls (many 政务 systems export that) was refused with no way out (tester 12)."""
    err = refused(data, "台账.xls", "web_table")
    assert err.params["what"] == what
    assert "另存为 .xlsx" in err.text("zh") and "save it as .xlsx" in err.text("en")
    assert refused(b"<kml><Document/></kml>", "a.xls", "not_supported").params["what"] == "XML"


def test_file_over_the_upload_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(readers, "MAX_UPLOAD_MB", 1)
    err = refused(b"x" * (3 * 2**20), "big.csv", "too_big")
    assert err.params["limit"] == 1
    big = tmp_path / "huge.csv"
    with open(big, "wb") as fh:  # sparse: 5 GB declared, nothing read
        fh.truncate(5 * 2**30)
    with pytest.raises(IngestError) as e2:
        readers.read_path(big)
    assert e2.value.key == "too_big"


def test_upload_limit_matches_the_streamlit_setting():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == readers.UPLOAD_CEILING_MB > readers.MAX_UPLOAD_MB


@pytest.mark.parametrize("data,name,key", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "photo.csv", "binary"),
    (b"\x7fELF\x02\x01\x01\x00" + bytes(200), "ledger.xlsx", "binary"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old.xls", "old_xls"),
    (b"PK\x03\x04 this is not really a zip", "fake.xlsx", "bad_zip"),
])
def test_renamed_binaries_are_refused(data, name, key):
    refused(data, name, key)


def test_a_zip_named_as_a_workbook_is_said_to_be_no_workbook():
    """A .docx renamed .xlsx was refused as "the zip holds no .shp file"."""
    import io
    import zipfile

    for inner, kind in (("word/document.xml", "Word"), ("data.txt", "zip")):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr(inner, "<x/>")
        err = refused(buffer.getvalue(), "台账.xlsx", "not_a_workbook")
        assert err.params["kind"] == kind and "不是 Excel 工作簿" in err.text("zh")


def test_gdal_vrt_is_refused_whatever_its_name(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a,b\n1,2\n")
    vrt = (f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>{secret}</SrcDataSource>'
           "</OGRVRTLayer></OGRVRTDataSource>").encode()
    for name in ("x.vrt", "x.geojson", "x.csv"):
        err = refused(vrt, name, "not_supported")
        assert err.params["what"] == "GDAL VRT"


def test_sqlite_that_is_not_a_geopackage_is_refused():
    refused(b"SQLite format 3\x00" + bytes(100), "x.gpkg", "not_supported")


# --- zips ----------------------------------------------------------------------------------------


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("member", ["../evil.shp", "a/../../evil.shp", "/etc/evil.shp", "C:/evil.shp", "..\\evil.shp"])
def test_zip_with_unsafe_paths_is_refused_before_extracting(member, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = refused(_zip({member: b"x", "ok.dbf": b"y"}), "evil.zip", "zip_path")
    assert err.params["member"] == member
    assert list(tmp_path.iterdir()) == []


def test_zip_bomb_is_refused_by_declared_size_and_ratio(monkeypatch):
    calls = []
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *a, **k: calls.append(a) or b"")
    err = refused(_zip({"layer.shp": bytes(8 * 2**20), "layer.shx": b"", "layer.dbf": b""}), "bomb.zip", "zip_bomb")
    assert float(err.params["ratio"].replace(",", "")) > readers.MAX_ZIP_RATIO
    assert calls == []  # nothing was decompressed


def test_zip_over_the_declared_size_limit(monkeypatch):
    monkeypatch.setattr(readers, "MAX_UNZIPPED_BYTES", 1000)
    refused(_zip({"a.shp": bytes(range(256)) * 8}, zipfile.ZIP_STORED), "big.zip", "zip_bomb")


def _shapefile_zip(tmp_path, crs="EPSG:4326", drop=(), encoding="UTF-8", cpg=True) -> bytes:
    gdf = gpd.GeoDataFrame({"站名": ["荷塘变"], "电压": [110]}, geometry=[Point(113.17, 27.86)], crs=crs)
    path = tmp_path / "shp" / "stations.shp"
    path.parent.mkdir()
    gdf.to_file(path, encoding=encoding)
    members = {}
    for f in path.parent.iterdir():
        if f.suffix.lower() in drop or (f.suffix.lower() == ".cpg" and not cpg):
            continue
        members[f"stations/{f.name}"] = f.read_bytes()
    return _zip(members)


def test_shapefile_zip(tmp_path):
    raw = readers.read_bytes(_shapefile_zip(tmp_path), "stations.zip")
    assert raw.kind == "shp" and raw.frame.loc[0, "站名"] == "荷塘变"
    assert raw.file_crs == "EPSG:4326" and raw.geometry.iloc[0].x == pytest.approx(113.17)


@pytest.mark.parametrize("missing", [".shx", ".dbf"])
def test_shapefile_zip_missing_a_part(tmp_path, missing):
    err = refused(_shapefile_zip(tmp_path, drop=(missing,)), "stations.zip", "shp_missing")
    assert missing in err.params["parts"]


def test_shapefile_zip_without_prj_needs_a_stated_crs(tmp_path):
    raw = readers.read_bytes(_shapefile_zip(tmp_path, drop=(".prj",)), "stations.zip")
    assert raw.file_crs is None and ("ingest_n_no_prj", {}) in raw.notes


def test_zip_without_shapefile(tmp_path):
    refused(_zip({"readme.txt": b"hello"}), "x.zip", "zip_no_shp")


def test_gbk_dbf_without_cpg_is_detected(tmp_path):
    raw = readers.read_bytes(_shapefile_zip(tmp_path, encoding="GBK", cpg=False), "stations.zip")
    assert raw.frame.loc[0, "站名"] == "荷塘变"
    assert ("ingest_n_encoding", {"encoding": "GBK/GB18030 (.dbf)"}) in raw.notes


# --- GeoJSON and GeoPackage ---------------------------------------------------------------------


def test_geojson_is_read_without_gdal(monkeypatch):
    import pyogrio

    monkeypatch.setattr(pyogrio, "read_dataframe", lambda *a, **k: pytest.fail("GDAL used for GeoJSON"))
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"变电站编号": "S1", "名称": "<b>x</b>"},
         "geometry": {"type": "Point", "coordinates": [113.1, 27.8]}}]}
    raw = readers.read_bytes(json.dumps(doc, ensure_ascii=False).encode(), "s.geojson")
    assert raw.kind == "geojson" and raw.file_crs == "EPSG:4326"
    assert raw.frame.loc[0, "名称"] == "<b>x</b>"


@pytest.mark.parametrize("text", ['{"type": "Feature"}', '{"type": "FeatureCollection", "features": 3}', "{broken"])
def test_broken_geojson(text):
    refused(text.encode(), "x.geojson", "geojson_broken")


def test_geopackage(tmp_path):
    gdf = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(113.1, 27.8)], crs="EPSG:4326")
    path = tmp_path / "s.gpkg"
    gdf.to_file(path, driver="GPKG", layer="stations")
    raw = readers.read_bytes(path.read_bytes(), "s.gpkg")
    assert raw.kind == "gpkg" and raw.frame.loc[0, "station_id"] == "S1" and raw.file_crs == "EPSG:4326"


def test_a_geopackage_layer_without_geometry_is_read_as_an_attribute_table(tiny_snapshot):
    """A tasks GeoPackage (an attribute table) crashed: pyogrio returns a plain DataFrame (tester 14)."""
    from conftest import extract

    raw = readers.read_bytes(extract(tiny_snapshot, ["tasks"], "gpkg"), "tasks.gpkg")
    assert raw.kind == "gpkg" and raw.geometry is None and raw.file_crs is None
    assert raw.frame["task_id"].tolist() == ["T001", "T002", "T003", "T004"]


# --- files of several tables: the part named for the table ---------------------------------------


@pytest.mark.parametrize("fmt,lang,part", [("xlsx", "zh", "地块"), ("xlsx", "en", "Parcels"), ("gpkg", "zh", "parcels"),
                                           ("shp", "zh", "parcels"), ("csv", "zh", "地块"), ("csv", "en", "Parcels")])
def test_an_extract_of_several_tables_is_read_at_the_part_named_for_the_table(tiny_snapshot, fmt, lang, part):
    """The app's own extracts of several tables had been read at their first part whatever the
    table: 地块 from a workbook or GeoPackage were 549 rejected projects, a CSV zip "had no .shp"."""
    from conftest import extract

    data = extract(tiny_snapshot, ["projects", "tasks", "parcels"], fmt, lang=lang)
    loaded = load(data, "extract", "parcels")
    ids = loaded.mapping.set_index("target").loc["parcel_id", "source"]
    assert loaded.frame[ids].tolist() == ["L001", "L002", "L003", "L004"]
    note = dict(loaded.notes)["ingest_n_part_for_table"]
    assert note["name"] == part and note["n"] == (1 if fmt == "shp" else 2)  # (no tasks in a Shapefile)


def test_without_a_part_named_for_the_table_the_first_is_read_and_the_others_named():
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "台账"
    wb.active.append(HEADER.strip().split(","))
    wb.active.append(ROW.strip().split(","))
    wb.create_sheet("说明").append(["填表说明"])
    wb.create_sheet("汇总").append(["合计", 3.5])
    out = io.BytesIO()
    wb.save(out)
    raw = readers.read_bytes(out.getvalue(), "l.xlsx", table="projects")
    assert raw.grid.iat[1, 0] == "P1"
    assert raw.notes == [("ingest_n_parts", {"part": ("工作表", "sheet"), "name": "台账", "n": 1, "others": ["汇总"]})]
    assert readers.read_bytes(out.getvalue(), "l.xlsx").grid.iat[1, 0] == "P1"  # no table given: the first, as before


def test_a_zip_of_csv_files_reads_the_tables_file_as_a_csv_upload():
    data = _zip({"交办事项.csv": b"a,b\n1,2\n", "项目.csv": csv_bytes("gbk"), "README.txt": b"x"})
    raw = readers.read_bytes(data, "extract_CSV.zip", table="projects")
    assert raw.kind == "csv" and raw.encoding == "gb18030" and raw.grid.iat[1, 1] == "渌口示范园"
    assert ("ingest_n_encoding", {"encoding": "GBK/GB18030"}) in raw.notes
    assert dict(raw.notes)["ingest_n_part_for_table"]["name"] == "项目"
    err = refused(data, "extract_CSV.zip", "zip_no_table_csv", table="parcels")
    assert err.text("zh").startswith("压缩包 extract_CSV.zip 中没有“地块”的 CSV 文件（应名为“地块.csv”），只有：交办事项.csv、项目.csv")
    assert "no CSV file of Parcels" in err.text("en")
    lone = readers.read_bytes(_zip({"台账2023.csv": csv_bytes("gbk")}), "ledger.zip", table="projects")
    assert lone.kind == "csv" and lone.grid.iat[1, 1] == "渌口示范园"  # one CSV, whatever its name: read


# --- Shapefile field names -----------------------------------------------------------------------


def _without(data: bytes, member: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return _zip({i.filename: zf.read(i) for i in zf.infolist() if i.filename != member})


def test_a_shapefile_extracts_cut_field_names_read_back_through_its_fields_csv_or_the_cut(tiny_snapshot):
    """DBF cuts names to 10 characters; the importer had left total_inve, planned_st … unmapped
    and dropped their edits (tester 14)."""
    from conftest import extract

    data = extract(tiny_snapshot, ["projects"], "shp")
    raw = readers.read_bytes(data, "projects.zip", table="projects")
    assert raw.frame["total_investment_yi"].tolist() == [10.5, 4.0, 2.25, 7.0, 1.0]
    assert "total_inve" not in raw.frame.columns and "district_name" in raw.frame.columns
    bare = load(_without(data, "fields.csv"), "projects.zip", "projects")  # no fields.csv: the cut alone
    mapping = bare.mapping.set_index("source")["target"]
    assert (mapping["total_inve"], mapping["planned_co"], mapping["district_a"]) == (
        "total_investment_yi", "planned_completion", "district_adcode")
    assert mapping["district_n"] == ""  # the district's name is no column of the table
