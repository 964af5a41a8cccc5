"""The space-time scan day by day over a year of Demo City (citybrain.simulate): false alarms and the planted bursts.

    .venv/bin/python -m bench.scan_demo_city                  # the last 240 days of a year, 999 replicates
    .venv/bin/python -m bench.scan_demo_city --days 120 --replicates 199

Demo City's background is *not* the scan's null: its categories have their own months, weekends and places, so
where complaints come from shifts with the calendar — the space-time interaction a real city has. Three planted
bursts of building-site trouble (21 days each, one cell each; docs/demo.md) are the true clusters. Every analysis
day goes through the product's path: the cases as a DuckDB view, ``counting.cube.build_cube`` (1 km cells, a 28-day
window), ``scan``. A day signals when a cluster reaches the recurrence threshold; a signal is *planted* when its
circle holds a planted cell during its burst (or within 7 days after: the scan still sees it), otherwise a false
alarm. Prints JSON and writes bench/results/scan_demo_city.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from bench.scan_speed import RESULTS
from citybrain.analytics.counting.cube import build_cube
from citybrain.analytics.io import connect
from citybrain.analytics.scan import ScanConfig, scan
from citybrain.analytics.warning_options import CENTRES
from citybrain.simulate.city import build_city
from citybrain.simulate.streams import generate

ZONE = "Asia/Shanghai"
THRESHOLDS = (100, 365)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=240, help="analysis days (the last ones of the year)")
    parser.add_argument("--replicates", type=int, default=999)
    parser.add_argument("--cell-m", type=float, default=1000)
    parser.add_argument("--window", type=int, default=28)
    parser.add_argument("--max-radius-m", type=float, default=ScanConfig.max_radius_m)
    parser.add_argument("--max-days", type=int, default=ScanConfig.max_days)
    parser.add_argument(
        "--centres", choices=CENTRES, default="cells",
        help="circle centres besides the cells': none, the grid's corners, or corners and side midpoints (the product)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="scan_demo_city", help="results file name under bench/results/ (no .json)")
    args = parser.parse_args()
    started = time.perf_counter()
    city = build_city(seed=args.seed)
    stream = generate(city, days=365, cases_per_day=300, seed=args.seed, now=datetime(2026, 11, 25, 23, tzinfo=UTC))
    con = connect()
    con.register("sim_cases", _table(stream.cases))
    con.execute("CREATE OR REPLACE TEMP VIEW cases AS SELECT * FROM sim_cases")
    generated = time.perf_counter() - started
    bursts = [(city.cell(p.cell_id), p.start, p.end) for p in stream.planted]
    config = ScanConfig(replicates=args.replicates, max_radius_m=args.max_radius_m, max_days=args.max_days)
    last = stream.end - timedelta(days=1)
    signals = {t: {"planted": 0, "false": 0} for t in THRESHOLDS}
    first_hit: dict[str, int | None] = {cell.id: None for cell, _, _ in bursts}
    scans_seconds = []
    for offset in range(args.days - 1, -1, -1):
        day = last - timedelta(days=offset)
        tick = time.perf_counter()
        cube = build_cube(con, as_of=day, timezone=ZONE, window_days=args.window, cell_m=args.cell_m)
        result = scan(
            cube.counts, cube.lat, cube.lon, end=day, cell_ids=cube.cells, config=config, seed=offset,
            extra_centres=cube.extra_centres(args.centres),
        )  # fmt: skip
        scans_seconds.append(time.perf_counter() - tick)
        index = {name: i for i, name in enumerate(cube.cells)}
        for t in THRESHOLDS:
            kinds = set()
            for cluster in result.clusters:
                if cluster.recurrence_days < t:
                    continue
                near = [(cube.lat[index[c]], cube.lon[index[c]]) for c in cluster.cells]
                hit = [cell.id for cell, start, end in bursts if start <= day < end + timedelta(days=7)
                       and any(_metres(cell.lat, cell.lon, a, b) < 750 for a, b in near)]  # fmt: skip
                kinds.add("planted" if hit else "false")
                for cell_id in hit:
                    if t == THRESHOLDS[0] and first_hit[cell_id] is None:
                        start = next(s for c, s, _ in bursts if c.id == cell_id)
                        first_hit[cell_id] = (day - start).days + 1
            for kind in kinds:
                signals[t][kind] += 1
        if (args.days - offset) % 20 == 0:
            print(f"day {args.days - offset}/{args.days}", file=sys.stderr, flush=True)
    analysed_bursts = [c.id for c, s, e in bursts if s >= last - timedelta(days=args.days - 1)]
    report = {
        "benchmark": "scan_demo_city",
        "cases": len(stream.cases),
        "analysis_days": args.days,
        "config": {
            "cell_m": args.cell_m,
            "window_days": args.window,
            "max_radius_m": args.max_radius_m,
            "max_days": args.max_days,
            "extra_centres": args.centres,
            "replicates": args.replicates,
        },
        "planted_bursts": [
            {
                "cell": c.id,
                "start": s.isoformat(),
                "end": e.isoformat(),
                "analysed": c.id in analysed_bursts,
                "day_of_burst_first_signalled_ri100": first_hit[c.id],
            }
            for c, s, e in bursts
        ],  # fmt: skip
        **{
            f"ri{t}": {
                "days_with_false_alarm": signals[t]["false"],
                "false_alarm_share_of_days": round(signals[t]["false"] / args.days, 4),
                "false_alarms_per_year": round(365 * signals[t]["false"] / args.days, 1),
                "days_with_planted_signal": signals[t]["planted"],
            }
            for t in THRESHOLDS
        },
        "seconds_per_day_median": round(float(np.median(scans_seconds)), 3),
        "seconds_generate": round(generated, 1),
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(text + "\n", encoding="utf-8")


def _table(cases: tuple[object, ...]) -> pa.Table:
    return pa.table(
        {
            "id": [str(c.index) for c in cases],  # type: ignore[attr-defined]
            "created_at": pa.array(
                [c.created_at.astimezone(UTC).replace(tzinfo=None) for c in cases],  # type: ignore[attr-defined]
                type=pa.timestamp("us"),
            ),
            "category": [c.category for c in cases],  # type: ignore[attr-defined]
            "lat": [c.lat for c in cases],  # type: ignore[attr-defined]
            "lon": [c.lon for c in cases],  # type: ignore[attr-defined]
            "duplicate_of": pa.array([c.duplicate_of for c in cases], type=pa.int64()),  # type: ignore[attr-defined]
        }
    )


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dy = (lat1 - lat2) * 111_320.0
    dx = (lon1 - lon2) * 111_320.0 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


if __name__ == "__main__":
    main()
