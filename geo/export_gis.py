"""The GIS formats of an extract (``geo.export``): GeoJSON, GeoPackage, GeoParquet, Shapefile.

They keep the schema's column names and stored values so code can re-read them; dates are real
dates; H3 cells are hex text where a reader would round a 64-bit integer (JavaScript, DBF) and
integers where it would not (GeoPackage, GeoParquet). Each writer takes the extract's job (its
tables one at a time, its description) and returns (bytes, 0): no cell is formula-guarded here.
Also the small pieces the spreadsheet writers share: H3 text, a zip in memory, point tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio

from geo import schema
from geo.boundaries import district_name
from geo.task_rates import STATE_TEXT

if TYPE_CHECKING:
    from geo.export import Job

POINT_TABLES = ("projects", "substations", "plants", "transformer_areas")  # parcels are polygons


def h3_hex(s: pd.Series) -> pd.Series:
    return s.map(lambda v: format(int(v), "x"), na_action="ignore").astype(object)


def new_zip() -> tuple[io.BytesIO, zipfile.ZipFile]:
    buf = io.BytesIO()
    return buf, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)


def zip_entry(name: str, when: dt.datetime) -> zipfile.ZipInfo:
    """A zip member dated ``when`` and readable by everyone once unpacked: ``writestr`` with a bare
    name dated members 1980-01-01 and unpacked them as -rw------- (tester 9)."""
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def readme_text(lines: list[tuple[str, str]], extra: str = "") -> bytes:
    """The extract's 说明 as a text file (UTF-8 with BOM, CRLF: Notepad and Excel read it)."""
    return ("\r\n".join(f"{k}: {v}" for k, v in lines) + (f"\r\n\r\n{extra}" if extra else "") + "\r\n").encode("utf-8-sig")


DISTRICT_NAME = "district_name"  # beside district_adcode: not a schema column (an import leaves it unmapped)
DISTRICT_NAME_LABELS = ("区县", "District")
LOAD_RATE = "load_rate_pct"  # a substation's, beside its load and capacity (not a schema column either)
LOAD_RATE_LABELS = ("负载率（%）", "Load rate (%)")
HEADROOM = "headroom_mw"  # and its headroom, as the energy page's station list gives it
HEADROOM_LABELS = ("负荷裕度（MW）", "Headroom (MW)")
PENDING = "pending_mw"  # and the load waiting on it (export.EXTRA_COLUMNS)
_EXTRA_LABELS = {DISTRICT_NAME: DISTRICT_NAME_LABELS, LOAD_RATE: LOAD_RATE_LABELS, HEADROOM: HEADROOM_LABELS,
                 PENDING: ("待接入负荷（MW）", "Pending load (MW)")}


def load_rate_pct(df: pd.DataFrame) -> pd.Series:
    """A substation's load rate in % (2 decimals: 80.04 is in the >80 % band, not "80.0"), by the
    rule the energy page bands and colours by (``schema.LOAD_RATE_SQL``; 说明 says it)."""
    capacity = df["capacity_mva"].astype(float) * schema.POWER_FACTOR
    return (df["peak_load_mw"].astype(float) / capacity.where(capacity > 0) * 100).round(2)


def headroom_mw(df: pd.DataFrame) -> pd.Series:
    """A substation's headroom in MW: capacity × power factor − peak load (empty without a load,
    as for stations not in service), the figure a grid planner looks for to connect a new load."""
    return (df["capacity_mva"].astype(float) * schema.POWER_FACTOR - df["peak_load_mw"].astype(float)).round(2)


