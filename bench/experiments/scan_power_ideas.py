"""Paired experiment: which scan settings detect the issue's outbreak (20 cases / 500 m / 3 days) most often?

Every trial draws one background and one outbreak (bench/scan_city.py) and runs every candidate on the same counts,
days 1, 2, 3, so the candidates differ only by their settings. A candidate detects the outbreak when a cluster with a
recurrence interval ≥ 100 days holds a cell with an outbreak case (as bench/scan_eval.py). One JSON line per
candidate is appended to bench/experiments/scan_power_ideas.jsonl.

    .venv/bin/python -m bench.experiments.scan_power_ideas --trials 100 --ideas base,mid,days5
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from bench.scan_city import City, background, build_city, outbreak
from numpy.typing import NDArray

from citybrain.analytics.scan import ScanConfig, scan

END = date(2026, 11, 25)
LOG = Path(__file__).with_suffix(".jsonl")
Points = tuple[NDArray[np.float64], NDArray[np.float64]]


@dataclass(frozen=True)
class Idea:
    config: ScanConfig
    centres: Callable[[City], Points | None]
    window: int = 0  # days of the scan's window (0: --window)


def _ideas() -> dict[str, Idea]:
    base = ScanConfig(max_radius_m=750, max_days=7)
    corners: Callable[[City], Points | None] = lambda c: c.extra_centres("corners")  # noqa: E731
    mid: Callable[[City], Points | None] = lambda c: c.extra_centres("half")  # noqa: E731
    return {
        "base": Idea(base, corners),
        "mid": Idea(base, mid),
        "days5": Idea(ScanConfig(max_radius_m=750, max_days=5), corners),
        "days3": Idea(ScanConfig(max_radius_m=750, max_days=3), corners),
        "mid_days3": Idea(ScanConfig(max_radius_m=750, max_days=3), mid),
        "mid_days5": Idea(ScanConfig(max_radius_m=750, max_days=5), mid),
        "mid_r600": Idea(ScanConfig(max_radius_m=600, max_days=7), mid),
        "mid_r900": Idea(ScanConfig(max_radius_m=900, max_days=7), mid),
        "share05": Idea(ScanConfig(max_radius_m=750, max_days=7, max_share=0.05), corners),
        "cellsonly": Idea(base, lambda c: None),
        "cellsonly_min10": Idea(ScanConfig(max_radius_m=750, max_days=7, min_cases=10), lambda c: None),
        "mid_w168": Idea(base, mid, window=168),
        "mid_w126": Idea(base, mid, window=126),
        "min10": Idea(ScanConfig(max_radius_m=750, max_days=7, min_cases=10), corners),
        "min15": Idea(ScanConfig(max_radius_m=750, max_days=7, min_cases=15), corners),
        "mid_min10": Idea(ScanConfig(max_radius_m=750, max_days=7, min_cases=10), mid),
        "mid_min15": Idea(ScanConfig(max_radius_m=750, max_days=7, min_cases=15), mid),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ideas", default="base,mid")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--cells", type=int, default=8000)
    parser.add_argument("--cell-m", type=float, default=500)
    parser.add_argument("--window", type=int, default=84)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--even", action="store_true", help="cases spread almost evenly over the cells")
    args = parser.parse_args()
    ideas = {name: _ideas()[name] for name in args.ideas.split(",")}
    city = build_city(args.cells, seed=args.seed, cell_m=args.cell_m, even=args.even)
    centres = {name: idea.centres(city) for name, idea in ideas.items()}
    windows = {name: idea.window or args.window for name, idea in ideas.items()}
    length = max(windows.values()) + 2  # the longest window ending on the outbreak's third day
    rng = np.random.default_rng(args.seed + 1)
    hits: dict[str, list[int | None]] = {name: [] for name in ideas}
    seconds = dict.fromkeys(ideas, 0.0)
    for trial in range(args.trials):
        counts = background(city, length, 3000, rng)
        planted = outbreak(city, 20, 500, 3, rng)
        counts = planted.add_to(counts, first_column=length - 3)
        where = {int(c) for c in planted.cells if c >= 0}
        for name, idea in ideas.items():
            found = None
            for day in range(3):
                started = time.perf_counter()
                last = length - 2 + day  # the analysis day's column, exclusive
                result = scan(
                    counts[:, last - windows[name] : last], city.lat, city.lon, end=END + timedelta(days=day),
                    config=idea.config, seed=7_000_000 + trial * 10 + day, extra_centres=centres[name],
                )  # fmt: skip
                seconds[name] += time.perf_counter() - started
                if any(c.recurrence_days >= 100 and where & set(map(int, c.cells)) for c in result.clusters):
                    found = day + 1
                    break
            hits[name].append(found)
        if (trial + 1) % 10 == 0:
            line = " ".join(f"{n}={sum(d is not None for d in h)}" for n, h in hits.items())
            print(f"{trial + 1}/{args.trials} {line}", file=sys.stderr, flush=True)
    with LOG.open("a", encoding="utf-8") as out:
        for name, found in hits.items():
            record = {
                "idea": name,
                "trials": args.trials,
                "seed": args.seed,
                "by_day": [sum(1 for d in found if d is not None and d <= k) / args.trials for k in (1, 2, 3)],
                "seconds_per_scan": round(seconds[name] / max(1, sum(d or 3 for d in found)), 3),
                "config": {k: getattr(ideas[name].config, k) for k in ("max_radius_m", "max_days", "min_cases")},
                "window": windows[name],
                "cells": args.cells,
                "cell_m": args.cell_m,
                "even": args.even,
            }
            out.write(json.dumps(record) + "\n")
            print(json.dumps(record))


if __name__ == "__main__":
    main()
