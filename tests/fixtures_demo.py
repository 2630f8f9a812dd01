"""Fixture ``demo_store``: the calibrated demo store, built once per test session.

Wired in by ``tests/conftest.py`` (``from fixtures_demo import demo_store``). Built through the
real CLI, ``python -m geo.demo``, exactly as ``make run`` does; takes about 2 s.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory of a freshly built demo store (549 projects), published as CURRENT."""
    store = tmp_path_factory.mktemp("demo_store")
    done = subprocess.run([sys.executable, "-m", "geo.demo", "--store", str(store), "--quiet"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        pytest.fail(f"python -m geo.demo failed with code {done.returncode}:\n"
                    f"{done.stdout}\n{done.stderr}", pytrace=False)
    return store
