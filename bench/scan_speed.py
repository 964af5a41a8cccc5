"""How long one daily space-time scan takes: 2,000 cells × a 28-day window, 999 replicates, ~3,000 cases a day.

    .venv/bin/python -m bench.scan_speed                   # target: ≤ 10 s on the 2-core machine
    .venv/bin/python -m bench.scan_speed --repeat 5 --replicates 999 --threads 1

Prints JSON and writes bench/results/scan_speed.json. ``cold_seconds`` is the first scan in a fresh process (numba
loads its compiled kernels from the cache, or compiles them the very first time); ``seconds`` is the median of the
warm runs, the figure a daily job pays. Every replicate is run (``stop_after=0``): the cost of a day with a real
cluster; an ordinary day stops after ~100 replicates (see docs/warnings.md). The load average is recorded: on a
shared machine the figures are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numba
import numpy as np

from bench.scan_city import background, build_city
from citybrain.analytics.scan import ScanConfig, scan
from citybrain.analytics.warning_options import CENTRES

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--per-day", type=float, default=3000)
    parser.add_argument("--replicates", type=int, default=999)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="numba threads (0: all cores)")
    parser.add_argument("--cell-m", type=float, default=1000)
    parser.add_argument("--max-radius-m", type=float, default=ScanConfig.max_radius_m)
    parser.add_argument("--max-days", type=int, default=ScanConfig.max_days)
    parser.add_argument(
        "--centres", choices=CENTRES, default="cells",
        help="circle centres besides the cells': none, the grid's corners, or corners and side midpoints (the product)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="scan_speed", help="results file name under bench/results/ (no .json)")
    args = parser.parse_args()
    if args.threads:
        numba.set_num_threads(args.threads)
    city = build_city(args.cells, seed=args.seed, cell_m=args.cell_m)
    counts = background(city, args.days, args.per_day, np.random.default_rng(args.seed))
    config = ScanConfig(
        replicates=args.replicates, max_radius_m=args.max_radius_m, max_days=args.max_days, stop_after=0
    )
    extra = city.extra_centres(args.centres)
    load_before = os.getloadavg()
    timings, cpu = [], []
    result = None
    for _ in range(args.repeat + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = scan(
            counts, city.lat, city.lon, end=date(2026, 11, 25), config=config, seed=args.seed, extra_centres=extra
        )
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    assert result is not None
    report = {
        "benchmark": "scan_speed",
        "cells": city.cells,
        "cell_m": args.cell_m,
        "days": args.days,
        "cases": result.total_cases,
        "cases_per_day": round(result.total_cases / args.days),
        "replicates": args.replicates,
        "config": {**asdict(config), "extra_centres": args.centres},
        "cold_seconds": round(timings[0], 3),
        "seconds": round(statistics.median(timings[1:]), 3) if args.repeat else None,
        "warm_runs": [round(t, 3) for t in timings[1:]],
        "cpu_seconds": round(statistics.median(cpu[1:]), 3) if args.repeat else None,
        "numba_threads": numba.get_num_threads(),
        "best_llr": round(result.best.llr, 3) if result.best else None,
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "target_seconds": 10,
    }
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
