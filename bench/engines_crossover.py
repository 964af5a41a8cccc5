"""The crossover of the counting engines: the daily analysis (associations over the half-year and the day's early
warnings) on N synthetic cases, on DuckDB and on Spark ``local[2]``, wall time and peak memory of each.

The cases are ``bench/associations_10m.py``'s megacity (seeded, 60 km × 60 km, 182 days), written once as a Parquet
snapshot (``cases.snapshot``'s columns; not timed). Each engine then runs in a child process of its own, which
opens the snapshot (``analytics.io.open_snapshot``: the engine reads the Parquet itself), counts the baskets and mines
the rules (no permutations), and judges the last day (series, detectors, cube and scan with 99 replicates). Peak
memory is the largest resident set of the child and everything it started (Spark's JVM too), sampled every 0.2 s from
/proc. The JSON is printed and written to bench/results/engines_crossover_<N>.json.

    .venv/bin/python bench/engines_crossover.py --cases 1000000
    .venv/bin/python bench/engines_crossover.py --cases 10000000 --engines duckdb,spark
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def make_snapshot(path: Path, cases: int, seed: int) -> None:
    """The megacity as a one-run snapshot file (the columns ``export parquet`` writes)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from bench.associations_10m import generate

    raw = path.with_suffix(".raw.parquet")
    generate(raw, cases, seed)
    table = pq.read_table(raw)
    n = table.num_rows
    table = table.set_column(0, "id", pc.cast(table.column("id"), pa.string()))
    table = table.set_column(2, "category", table.column("category").cast(pa.string()))
    extra = {
        "district": pa.array(["D01"] * n),
        "grid": pa.nulls(n, pa.string()),
        "status": pa.array(["closed"] * n),
        "likes": pa.array([0] * n, pa.int64()),
        "dislikes": pa.array([0] * n, pa.int64()),
        "duplicate_of": pa.nulls(n, pa.int64()),
        "snapshot_run": pa.array([1] * n, pa.int64()),
    }
    for name, column in extra.items():
        table = table.append_column(name, column)
    pq.write_table(table, path, compression="zstd")
    raw.unlink()


def child(engine: str, snapshot: Path) -> dict[str, Any]:
    """One engine's daily analysis on the snapshot (run in its own process)."""
    from bench.associations_10m import DAYS, START
    from citybrain.analytics import io
    from citybrain.analytics.associations.analysis import AssociationParams, run_associations
    from citybrain.analytics.warning_options import WarningOptions
    from citybrain.analytics.warnings import run

    timings: dict[str, float] = {}
    started = time.perf_counter()
    con = io.connect(engine=engine, master="local[2]")
    timings["connect_s"] = time.perf_counter() - started
    mark = time.perf_counter()
    opened = io.open_snapshot(con, [snapshot])
    timings["open_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    rules = run_associations(con, AssociationParams(permutations=0, min_support=20, timezone="Asia/Shanghai"))
    timings["associations_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    day = date(START.year, START.month, START.day) + timedelta(days=DAYS - 1)
    found = run(con, as_of=day, timezone="Asia/Shanghai", options=WarningOptions(replicates=99, seed=1))
    timings["warnings_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - started
    return {
        "engine": engine,
        "rows": opened.rows,
        "rules": len(rules.rules),
        "baskets": rules.summary["baskets"],
        "temporal": len(found.temporal),
        "clusters": len(found.clusters),
        **{k: round(v, 2) for k, v in timings.items()},
    }


def _tree_rss(pid: int) -> int:
    """Resident set (bytes) of ``pid`` and all its descendants, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as handle:
                    todo += [int(c) for c in handle.read().split()]
        except (OSError, ValueError):
            continue
    return total


def measure(engine: str, snapshot: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", engine, "--file", str(snapshot)]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.2)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        return {"engine": engine, "failed": proc.returncode}
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - started, 2)
    result["peak_rss_mb"] = round(peak / 2**20)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--file", type=Path, default=None, help="keep/reuse the snapshot file here")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--note", default="", help="e.g. that the machine was loaded")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.file)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = args.file or Path(tmp) / "snapshot.parquet"
        if not snapshot.exists():
            make_snapshot(snapshot, args.cases, args.seed)
        runs = [measure(engine, snapshot) for engine in args.engines.split(",")]
    document = {
        "benchmark": "engines_crossover",
        "cases": args.cases,
        "spark_master": "local[2]",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "note": args.note,
        "runs": runs,
    }
    text = json.dumps(document, indent=2)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"engines_crossover_{args.cases}.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
