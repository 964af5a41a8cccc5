"""``citybrain analyze associations`` on a megacity's half-year: 10,000,000 cases, time and peak memory.

A child process writes a seeded synthetic Parquet file (not timed): 60 km × 60 km, 30 categories that follow people
(dense downtown) or building work, with winter, summer or flat seasons, and a planted association (night noise,
construction site and road works together at 40 sites for three weeks each). This process then runs the whole analysis
as the command does — open the file, count, mine, test, permute, examples, JSON — and reports the wall time and
its own peak RSS (``resource.getrusage``).

    .venv/bin/python bench/associations_10m.py                  # 10,000,000 cases
    .venv/bin/python bench/associations_10m.py --cases 1000000  # quicker
    .venv/bin/python bench/associations_10m.py --file /tmp/megacity.parquet   # keep/reuse the generated file

Target (issue 4): within 60 s on a 2-core machine, peak memory under 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DAYS = 182
START = datetime(2025, 1, 6)  # a Monday, local time
SIDE_KM = 60
PLANTED = ("noise.construction.night", "construction.site", "roads.works")
SITES = 40  # building sites with the planted association, each for three weeks
BUILDING = ("noise.construction.night", "noise.construction", "construction.site", "construction.site.dust",
            "roads.works")  # fmt: skip


def _categories() -> list[tuple[str, str, str]]:
    """(code, driver, season) for 30 categories."""
    seasons = ("flat", "winter", "summer")
    out = [(code, "building", "flat") for code in BUILDING]
    out += [("heating.no_heat", "people", "winter"), ("utilities.gas", "people", "winter")]
    out += [(f"people.{i:02d}", "people", seasons[i % 3]) for i in range(23)]
    return out


def generate(path: Path, cases: int, seed: int) -> None:
    """Write the synthetic megacity (vectorised, in row groups of one million)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    cats = _categories()
    side = SIDE_KM
    population = rng.lognormal(0, 1, (side, side)) * np.exp(
        -((np.arange(side)[:, None] - side / 2) ** 2 + (np.arange(side)[None, :] - side / 2) ** 2) / (2 * 12.0**2)
    )
    building = rng.lognormal(0, 1.2, (side, side)) * (population.max() / 3 + population) ** 0.3
    weights = {d: (w / w.sum()).ravel() for d, w in (("people", population), ("building", building))}
    day = np.arange(DAYS)
    season = {
        "flat": np.ones(DAYS),
        "winter": 0.2 + 1.5 * np.cos(np.pi * day / DAYS) ** 2 * (day < DAYS / 2) + 0.1,
        "summer": 0.5 + day / DAYS,
    }
    shares = rng.uniform(0.5, 2.0, len(cats))
    shares /= shares.sum()
    writer = None
    written = 0
    try:
        while written < cases:
            n = min(1_000_000, cases - written)
            table = _chunk(rng, n, written, cats, shares, weights, season)
            if written == 0:
                table = pa.concat_tables([table, _planted(rng, cats, written + n, side)])
            writer = writer or pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
            written += n
    finally:
        if writer is not None:
            writer.close()


def _chunk(rng: Any, n: int, offset: int, cats: Any, shares: Any, weights: Any, season: Any) -> Any:
    import pyarrow as pa

    which = rng.choice(len(cats), size=n, p=shares)
    cell = np.empty(n, dtype=np.int64)
    days = np.empty(n, dtype=np.int64)
    for k, (_, driver, profile) in enumerate(cats):
        mine = np.flatnonzero(which == k)
        cell[mine] = rng.choice(SIDE_KM * SIDE_KM, size=mine.size, p=weights[driver])
        p = season[profile] / season[profile].sum()
        days[mine] = rng.choice(DAYS, size=mine.size, p=p)
    seconds = days * 86_400 + rng.integers(0, 86_400, size=n)
    return _table(pa, np.arange(offset, offset + n), which, cell, seconds, rng, cats)


