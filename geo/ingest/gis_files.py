"""Reading GIS ledgers and zips: a zipped Shapefile (or a zip of CSV files), a GeoPackage, GeoJSON.

GIS files are opened by GDAL only after their bytes say they are a GeoPackage or a Shapefile
(``readers.sniff``), into a private temporary directory, and the driver GDAL chose is checked
again; a zip is checked member by member first (``readers.check_zip``). GeoJSON is parsed as
JSON, without GDAL at all. A file of several tables is read at the part named for the table
being imported (``readers.choose_part``). Values come back uninterpreted: named columns plus
geometry, in the file's CRS.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd

from geo.ingest.errors import IngestError
from geo.ingest.readers import LAYER, MEMBER, RawTable, check_zip, choose_part, decode_text, read_csv, table_label

ALLOWED_GDAL_DRIVERS = {"gpkg": "GPKG", "shp": "ESRI Shapefile"}


def read_zip(data: bytes, name: str, encoding: str | None, table: str | None) -> RawTable:
    """A zipped Shapefile, or a zip of CSV files (this app's CSV extract: 项目.csv, 地块.csv …)."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    infos = [i for i in check_zip(zf, name) if not i.is_dir()
             and not PurePosixPath(i.filename).name.startswith(".") and "__MACOSX" not in i.filename]
    by_stem: dict[str, dict[str, zipfile.ZipInfo]] = {}
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        by_stem.setdefault(str(path.with_suffix("")), {})[path.suffix.lower()] = info
    layers = sorted((stem, parts) for stem, parts in by_stem.items() if ".shp" in parts)
    if layers:
        hit, notes = choose_part([PurePosixPath(stem).name for stem, _ in layers], table, LAYER)
        stem, parts = layers[hit or 0]
        return _read_shapefile(zf, name, stem, parts, by_stem, encoding, notes)
    texts = [(stem, parts[".csv"]) for stem, parts in by_stem.items() if ".csv" in parts]
    if not texts:
        raise IngestError("zip_no_shp", name=name)
    files = [PurePosixPath(info.filename).name for _, info in texts]
    hit, notes = choose_part([PurePosixPath(stem).name for stem, _ in texts], table, MEMBER)
    if hit is None and table and len(texts) > 1:  # another table's file would be read as this one
        raise IngestError("zip_no_table_csv", name=name, table=table_label(table) or "", files=files)
    text, used, more = decode_text(zf.read(texts[hit or 0][1]), encoding)  # as a CSV uploaded on its own
    raw = read_csv(text, name, used, more)
    raw.notes = notes + raw.notes
    return raw


def _read_shapefile(zf: zipfile.ZipFile, name: str, stem: str, parts: dict[str, zipfile.ZipInfo],
                    by_stem: dict[str, dict[str, zipfile.ZipInfo]], encoding: str | None, notes: list) -> RawTable:
    missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
    if missing:
        raise IngestError("shp_missing", name=name, layer=PurePosixPath(stem).name, parts=" ".join(missing))
    with tempfile.TemporaryDirectory(prefix="zzmap-ingest-") as tmp:
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            if ext in parts:  # fixed names inside our own temp dir: member paths are never used
                (Path(tmp) / f"layer{ext}").write_bytes(zf.read(parts[ext]))
        if encoding is None and ".cpg" not in parts:
            encoding, more = _dbf_encoding((Path(tmp) / "layer.dbf").read_bytes())
            notes += more
        raw = _open_with_gdal(Path(tmp) / "layer.shp", name, "shp", encoding)
    if ".prj" not in parts:
        raw.file_crs = None
        notes.append(("ingest_n_no_prj", {}))
    fields = by_stem.get(str(PurePosixPath(stem).parent / "fields"), {}).get(".csv")
    if fields is not None:
        raw.frame = raw.frame.rename(columns=_field_names(zf.read(fields)))
    raw.notes = notes + raw.notes
    return raw


