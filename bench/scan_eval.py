"""Calibration and power of the prospective space-time scan on the synthetic city (bench/scan_city.py).

    .venv/bin/python -m bench.scan_eval                              # defaults: a few minutes on a quiet machine
    .venv/bin/python -m bench.scan_eval --null-days 1000 --trials 300  # figures of record (long)

*Calibration*: a long background with no outbreak is analysed day by day (a 28-day window ending each day, 999
replicates); a day "signals" when any cluster has a recurrence interval ≥ 100 (or ≥ 365) days. Target: at most 1 %
of analysis days at ≥ 100. False alarms per year = signal days per 365 analysis days.
*Power*: in each trial an outbreak of 20 extra cases within 500 m over 3 days lands at a random place of a fresh
background (~3,000 cases a day over 2,000 cells of 1 km²); the scan runs on the outbreak's days 1, 2, 3 and detects
it when a cluster at the threshold includes a cell holding an outbreak case. Target: detected by day 3 in ≥ 90 %.
Prints JSON and writes bench/results/scan_eval.json; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import asdict
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from bench.scan_city import City, background, build_city, outbreak
from bench.scan_speed import RESULTS
from citybrain.analytics.scan import ScanConfig, ScanResult, scan
from citybrain.analytics.warning_options import CENTRES

THRESHOLDS = (100, 365)
END = date(2026, 11, 25)


def wilson(hits: int, n: int, z: float = 1.96) -> list[float]:
    """95 % Wilson interval of a proportion."""
    if n == 0:
        return [0.0, 1.0]
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


EXTRA: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]] | None] = {"centres": None}


def run_scan(city: City, window: NDArray[np.int64], config: ScanConfig, seed: int, day: int) -> ScanResult:
    extra = EXTRA["centres"]
    return scan(
        window, city.lat, city.lon, end=END + timedelta(days=day), config=config, seed=seed, extra_centres=extra
    )


def calibration(city: City, args: argparse.Namespace, config: ScanConfig) -> dict[str, object]:
    rng = np.random.default_rng(args.seed)
    counts = background(city, args.window + args.null_days - 1, args.per_day, rng)
    signals = {t: 0 for t in THRESHOLDS}
    clusters = {t: 0 for t in THRESHOLDS}
    best_p: list[float] = []
    for day in range(args.null_days):
        result = run_scan(city, counts[:, day : day + args.window], config, args.seed * 100_000 + day, day)
        best_p.append(result.best.p_value if result.best else 1.0)
        for t in THRESHOLDS:
            above = sum(1 for c in result.clusters if c.recurrence_days >= t)
            clusters[t] += above
            signals[t] += above > 0
        _progress("calibration", day + 1, args.null_days)
    out: dict[str, object] = {"analysis_days": args.null_days, "mean_best_p": round(float(np.mean(best_p)), 4)}
    for t in THRESHOLDS:
        out[f"ri{t}"] = {
            "signal_days": signals[t],
            "clusters": clusters[t],
            "share_of_days": round(signals[t] / args.null_days, 4),
            "share_ci95": wilson(signals[t], args.null_days),
            "false_alarms_per_year": round(365 * signals[t] / args.null_days, 2),
            "expected_share_if_calibrated": round(1 / t, 4),
        }
    return out


def power(city: City, args: argparse.Namespace, config: ScanConfig) -> dict[str, object]:
    rng = np.random.default_rng(args.seed + 1)
    first_day: dict[int, list[int | None]] = {t: [] for t in THRESHOLDS}
    elsewhere = 0
    scans = 0
    rates: list[float] = []  # background cases a day in the outbreak's cells (mean, weighted by its cases)
    spread: list[int] = []  # how many cells the outbreak's cases fell in
    for trial in range(args.trials):
        counts = background(city, args.window + args.outbreak_days - 1, args.per_day, rng)
        planted = outbreak(
            city, args.outbreak_cases, args.radius_m, args.outbreak_days, rng, at_cell_centre=args.at_cell_centre
        )
        counts = planted.add_to(counts, first_column=args.window - 1)
        where = {int(c) for c in planted.cells if c >= 0}
        inside = planted.cells[planted.cells >= 0]
        rates.append(float(np.mean(city.weights[inside])) * args.per_day if inside.size else 0.0)
        spread.append(len(where))
        found: dict[int, int | None] = {t: None for t in THRESHOLDS}
        for day in range(args.outbreak_days):
            result = run_scan(city, counts[:, day : day + args.window], config, 7_000_000 + trial * 10 + day, day)
            scans += 1
            for cluster in result.clusters:
                hit = bool(where & {int(c) for c in cluster.cells})
                elsewhere += (not hit) and cluster.recurrence_days >= THRESHOLDS[0]
                for t in THRESHOLDS:
                    if hit and cluster.recurrence_days >= t and found[t] is None:
                        found[t] = day + 1
            if all(v is not None for v in found.values()):
                break
        for t in THRESHOLDS:
            first_day[t].append(found[t])
        _progress("power", trial + 1, args.trials)
    hit = np.array([d is not None for d in first_day[THRESHOLDS[0]]])
    out: dict[str, object] = {
        "trials": args.trials,
        "scans": scans,
        "clusters_elsewhere_ri100": elsewhere,
        "outbreak_cells_median": float(np.median(spread)) if spread else None,
        "background_per_cell_day_median": {
            "detected": round(float(np.median(np.array(rates)[hit])), 2) if hit.any() else None,
            "missed": round(float(np.median(np.array(rates)[~hit])), 2) if (~hit).any() else None,
        },
        "cells_of_outbreak_median": {
            "detected": float(np.median(np.array(spread)[hit])) if hit.any() else None,
            "missed": float(np.median(np.array(spread)[~hit])) if (~hit).any() else None,
        },
    }
    for t in THRESHOLDS:
        days = [d for d in first_day[t] if d is not None]
        out[f"ri{t}"] = {
            "detected_by_day": {
                str(k): round(sum(1 for d in days if d <= k) / args.trials, 4) for k in range(1, args.outbreak_days + 1)
            },
            "detected": len(days),
            "detected_ci95": wilson(len(days), args.trials),
            "mean_days_to_detection": round(float(np.mean(days)), 2) if days else None,
            "median_days_to_detection": float(np.median(days)) if days else None,
        }
    return out


def _progress(what: str, done: int, total: int) -> None:
    if done == total or done % max(1, total // 20) == 0:
        print(f"{what}: {done}/{total}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--null-days", type=int, default=100, help="analysis days without an outbreak")
    parser.add_argument("--trials", type=int, default=50, help="outbreaks planted, one per trial")
    parser.add_argument("--replicates", type=int, default=999)
    parser.add_argument("--cells", type=int, default=2000)
    parser.add_argument("--per-day", type=float, default=3000)
    parser.add_argument("--window", type=int, default=28)
    parser.add_argument("--outbreak-cases", type=int, default=20)
    parser.add_argument("--radius-m", type=float, default=500)
    parser.add_argument("--outbreak-days", type=int, default=3)
    parser.add_argument("--cell-m", type=float, default=1000, help="grid cell side (500: 4 × --cells for one city)")
    parser.add_argument("--at-cell-centre", action="store_true", help="centre each outbreak on a cell's centre")
    parser.add_argument("--even", action="store_true", help="cases spread almost evenly over the cells")
    parser.add_argument(
        "--busyness-m", type=float, default=None,
        help="draw busyness per square of this side, spread evenly over its cells (1000: the issue's 1 km² city)",
    )  # fmt: skip
    parser.add_argument("--max-radius-m", type=float, default=ScanConfig.max_radius_m)
    parser.add_argument("--max-days", type=int, default=ScanConfig.max_days)
    parser.add_argument(
        "--centres", choices=CENTRES, default="cells",
        help="circle centres besides the cells': none, the grid's corners, or corners and side midpoints (the product)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="scan_eval", help="results file name under bench/results/ (no .json)")
    args = parser.parse_args()
    city = build_city(args.cells, seed=args.seed, cell_m=args.cell_m, even=args.even, busyness_m=args.busyness_m)
    config = ScanConfig(replicates=args.replicates, max_radius_m=args.max_radius_m, max_days=args.max_days)
    EXTRA["centres"] = city.extra_centres(args.centres)
    started = time.perf_counter()
    calibrated = calibration(city, args, config) if args.null_days else None
    powered = power(city, args, config) if args.trials else None
    report = {
        "benchmark": "scan_eval",
        "city": {
            "cells": city.cells,
            "cell_km2": round((args.cell_m / 1000) ** 2, 4),
            "busyness_per_km2": round((args.busyness_m or args.cell_m) ** 2 / 1e6, 4),
            "background": "even (lognormal σ 0.3)" if args.even else "uneven (lognormal σ 0.8, busier centre)",
            "cases_per_cell_day_quantiles_10_50_90_99": [
                round(float(q) * args.per_day, 2) for q in np.quantile(city.weights, [0.1, 0.5, 0.9, 0.99])
            ],
            "cases_per_day": args.per_day,
            "window_days": args.window,
        },
        "outbreak": {
            "cases": args.outbreak_cases,
            "radius_m": args.radius_m,
            "days": args.outbreak_days,
            "placed": "at a cell centre" if args.at_cell_centre else "anywhere (uniform over the city)",
        },
        "config": {**asdict(config), "extra_centres": args.centres},
        "calibration": calibrated,
        "power": powered,
        "targets": {"calibration_share_ri100_max": 0.01, "power_by_day3_ri100_min": 0.9},
        "met": _met(calibrated, powered, args.outbreak_days),
        "seconds": round(time.perf_counter() - started, 1),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "seed": args.seed,
    }
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(text + "\n", encoding="utf-8")


def _met(calibrated: dict[str, object] | None, powered: dict[str, object] | None, days: int) -> dict[str, bool]:
    met = {}
    if calibrated:
        met["calibration"] = calibrated["ri100"]["share_of_days"] <= 0.01  # type: ignore[index]
    if powered:
        met["power"] = powered["ri100"]["detected_by_day"][str(days)] >= 0.9  # type: ignore[index]
    return met


if __name__ == "__main__":
    main()
