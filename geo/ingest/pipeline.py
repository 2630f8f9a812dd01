"""The import as two steps the page and the CLI share: ``load`` a file (kind, encoding, header,
suggested mapping), then ``check`` it with the mapping and options the steward settled on
(values, coordinates, districts, ids), giving the accepted rows and the report.

Publishing is ``geo.ingest.publish``; nothing here touches the store except to read the current
snapshot (the ids and positions to compare with, and projects' districts for tasks).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema, store
from geo.boundaries import DISTRICTS
from geo.ingest import coords, headers, overlaps, readers, rules, values
from geo.ingest.errors import IngestError, Localized
from geo.ingest.report import Report, cell_text
from geo.join import add_h3_cells
from geo.validate import validate_tables

IMPORT_TABLES = ("projects", "tasks", "parcels", "substations", "plants", "transformer_areas")
MODES = ("upsert", "replace")


@dataclass
class Options:
    table: str
    crs: str = "auto"  # coords.CRS_CHOICES or "epsg:NNNN"
    encoding: str | None = None
    mode: str = "upsert"
    repair: bool = False  # repair self-intersecting polygons (make_valid) instead of rejecting them

    def __post_init__(self) -> None:
        if self.table not in IMPORT_TABLES:
            raise IngestError("bad_table", table=self.table, tables=", ".join(IMPORT_TABLES))
        if self.mode not in MODES:
            raise IngestError("bad_mode", mode=self.mode)
        self.crs = coords.parse_choice(self.crs)


@dataclass
class Loaded:
    raw: readers.RawTable
    frame: pd.DataFrame  # source columns as named in the file
    row_numbers: pd.Series  # row number in the file of each frame row
    mapping: pd.DataFrame  # suggested: source, target, factor, unit
    sha256: str
    notes: list = field(default_factory=list)


@dataclass
class Checked:
    options: Options
    accepted: pd.DataFrame  # schema columns and types (GeoDataFrame for map tables)
    report: Report
    sources: list[str]  # file name and checksum, for the manifest
    base_id: str | None
    provided: tuple[str, ...] = ()  # schema columns the file gave (an upsert keeps the others)


def load(data: bytes, name: str, table: str, encoding: str | None = None) -> Loaded:
    raw = readers.read_bytes(data, name, encoding, table)
    sha = hashlib.sha256(data).hexdigest()
    if raw.grid is not None:
        frame, rows, notes = headers.split_header(raw.grid, raw.merged, table)
    else:
        frame = raw.frame.reset_index(drop=True)
        rows, notes = pd.Series(np.arange(len(frame)) + 1), []
    frame, rows, example = _without_template_example(frame, pd.Series(rows).reset_index(drop=True), table)
    if example is not None:
        notes = [*notes, ("ingest_n_example_skipped", {"row": example})]
    if not len(frame):
        if example:
            raise IngestError("only_example", name=name, row=example)
        # a table whose header was found has columns: "empty" had read as if nothing were there
        raise IngestError("header_only" if raw.grid is not None and len(frame.columns) else "empty_file", name=name)
    return Loaded(raw, frame, rows, headers.suggest(list(map(str, frame.columns)), table), sha, raw.notes + notes)


def _without_template_example(frame: pd.DataFrame, rows: pd.Series, table: str):
    """The frame without the template's example row (geo.ingest.templates), when a filled-in
    template still holds it unchanged: it would be imported as a real record. (frame, rows, the
    skipped row's number or None)."""
    from geo.ingest.templates import template_columns

    headers = set(map(str, frame.columns))
    # the template in either language (its headers tell which)
    example = next((found for found in ({h: v for h, _, _, _, v in template_columns(table, lang)} for lang in ("zh", "en"))
                    if set(found) <= headers), None)
    if not len(frame) or example is None:
        return frame, rows, None

    def same(cell, value) -> bool:
        if isinstance(value, (int, float)):
            try:
                return abs(float(cell) - float(value)) < 1e-9
            except (TypeError, ValueError):
                return False
        if isinstance(cell, dt.datetime):  # an Excel date cell; the template writes ISO text
            cell = cell.date().isoformat()
        return str(cell).strip() == str(value)

    hit = [i for i in range(min(len(frame), 3))
           if all(same(frame.iloc[i][header], value) for header, value in example.items())]
    if not hit:
        return frame, rows, None
    keep = np.ones(len(frame), bool)
    keep[hit[0]] = False
    return frame[keep].reset_index(drop=True), rows[keep].reset_index(drop=True), int(rows.iat[hit[0]])


def load_path(path: str | Path, table: str, encoding: str | None = None) -> Loaded:
    path = Path(path)
    if path.is_file():
        readers._check_size(path.stat().st_size, path.name)  # before reading a byte
    elif not path.exists():
        raise IngestError("no_such_file", name=str(path))
    return load(path.read_bytes(), path.name, table, encoding)


def check(loaded: Loaded, options: Options, mapping: pd.DataFrame | None = None,
          base: store.Snapshot | None = None) -> Checked:
    """Normalise and validate every row; raises IngestError when the whole file must stop."""
    table = options.table
    raw = loaded.raw
    is_gis = raw.geometry is not None
    mapping = loaded.mapping if mapping is None else mapping
    # An update of stored rows (a month's 已完成投资 by 项目编号): the columns it lacks, coordinates
    # included, keep their stored values; a new id in it needs them all (a rejected row).
    lacking = headers.missing_required(mapping, table, is_gis)
    stored = _stored_rows(base, table) if lacking and options.mode == "upsert" else None
    pk = schema.PRIMARY_KEYS[table]
    update_only = stored is not None and pk not in lacking
    if raw.kind == "gpkg" and not is_gis and "lon/lat" in lacking and not update_only:
        # a GeoPackage attribute table (an extract's tasks) has no place for a map table's rows:
        # said as such, not as a list of missing columns
        raise IngestError("layer_without_geometry", name=raw.name, table=readers.table_label(table))
    frame, sources, factors = headers.apply(loaded.frame, mapping, table, has_geometry=is_gis, update_only=update_only)
    n = len(frame)
    report = Report(table, raw.name, rows_read=n, encoding=raw.encoding, notes=list(loaded.notes),
                    mapping=[(src, tgt) for tgt, src in sources.items()])
    unmapped = [str(src) for src, tgt in zip(mapping["source"], mapping["target"].fillna("")) if not tgt]
    if unmapped:
        report.notes.append(("ingest_n_unmapped", {"columns": unmapped}))
    lacking_labels = [headers.target_label(table, m) for m in lacking]
    if update_only:
        report.notes.append(("ingest_n_update_only", {"columns": lacking_labels}))
    rows = loaded.row_numbers.to_numpy()
    bad = np.zeros(n, bool)
    changed = np.zeros(n, bool)
    out: dict[str, object] = {}

    def reject(reasons: dict, column: str, raw_values) -> None:
        for i, (key, params) in reasons.items():
            bad[i] = True
            report.add(rows[i], column, raw_values[i] if raw_values is not None else "", key, params, "rejected")

    already: dict[str, np.ndarray] = {}
    for target in frame.columns:
        res = values.column(frame[target], table, target, factors.get(target, 1.0))
        reject(res.reasons, sources[target], frame[target].to_numpy(dtype=object))
        for i, (key, params) in res.warnings.items():  # accepted, read in a way the steward should see
            report.add(rows[i], sources[target], frame[target].iat[i], key, params)
        changed |= res.changed
        out[target] = res.values
        already[target] = np.isin(np.arange(n), list(res.reasons))
        _say_normalised(report, sources[target], frame[target], res, rows)
    rules.stop_on_suspect_units(table, mapping, factors, out, sources)
    # formulas kept as text: those in text columns (in a number or date column one is a rejected row)
    text_columns = [c for c in frame.columns if c in schema.column_names(table) and schema.column(table, c).dtype == "string"
                    and not schema.column(table, c).enum]
    formulas = sum(int(frame[c].map(lambda v: isinstance(v, str) and v.startswith("=")).sum()) for c in text_columns)
    if formulas:
        report.notes.append(("ingest_n_formulas", {"n": formulas}))

    for col in schema.columns(table):
        if not col.nullable and col.name in out and col.name not in ("district_adcode",):
            missing = pd.isna(pd.Series(out[col.name])).to_numpy() & ~already[col.name]  # blank cells too
            reject({i: ("v_required", {}) for i in np.flatnonzero(missing)}, sources[col.name],
                   frame[col.name].to_numpy(dtype=object))

    ids = pd.Series(out[pk], dtype=object)
    dup = ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy()
    if dup.any():
        first_rows = pd.Series(rows[dup]).groupby(ids[dup].to_numpy()).apply(lambda r: [str(n) for n in r.head(5)])
        reject({i: ("v_duplicate_id", {"rows": first_rows[ids.iat[i]]}) for i in np.flatnonzero(dup)},
               sources[pk], ids.to_numpy())

    geometry = None
    if update_only:
        new_ids = ids.notna().to_numpy() & ~ids.isin(stored.index).to_numpy()
        reject({i: ("v_new_needs_columns", {"columns": lacking_labels}) for i in np.flatnonzero(new_ids)},
               sources[pk], ids.to_numpy())
        found = stored.reindex(ids.where(~new_ids, None))  # the stored row of each id (empty for new ones)
        for col in schema.columns(table):
            if col.name not in out and col.name not in ("geometry", "h3_r7", "district_adcode"):
                out[col.name] = found[col.name].to_numpy(dtype=object)
    if table in schema.GEO_TABLES and update_only and "lon/lat" in lacking:
        geometry = gpd.GeoSeries(found["geometry"].to_numpy(), crs=schema.STORAGE_CRS)
        out["district_adcode"] = found["district_adcode"].reset_index(drop=True)
    elif table in schema.GEO_TABLES:
        stored_table = functools.cache(lambda: store.read_table(base, table)
                                       if base is not None and table in base.tables else None)
        geometry, district = _geometry(loaded, options, out, frame, sources, table, ids, reject, changed, report,
                                       stored_table)
        declared = out.get("district_adcode")
        if declared is not None:
            differs = pd.notna(declared) & district.notna() & (pd.Series(declared).to_numpy() != district.to_numpy())
            for i in np.flatnonzero(differs & ~bad):
                report.add(rows[i], sources["district_adcode"], frame["district_adcode"].iat[i], "v_district_differs",
                           {"declared": _name(declared.iat[i]), "found": _name(district.iat[i])})
        out["district_adcode"] = district
        if table == "parcels":
            rules.areas_against_outlines(geometry, out, mapping, factors, sources, frame, rows, bad, report)
            n = overlaps.check(geometry, ids, stored_table(), options.mode == "replace", sources, rows, bad, report)
            if n:
                report.notes.append(("ingest_w_overlaps", {"n": n}))
    else:
        out["district_adcode"] = _task_districts(out, base, reject, sources, frame, report, rows, bad)
    rules.cross_checks(table, out, reject, sources, frame, factors)
    if table == "parcels" and "status" in out:
        rules.class_from_status(out, bad, report)
        rules.disposal_details(out, sources, frame, rows, bad, report)
    if table == "projects":
        rules.implausible_amounts(out, sources, frame, factors, rows, bad, report)
        new = ~ids.isin(_stored_ids(base, table)).to_numpy()
        rules.stage_against_dates(out, sources, frame, rows, bad, report, new)
    if table == "substations":
        rules.load_above_capacity(out, sources, frame, rows, bad, report)

    keep = ~bad
    accepted = _assemble(table, out, geometry, keep)
    clean, problems = validate_tables({table: accepted})
    problems = [p for p in problems if not p.startswith(("missing table(s)",))]
    if problems:  # the normalisation above should have caught all of these: say so plainly
        raise IngestError("internal", detail="; ".join(problems)[:400])
    report.accepted, report.rejected = int(keep.sum()), int(bad.sum())
    report.changed = int((changed & keep).sum())
    report.problems.sort(key=lambda p: (p[5] != "rejected", p[0]))
    # Columns the pipeline filled (a class from the status, an area from the outline) are not the
    # file's: an upsert keeps the stored values of known ids (it had erased a disposed parcel's
    # stored class, and replaced register areas with measured ones: review of session 17).
    derived = {c for c in ("idle_class", "area_mu") if table == "parcels" and c in out and c not in frame.columns}
    provided = [c for c in schema.column_names(table)
                if (c in out and c not in derived) or (geometry is not None and c in ("geometry", "h3_r7"))]
    return Checked(options, clean[table], report, [f"{raw.name} sha256:{loaded.sha256[:16]}"],
                   base.id if base is not None else None, tuple(provided))


def _say_normalised(report: Report, column, raw: pd.Series, res, rows: np.ndarray) -> None:
    """A note per column whose values were normalised: how many, and the first as "was → now".
    "值经规范化 2" had said neither which column nor what became of a value (tester 18)."""
    normalised = np.flatnonzero(res.changed & ~np.isin(np.arange(len(raw)), list(res.reasons)))
    if not len(normalised):
        return
    i = normalised[0]
    after = res.values.iat[i] if hasattr(res.values, "iat") else res.values[i]
    report.notes.append(("ingest_n_normalised", {"column": column, "n": len(normalised), "row": int(rows[i]),
                                                 "before": cell_text(raw.iat[i]), "after": cell_text(after)}))


def _geometry(loaded, options, out, frame, sources, table, ids, reject, changed, report, stored_table):
    raw = loaded.raw
    system = coords.source_system(options.crs, raw.file_crs, raw.geometry is not None)
    report.source_system = system
    if options.crs == "auto" and raw.geometry is None:
        report.notes.append(("ingest_n_assumed_wgs84", {}))
    polygons = table == "parcels"
    kept, stored = np.array([], dtype=int), None  # rows that keep their stored location
    if raw.geometry is not None:
        geom = raw.geometry.to_numpy(dtype=object).copy()
        # the schema's name of the column (地块范围 / Outline, 位置 / Location), not GeoPandas' "geometry"
        geometry_column = schema.column(table, "geometry")
        label = Localized((geometry_column.zh, geometry_column.en))
        shown = np.array([g.wkt[:60] if g is not None else "" for g in geom], dtype=object)
    elif "wkt" in out:
        geom, reasons = coords.wkt_geometries(out["wkt"])
        label, shown = sources["wkt"], frame["wkt"].to_numpy(dtype=object)
        reject(reasons, label, shown)
    else:
        xcol, ycol = ("lon", "lat") if "lon" in out else ("x", "y")
        geom, reasons, notes = coords.points_from_columns(out[xcol], out[ycol], system)
        report.notes += notes
        label = f"{sources[xcol]}/{sources[ycol]}"
        shown = np.array([f"{a}, {b}" for a, b in zip(frame[xcol], frame[ycol])], dtype=object)
        # A stored id with both coordinate cells empty keeps its location, as a file without the
        # coordinate columns does: a month's peak loads with the cells cleared had been rejected
        # for "no coordinates", their updates lost (tester 16).
        blank = (pd.isna(pd.Series(out[xcol], dtype=object)) & pd.isna(pd.Series(out[ycol], dtype=object))).to_numpy()
        stored = stored_table() if blank.any() else None
        if stored is not None:
            stored = stored.set_index(stored[schema.PRIMARY_KEYS[table]].astype(str).to_numpy())
        if stored is not None:
            kept = np.flatnonzero(blank & ids.astype(str).isin(stored.index).to_numpy())
            for i in kept:
                reasons.pop(i, None)
            if len(kept):
                report.notes.append(("ingest_n_location_kept", {"n": int(len(kept))}))
        reject(reasons, label, shown)
    geom, reasons, fixed = coords.check_geometry(geom, polygons, options.repair, flag_missing=raw.geometry is not None)
    reject(reasons, label, shown)
    changed |= fixed
    if fixed.any():
        report.notes.append(("ingest_n_repaired", {"n": int(fixed.sum())}))
    probe = geom if not polygons else None
    gs, district, reasons = coords.locate(geom, system, ids, swap_probe=probe)
    reject(reasons, label, shown)
    if len(kept):
        found = stored.loc[ids.iloc[kept].astype(str)]
        gs.iloc[kept] = found.geometry.to_numpy()
        district.iloc[kept] = found["district_adcode"].to_numpy()
    if system == "wgs84" and stored_table() is not None:
        stored = stored_table()
        warn = coords.gcj_suspect(gs, ids, stored.geometry, stored[schema.PRIMARY_KEYS[table]])
        if warn:
            report.notes.append(("ingest_w_gcj", warn))
    return gs, district


def _stored_rows(base: store.Snapshot | None, table: str) -> pd.DataFrame | None:
    """The base snapshot's ``table`` indexed by id, or None without one."""
    if base is None or table not in base.tables:
        return None
    rows = store.read_table(base, table)
    return rows.set_index(rows[schema.PRIMARY_KEYS[table]].astype(str).to_numpy())


def _stored_ids(base: store.Snapshot | None, table: str) -> set[str]:
    """The ids of the base snapshot's ``table`` (none without one), read from their one column."""
    if base is None or table not in base.tables:
        return set()
    pk = schema.PRIMARY_KEYS[table]
    return set(pd.read_parquet(base.table_path(table), columns=[pk])[pk].astype(str))


def _name(adcode: str) -> str:
    return DISTRICTS.get(adcode, (adcode,))[0]


def _task_districts(out, base, reject, sources, frame, report, rows, bad) -> pd.Series:
    """A task belongs to its project, which must be in the current snapshot, and takes the
    project's district (a different one in the ledger is a warning). Only with no snapshot to
    look in (a first import) does the ledger's district stand alone."""
    declared = out.get("district_adcode")
    project_ids = pd.Series(out["project_id"], dtype=object)
    # (an update of stored tasks may lack the column: its projects are the stored ones)
    label = sources.get("project_id", "project_id")
    shown = frame["project_id"].to_numpy(dtype=object) if "project_id" in frame.columns else None
    if base is None or "projects" not in base.tables:
        result = pd.Series(declared if declared is not None else [None] * len(project_ids), dtype=object)
        missing = result.isna().to_numpy() & project_ids.notna().to_numpy()
        reject({i: ("v_project_unknown", {}) for i in np.flatnonzero(missing)}, label, shown)
        return result
    projects = store.read_table(base, "projects")
    result = project_ids.map(dict(zip(projects["project_id"], projects["district_adcode"])))
    unknown = result.isna().to_numpy() & project_ids.notna().to_numpy()
    reject({i: ("v_project_unknown", {}) for i in np.flatnonzero(unknown)}, label, shown)
    if declared is not None:
        declared = pd.Series(declared, dtype=object)
        differs = (declared.notna() & result.notna() & (declared != result)).to_numpy()
        for i in np.flatnonzero(differs & ~bad):
            report.add(rows[i], sources["district_adcode"], frame["district_adcode"].iat[i], "v_task_district_differs",
                       {"declared": _name(declared.iat[i]), "found": _name(result.iat[i])})
    return result


def _assemble(table: str, out: dict, geometry: gpd.GeoSeries | None, keep: np.ndarray) -> pd.DataFrame:
    cols = {}
    for col in schema.columns(table):
        if col.name in ("geometry", "h3_r7"):
            continue
        if col.name in out:
            s = pd.Series(out[col.name]).reset_index(drop=True)[keep].reset_index(drop=True)
        else:
            s = pd.Series([None] * int(keep.sum()), dtype=object)
        if col.dtype == "string":
            s = s.astype(object).where(s.notna(), None)
        cols[col.name] = s
    if geometry is None:
        return pd.DataFrame(cols)[schema.column_names(table)]
    gdf = gpd.GeoDataFrame(cols, geometry=geometry[keep].reset_index(drop=True), crs=schema.STORAGE_CRS)
    if "h3_r7" in schema.column_names(table):
        gdf = add_h3_cells(gdf) if len(gdf) else gdf.assign(h3_r7=pd.array([], dtype="Int64"))
    return gdf[schema.column_names(table)]