def _field_names(data: bytes) -> dict[str, str]:
    """DBF field -> column, from the fields.csv this app's Shapefile extract puts beside each layer
    (``geo.export_gis.write_shp``): DBF cuts names to 10 characters (total_inve), and an edited
    extract had imported back without them, its edits dropped (tester 14)."""
    text = decode_text(data)[0]
    return {r["field"]: r["column"] for r in csv.DictReader(io.StringIO(text)) if r.get("field") and r.get("column")}


def _dbf_encoding(dbf: bytes) -> tuple[str, list]:
    """A .dbf without .cpg: its records (after the header) decoded like CSV text."""
    header_len = int.from_bytes(dbf[8:10], "little") if len(dbf) > 10 else 0
    records = dbf[header_len:]
    if not records.strip(b" \x1a"):
        return "utf-8", []
    try:
        records.decode("utf-8")
        return "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        records.decode("gb18030")
        return "gb18030", [("ingest_n_encoding", {"encoding": "GBK/GB18030 (.dbf)"})]
    except UnicodeDecodeError:
        raise IngestError("undecodable", line=1) from None


# --- GIS files -----------------------------------------------------------------------------------


def read_gis(data: bytes, name: str, kind: str, encoding: str | None, table: str | None = None) -> RawTable:
    with tempfile.TemporaryDirectory(prefix="zzmap-ingest-") as tmp:
        path = Path(tmp) / f"layer.{kind}"
        path.write_bytes(data)
        return _open_with_gdal(path, name, kind, encoding, table)


def _open_with_gdal(path: Path, name: str, kind: str, encoding: str | None, table: str | None = None) -> RawTable:
    import pyogrio

    try:
        # layer 0 named: with several (an extract), pyogrio warned on stderr that it picked one
        info = pyogrio.read_info(path, layer=0, encoding=encoding) if encoding else pyogrio.read_info(path, layer=0)
        if info.get("driver") != ALLOWED_GDAL_DRIVERS[kind]:
            raise IngestError("not_supported", name=name, what=str(info.get("driver")))
        layers = [str(layer) for layer in pyogrio.list_layers(path)[:, 0]]
        hit, notes = choose_part(layers, table, LAYER)
        gdf = pyogrio.read_dataframe(path, layer=layers[hit or 0], encoding=encoding)
    except IngestError:
        raise
    except Exception as err:  # noqa: BLE001 - GDAL's errors are many; the message is what matters
        raise IngestError("gis_broken", name=name, detail=str(err)[:200]) from None
    if not isinstance(gdf, gpd.GeoDataFrame):  # a layer without geometry (an extract's tasks): rows as a CSV's
        return RawTable(name, kind, frame=gdf.astype(object), encoding=encoding, notes=notes)
    crs = gdf.crs.to_string() if gdf.crs is not None else None
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
    return RawTable(name, kind, frame=frame, geometry=gdf.geometry.reset_index(drop=True), file_crs=crs,
                    encoding=encoding, notes=notes)


def read_geojson(text: str, name: str, encoding: str, notes: list) -> RawTable:
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise IngestError("geojson_broken", name=name, detail=str(err)[:200]) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise IngestError("geojson_broken", name=name, detail="not a FeatureCollection")
    if not doc["features"]:
        raise IngestError("empty_file", name=name)
    crs = "EPSG:4326"  # RFC 7946; old files may name another CRS
    named = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    if isinstance(named, str) and "CRS84" not in named:
        crs = named
    try:
        gdf = gpd.GeoDataFrame.from_features(doc["features"])
    except Exception as err:  # noqa: BLE001
        raise IngestError("geojson_broken", name=name, detail=str(err)[:200]) from None
    frame = pd.DataFrame(gdf.drop(columns="geometry")).astype(object)
    return RawTable(name, "geojson", frame=frame, geometry=gdf.geometry.reset_index(drop=True), file_crs=crs,
                    encoding=encoding, notes=list(notes))
