"""Benchmark and calibration of the temporal detectors (analytics.detectors).

    .venv/bin/python bench/detectors.py              # 1,000 series × 3 years: speed of one daily run + null calibration
    .venv/bin/python bench/detectors.py --quick      # 200 series, shorter calibration (while developing)

Speed: one daily run of every method (``run_all`` for the last day, TemporalSignal records included) over
1,000 series of 1,095 days each; generating the data is not timed; best and median of ``--repeat`` runs.
Target: within 5 s. CPU seconds are reported beside wall time: on a shared machine they show what a quiet one takes.

Calibration: null data (no outbreak planted) — Poisson and negative-binomial (variance 2× the mean) counts with a
weekly rhythm, an annual season and levels from 0.3 to 30 cases a day. Every method judges each of the last 365
days; reported per method: alerts per series-year at the default thresholds, the share of analysis days with an
alert, and the share of days with p ≤ 0.01 (a recurrence interval of 100 days or more; target ≤ 1 %).
Farrington refits its model every day, so its calibration uses fewer series (``--farrington-series``).
Prints JSON and writes bench/results/detectors.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from citybrain.analytics.detectors import DEFAULT_METHODS, evaluate, run_all
from citybrain.analytics.detectors.calendar import calendar_for

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DAYS = 1095


def null_counts(series: int, days: int, seed: int, *, dispersion: float = 1.0) -> tuple[np.ndarray, list[date]]:
    """Counts without outbreaks: weekday rhythm, annual season, level 0.3–30/day; NB when dispersion > 1."""
    rng = np.random.default_rng(seed)
    dates = [date(2023, 1, 2) + timedelta(days=i) for i in range(days)]
    weekday = np.array([d.weekday() for d in dates])
    level = np.exp(rng.uniform(np.log(0.3), np.log(30.0), (series, 1)))
    phase = rng.uniform(0, 2 * np.pi, (series, 1))
    season = np.exp(0.25 * np.sin(2 * np.pi * np.arange(days) / 365.25 + phase))
    mean = level * season * np.where(weekday >= 5, 0.65, 1.14)
    if dispersion > 1.0:
        size = mean / (dispersion - 1.0)
        mean = rng.gamma(size, mean / size)
    return rng.poisson(mean).astype(float), dates


def speed(series: int, repeat: int) -> dict[str, object]:
    counts, dates = null_counts(series, DAYS, seed=1)
    keys = [("category", f"D{i:04d}") for i in range(series)]
    totals, cpu, per_method = [], [], {m: [] for m in DEFAULT_METHODS}
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        signals = run_all(counts, dates, keys)
        totals.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    calendar = calendar_for(dates)
    last = np.array([DAYS - 1], dtype=np.int64)
    for method in DEFAULT_METHODS:
        for _ in range(repeat):
            started = time.perf_counter()
            evaluate(counts, calendar, last, [method])
            per_method[method].append(time.perf_counter() - started)
    return {
        "series": series,
        "days_of_history": DAYS,
        "methods": list(DEFAULT_METHODS),
        "signals": len(signals),
        "daily_run_seconds_best": round(min(totals), 3),
        "daily_run_seconds_median": round(statistics.median(totals), 3),
        "daily_run_cpu_seconds_best": round(min(cpu), 3),
        "per_method_seconds_best": {m: round(min(v), 3) for m, v in per_method.items()},
        "target_seconds": 5.0,
    }


def calibration(series: int, farrington_series: int, days: int) -> dict[str, object]:
    out: dict[str, object] = {"analysis_days": days}
    for family, dispersion in (("poisson", 1.0), ("negative_binomial_var_2x_mean", 2.0)):
        counts, dates = null_counts(series, DAYS, seed=2, dispersion=dispersion)
        calendar = calendar_for(dates)
        steps = np.arange(DAYS - days, DAYS, dtype=np.int64)
        rows: dict[str, object] = {}
        for method in DEFAULT_METHODS:
            subset = counts[:farrington_series] if method == "farrington" else counts
            result = evaluate(subset, calendar, steps, [method])[method]
            judged = result.judged
            n = int(judged.sum())
            alerts = int(result.alert.sum())
            small_p = int((np.nan_to_num(result.p_value, nan=1.0) <= 0.01)[judged].sum())
            rows[method] = {
                "series": int(subset.shape[0]),
                "judged_days": n,
                "alerts_per_series_year": round(alerts / n * 365, 2),
                "alert_share_of_days": round(alerts / n, 4),
                "p_le_0_01_share_of_days": round(small_p / n, 4),
            }
            print(family, method, rows[method], flush=True)
        out[family] = rows
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--calibration-series", type=int, default=300)
    parser.add_argument("--farrington-series", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="200 series, 100 calibration series, 90 days")
    args = parser.parse_args()
    if args.quick:
        args.series, args.calibration_series, args.farrington_series = 200, 100, 20
    days = 90 if args.quick else 365
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]}
    result = {
        "machine": machine,
        "speed": speed(args.series, args.repeat),
        "calibration_null_data": calibration(args.calibration_series, args.farrington_series, days),
    }
    result["machine"]["load_avg_1m_after"] = os.getloadavg()[0]  # type: ignore[index]
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if not args.quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "detectors.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
