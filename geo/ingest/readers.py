"""Reading a ledger file: what kind it really is, its text encoding, zips' safety, CSV and XLSX
(zipped Shapefiles and CSVs, GeoPackage and GeoJSON: ``geo.ingest.gis_files``).

Why so careful: the file comes from anyone's desktop. Its kind is decided by its bytes, never by
its name (a renamed binary, an old .xls or a GDAL VRT that points at a local file are refused);
zips (an XLSX is one) are checked member by member before anything is extracted (absolute or
``../`` paths, declared size and compression ratio of a zip bomb).

Nothing here interprets values: tabular files come back as a grid of cells (text for CSV, what
openpyxl reads for XLSX, formulas as their text).

A file of several tables (this app's own extracts: XLSX sheets named 项目 / Projects …, GeoPackage
layers and Shapefile folders named projects …, CSV zips of 项目.csv …) is read at the part named
for the table being imported, when the caller says which; else at the first, as any ledger.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd

from geo.ingest.errors import IngestError, Localized

MAX_UPLOAD_MB = 100  # the page's st.file_uploader limit (.streamlit/config.toml maxUploadSize) and the CLI's
# What the page's uploader takes (.streamlit/config.toml maxUploadSize): above MAX_UPLOAD_MB, so a
# file over the import's limit reaches the reader and is refused in words, not by Streamlit's
# English tooltip on a red icon.
UPLOAD_CEILING_MB = 4 * MAX_UPLOAD_MB
MAX_UNZIPPED_BYTES = 1 << 30  # declared size of all members of a zip (XLSX or Shapefile)
MAX_ZIP_RATIO = 100  # declared/compressed: ledgers compress 5-15x, a zip bomb 1000x and more
MAX_ZIP_MEMBERS = 2000
ENCODINGS = ("utf-8", "gb18030", "gbk", "big5", "utf-16")
KINDS = ("csv", "xlsx", "geojson", "gpkg", "shp")


@dataclass
class RawTable:
    """What a file holds before any header mapping or value normalisation."""

    name: str
    kind: str  # one of KINDS
    grid: pd.DataFrame | None = None  # tabular files: every row as read, header rows included
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (row0, col0, row1, col1), 0-based
    frame: pd.DataFrame | None = None  # GIS files: attribute columns by name
    geometry: gpd.GeoSeries | None = None  # GIS files: in ``file_crs``
    file_crs: str | None = None  # what the file says (GIS files), as "EPSG:xxxx" or WKT
    encoding: str | None = None
    notes: list[tuple[str, dict]] = field(default_factory=list)  # (i18n key, values): shown as warnings


# --- entry points --------------------------------------------------------------------------------


def read_path(path: str | Path, encoding: str | None = None, table: str | None = None) -> RawTable:
    """``read_bytes`` for a file on disk; the size limit is checked before anything is read."""
    path = Path(path)
    if not path.is_file():
        raise IngestError("no_such_file", name=str(path))
    _check_size(path.stat().st_size, path.name)
    return read_bytes(path.read_bytes(), path.name, encoding, table)


def read_bytes(data: bytes, name: str, encoding: str | None = None, table: str | None = None) -> RawTable:
    """Decide what ``data`` is from its bytes and read it. ``encoding`` overrides detection
    (CSV text and Shapefile .dbf attributes); ``table``, the table being imported, picks the
    sheet, layer or zip member named for it in a file of several (``choose_part``)."""
    _check_size(len(data), name)
    if not data.strip():
        raise IngestError("empty_file", name=name)
    if encoding and not _known_encoding(encoding):
        raise IngestError("bad_encoding_name", encoding=encoding)
    kind = sniff(data, name)
    if kind == "xlsx":
        return _read_xlsx(data, name, table)
    from geo.ingest import gis_files  # (it builds on this module's tables, text and zip checks)

    if kind == "gpkg":
        return gis_files.read_gis(data, name, "gpkg", encoding, table)
    if kind == "shp":
        return gis_files.read_zip(data, name, encoding, table)
    text, used, notes = decode_text(data, encoding)
    if kind == "geojson":
        return gis_files.read_geojson(text, name, used, notes)
    return read_csv(text, name, used, notes)


def table_label(table: str | None) -> Localized | None:
    """``table``'s label (项目, Projects …) as this app's extracts name its sheet or CSV file."""
    from geo.export import TABLE_LABELS

    return Localized(TABLE_LABELS[table]) if table in TABLE_LABELS else None


def choose_part(names: list[str], table: str | None, part: Localized) -> tuple[int | None, list]:
    """Which of a file's sheets, layers or zip members to read: the one named for ``table`` (its
    key, its Chinese or English label; any case). An extract of several tables had been read at
    its first part whatever the table: a whole-city GeoPackage imported as 地块 read its 549
    projects, all rejected (tester 14).
    Returns its index (None when none is named for it: the caller takes the first, or refuses)
    and the note that says which was read and what was left."""
    labels = table_label(table) or ()
    wanted = {n.lower() for n in (table or "", *labels) if n}
    hit = next((i for i, n in enumerate(names) if n.strip().lower() in wanted), None)
    if len(names) < 2:
        return hit, []
    read = hit if hit is not None else 0
    others = [n for i, n in enumerate(names) if i != read]
    key = "ingest_n_part_for_table" if hit is not None else "ingest_n_parts"
    return hit, [(key, {"part": part, "name": names[read], "n": len(others), "others": others})]


def sniff(data: bytes, name: str) -> str:
    """The file's kind from its first bytes; a name that disagrees is not trusted."""
    head = data[:8192]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            raise IngestError("bad_zip", name=name) from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if name.lower().endswith((".xlsx", ".xlsm")):  # a zip named as a workbook: not one (a .docx, say)
            raise IngestError("not_a_workbook", name=name,
                              kind="Word" if "word/document.xml" in names else "PowerPoint"
                              if "ppt/presentation.xml" in names else "zip")
        return "shp"
    if head.startswith(b"SQLite format 3\x00"):
        if data[68:72] in (b"GPKG", b"GP10", b"GP11"):
            return "gpkg"
        raise IngestError("not_supported", name=name, what="SQLite")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError("old_xls", name=name)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):  # XML: a GDAL VRT, KML, HTML saved as .xls … none is a ledger
        if b"OGRVRTDataSource" in head or b"VRTDataset" in head:
            raise IngestError("not_supported", name=name, what="GDAL VRT")
        # A web page's table or Excel 2003's XML spreadsheet, named .xls: what many 政务 systems
        # export. Excel opens both, so the way out is the .xls one (tester 12).
        lower = head.lower()
        if any(tag in lower for tag in (b"<html", b"<table", b"<!doctype html")):
            raise IngestError("web_table", name=name, what="HTML")
        if b"urn:schemas-microsoft-com:office:spreadsheet" in lower:
            raise IngestError("web_table", name=name, what="XML")
        raise IngestError("not_supported", name=name, what="XML")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError("binary", name=name)
    if stripped.startswith(b"{"):
        return "geojson"
    return "csv"