def _planted(rng: Any, cats: Any, offset: int, side: int) -> Any:
    import pyarrow as pa

    codes = [c[0] for c in cats]
    sites = rng.choice(side * side, size=SITES, replace=False)
    parts = []
    for s, site in enumerate(sites):
        first = 14 + (s % 8) * 20
        for code in PLANTED:
            n = 21 * 6
            seconds = (first + rng.integers(0, 21, size=n)) * 86_400 + rng.integers(0, 86_400, size=n)
            parts.append((np.full(n, codes.index(code)), np.full(n, site), seconds))
    which = np.concatenate([p[0] for p in parts])
    cell = np.concatenate([p[1] for p in parts])
    seconds = np.concatenate([p[2] for p in parts])
    return _table(pa, np.arange(offset, offset + which.size) + 10**9, which, cell, seconds, rng, cats)


def _table(pa: Any, ids: Any, which: Any, cell: Any, seconds: Any, rng: Any, cats: Any) -> Any:
    row, col = cell // SIDE_KM, cell % SIDE_KM
    lat = 31.0 + (row + rng.random(ids.size)) / 111.0
    lon = 121.2 + (col + rng.random(ids.size)) / (111.32 * np.cos(np.radians(31.3)))
    local = np.datetime64(START) + (seconds - 8 * 3600).astype("timedelta64[s]")  # stored as UTC
    return pa.table(
        {
            "id": pa.array(ids.astype(np.int64)),
            "created_at": pa.array(local.astype("datetime64[us]"), type=pa.timestamp("us", tz="UTC")),
            "category": pa.DictionaryArray.from_arrays(
                pa.array(which.astype(np.int32)), pa.array([c[0] for c in cats])
            ),
            "lat": pa.array(lat),
            "lon": pa.array(lon),
        }
    )


def analyse(path: Path, permutations: int) -> dict[str, Any]:
    """The command's work, in this process: open, run, write JSON."""
    from citybrain.analytics import io
    from citybrain.analytics.associations.analysis import AssociationParams, run_associations

    steps: list[tuple[str, float, float]] = []
    started, cpu = time.perf_counter(), time.process_time()
    con = io.connect()
    io.open_file(con, path, timezone="Asia/Shanghai")
    result = run_associations(
        con,
        AssociationParams(permutations=permutations, timezone="Asia/Shanghai"),
        progress=lambda step: steps.append((step, time.perf_counter() - started, time.process_time() - cpu)),
    )
    text = json.dumps(result.to_json(), ensure_ascii=False)
    (Path(tempfile.gettempdir()) / "associations_10m_rules.json").write_text(text, encoding="utf-8")
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    planted = frozenset(PLANTED)
    top = [frozenset(r.antecedent) | frozenset(r.consequent) for r in result.rules[:12]]
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),  # all threads: what the work costs when the machine is shared
        "steps": [{"step": s, "at_s": round(t, 2), "cpu_s": round(c, 2)} for s, t, c in steps],
        "summary": result.summary,
        "planted_first": bool(top) and all(s <= planted for s in top),
        "top_rules": [
            f"{' + '.join(r.antecedent)} → {' + '.join(r.consequent)} (q={r.q_value:.1e})" for r in result.rules[:5]
        ],  # fmt: skip
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--permutations", type=int, default=199)
    parser.add_argument("--file", type=Path, help="generated file to write or reuse")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        generate(args.file, args.cases, args.seed)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or Path(tmp) / "megacity.parquet"
        if not path.exists():
            began = time.perf_counter()
            subprocess.run(
                [sys.executable, __file__, "--generate-only", "--file", str(path), "--cases", str(args.cases),
                 "--seed", str(args.seed)],
                check=True,
            )  # fmt: skip
            print(f"generated {args.cases:,} cases in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        load = os.getloadavg()
        report = analyse(path, args.permutations)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "benchmark": "associations_10m",
        "cases": args.cases,
        "permutations": args.permutations,
        **report,
        "peak_rss_mb": round(peak_mb, 1),
        "target": {"seconds": 60, "peak_rss_mb": 4096},
        "met": report["seconds"] <= 60 and peak_mb <= 4096,
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in load],
            "python": platform.python_version(),
        },
        "when": datetime.now().isoformat(timespec="seconds"),
    }
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.cases == 10_000_000:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "associations_10m.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
