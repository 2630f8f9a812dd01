"""geo.derived_files: a derived table read back from its file is the table built from its SQL."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from geo import cube, derived_files, project_cube, snapshot_db, store  # noqa: F401  (cube modules register tables)
from geo.query import Scope, query


def _fresh_process(snapshot) -> None:
    """Forget the store's database, as a new server process would start without it."""
    snapshot_db._databases.pop(snapshot.path.resolve().parent, None)


def _tables(snapshot) -> dict[str, tuple[list, pd.DataFrame]]:
    """Every derived table: (its column names and types, its rows in table order)."""
    out = {}
    for name in snapshot_db.DERIVED:
        rows = query(snapshot, f"SELECT * FROM {{{name}}} x", scope=Scope.all(), max_rows=10_000_000).df
        views = snapshot_db.database(snapshot).views_for(snapshot)
        cur = snapshot_db.database(snapshot).conn.cursor()
        types = cur.execute(f"DESCRIBE {snapshot_db.ident(views.schema_name)}.{snapshot_db.ident(name)}").fetchall()
        cur.close()
        out[name] = ([(c[0], c[1]) for c in types], rows)
    return out


def _files(snapshot) -> list:
    """The store's derived-table files (shared by the snapshots whose inputs are equal)."""
    return sorted((snapshot.path.parent / derived_files.DIR_NAME).glob("*.parquet"))


def test_tables_read_from_their_files_equal_the_built_ones(tiny_snapshot, caplog):
    _fresh_process(tiny_snapshot)
    seconds = snapshot_db.precompute_derived(tiny_snapshot)
    assert seconds > 0
    assert len(_files(tiny_snapshot)) == len(snapshot_db.DERIVED)  # one file per table, no temp files left
    built = _tables(tiny_snapshot)

    _fresh_process(tiny_snapshot)
    with caplog.at_level(logging.INFO, logger="geo.snapshot_db"):
        read = _tables(tiny_snapshot)
    assert sum("read from its file" in r.getMessage() for r in caplog.records) >= 1
    assert "built in" not in caplog.text
    for name, (types, rows) in built.items():
        assert read[name][0] == types, name  # same columns and types (no HUGEINT turned DOUBLE …)
        pd.testing.assert_frame_equal(read[name][1], rows, obj=name)  # same rows, same order
    assert len(built["projects_by_investment"][1]) > 0


def test_an_unreadable_file_is_rebuilt_and_a_changed_sql_reads_another_file(tiny_snapshot, caplog):
    _fresh_process(tiny_snapshot)
    snapshot_db.precompute_derived(tiny_snapshot)
    expected = _tables(tiny_snapshot)["project_cube"]
    path = next(p for p in _files(tiny_snapshot) if p.name.startswith("project_cube-"))
    path.write_bytes(b"not parquet")

    _fresh_process(tiny_snapshot)
    with caplog.at_level(logging.INFO, logger="geo.snapshot_db"):
        again = _tables(tiny_snapshot)["project_cube"]
    assert "unreadable" in caplog.text and "project_cube built" in caplog.text
    def in_order(frame):  # a GROUP BY gives its groups in any order
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    pd.testing.assert_frame_equal(in_order(again[1]), in_order(expected[1]))
    assert path.read_bytes()[:4] == b"PAR1"  # written again after the rebuild

    sql = snapshot_db.DERIVED["project_cube"]
    inputs = snapshot_db._inputs(snapshot_db.database(tiny_snapshot).views_for(tiny_snapshot, warm=False), "project_cube")
    other = derived_files.file_for(path.parents[1], inputs, "project_cube", sql + " ")
    assert other != derived_files.file_for(path.parents[1], inputs, "project_cube", sql) == path


