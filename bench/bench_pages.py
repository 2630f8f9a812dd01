"""Benchmark: server time of the pages per interaction, measured with Streamlit's AppTest.

    python bench/bench_pages.py [--store DIR] [--repeat 10]

For each interaction the whole script run is timed (app.py + the page: queries, layer building,
element serialisation), p50 and p95 over ``--repeat`` runs, plus the size of the pydeck JSON
sent for the map. Filter values alternate between two settings so every timed run is a real
change (the query cache would otherwise answer a repeated one). Prints figures; never fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from streamlit.testing.v1 import AppTest  # noqa: E402

INTERACTIONS = {  # name -> (page, widget key, two values to alternate between)
    "overview: district filter": ("pages/overview.py", "f_district", [["430281"], ["430223"]]),
    "investment: district filter": ("pages/investment.py", "f_district", [["430281"], ["430202"]]),
    "investment: stage filter": ("pages/investment.py", "f_stage", [["在建"], ["前期"]]),
    "investment: search": ("pages/investment.py", "f_q", ["电", "项目"]),
    "investment: choropleth": ("pages/investment.py", "inv_map_mode", ["choropleth", "points"]),
    "land: district filter": ("pages/land.py", "f_district", [["430281"], ["430223"]]),
    "land: status filter": ("pages/land.py", "f_status", [["批而未供"], ["低效"]]),
    "land: park filter": ("pages/land.py", "f_park", [["醴陵经开区东富工业园"], ["攸县高新区"]]),
    "energy: district filter": ("pages/energy.py", "f_district", [["430281"], ["430223"]]),
    "energy: voltage filter": ("pages/energy.py", "f_kv", [["110"], ["35"]]),
    "energy: layers": ("pages/energy.py", "en_layers", [["stations", "plants", "areas", "risk"], ["stations"]]),
    "energy: headroom map": ("pages/energy.py", "en_map_mode", ["headroom", "assets"]),
}


def deck_bytes(at: AppTest) -> int:
    """Size of the pydeck JSON of the page's map (the largest single message part)."""
    sizes = [len(getattr(node, "proto", None).json.encode()) for node in at.get("deck_gl_json_chart")
             if getattr(getattr(node, "proto", None), "json", None)] if hasattr(at, "get") else []
    return max(sizes, default=0)


def run(store: Path | None, repeat: int) -> None:
    if store:
        os.environ["ZZMAP_STORE"] = str(store)
    print(f"{'interaction':<32}{'p50':>9}{'p95':>9}{'map JSON':>12}")
    for name, (page, key, values) in INTERACTIONS.items():
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
        start = time.perf_counter()
        at.run()
        if page != "pages/overview.py":
            at.switch_page(page)
        at.run()
        first = (time.perf_counter() - start) * 1000
        times = []
        for i in range(repeat):
            widget = _widget(at, key)
            widget.set_value(values[i % 2])
            start = time.perf_counter()
            at.run()
            times.append((time.perf_counter() - start) * 1000)
            assert not at.exception, at.exception
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(f"{name:<32}{statistics.median(times):>7.0f}ms{p95:>7.0f}ms{deck_bytes(at) / 1024:>9.0f} KB"
              f"   (first load {first:.0f} ms)")


def _widget(at: AppTest, key: str):
    for kind in ("multiselect", "text_input", "segmented_control", "button_group"):
        try:
            return getattr(at, kind)(key=key)
        except KeyError:
            continue
    raise KeyError(key)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    run(args.store, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
