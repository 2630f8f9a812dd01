"""Benchmark: a 100,000-row projects ledger through the import (read, map, normalise, locate,
validate) and publish (upsert into a new snapshot), as CSV and as XLSX.

    python bench/bench_ingest.py [--store DIR] [--rows 100000]

The ledger is built from the store's projects (the demo store by default, built into a temp dir):
rows repeat the real projects' positions and values under new ids, written the way a department
sends them: Chinese headers with units (总投资（万元） in 万元, so every amount is converted),
district names (醴陵 / 醴陵市), dates as 2023年3月5日 text in the CSV and real dates in the XLSX.
Each format publishes into its own copy of the store. Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from geo import store  # noqa: E402
from geo.boundaries import DISTRICTS  # noqa: E402
from geo.ingest import Options, check, load  # noqa: E402
from geo.ingest import publish as pub  # noqa: E402


def ledger(projects: pd.DataFrame, rows: int) -> pd.DataFrame:
    idx = np.arange(rows) % len(projects)
    src = projects.iloc[idx].reset_index(drop=True)
    short = {code: zh[:-1] if i % 2 else zh for i, (code, (zh, _)) in enumerate(DISTRICTS.items())}
    out = pd.DataFrame({
        "项目编号": [f"BX{i:07d}" for i in range(rows)],
        "项目名称": src["name"].to_numpy(),
        "所属区县": src["district_adcode"].map(short).to_numpy(),
        "所在园区": src["park"].to_numpy(),
        "产业链": src["industry_chain"].to_numpy(),
        "项目类别": src["category"].to_numpy(),
        "项目级别": src["level"].to_numpy(),
        "项目阶段": src["stage"].to_numpy(),
        "总投资（万元）": (src["total_investment_yi"] * 1e4).round(2).to_numpy(),
        "年度计划投资（亿元）": src["annual_plan_yi"].to_numpy(),
        "年度已完成投资（亿元）": src["completed_yi"].to_numpy(),
        "计划开工": src["planned_start"].to_numpy(),
        "实际开工": src["actual_start"].to_numpy(),
        "业主单位": src["owner"].to_numpy(),
        "经度": src.geometry.x.round(6).to_numpy(),
        "纬度": src.geometry.y.round(6).to_numpy(),
    })
    return out


def write_csv(df: pd.DataFrame, path: Path) -> None:
    text = df.copy()
    for col in ("计划开工", "实际开工"):
        d = pd.to_datetime(text[col])
        text[col] = [f"{v.year}年{v.month}月{v.day}日" if pd.notna(v) else "" for v in d]
    text.to_csv(path, index=False, encoding="gbk", errors="replace")


def write_xlsx(df: pd.DataFrame, path: Path) -> None:
    with pd.ExcelWriter(path, engine="xlsxwriter") as xw:
        df.to_excel(xw, index=False, sheet_name="项目台账")


def run(path: Path, store_dir: Path) -> dict:
    t0 = time.perf_counter()
    loaded = load(path.read_bytes(), path.name, "projects")
    t1 = time.perf_counter()
    checked = check(loaded, Options("projects", mode="upsert"), base=store.open_current(store_dir))
    t2 = time.perf_counter()
    done = pub.publish(checked, published_by="bench", store_dir=store_dir)
    t3 = time.perf_counter()
    again = pub.publish(check(load(path.read_bytes(), path.name, "projects"), Options("projects"),
                              base=store.open_current(store_dir)), published_by="bench", store_dir=store_dir)
    return {"read": t1 - t0, "check": t2 - t1, "publish": t3 - t2, "total": t3 - t0,
            "accepted": checked.report.accepted, "rejected": checked.report.rejected,
            "changed": checked.report.changed, "diff": done.diff, "second": again.snapshot is None,
            "mb": path.stat().st_size / 2**20}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", type=Path, help="a store to copy (default: build the demo store)")
    p.add_argument("--rows", type=int, default=100_000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        tmp = Path(tmp)
        source = args.store
        if source is None:
            source = tmp / "demo"
            subprocess.run([sys.executable, "-m", "geo.demo", "--store", str(source), "--quiet"], cwd=REPO, check=True,
                           capture_output=True)
        projects = store.read_table(store.open_current(source), "projects")
        df = ledger(projects, args.rows)
        files = {"csv": tmp / "项目台账.csv", "xlsx": tmp / "项目台账.xlsx"}
        t = time.perf_counter()
        write_csv(df, files["csv"])
        write_xlsx(df, files["xlsx"])
        print(f"ledger: {args.rows:,} rows x {df.shape[1]} columns (written in {time.perf_counter() - t:.1f} s)")
        for kind, path in files.items():
            copy = tmp / f"store-{kind}"
            shutil.copytree(source, copy)
            r = run(path, copy)
            print(f"{kind:>4} {r['mb']:5.1f} MB: read+header {r['read']:5.1f} s | normalise+locate+validate "
                  f"{r['check']:5.1f} s | publish {r['publish']:5.1f} s | total {r['total']:5.1f} s | "
                  f"accepted {r['accepted']:,} rejected {r['rejected']:,} normalised {r['changed']:,} | "
                  f"{r['diff']} | same file again writes nothing: {r['second']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
