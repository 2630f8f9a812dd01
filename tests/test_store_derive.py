"""store.derive_snapshot: a small edit writes only the changed table and hard-links the rest;
it is refused, with nothing written, when the base is no longer the published snapshot."""

from __future__ import annotations

import os

import pytest

from geo import schema, store, store_verify


def test_only_the_changed_table_is_written(tiny_snapshot, store_dir):
    tasks = store.read_table(tiny_snapshot, "tasks")
    tasks.loc[0, ["status", "closed_on"]] = ["已办结", "2023-09-30"]
    new = store.derive_snapshot(tiny_snapshot, {"tasks": tasks}, published_by="pytest", sources=["edit"],
                                store_dir=store_dir)
    assert store.open_current(store_dir).id == new.id and new.as_of == tiny_snapshot.as_of
    assert new.manifest["parent"] == tiny_snapshot.id
    for table in schema.TABLES:
        same_file = os.path.samefile(new.table_path(table), tiny_snapshot.table_path(table))
        assert same_file == (table != "tasks"), table
    assert store_verify.verify_snapshot(new, deep=True) == []
    assert store.read_table(new, "tasks").loc[0, "status"] == "已办结"
    assert store.read_table(tiny_snapshot, "tasks").loc[0, "status"] == "办理中"  # the base is untouched
    assert list(new.manifest["tables"]) == list(schema.TABLES)


def test_a_stale_base_is_refused_and_nothing_written(tiny_snapshot, store_dir):
    tasks = store.read_table(tiny_snapshot, "tasks")
    first = store.derive_snapshot(tiny_snapshot, {"tasks": tasks.iloc[:3]}, published_by="a", sources=["x"],
                                  store_dir=store_dir)
    before = sorted(p.name for p in (store_dir / "snapshots").iterdir())
    with pytest.raises(store.ConcurrentChangeError):
        store.derive_snapshot(tiny_snapshot, {"tasks": tasks.iloc[:2]}, published_by="b", sources=["y"],
                              store_dir=store_dir)
    assert sorted(p.name for p in (store_dir / "snapshots").iterdir()) == before
    assert store.open_current(store_dir).id == first.id


def test_a_bad_changed_table_is_refused(tiny_snapshot, store_dir):
    tasks = store.read_table(tiny_snapshot, "tasks")
    tasks.loc[0, "status"] = "不知道"
    with pytest.raises(store.SchemaValidationError, match="status"):
        store.derive_snapshot(tiny_snapshot, {"tasks": tasks}, published_by="c", sources=["z"], store_dir=store_dir)
    assert store.open_current(store_dir).id == tiny_snapshot.id