def _check_size(size: int, name: str) -> None:
    if size > MAX_UPLOAD_MB * 2**20:
        raise IngestError("too_big", name=name, mb=f"{size / 2**20:,.0f}", limit=MAX_UPLOAD_MB)


def _known_encoding(name: str) -> bool:
    import codecs

    try:
        codecs.lookup(name)
        return True
    except LookupError:
        return False


# --- text ----------------------------------------------------------------------------------------


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str, list[tuple[str, dict]]]:
    """Bytes to text: the override if given; else a BOM; else strict UTF-8; else GB18030 (a
    superset of GBK) unless the bytes are mostly UTF-8 with a few bad sequences (a mixed file,
    refused with the line to fix); else charset-normalizer's guess. Returns text, the encoding
    used and notes for the report."""
    if encoding:
        try:
            return _strip_bom(data.decode(encoding)), encoding, []
        except UnicodeDecodeError as err:
            raise IngestError("decode_failed", encoding=encoding, line=_line_of(data, err.start)) from None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig", []
        except UnicodeDecodeError as err:
            raise IngestError("mixed_bytes", encoding="UTF-8", line=_line_of(data, err.start + 3)) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", []
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as err:
        first_bad = err.start
    loose = data.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    good_multibyte = sum(1 for ch in loose if ord(ch) > 0x7F) - bad
    if good_multibyte >= 3 * bad:  # mostly valid UTF-8: a GBK guess would turn it into mojibake
        raise IngestError("mixed_bytes", encoding="UTF-8", line=_line_of(data, first_bad))
    try:
        text = data.decode("gb18030")
        return text, "gb18030", [("ingest_n_encoding", {"encoding": "GBK/GB18030"})]
    except UnicodeDecodeError as err:
        gb_bad = err.start
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["big5", "utf_16", "utf_32", "cp1252", "latin_1"]).best()
    if best is not None and best.encoding in ("big5", "utf_16", "utf_32"):
        return str(best), best.encoding, [("ingest_n_encoding", {"encoding": best.encoding})]
    raise IngestError("undecodable", line=_line_of(data, max(first_bad, gb_bad)))


