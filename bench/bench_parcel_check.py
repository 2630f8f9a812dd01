"""Benchmark: checking a parcel file against a big store, before publishing.

    python bench/bench_parcel_check.py --store /tmp/big [--rows 2000] [--repeat 3]

A parcel GeoJSON of the store's first ``--rows`` parcels, 20 of them with another area and 20
moved onto other parcels (so the overlap check has overlaps to report), is loaded once, then
checked (``geo.ingest.check``, the overlap check's share timed apart) and its change counted with
the changed fields (``publish.preview``), as the data page does after an upload. Against it, in
the same run, the whole-table comparison the page did before (``publish.diff`` of the whole
table). Not a test: it prints figures, it never fails on time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo import store  # noqa: E402
from geo.ingest import Options, check, load, overlaps  # noqa: E402
from geo.ingest import publish as pub  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = store.open_current(args.store)
    stored = store.read_table(base, "parcels")
    rows = stored.iloc[:args.rows].copy()
    rows.loc[rows.index[:20], "area_mu"] = rows["area_mu"].iloc[:20] + 1
    rows.loc[rows.index[20:40], "geometry"] = stored.geometry.iloc[args.rows:args.rows + 20].to_numpy()
    loaded = load(rows[["parcel_id", "land_use", "status", "area_mu", "geometry"]].to_json().encode(), "p.geojson",
                  "parcels")
    spent: list[float] = []
    timed_check = overlaps.check

    def counted(*a, **k):
        start = time.perf_counter()
        try:
            return timed_check(*a, **k)
        finally:
            spent.append(time.perf_counter() - start)

    overlaps.check = counted
    checks, previews, wholes = [], [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        checked = check(loaded, Options("parcels"), base=base)
        checks.append(time.perf_counter() - start)
        start = time.perf_counter()
        counts, (_, fields) = pub.preview(checked, args.store)
        previews.append(time.perf_counter() - start)
        start = time.perf_counter()
        whole = pub.diff(stored, pub.merged(stored, checked), "parcels")
        wholes.append(time.perf_counter() - start)
        assert whole == counts, (whole, counts)
    median = statistics.median
    warned = sum(1 for p in checked.report.problems if p[3] == "v_overlaps")
    print(f"{len(stored):,} stored parcels, a file of {args.rows:,} rows; median of {args.repeat}")
    print(f"check: {median(checks):.2f} s, of which the overlap check {median(spent):.2f} s ({warned} rows warned)")
    print(f"change count with the changed fields: {median(previews):.2f} s ({counts}, {fields} fields)")
    print(f"whole-table comparison (before): {median(wholes):.2f} s; ratio {median(wholes) / median(previews):.1f}x")


if __name__ == "__main__":
    main()