def _for_gis(table: str, df: pd.DataFrame, h3_text: bool, lang: str) -> pd.DataFrame:
    """Dates as real dates (Arrow date32: DATE fields in GPKG/DBF, ISO text in GeoJSON); the
    district's name beside its code, in the extract's language (QGIS showed only 430223: tester 11);
    enumerated values (status, kind …) in the extract's language."""
    df = df.copy(deep=False)
    for col in schema.columns(table):
        if col.dtype == "date":
            df[col.name] = df[col.name].astype("date32[pyarrow]")
        elif col.enum and lang != "zh" and col.name in df.columns:
            # In English, as the spreadsheets say them (在运 beside "Liling City" in QGIS: tester 16);
            # an import reads the English values back.
            df[col.name] = df[col.name].map(lambda v: schema.enum_label(v, lang), na_action="ignore")
    if h3_text and "h3_r7" in df.columns:
        df["h3_r7"] = h3_hex(df["h3_r7"])
    if "district_adcode" in df.columns:
        names = df["district_adcode"].map(lambda c: district_name(c, lang), na_action="ignore")
        df.insert(df.columns.get_loc("district_adcode") + 1, DISTRICT_NAME, names.astype(object))
    if "task_state" in df.columns:  # in words, as 说明 describes them (codes such as "overdue": review)
        df["task_state"] = df["task_state"].map(lambda s: STATE_TEXT[s][lang != "zh"], na_action="ignore")
    if table == "substations":  # to symbolise by the page's bands without recomputing it (tester 14)
        df.insert(df.columns.get_loc("peak_load_mw") + 1, LOAD_RATE, load_rate_pct(df))
        df.insert(df.columns.get_loc(LOAD_RATE) + 1, HEADROOM, headroom_mw(df))
        df.insert(df.columns.get_loc(HEADROOM) + 1, PENDING, df.pop(PENDING))
    return df


def _geometry_type(table: str, df: pd.DataFrame) -> str | None:
    """Needed only for empty layers, whose type cannot be inferred from the data."""
    if len(df) or table not in schema.GEO_TABLES:
        return None
    return "Point" if table in POINT_TABLES else "MultiPolygon"


def _one_or_zip(job: Job, ext: str, write_one) -> bytes:
    """One table → its file; several → a zip of ``<table>.<ext>``, built table by table."""
    outputs = ((table, write_one(table, df)) for table, df in job.frames())
    if len(job.rows) == 1:
        return next(outputs)[1]
    buf, zf = new_zip()
    with zf:
        for table, data in outputs:
            zf.writestr(zip_entry(f"{table}.{ext}", job.now), data)
        zf.writestr(zip_entry("README.txt", job.now), readme_text(job.about()))
    return buf.getvalue()


def write_geojson(job: Job) -> tuple[bytes, int]:
    """RFC 7946 (lon/lat, 7 decimals, no CRS member) through GDAL, which also writes the
    FeatureCollection's ``description`` member."""
    def one(table: str, df: pd.DataFrame) -> bytes:  # via a file: a BytesIO costs two more copies
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{table}.geojson"
            pyogrio.write_dataframe(_for_gis(table, df, h3_text=True, lang=job.lang), path, driver="GeoJSON", layer=table,
                                    use_arrow=True, geometry_type=_geometry_type(table, df),
                                    RFC7946="YES", DESCRIPTION=job.description())
            return path.read_bytes()
    return _one_or_zip(job, "geojson", one), 0


