"""Benchmark: the overview's figures through the DuckDB query layer vs the naive pandas way.

    python bench/bench_overview.py [--store DIR] [--repeat 20]

Ours: ``geo.overview`` functions (scoped, bound DuckDB queries over the snapshot's GeoParquet).
Baseline, what a typical Streamlit app does: ``geopandas.read_parquet`` every table on each
change, then filter and aggregate with pandas. Both compute the same figures (checked), for the
whole city and for one district; the script prints p50/p95 per interaction and the ratio.
Not a test: it prints figures, it never fails on time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo import overview, store  # noqa: E402
from geo.filters import Filters  # noqa: E402
from geo.query import Scope  # noqa: E402


def ours(snapshot, filters: Filters) -> dict:
    scope = Scope.all()
    p = overview.project_figures(snapshot, scope, filters)
    g = overview.grid_figures(snapshot, scope, filters)
    land = overview.land_figures(snapshot, scope, filters)
    overview.district_summary(snapshot, scope, filters)
    return {"projects": p["all"].count, "total": p["all"].total_yi, "peak": g["peak_mw"],
            "disposed": land["批而未供"]["disposed_mu"]}


def baseline(snapshot, filters: Filters) -> dict:
    """Load everything, then filter in pandas: the pattern the design notes warn about."""
    tables = {name: gpd.read_parquet(snapshot.table_path(name)) for name in
              ("projects", "parcels", "substations", "plants", "transformer_areas", "districts")}
    def pick(df):
        return df[df["district_adcode"].isin(filters.districts)] if filters.districts else df
    p = pick(tables["projects"])
    key = p[p["level"].isin(["省重点", "市重点"])]
    s = pick(tables["substations"])
    peak = s[(s["voltage_kv"] == 220) & (s["status"] == "在运")]["peak_load_mw"].sum()
    l = pick(tables["parcels"])
    disposed = l[(l["idle_class"] == "批而未供") & (l["disposed_on"].dt.year == snapshot.as_of.year - 1)]["area_mu"].sum()
    key.groupby("district_adcode")[["total_investment_yi", "annual_plan_yi"]].sum()
    return {"projects": len(key), "total": round(key["total_investment_yi"].sum(), 2),
            "peak": round(peak, 2), "disposed": round(disposed, 2)}


def timed(fn, *args, repeat: int) -> tuple[dict, list[float]]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        times.append((time.perf_counter() - start) * 1000)
    return result, times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    snapshot = store.open_current(args.store)
    rows = {t: snapshot.row_count(t) for t in ("projects", "parcels", "transformer_areas")}
    print(f"snapshot {snapshot.id}: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    ours(snapshot, Filters())  # warm up: views, extension, page cache
    print(f"{'interaction':<28}{'ours p50':>10}{'p95':>9}{'baseline p50':>14}{'p95':>9}{'ratio':>8}")
    for label, filters in (("whole city", Filters()), ("district = 醴陵市", Filters(districts=("430281",)))):
        mine, t_ours = timed(ours, snapshot, filters, repeat=args.repeat)
        theirs, t_base = timed(baseline, snapshot, filters, repeat=max(3, args.repeat // 5))
        assert mine == theirs, (mine, theirs)
        ratio = statistics.median(t_base) / statistics.median(t_ours)
        print(f"{label:<28}{statistics.median(t_ours):>8.1f}ms{pct(t_ours, 95):>7.1f}ms"
              f"{statistics.median(t_base):>12.1f}ms{pct(t_base, 95):>7.1f}ms{ratio:>7.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
