"""The store's publish lock, leftover cleaning and optimistic concurrency (``expect_parent``):
what an import relies on when a publisher is killed or two publish at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import AS_OF, make_tiny_tables
from geo import store, store_lock

REPO = Path(__file__).resolve().parents[1]


def _write(store_dir: Path, note: str = "", **kw) -> store.Snapshot:
    return store.write_snapshot(make_tiny_tables(), as_of=AS_OF, published_by="pytest", sources=["t"],
                                note=note, store_dir=store_dir, **kw)


def _run(code: str, *args: str, wait: bool = True):
    cmd = [sys.executable, "-c", textwrap.dedent(code), *args]
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{REPO / 'tests'}"}
    if wait:
        return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_expect_parent_mismatch_writes_nothing(store_dir):
    first = _write(store_dir, "a")
    second = _write(store_dir, "b")
    before = sorted(p.name for p in (store_dir / "snapshots").iterdir())
    with pytest.raises(store.ConcurrentChangeError) as err:
        _write(store_dir, "c", expect_parent=first.id)
    assert isinstance(err.value, store.StoreError)
    assert (err.value.expected, err.value.actual) == (first.id, second.id)
    assert sorted(p.name for p in (store_dir / "snapshots").iterdir()) == before
    assert store.open_current(store_dir).id == second.id


def test_expect_parent_match_writes_and_records_parent(store_dir):
    first = _write(store_dir, "a")
    second = _write(store_dir, "b", expect_parent=first.id)
    assert second.manifest["parent"] == first.id
    assert store.open_current(store_dir).id == second.id


def test_expect_parent_on_empty_store_is_a_conflict(store_dir):
    with pytest.raises(store.ConcurrentChangeError):
        _write(store_dir, expect_parent="20230101T000000-abcdef")
    assert not (store_dir / "snapshots").exists() or not list((store_dir / "snapshots").iterdir())


KILLED_WRITER = """
    import sys, time
    from pathlib import Path
    import geo.store as store
    import geo.store_write as store_write
    from conftest import AS_OF, make_tiny_tables
    real = store_write._write_table
    calls = []
    def slow(table, frame, path):
        calls.append(table)
        out = real(table, frame, path)
        if len(calls) == 3:
            print("WRITING", flush=True)
            time.sleep(60)
        return out
    store_write._write_table = slow
    store.write_snapshot(make_tiny_tables(), as_of=AS_OF, published_by="killed", sources=["k"],
                         store_dir=Path(sys.argv[1]))
"""


def test_killed_publisher_leaves_previous_snapshot_and_leftovers_are_cleaned(store_dir):
    good = _write(store_dir, "good")
    proc = _run(KILLED_WRITER, str(store_dir), wait=False)
    try:
        assert proc.stdout.readline().strip() == "WRITING", proc.stderr.read()
        assert list((store_dir / "snapshots").glob(".tmp-*")), "the writer should be mid-write"
        assert store_lock.clean_leftovers(store_dir) == []  # the lock is held: not a leftover yet
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()
    assert list((store_dir / "snapshots").glob(".tmp-*"))
    assert store.open_current(store_dir).id == good.id  # still published and readable
    assert len(store.read_table(store.open_current(store_dir), "projects")) == 5
    # the next start (a fresh process opening the store) cleans up
    done = _run("import sys, geo.store as s; print(s.open_current(sys.argv[1]).id)", str(store_dir))
    assert done.stdout.strip() == good.id, done.stderr
    assert not list((store_dir / "snapshots").glob(".tmp-*"))


def test_next_write_cleans_leftovers(store_dir):
    _write(store_dir)
    (store_dir / "snapshots" / ".tmp-20200101T000000-deadbeef").mkdir()
    (store_dir / "CURRENT.tmp.123.abcd").write_text("x")
    _write(store_dir, "next")
    assert not list((store_dir / "snapshots").glob(".tmp-*"))
    assert not list(store_dir.glob("CURRENT.tmp*"))


LOCK_HOLDER = """
    import sys, time
    from geo.store_lock import publish_lock
    with publish_lock(sys.argv[1]):
        print("LOCKED", flush=True)
        time.sleep(float(sys.argv[2]))
"""


def test_a_second_publisher_waits_for_the_first(store_dir):
    first = _write(store_dir)
    holder = _run(LOCK_HOLDER, str(store_dir), "2.0", wait=False)
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        started = time.monotonic()
        second = _write(store_dir, "after")
        waited = time.monotonic() - started
    finally:
        holder.wait(30)
        holder.stdout.close()
        holder.stderr.close()
    assert waited >= 1.0  # blocked until the other process let go
    assert second.manifest["parent"] == first.id
    with pytest.raises(store.LockTimeoutError):
        holder = _run(LOCK_HOLDER, str(store_dir), "3.0", wait=False)
        try:
            assert holder.stdout.readline().strip() == "LOCKED"
            with store_lock.publish_lock(store_dir, timeout=0.3):
                pass
        finally:
            holder.wait(30)
            holder.stdout.close()
            holder.stderr.close()


CONCURRENT_WRITER = """
    import sys
    from pathlib import Path
    import geo.store as store
    from conftest import AS_OF, make_tiny_tables
    s = store.write_snapshot(make_tiny_tables(), as_of=AS_OF, published_by=sys.argv[2], sources=["c"],
                             store_dir=Path(sys.argv[1]))
    print(s.id, s.manifest["parent"])
"""


def test_two_publishes_at_once_are_serialised(store_dir):
    base = _write(store_dir)
    procs = [_run(CONCURRENT_WRITER, str(store_dir), name, wait=False) for name in ("one", "two")]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(out.split())
    ids = {o[0] for o in outs}
    parents = {o[1] for o in outs}
    # one of them was written on top of the other: a chain, never two children of the base
    assert len(parents) == 2 and base.id in parents and len(ids & parents) == 1
    assert store.open_current(store_dir).id in ids


def test_rollback_takes_the_lock_too(store_dir):
    first = _write(store_dir)
    _write(store_dir, "b")
    holder = _run(LOCK_HOLDER, str(store_dir), "1.5", wait=False)
    try:
        assert holder.stdout.readline().strip() == "LOCKED"
        started = time.monotonic()
        store.publish(first.id, store_dir)
        assert time.monotonic() - started >= 0.8
    finally:
        holder.wait(30)
        holder.stdout.close()
        holder.stderr.close()
    assert store.open_current(store_dir).id == first.id
