"""Benchmark of the daily AQI (HJ 633-2012 日报): 12 Beijing stations × 4 years (../shared/data/beijing_multisite_air).

    .venv/bin/python bench/aqi_daily.py              # 5 runs; writes bench/results/aqi_daily.json
    .venv/bin/python bench/aqi_daily.py --repeat 3

Timed, each run from scratch: reading the 12 gzip CSV files (420,768 hourly rows) into Arrow, laying them on the
station × hour grid, computing every IAQI and the AQI of the 17,532 station-days (validity rules included), and
building the records the command writes (reasons included). Reported: median and best of ``--repeat`` runs for
read + compute and for compute alone (grid + index + records, from the table already read), with CPU seconds beside
wall time (2 shared cores: CPU time shows what a quiet machine takes). Target: read + compute within 2 s.
Prints JSON and writes bench/results/aqi_daily.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections import Counter
from pathlib import Path

from citybrain.sensing.air_files import read_air_files
from citybrain.sensing.air_grid import air_series
from citybrain.sensing.air_report import daily_index, records

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = ROOT.parent / "shared" / "data" / "beijing_multisite_air"


def one_run(files: list[Path]) -> dict[str, float | int]:
    started, started_cpu = time.perf_counter(), time.process_time()
    table = read_air_files(files)
    read_done, read_cpu = time.perf_counter(), time.process_time()
    series = air_series(table)
    grid = daily_index(series)
    index_done = time.perf_counter()
    out = records(grid)
    done, done_cpu = time.perf_counter(), time.process_time()
    return {
        "rows": table.num_rows,
        "records": len(out),
        "with_aqi": sum(1 for r in out if r["aqi"] is not None),
        "read_s": read_done - started,
        "compute_s": done - read_done,
        "index_only_s": index_done - read_done,
        "total_s": done - started,
        "compute_cpu_s": done_cpu - read_cpu,
        "total_cpu_s": done_cpu - started_cpu,
        "categories": dict(Counter(str(r["category"]) for r in out if r["aqi"] is not None)),  # type: ignore[dict-item]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = sorted(DATA.glob("PRSA_Data_*_20130301-20170228.csv.gz"))
    if len(files) != 12:
        raise SystemExit(f"expected the 12 Beijing files in {DATA}, found {len(files)}")
    load_before = os.getloadavg()[0]
    runs = [one_run(files) for _ in range(args.repeat)]

    def summary(key: str) -> dict[str, float]:
        values = [float(r[key]) for r in runs]
        return {"median": round(statistics.median(values), 3), "best": round(min(values), 3)}

    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": load_before,
                    "load_avg_1m_after": os.getloadavg()[0]},
        "data": {"files": len(files), "stations": 12, "hourly_rows": runs[0]["rows"],
                 "station_days": runs[0]["records"], "station_days_with_aqi": runs[0]["with_aqi"],
                 "categories": runs[0]["categories"]},
        "repeat": args.repeat,
        "read_plus_compute_seconds": summary("total_s"),
        "read_seconds": summary("read_s"),
        "compute_seconds": summary("compute_s"),
        "index_arrays_only_seconds": summary("index_only_s"),
        "read_plus_compute_cpu_seconds": summary("total_cpu_s"),
        "compute_cpu_seconds": summary("compute_cpu_s"),
        "target_seconds": 2.0,
    }  # fmt: skip
    print(json.dumps(result, ensure_ascii=False, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "aqi_daily.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
