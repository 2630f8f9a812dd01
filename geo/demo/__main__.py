"""``python -m geo.demo``: build the demo store (or a scaled benchmark store) and publish it.

    python -m geo.demo                       # the calibrated demo, published as CURRENT
    python -m geo.demo --parcels 1000000 --projects 100000 --store /tmp/big
    python -m geo.demo --if-missing          # only when there is no usable store yet (make run)

A scale the machine cannot hold is refused before anything is generated, with the estimate.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from geo.demo.build import AS_OF, DEFAULT_SEED, Scale, build_demo

# Peak bytes per generated row while building and writing (1 M parcels + 100 k projects peaked
# at 1.98 GB RSS; these add ~30 % headroom): shapely objects, pandas copies and the Parquet encoder all hold a row at once.
BYTES_PER_ROW = {"parcels": 1_600, "projects": 3_000, "transformer_areas": 1_200,
                 "substations": 2_000, "tasks": 1_500}
BASE_BYTES = 700 * 2**20


def estimate_bytes(scale: Scale) -> int:
    return BASE_BYTES + sum(BYTES_PER_ROW[name] * getattr(scale, name) for name in BYTES_PER_ROW)


def available_bytes() -> int:
    """MemAvailable from /proc/meminfo (what can be used without swapping)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 2**63


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    scale = Scale(args.parcels, args.projects, args.transformer_areas, args.substations, args.tasks)
    need, have = estimate_bytes(scale), available_bytes()
    if need > 0.8 * have:
        print(f"refused: this scale needs about {need / 2**30:.1f} GiB of memory while building, "
              f"and only {have / 2**30:.1f} GiB is available. Use a smaller --parcels/--projects.",
              file=sys.stderr)
        return 2
    from geo import store  # imported late so --help and the refusal stay instant

    if args.if_missing and _usable_store(store, args.store):
        print("store present: nothing to build")
        return 0
    started = time.perf_counter()
    say = (lambda m: None) if args.quiet else (lambda m: print(f"  building {m} … ({time.perf_counter() - started:.1f} s)"))
    print(f"building the demo store (seed {args.seed}, as of {AS_OF}; estimated peak {need / 2**30:.1f} GiB)")
    tables = build_demo(args.seed, scale, progress=say)
    note = "calibrated demo" if scale.is_demo else f"scaled benchmark store: {scale}"
    snapshot = store.write_snapshot(
        tables, as_of=AS_OF, published_by="geo.demo", sources=[f"geo.demo seed={args.seed}"],
        note=note, store_dir=args.store, publish=True,
    )
    rows = ", ".join(f"{name} {len(frame):,}" for name, frame in tables.items())
    print(f"published snapshot {snapshot.id} in {time.perf_counter() - started:.1f} s: {rows}")
    del tables  # the frames are written: free them before DuckDB builds
    from geo.snapshot_db import precompute_derived

    print(f"  derived tables built and kept beside it in {precompute_derived(snapshot):.1f} s "
          "(the app's first start reads them)")
    return 0


def _usable_store(store, store_dir: Path | None) -> bool:
    try:
        store.open_current(store_dir)
        return True
    except store.StoreError:
        return False


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m geo.demo", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--store", type=Path, default=None, help="store directory (default: $ZZMAP_STORE or data/store)")
    p.add_argument("--if-missing", action="store_true", help="do nothing when a usable store exists")
    p.add_argument("--quiet", action="store_true")
    scale = p.add_argument_group("scale (extra rows on top of the calibrated demo, for benchmarks)")
    for name in ("parcels", "projects", "transformer-areas", "substations", "tasks"):
        scale.add_argument(f"--{name}", type=_count, default=0, metavar="N")
    return p


def _count(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value < 0:
        raise argparse.ArgumentTypeError("must be zero or more")
    return value


if __name__ == "__main__":
    raise SystemExit(main())