def _strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def read_csv(text: str, name: str, encoding: str, notes: list) -> RawTable:
    sample = text[:20000]
    try:
        sep = csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        sep = ","
    try:  # the csv module, not pandas: ledger rows are ragged (a title line has fewer fields)
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as err:
        raise IngestError("csv_broken", name=name, detail=str(err)[:200]) from None
    if not rows:
        raise IngestError("empty_file", name=name)
    width = max(len(r) for r in rows)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    grid = grid.replace("", None)
    return RawTable(name, "csv", grid=grid, encoding=encoding, notes=list(notes))


# --- XLSX ----------------------------------------------------------------------------------------

_ABOUT_SHEETS = {"说明", "填表说明", "About", "Notes"}  # a template's explanations are not a second table
_MERGE_RE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
# Rows hidden in Excel: <row r="5" hidden="1" …> (attributes in any order).
_ROW_TAG_RE = re.compile(rb"<row\b[^>]*>")
_HIDDEN_RE = re.compile(rb'\bhidden="(?:1|true)"')
_ROW_NUMBER_RE = re.compile(rb'\br="(\d+)"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


# What a part of a file is called in the note that says which was read.
SHEET, LAYER, MEMBER = Localized(("工作表", "sheet")), Localized(("图层", "layer")), Localized(("文件", "file"))


def _read_xlsx(data: bytes, name: str, table: str | None = None) -> RawTable:
    import openpyxl

    zf = zipfile.ZipFile(io.BytesIO(data))
    check_zip(zf, name)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise IngestError("xlsx_broken", name=name, detail=str(err)[:200]) from None
    try:
        sheets = [ws for ws in wb.worksheets if getattr(ws, "max_row", 0)]
        if not sheets:
            raise IngestError("empty_file", name=name)
        candidates = [s for s in sheets if s.title not in _ABOUT_SHEETS] or sheets
        hit, part_notes = choose_part([s.title for s in candidates], table, SHEET)
        ws = candidates[hit or 0]
        rows = list(ws.iter_rows(values_only=True))
        sheet_path = getattr(ws, "_worksheet_path", None)
    finally:
        wb.close()
    rows = [r for r in rows]
    if not rows or all(all(v is None for v in r) for r in rows):
        raise IngestError("empty_file", name=name)
    width = max(len(r) for r in rows)
    grid = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows], dtype=object)
    merged, hidden = [], []
    if sheet_path and sheet_path in zf.namelist():
        xml = zf.read(sheet_path)
        tail = xml[xml.rfind(b"</sheetData>"):] if b"</sheetData>" in xml else xml
        merged = [(int(r0) - 1, _col_index(c0), int(r1) - 1, _col_index(c1))
                  for c0, r0, c1, r1 in _MERGE_RE.findall(tail)]
        hidden = [int(n) for tag in _ROW_TAG_RE.findall(xml) if _HIDDEN_RE.search(tag)
                  for n in _ROW_NUMBER_RE.findall(tag)]
    notes = list(part_notes)
    if hidden:  # often a cancelled project: imported as any row, but said
        notes.append(("ingest_n_hidden_rows", {"rows": ", ".join(map(str, hidden[:10])), "n": len(hidden)}))
    return RawTable(name, "xlsx", grid=grid, merged=merged, notes=notes)


# --- zips ----------------------------------------------------------------------------------------


def check_zip(zf: zipfile.ZipFile, name: str) -> list[zipfile.ZipInfo]:
    """Refuse unsafe or oversized zips from their directory alone, before extracting anything."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise IngestError("zip_members", name=name, n=len(infos))
    for info in infos:
        member = info.filename.replace("\\", "/")
        parts = PurePosixPath(member).parts
        if member.startswith("/") or re.match(r"^[A-Za-z]:", member) or ".." in parts:
            raise IngestError("zip_path", name=name, member=info.filename[:120])
    declared = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if declared > MAX_UNZIPPED_BYTES:
        raise IngestError("zip_bomb", name=name, mb=f"{declared / 2**20:,.0f}", ratio=f"{declared / max(packed, 1):,.0f}")
    worst = max((i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > 1 << 20), default=0)
    if declared > 1 << 20 and max(declared / max(packed, 1), worst) > MAX_ZIP_RATIO:
        raise IngestError("zip_bomb", name=name, mb=f"{declared / 2**20:,.0f}",
                          ratio=f"{max(declared / max(packed, 1), worst):,.0f}")
    return infos