def write_gpkg(job: Job) -> tuple[bytes, int]:
    """One GeoPackage, a layer per table (tasks as an attribute table); the description goes into
    gpkg_contents, which QGIS shows as the layer's abstract."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "extract.gpkg"
        for table, df in job.frames():
            # H3 cells as hex text, as in GeoJSON, Shapefile and the sheets (tester 18 found int64 here
            # alone); GeoParquet keeps the store's integers
            pyogrio.write_dataframe(_for_gis(table, df, h3_text=True, lang=job.lang), path, driver="GPKG", layer=table,
                                    use_arrow=True, geometry_type=_geometry_type(table, df),
                                    DESCRIPTION=job.description())
        return path.read_bytes(), 0


def write_parquet(job: Job) -> tuple[bytes, int]:
    """GeoParquet 1.1 with a bbox covering column. GeoParquet has no description field, so the
    description is file key-value metadata, added to the Arrow table geopandas' own
    ``to_parquet`` builds (``_geopandas_to_arrow``: private, but public API cannot add metadata)."""
    import pyarrow.parquet as pq
    from geopandas.io.arrow import _geopandas_to_arrow

    def one(table: str, df: pd.DataFrame) -> bytes:
        arrow = _geopandas_to_arrow(_for_gis(table, df, h3_text=False, lang=job.lang), index=False,
                                    schema_version="1.1.0", write_covering_bbox=True)
        meta = {**(arrow.schema.metadata or {}), b"description": job.description().encode()}
        out = io.BytesIO()
        pq.write_table(arrow.replace_schema_metadata(meta), out, compression="zstd")
        return out.getvalue()
    return _one_or_zip(job, "parquet", one), 0


def shapefile_fields(names: list[str]) -> dict[str, str]:
    """Column → DBF field name: ASCII, ≤ 10 characters, unique, the same for the same input.

    Names are cut to 10 characters; a collision keeps the first and ends later ones in a number
    (``total_inve`` → ``total_inv1``).
    """
    out: dict[str, str] = {}
    for name in names:
        base = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else "_" for ch in name)[:10]
        candidate, i = base, 0
        while candidate.lower() in {v.lower() for v in out.values()}:
            i += 1
            candidate = base[:10 - len(str(i))] + str(i)
        out[name] = candidate
    return out


# DBF numbers are text of a fixed width, and GDAL writes a float column with 15 decimals: 124.9
# read "124.900000000000006" in QGIS's attribute table. A decimal column with the fewest decimals
# (up to MAX_DBF_DECIMALS: 1 元 in 亿元 is 1e-8) that hold every value is written as it reads: "124.90".
MAX_DBF_DECIMALS = 10


def fewest_decimals(values: np.ndarray) -> int:
    """The fewest decimals (0 … ``MAX_DBF_DECIMALS``) that write every finite value exactly."""
    finite = values[np.isfinite(values)]
    tolerance = 1e-9 * np.maximum(1.0, np.abs(finite))
    for decimals in range(MAX_DBF_DECIMALS):
        if (np.abs(np.round(finite, decimals) - finite) <= tolerance).all():
            return decimals
    return MAX_DBF_DECIMALS


def as_dbf_decimals(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each float column as a decimal column of its ``fewest_decimals`` (GDAL gives
    the DBF field that precision); an import reads back each value to within 1e-9 of its size
    (more than ``MAX_DBF_DECIMALS`` decimals are rounded). An infinite value is left empty."""
    out = df.copy(deep=False)
    for name in df.columns:
        if name != "geometry" and pd.api.types.is_float_dtype(df[name].dtype):
            values = df[name].to_numpy(dtype=float, na_value=np.nan)
            values = np.where(np.isfinite(values), values, np.nan)
            decimals = fewest_decimals(values)
            kind = pa.decimal128(19, decimals)  # the widest GDAL writes to a DBF
            out[name] = pd.Series(pc.round(pa.array(values, from_pandas=True), decimals).cast(kind),
                                  index=df.index, dtype=pd.ArrowDtype(kind))
    return out


def write_shp(job: Job) -> tuple[bytes, int]:
    """A zip: per table .shp .shx .dbf .prj .cpg (UTF-8, so QGIS and ArcGIS read Chinese) and
    fields.csv mapping the cut field names back to columns and labels; README.txt says the rest.
    Several tables → one folder each."""
    buf, zf = new_zip()
    several = len(job.rows) > 1
    with tempfile.TemporaryDirectory() as tmp:
        for table, df in job.frames():
            shaped = _for_gis(table, df, h3_text=True, lang=job.lang)
            fields = shapefile_fields([c for c in shaped.columns if c != "geometry"])
            path = Path(tmp) / f"{table}.shp"
            pyogrio.write_dataframe(as_dbf_decimals(shaped).rename(columns=fields), path,
                                    driver="ESRI Shapefile", encoding="UTF-8", use_arrow=True,
                                    geometry_type=_geometry_type(table, df))
            folder = f"{table}/" if several else ""
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):  # dated like the zip's other members
                zf.writestr(zip_entry(f"{folder}{table}{ext}", job.now), path.with_suffix(ext).read_bytes())
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(["field", "column", "label_zh", "label_en"])
            for column, name in fields.items():
                labels = _EXTRA_LABELS.get(column) or (
                    schema.column(table, column).label("zh"), schema.column(table, column).label("en"))
                writer.writerow([name, column, *labels])
            zf.writestr(zip_entry(f"{folder}fields.csv", job.now), text.getvalue().encode("utf-8-sig"))
    zf.writestr(zip_entry("README.txt", job.now), readme_text(job.about(), (
        "字段名限 10 个字符，对照见 fields.csv；编码 UTF-8（.cpg）。H3 网格为十六进制文本。" if job.lang == "zh" else
        "Field names are cut to 10 characters: fields.csv maps them back. Encoding UTF-8 (.cpg). "
        "H3 cells are hex text.")))
    zf.close()
    return buf.getvalue(), 0
