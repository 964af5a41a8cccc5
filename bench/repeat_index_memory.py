"""Memory and query time of the repeat index (triage/repeats.py) as intake fills it: 30,000 open cases — ten minutes
at 50 Open311 requests a second — added one by one as intake adds them, with the bound
(``CITYBRAIN_DEDUP_INDEX_MAX_CASES``, default 20,000) and without it, for two kinds of text:

- ``soak``: the texts bench/soak.py posts (one line from a short list of complaints, a place and a number);
- ``messages``: real citizen messages, title and text (teddy2020c, ../shared/data/teddy2020c/PROVENANCE.md;
  read from there, 361 characters on average), each made unique by its case number.

    python -m bench.repeat_index_memory [--cases 30000] [--bound 20000] [--texts soak messages]

Python's own allocations (tracemalloc) after every 5,000 cases, the time of the slowest single add, and the median
and p95 time of a query against the full bounded index (300 queries: the first 200 characters of a random text).
In process, no server, no database: on a machine shared with other work the byte counts do not change, the
times do. Result: bench/results/repeat_index_memory.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import time
import tracemalloc
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from bench.open311_load import _git_commit, request_bodies
from citybrain.core.settings import Settings
from citybrain.triage import repository
from citybrain.triage.repeats import RepeatIndex

RESULTS = Path(__file__).resolve().parent / "results"
MESSAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "teddy2020c" / "messages_train_full.csv"
Place = tuple[str, float, float]  # text, lat, lon


def soak_texts() -> list[Place]:
    bodies = [dict(parse_qsl(b.decode())) for b in request_bodies("k", count=2000)]
    return [(b["description"], float(b["lat"]), float(b["long"])) for b in bodies]


def message_texts() -> list[Place]:
    if not MESSAGES.exists():
        raise SystemExit(f"--texts messages reads {MESSAGES}: not found (the shared data folder beside the project)")
    rng = random.Random(7)
    with MESSAGES.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        (
            repository.indexed_text(r["title"], r["detail"]),
            28.2 + rng.uniform(-0.08, 0.08),
            112.9 + rng.uniform(-0.08, 0.08),
        )
        for r in rows
    ]


def fill(bound: int, cases: int, texts: list[Place]) -> dict[str, Any]:
    index = RepeatIndex(Settings(dedup_index_max_cases=bound))
    index._started = True  # as after the first sync: intake adds what it writes  # noqa: SLF001
    t0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    samples, slowest = [], 0.0
    for i in range(cases):
        text, lat, lon = texts[i % len(texts)]
        text = f"{text}（第{i}件）"
        started = time.perf_counter()
        index._add(i + 1, text, t0 + timedelta(milliseconds=20 * i), lat, lon, None)  # noqa: SLF001
        slowest = max(slowest, time.perf_counter() - started)
        if (i + 1) % 5000 == 0:
            samples.append((i + 1, len(index), round((tracemalloc.get_traced_memory()[0] - base) / 2**20, 1)))
    tracemalloc.stop()
    rng = random.Random(11)
    took = []
    for _ in range(300):
        text, lat, lon = texts[rng.randrange(len(texts))]
        started = time.perf_counter()
        index.query(text[:200], t0 + timedelta(milliseconds=20 * cases), lat, lon)
        took.append(time.perf_counter() - started)
    return {
        "bound": bound,
        "cases_added": cases,
        "indexed_at_end": len(index),
        "mib_at_end": samples[-1][2],
        "bytes_per_indexed_case": round(samples[-1][2] * 2**20 / len(index)),
        "slowest_add_ms": round(1000 * slowest, 1),
        "query_ms": {
            "p50": round(1000 * statistics.median(took), 3),
            "p95": round(1000 * statistics.quantiles(took, n=20)[-1], 3),
        },
        "samples_cases_indexed_mib": samples,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=30_000)
    parser.add_argument("--bound", type=int, default=Settings().dedup_index_max_cases)
    parser.add_argument("--texts", nargs="+", choices=("soak", "messages"), default=["soak", "messages"])
    args = parser.parse_args(argv)
    result: dict[str, Any] = {
        "benchmark": "repeat_index_memory",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
    }
    for kind in args.texts:
        texts = soak_texts() if kind == "soak" else message_texts()
        result[kind] = {
            "mean_characters": round(statistics.mean(len(t) for t, _lat, _lon in texts)),
            "bounded": fill(args.bound, args.cases, texts),
            "unbounded": fill(10 * args.cases, args.cases, texts),
        }
    out = RESULTS / "repeat_index_memory.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
