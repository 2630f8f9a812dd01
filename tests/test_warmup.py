"""geo.warmup: the cold-start warm-up runs only in a real server, once, and only does early what
the first page would do (open the store, create the views, start the query layer's warming)."""

from __future__ import annotations

import sys

from geo import query as q
from geo import warmup


def test_nothing_starts_outside_a_server(monkeypatch):
    monkeypatch.setattr(warmup, "_started", False)
    assert not warmup.in_server()  # pytest / AppTest: Streamlit's bootstrap never ran
    assert warmup.start() is False
    assert warmup._started is False


def test_starts_once_in_a_server(monkeypatch):
    started = []
    monkeypatch.setattr(warmup, "_started", False)
    monkeypatch.setattr(warmup, "in_server", lambda: True)
    monkeypatch.setattr(warmup.threading, "Thread", lambda **kw: type("T", (), {"start": lambda self: started.append(kw["name"])})())
    assert warmup.start() is True
    assert warmup.start() is False
    assert started == ["zzmap-startup"]


def test_warm_opens_the_published_snapshot_and_imports_the_pages_modules(monkeypatch, tiny_snapshot, store_dir):
    monkeypatch.setenv("ZZMAP_STORE", str(store_dir))
    warmup._warm()
    db = q._database(tiny_snapshot)
    assert tiny_snapshot in db.views  # views created: the query layer's warming has started
    assert all(name in sys.modules for name in warmup.MODULES)


def test_warm_without_a_store_leaves_it_to_the_page(monkeypatch, tmp_path):
    monkeypatch.setenv("ZZMAP_STORE", str(tmp_path / "nothing"))
    warmup._warm()  # no exception: the page's own store check explains and offers the demo
    assert not (tmp_path / "nothing").exists()
