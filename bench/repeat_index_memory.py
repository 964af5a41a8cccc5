"""Memory of the repeat index (triage/repeats.py) as the soak's intake fills it: 30,000 open cases — ten minutes
at 50 Open311 requests a second — added one by one as intake adds them, with the bound
(``CITYBRAIN_DEDUP_INDEX_MAX_CASES``, default 20,000) and without it.

    python -m bench.repeat_index_memory [--cases 30000] [--bound 20000]

Python's own allocations (tracemalloc) after every 5,000 cases, and the time of the slowest single add (the one
that drops the oldest quarter). Texts, places and times as bench/soak.py posts them. In process, no server, no
database: on a machine shared with other work the byte counts do not change, the times do.
Result: bench/results/repeat_index_memory.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from bench.open311_load import request_bodies
from citybrain.core.settings import Settings
from citybrain.triage.repeats import RepeatIndex

RESULTS = Path(__file__).resolve().parent / "results"


def fill(bound: int, cases: int) -> dict[str, Any]:
    bodies = [dict(parse_qsl(b.decode())) for b in request_bodies("k", count=2000)]
    index = RepeatIndex(Settings(dedup_index_max_cases=bound))
    index._started = True  # as after the first sync: intake adds what it writes  # noqa: SLF001
    t0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    samples, slowest = [], 0.0
    for i in range(cases):
        body = bodies[i % len(bodies)]
        text = body["description"].replace("（编号", f"（第{i}件，编号")
        started = time.perf_counter()
        index._add(i + 1, text, t0 + timedelta(milliseconds=20 * i), float(body["lat"]), float(body["long"]), None)  # noqa: SLF001
        slowest = max(slowest, time.perf_counter() - started)
        if (i + 1) % 5000 == 0:
            samples.append((i + 1, len(index), round((tracemalloc.get_traced_memory()[0] - base) / 2**20, 1)))
    tracemalloc.stop()
    return {
        "bound": bound,
        "cases_added": cases,
        "indexed_at_end": len(index),
        "mib_at_end": samples[-1][2],
        "slowest_add_ms": round(1000 * slowest, 1),
        "samples_cases_indexed_mib": samples,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=30_000)
    parser.add_argument("--bound", type=int, default=Settings().dedup_index_max_cases)
    args = parser.parse_args(argv)
    result = {
        "benchmark": "repeat_index_memory",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
        "bounded": fill(args.bound, args.cases),
        "unbounded": fill(10 * args.cases, args.cases),
    }
    out = RESULTS / "repeat_index_memory.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