def test_a_snapshot_that_changed_other_tables_reads_its_parents_files(tiny_snapshot, store_dir, caplog):
    """Each task assigned at a meeting is a snapshot, and each rebuilt and wrote the parcel cubes
    again (~20 MB, ~1.5 s of CPU at 1 M parcels; tester 6)."""
    _fresh_process(tiny_snapshot)
    snapshot_db.precompute_derived(tiny_snapshot)
    before = set(_files(tiny_snapshot))
    tasks = store.read_table(tiny_snapshot, "tasks")
    edited = store.derive_snapshot(tiny_snapshot, {"tasks": tasks.iloc[:2]}, published_by="t", sources=[], note="edit",
                                   store_dir=store_dir)
    _fresh_process(edited)
    with caplog.at_level(logging.INFO, logger="geo.snapshot_db"):
        snapshot_db.precompute_derived(edited)
    new = set(_files(edited)) - before
    reads_tasks = {n for n, sql in snapshot_db.DERIVED.items() if "{tasks}" in sql}
    assert {p.name.rsplit("-", 1)[0] for p in new} == reads_tasks  # only what reads the tasks is built again
    assert not [n for n in snapshot_db.DERIVED if n not in reads_tasks and f"derived table {n} built" in caplog.text]


def test_a_store_that_cannot_be_written_still_answers(tiny_snapshot, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("read-only file system")

    monkeypatch.setattr(derived_files.os, "replace", refuse)
    _fresh_process(tiny_snapshot)
    figures = query(tiny_snapshot, "SELECT sum(n) AS n FROM {project_cube} p", scope=Scope.all()).df
    assert int(figures["n"].iloc[0]) > 0
    assert not _files(tiny_snapshot) and not list((tiny_snapshot.path.parent / derived_files.DIR_NAME).rglob("*tmp*"))


@pytest.fixture(autouse=True)
def _forget_databases(tiny_snapshot):
    yield
    _fresh_process(tiny_snapshot)


def _in_memory_copies(snapshot) -> set[str]:
    views = snapshot_db.database(snapshot).views_for(snapshot)
    cur = snapshot_db.database(snapshot).conn.cursor()
    try:
        names = cur.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = ?",
                            [views.schema_name]).fetchall()
    finally:
        cur.close()
    return {n for (n,) in names if n.startswith("_mem_")}


def test_warming_waits_for_the_first_page_then_copies_and_builds(tiny_snapshot, monkeypatch):
    """The background warming leaves the machine to the first page, then does its work."""
    import threading

    monkeypatch.setattr(snapshot_db, "_first_page_over", threading.Event())  # a process before its first page
    monkeypatch.setattr(snapshot_db, "_first_page_at", None)
    monkeypatch.setattr(snapshot_db, "BROWSER_DRAWS_S", 0.2)
    _fresh_process(tiny_snapshot)
    before = set(snapshot_db._warming)
    assert query(tiny_snapshot, "SELECT count(*) AS n FROM {projects}", scope=Scope.all()).df["n"][0] > 0
    (warming,) = set(snapshot_db._warming) - before
    warming.join(timeout=0.5)
    assert warming.is_alive() and _in_memory_copies(tiny_snapshot) == set()  # still waiting

    snapshot_db.first_page_over()
    warming.join(timeout=30)
    assert not warming.is_alive()
    assert {"_mem_projects", "_mem_tasks", "_mem_districts"} <= _in_memory_copies(tiny_snapshot)
    views = snapshot_db.database(tiny_snapshot).views_for(tiny_snapshot)
    assert views.built == set(snapshot_db.DERIVED)


def test_a_snapshot_opened_long_after_the_first_page_is_warmed_at_once(tiny_snapshot, monkeypatch):
    """An import publishes a snapshot minutes after the first page: no waiting for the browser."""
    import threading
    import time

    over = threading.Event()
    over.set()
    monkeypatch.setattr(snapshot_db, "_first_page_over", over)
    monkeypatch.setattr(snapshot_db, "_first_page_at", time.monotonic() - 600)
    monkeypatch.setattr(snapshot_db, "BROWSER_DRAWS_S", 60.0)
    _fresh_process(tiny_snapshot)
    before = set(snapshot_db._warming)
    query(tiny_snapshot, "SELECT count(*) AS n FROM {projects}", scope=Scope.all())
    (warming,) = set(snapshot_db._warming) - before
    warming.join(timeout=30)
    assert not warming.is_alive() and "_mem_projects" in _in_memory_copies(tiny_snapshot)
