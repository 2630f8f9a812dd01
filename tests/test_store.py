"""geo.store: snapshots written, checked, published, rolled back and opened — on tiny data."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
from conftest import AS_OF, CHALING, HETANG, LILING, make_tiny_tables

from geo import schema, store, store_verify, store_write
from geo.snapshot_db import spatial_extension_path

REPO = Path(__file__).resolve().parent.parent


def _write(store_dir: Path, tables=None, **kw) -> store.Snapshot:
    kw.setdefault("as_of", AS_OF)
    kw.setdefault("published_by", "pytest")
    kw.setdefault("sources", ["tiny.xlsx"])
    return store.write_snapshot(tables or make_tiny_tables(), store_dir=store_dir, **kw)


def _values(s: pd.Series) -> list:
    """Plain Python values with None for every kind of missing, for exact comparison."""
    out = []
    for v in s.astype(object):
        if v is None or (not isinstance(v, shapely.Geometry) and pd.isna(v)):
            out.append(None)
        elif isinstance(v, shapely.Geometry):
            out.append(v.wkt)
        elif isinstance(v, pd.Timestamp):  # read_table gives dates as datetime64
            assert v == v.normalize()
            out.append(v.date())
        elif isinstance(v, (np.integer, np.floating)):
            out.append(v.item())
        else:
            out.append(v)
    return out


def _raw_duckdb() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.execute(f"LOAD '{spatial_extension_path()}'")
    return con


def _current_text(store_dir: Path) -> str:
    return (store_dir / "CURRENT").read_text(encoding="utf-8").strip()


def _leftovers(store_dir: Path) -> list[str]:
    tmp = [p.name for p in (store_dir / "snapshots").glob(".tmp-*")]
    return tmp + [p.name for p in store_dir.glob("CURRENT.tmp*")]


# --- round trip ----------------------------------------------------------------------------------


@pytest.mark.parametrize("table", list(schema.TABLES))
def test_round_trip_keeps_every_value(tiny_snapshot, table):
    original = make_tiny_tables()[table]
    back = store.read_table(tiny_snapshot, table)
    pk = schema.PRIMARY_KEYS[table]
    original = original.sort_values(pk).reset_index(drop=True)
    back = back.sort_values(pk).reset_index(drop=True)
    assert list(back.columns) == schema.column_names(table)
    for col in schema.columns(table):
        assert _values(back[col.name]) == _values(original[col.name]), f"{table}.{col.name}"
    if table in schema.GEO_TABLES:
        assert isinstance(back, gpd.GeoDataFrame) and back.crs.to_epsg() == 4326
        assert back.geometry.geom_equals_exact(original.geometry, tolerance=0).all()


def test_a_version_1_snapshot_reads_the_columns_added_since_as_empty(tiny_snapshot, store_dir):
    """A snapshot written before 原定时限 existed (schema version 1, its tasks file without the
    column) is served, queried and edited as it is; the edit writes the current version."""
    from geo import task_edits
    from geo.query import Scope, query

    path = tiny_snapshot.table_path("tasks")
    pq.write_table(pq.read_table(path).drop_columns(["first_due_on"]), path)
    manifest_path = tiny_snapshot.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["schema_version"] = 1
    manifest["tables"]["tasks"].update(bytes=path.stat().st_size, sha256=store_verify.file_sha256(path))
    manifest_path.write_text(json.dumps(manifest))
    old = store.open_current(store_dir)
    assert old.manifest["schema_version"] == 1 and store_verify.verify_snapshot(old) == []
    tasks = store.read_table(old, "tasks")
    assert list(tasks.columns) == schema.column_names("tasks")
    assert tasks["first_due_on"].isna().all() and tasks["first_due_on"].dtype == "datetime64[us]"
    counted = query(old, "SELECT count(first_due_on) AS moved, count(*) AS n FROM {tasks} t", scope=Scope.all()).df.iloc[0]
    assert (counted["moved"], counted["n"]) == (0, 4)
    moved, _ = task_edits.reschedule(store_dir, old, task_id="T001", due_on=dt.date(2023, 12, 31))
    assert moved.manifest["schema_version"] == schema.SCHEMA_VERSION
    row = store.read_table(moved, "tasks").set_index("task_id").loc["T001"]
    assert row["first_due_on"].date() == dt.date(2023, 8, 31) and row["due_on"].date() == dt.date(2023, 12, 31)
    manifest["schema_version"] = 99  # a version this code does not know is still refused
    manifest_path.write_text(json.dumps(manifest))
    assert any("schema_version 99" in p for p in store_verify.verify_snapshot(store.get_snapshot(old.id, store_dir)))


def test_round_trip_dtypes(tiny_snapshot):
    p = store.read_table(tiny_snapshot, "projects")
    assert p.stalled_since.dtype == "datetime64[us]"  # same as geo.query returns for DATE
    assert p.loc[p.project_id == "P002", "stalled_since"].item() == pd.Timestamp("2023-05-01")
    assert p.actual_completion.isna().sum() == 4
    assert p.total_investment_yi.dtype == "float64"
    assert p.loc[p.project_id == "P003", "total_investment_yi"].item() == 2.25
    s = store.read_table(tiny_snapshot, "substations")
    assert s.voltage_kv.dtype == "int64"  # non-nullable int
    assert str(s.commissioned_year.dtype) == "Int64"  # nullable int keeps its NA
    assert s.set_index("station_id").commissioned_year["S003"] is pd.NA


def test_parquet_types_are_what_any_reader_expects(tiny_snapshot):
    tasks = pq.read_schema(tiny_snapshot.table_path("tasks"))
    assert str(tasks.field("due_on").type) == "date32[day]"
    assert str(tasks.field("closed_on").type) == "date32[day]"
    projects = pq.read_schema(tiny_snapshot.table_path("projects"))
    assert str(projects.field("actual_completion").type) == "date32[day]"
    assert str(projects.field("total_investment_yi").type) == "double"
    subs = pq.read_schema(tiny_snapshot.table_path("substations"))
    assert str(subs.field("voltage_kv").type) == "int64"
    assert list(projects.names) == schema.column_names("projects") + ["bbox"]


def test_geoparquet_metadata_is_1_1_with_bbox_covering(tiny_snapshot):
    for table in schema.GEO_TABLES:
        path = tiny_snapshot.table_path(table)
        geo = json.loads(pq.read_metadata(path).metadata[b"geo"])
        assert geo["version"] == "1.1.0"
        assert geo["primary_column"] == "geometry"
        meta = geo["columns"]["geometry"]
        assert meta["encoding"] == "WKB"
        assert meta["crs"]["id"] == {"authority": "EPSG", "code": 4326}
        assert meta["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
        assert meta["bbox"] == pytest.approx(tiny_snapshot.manifest["tables"][table]["bbox"])


def test_files_are_read_by_geopandas_and_duckdb(tiny_snapshot):
    projects = gpd.read_parquet(tiny_snapshot.table_path("projects"))
    assert projects.crs.to_epsg() == 4326 and len(projects) == 5
    assert "bbox" not in projects.columns

    con = _raw_duckdb()
    path = tiny_snapshot.table_path("projects")
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                             f"read_parquet('{path}'))").fetchall())
    assert types["planned_start"] == "DATE"
    assert types["geometry"].startswith("GEOMETRY")
    assert types["total_investment_yi"] == "DOUBLE"
    total, x = con.execute(f"SELECT sum(total_investment_yi), max(ST_X(geometry)) "
                           f"FROM read_parquet('{path}')").fetchone()
    assert total == pytest.approx(24.75) and x == pytest.approx(113.60)
    tasks = tiny_snapshot.table_path("tasks")
    due = con.execute(f"SELECT due_on FROM read_parquet('{tasks}') WHERE task_id = 'T002'").fetchone()
    assert due == (dt.date(2023, 10, 5),)


def test_files_are_read_by_pyogrio_when_gdal_has_parquet(tiny_snapshot):
    pyogrio = pytest.importorskip("pyogrio")
    if "Parquet" not in pyogrio.list_drivers():
        pytest.skip("this pyogrio wheel's GDAL has no (Geo)Parquet driver")
    gdf = pyogrio.read_dataframe(tiny_snapshot.table_path("parcels"))
    assert sorted(gdf.parcel_id) == ["L001", "L002", "L003", "L004"]


@pytest.mark.parametrize("table", schema.GEO_TABLES)
def test_rows_are_hilbert_sorted(tiny_snapshot, table):
    back = gpd.read_parquet(tiny_snapshot.table_path(table))  # file order
    distance = back.hilbert_distance(total_bounds=tiny_snapshot.manifest["tables"][table]["bbox"])
    assert distance.is_monotonic_increasing


def test_projects_file_order_is_hilbert_not_input_order(tiny_snapshot):
    order = list(gpd.read_parquet(tiny_snapshot.table_path("projects")).project_id)
    assert sorted(order) == ["P001", "P002", "P003", "P004", "P005"]
    assert order != ["P001", "P002", "P003", "P004", "P005"]


def test_row_groups_carry_bbox_statistics(store_dir, monkeypatch):
    monkeypatch.setattr(store_write, "ROW_GROUP_SIZE", 2)
    snap = _write(store_dir)
    meta = pq.read_metadata(snap.table_path("projects"))
    assert meta.num_row_groups == 3  # 5 rows in groups of 2
    names = [meta.schema.column(i).path for i in range(meta.num_columns)]
    xmin = names.index("bbox.xmin")
    for rg in range(meta.num_row_groups):
        assert meta.row_group(rg).column(xmin).statistics.has_min_max


def test_manifest_records_counts_checksums_and_provenance(tiny_snapshot, store_dir):
    m = tiny_snapshot.manifest
    on_disk = json.loads((tiny_snapshot.path / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == m
    assert m["snapshot_id"] == tiny_snapshot.id
    assert re.fullmatch(r"\d{8}T\d{6}-[0-9a-f]{6}", tiny_snapshot.id)
    assert m["schema_version"] == schema.SCHEMA_VERSION
    assert m["as_of"] == "2023-09-30" and tiny_snapshot.as_of == AS_OF
    assert (m["published_by"], m["sources"], m["note"], m["parent"]) == (
        "pytest", ["tests/conftest.py"], "tiny", None)
    created = tiny_snapshot.created_at
    assert created.utcoffset() == dt.timedelta(0)
    # the id reads as Beijing time (UTC+8), the manifest's created_at stays UTC
    assert tiny_snapshot.id.startswith((created + dt.timedelta(hours=8)).strftime("%Y%m%dT%H%M%S"))
    expected_rows = {t: len(f) for t, f in make_tiny_tables().items()}
    assert {t: e["rows"] for t, e in m["tables"].items()} == expected_rows
    for table, entry in m["tables"].items():
        path = tiny_snapshot.table_path(table)
        assert entry["file"] == f"{table}.parquet"
        assert entry["bytes"] == path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert tiny_snapshot.row_count(table) == expected_rows[table]
    assert m["tables"]["tasks"]["bbox"] is None and m["tables"]["tasks"]["crs"] is None
    assert m["tables"]["districts"]["bbox"] == pytest.approx([113.10, 26.70, 113.70, 27.90])
    assert m["tables"]["districts"]["crs"] == "EPSG:4326"
    assert _current_text(store_dir) == tiny_snapshot.id
    assert _leftovers(store_dir) == []


def test_manifest_is_utf8_not_escaped(store_dir):
    snap = _write(store_dir, note="七月调度会 import")
    text = (snap.path / "manifest.json").read_text(encoding="utf-8")
    assert "七月调度会" in text and "\\u" not in text
    assert text.startswith("{\n  ")


def test_store_dir_defaults_to_env_var(tmp_path):
    code = "import geo.store as s; print(s.STORE_DIR)"
    env = {**os.environ, "ZZMAP_STORE": str(tmp_path / "elsewhere")}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == str(tmp_path / "elsewhere")
    env.pop("ZZMAP_STORE")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == str(REPO / "data" / "store")


def test_snapshot_is_hashable_and_compares_by_id_and_path(tiny_snapshot, store_dir):
    again = store.open_current(store_dir)
    assert again == tiny_snapshot and hash(again) == hash(tiny_snapshot)
    assert {tiny_snapshot: 1}[again] == 1


def test_read_table_rejects_unknown_table(tiny_snapshot):
    with pytest.raises(KeyError, match="unknown table 'nope'"):
        store.read_table(tiny_snapshot, "nope")


# --- coercion ------------------------------------------------------------------------------------


def test_coerces_loose_input_types(store_dir):
    tables = make_tiny_tables()
    t = tables["tasks"]
    t["assigned_on"] = pd.to_datetime(t["assigned_on"])  # datetime64 at midnight
    t["due_on"] = [d.isoformat() for d in t["due_on"]]  # ISO strings
    t["closed_on"] = None  # all null: must still be a DATE column
    s = tables["substations"]
    s["voltage_kv"] = s["voltage_kv"].astype(float)  # 220.0
    tables["districts"]["adcode"] = tables["districts"]["adcode"].astype(int)  # from Excel
    snap = _write(store_dir, tables)
    back = store.read_table(snap, "tasks").set_index("task_id")
    assert back.loc["T001", "assigned_on"] == pd.Timestamp("2023-07-01")
    assert back.loc["T002", "due_on"] == pd.Timestamp("2023-10-05")
    assert back.closed_on.isna().all() and back.closed_on.dtype == "datetime64[us]"
    assert str(pq.read_schema(snap.table_path("tasks")).field("closed_on").type) == "date32[day]"
    volts = store.read_table(snap, "substations").set_index("station_id").voltage_kv
    assert volts.dtype == "int64" and volts.to_dict() == {"S001": 220, "S002": 110, "S003": 35}
    assert sorted(store.read_table(snap, "districts").adcode) == sorted([HETANG, LILING, CHALING])


# --- publish and rollback ------------------------------------------------------------------------


def _second_tables() -> dict[str, pd.DataFrame]:
    tables = make_tiny_tables()
    tables["projects"].loc[tables["projects"].project_id == "P001", "completed_yi"] = 2.5
    return tables


def test_read_table_output_can_be_written_back(tiny_snapshot, store_dir):
    tables = {t: store.read_table(tiny_snapshot, t) for t in tiny_snapshot.tables}
    again = _write(store_dir, tables, note="carried over")
    for t in tiny_snapshot.tables:
        assert again.manifest["tables"][t]["sha256"] == tiny_snapshot.manifest["tables"][t]["sha256"]


def test_publish_and_rollback(store_dir):
    first = _write(store_dir)
    second = _write(store_dir, _second_tables(), note="September")
    assert second.id != first.id
    assert second.manifest["parent"] == first.id
    assert store.open_current(store_dir) == second
    assert [s.id for s in store.list_snapshots(store_dir)] == [first.id, second.id]

    assert store.publish(first.id, store_dir=store_dir) == first  # roll back
    current = store.open_current(store_dir)
    assert current == first
    done = store.read_table(current, "projects").set_index("project_id").completed_yi["P001"]
    assert done == 1.25
    assert _leftovers(store_dir) == []

    store.publish(second.id, store_dir=store_dir)  # and forward again
    assert store.open_current(store_dir) == second


def test_write_without_publish_leaves_current_alone(store_dir):
    first = _write(store_dir)
    draft = _write(store_dir, _second_tables(), publish=False)
    assert _current_text(store_dir) == first.id
    assert draft.manifest["parent"] == first.id
    assert [s.id for s in store.list_snapshots(store_dir)] == [first.id, draft.id]


def test_identical_writes_in_one_second_get_distinct_ids(store_dir):
    a = _write(store_dir, publish=False)
    b = _write(store_dir, publish=False)
    assert a.id != b.id
    assert a.id[-6:] == b.id[-6:]  # same content hash...
    assert len(store.list_snapshots(store_dir)) == 2


def test_current_switch_is_atomic_under_concurrent_reads(store_dir):
    first = _write(store_dir)
    second = _write(store_dir, _second_tables())
    seen: set[str] = set()
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            seen.add((store_dir / "CURRENT").read_text(encoding="utf-8"))

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(100):
            store.publish((first, second)[i % 2].id, store_dir=store_dir)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert seen <= {first.id + "\n", second.id + "\n"}  # never empty, never half an id
    assert _leftovers(store_dir) == []


def test_failed_write_leaves_nothing_behind(store_dir, monkeypatch):
    first = _write(store_dir)
    real = store_write._write_table
    calls = []

    def flaky(table, frame, path):
        calls.append(table)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(table, frame, path)

    monkeypatch.setattr(store_write, "_write_table", flaky)
    with pytest.raises(OSError, match="disk full"):
        _write(store_dir, _second_tables())
    assert sorted(p.name for p in (store_dir / "snapshots").iterdir()) == [first.id]
    assert _current_text(store_dir) == first.id


def test_list_snapshots_ignores_tmp_and_manifestless_dirs(store_dir):
    snap = _write(store_dir)
    (store_dir / "snapshots" / ".tmp-20990101T000000-deadbeef").mkdir()
    (store_dir / "snapshots" / "20990101T000000-abcdef").mkdir()  # no manifest
    assert store.list_snapshots(store_dir) == [snap]


# --- errors when opening -------------------------------------------------------------------------


def test_no_store(tmp_path):
    with pytest.raises(store.NoStoreError, match="no store at") as err:
        store.open_current(tmp_path / "nowhere")
    assert err.value.last_good is None
    (tmp_path / "empty" / "snapshots").mkdir(parents=True)
    with pytest.raises(store.NoStoreError, match="no snapshots") as err:
        store.open_current(tmp_path / "empty")
    assert err.value.last_good is None
    assert isinstance(err.value, store.StoreError)


def test_current_missing(store_dir):
    _write(store_dir)
    second = _write(store_dir, _second_tables())
    (store_dir / "CURRENT").unlink()
    with pytest.raises(store.CurrentMissingError, match="CURRENT is missing") as err:
        store.open_current(store_dir)
    assert err.value.last_good == second  # newest snapshot that verifies
    assert second.id in str(err.value)


def test_current_names_missing_snapshot(store_dir):
    first = _write(store_dir)
    (store_dir / "CURRENT").write_text("20230101T000000-abcdef\n", encoding="utf-8")
    with pytest.raises(store.SnapshotMissingError, match="20230101T000000-abcdef") as err:
        store.open_current(store_dir)
    assert err.value.last_good == first


def test_current_holding_garbage(store_dir):
    first = _write(store_dir)
    (store_dir / "CURRENT").write_text("../../etc\n", encoding="utf-8")
    with pytest.raises(store.CurrentMissingError, match="not a snapshot id") as err:
        store.open_current(store_dir)
    assert err.value.last_good == first


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip_middle(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2 if at is None else at
    data[mid: mid + 8] = bytes(b ^ 0xFF for b in data[mid: mid + 8])
    before = path.stat().st_mtime_ns
    path.write_bytes(bytes(data))
    # File timestamps tick coarsely (a few ms); a real corruption comes later than that, so make
    # sure the (path, sha, size, mtime) verification cache sees a different file.
    os.utime(path, ns=(before + 10**9, before + 10**9))


@pytest.mark.parametrize("corrupt, fragment", [
    (_truncate, "size"),
    (_flip_middle, "sha256 differs"),
    (lambda p: p.unlink(), "file missing"),
])
def test_corrupt_snapshot(store_dir, corrupt, fragment):
    first = _write(store_dir)
    second = _write(store_dir, _second_tables())
    assert store.open_current(store_dir) == second  # verified (and cached) while good
    corrupt(second.table_path("projects"))
    with pytest.raises(store.SnapshotCorruptError) as err:
        store.open_current(store_dir)
    message = str(err.value)
    assert "projects.parquet" in message and fragment in message
    assert err.value.last_good == first
    assert any(fragment in p for p in err.value.problems)


def test_truncated_file_also_reports_unreadable_footer(store_dir):
    snap = _write(store_dir)
    path = snap.table_path("parcels")
    data = path.read_bytes()
    path.write_bytes(data[:-3])
    problems = store_verify.verify_snapshot(snap)
    assert any("size" in p and "parcels.parquet" in p for p in problems)
    snap.manifest["tables"]["parcels"]["bytes"] = len(data) - 3  # pretend the size matched
    assert any("unreadable Parquet footer" in p for p in store_verify.verify_snapshot(snap, deep=False))


def test_shallow_verify_skips_checksums(store_dir):
    snap = _write(store_dir)
    _flip_middle(snap.table_path("districts"), at=64)  # inside a data page, not the footer
    assert store_verify.verify_snapshot(snap, deep=False) == []
    assert any("sha256" in p for p in store_verify.verify_snapshot(snap, deep=True))


def test_corrupt_manifest(store_dir):
    first = _write(store_dir)
    second = _write(store_dir, _second_tables())
    (second.path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(store.SnapshotCorruptError, match="manifest.json") as err:
        store.open_current(store_dir)
    assert err.value.last_good == first


def test_publish_refuses_a_corrupt_snapshot(store_dir):
    first = _write(store_dir)
    draft = _write(store_dir, _second_tables(), publish=False)
    _truncate(draft.table_path("tasks"))
    with pytest.raises(store.SnapshotCorruptError, match="refusing to publish") as err:
        store.publish(draft.id, store_dir=store_dir)
    assert err.value.last_good == first
    assert _current_text(store_dir) == first.id
    with pytest.raises(store.SnapshotMissingError):
        store.publish("20230101T000000-abcdef", store_dir=store_dir)


# --- schema validation ---------------------------------------------------------------------------


def _drop_stage(t):
    t["projects"] = t["projects"].drop(columns="stage")


def _extra_column(t):
    t["parcels"]["owner_phone"] = "123"


def _null_name(t):
    t["projects"].loc[t["projects"].project_id == "P003", "name"] = None


def _null_due(t):
    t["tasks"].loc[t["tasks"].task_id == "T004", "due_on"] = None


def _null_geometry(t):
    t["plants"].loc[t["plants"].plant_id == "G002", "geometry"] = None


def _wrong_crs(t):
    t["substations"] = t["substations"].to_crs("EPSG:3857")


def _bad_enum(t):
    t["projects"].loc[t["projects"].project_id == "P004", "stage"] = "完成"


def _duplicate_pk(t):
    t["tasks"].loc[t["tasks"].task_id == "T002", "task_id"] = "T001"


def _not_a_number(t):
    t["parcels"]["area_mu"] = t["parcels"]["area_mu"].astype(object)
    t["parcels"].loc[t["parcels"].parcel_id == "L002", "area_mu"] = "三十"


def _fractional_int(t):
    t["transformer_areas"]["low_voltage_users"] = [3.5, 0.0, None]


def _time_of_day(t):
    t["tasks"]["assigned_on"] = pd.to_datetime(t["tasks"]["assigned_on"]) + pd.Timedelta(hours=9)


def _missing_table(t):
    del t["plants"]


def _unknown_table(t):
    t["roads"] = pd.DataFrame({"x": [1]})


def _plain_dataframe_for_geo(t):
    t["districts"] = pd.DataFrame(t["districts"].drop(columns="geometry"))


@pytest.mark.parametrize("mutate, fragments", [
    (_drop_stage, ["projects", "missing column", "stage"]),
    (_extra_column, ["parcels", "unexpected column", "owner_phone"]),
    (_null_name, ["projects.name", "non-nullable", "P003"]),
    (_null_due, ["tasks.due_on", "non-nullable", "T004"]),
    (_null_geometry, ["plants.geometry", "G002"]),
    (_wrong_crs, ["substations", "EPSG:3857", "to_crs"]),
    (_bad_enum, ["projects.stage", "完成", "P004"]),
    (_duplicate_pk, ["tasks.task_id", "duplicate", "T001"]),
    (_not_a_number, ["parcels.area_mu", "not a number", "L002"]),
    (_fractional_int, ["transformer_areas.low_voltage_users", "whole number", "A001"]),
    (_time_of_day, ["tasks.assigned_on", "date", "T001"]),
    (_missing_table, ["missing table", "plants"]),
    (_unknown_table, ["unknown table", "roads"]),
    (_plain_dataframe_for_geo, ["districts", "GeoDataFrame"]),
], ids=lambda v: getattr(v, "__name__", None))
def test_validation_rejects_and_writes_nothing(store_dir, mutate, fragments):
    first = _write(store_dir)
    tables = make_tiny_tables()
    mutate(tables)
    with pytest.raises(store.SchemaValidationError) as err:
        _write(store_dir, tables)
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, message
    assert isinstance(err.value, store.StoreError)
    assert [s.id for s in store.list_snapshots(store_dir)] == [first.id]
    assert sorted(p.name for p in (store_dir / "snapshots").iterdir()) == [first.id]
    assert _current_text(store_dir) == first.id


def test_validation_reports_every_problem_at_once(store_dir):
    tables = make_tiny_tables()
    _null_name(tables)
    _extra_column(tables)
    with pytest.raises(store.SchemaValidationError) as err:
        _write(store_dir, tables)
    assert len(err.value.problems) == 2
    assert not (store_dir / "snapshots").exists()  # not even the directory
