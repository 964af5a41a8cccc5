"""Benchmark of "where is it": place extraction + gazetteer resolution, messages per second, on three corpora.

    .venv/bin/python bench/geo_locate.py             # ~20 s on a quiet machine
    .venv/bin/python bench/geo_locate.py --n 20000   # more synthetic messages

Corpora: synthetic Demo City messages (the simulator's own texts, ground truth = the case's cell, so accuracy is
reported too), the 2,600 real Teddy 2020 messages (../shared/data/teddy2020c, whole texts) and NYC 311 rows
written as sentences (descriptor, address, borough and the agency's resolution text). The gazetteer is the Demo
City's (8 districts, 324 cells), built once. Timings are single-process; ``cpu_us`` is process CPU time per
message, less disturbed than wall time when other work shares the machine (the load average is recorded).
Prints JSON and writes bench/results/geo_locate.json.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import platform
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from citybrain.geo.gazetteer import Gazetteer
from citybrain.geo.places import extract_places
from citybrain.geo.service import locate
from citybrain.simulate.city import build_city
from citybrain.simulate.places import demo_city
from citybrain.simulate.text_builder import compose
from citybrain.simulate.texts import TOPICS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"


def synthetic(n: int, seed: int) -> tuple[list[str], list[tuple[str, str]]]:
    city = build_city(1)
    r = random.Random(seed)
    categories = sorted(TOPICS)
    texts, truth = [], []
    for _ in range(n):
        cell = r.choice(city.cells)
        english = r.random() < 0.3
        kind = r.choice(("投诉", "咨询", "求助", "表扬"))
        case = compose(r, r.choice(categories), cell, city.district(cell.district_code), request_type=kind,
                       english=english)  # fmt: skip
        texts.append(case.text)
        truth.append((cell.district_code, cell.id))
    return texts, truth


def teddy() -> list[str]:
    with (DATA / "teddy2020c" / "messages_labelled.csv").open(encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f)]


def nyc() -> list[str]:
    with gzip.open(DATA / "nyc311" / "nyc311_combined_real_sample.csv.gz", "rt", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [
        f"{r['descriptor']} at {r['incident_address'] or r['intersection_street_1']}, {r['borough']}. "
        f"{r['resolution_description']}"
        for r in rows
    ]


def timed(fn: Callable[[str], Any], texts: Sequence[str]) -> tuple[list[Any], dict[str, float]]:
    """Run fn on every text; messages/s (wall), CPU µs per message, p50/p99 latency in µs."""
    latencies = np.empty(len(texts))
    results = []
    cpu = time.process_time()
    wall = time.perf_counter()
    for i, text in enumerate(texts):
        started = time.perf_counter()
        results.append(fn(text))
        latencies[i] = time.perf_counter() - started
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    return results, {
        "messages": len(texts),
        "msgs_per_s": round(len(texts) / wall),
        "cpu_us_per_msg": round(cpu / len(texts) * 1e6, 1),
        "p50_us": round(float(np.percentile(latencies, 50)) * 1e6, 1),
        "p99_us": round(float(np.percentile(latencies, 99)) * 1e6, 1),
    }


def corpus(name: str, texts: list[str], gazetteer: Gazetteer) -> dict[str, Any]:
    mentions, extract = timed(extract_places, texts)
    _, full = timed(lambda text: locate(text, gazetteer=gazetteer), texts)
    print(f"{name}: extract {extract['msgs_per_s']} msg/s, extract+resolve {full['msgs_per_s']} msg/s", flush=True)
    return {
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
        "mentions_per_msg": round(sum(len(m) for m in mentions) / len(texts), 2),
        "extract": extract,
        "extract_and_resolve": full,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000, help="synthetic Demo City messages")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    gazetteer = demo_city(1)
    build_ms = (time.perf_counter() - started) * 1000
    texts, truth = synthetic(args.n, args.seed)
    locate(texts[0], gazetteer=gazetteer)  # warm caches of the regex engine
    results, _ = timed(lambda text: locate(text, gazetteer=gazetteer), texts)
    accuracy = {
        "district": round(sum(r.district_code == t[0] for r, t in zip(results, truth, strict=True)) / len(texts), 4),
        "grid": round(sum(r.grid == t[1] for r, t in zip(results, truth, strict=True)) / len(texts), 4),
    }
    big = "高新区麓谷大道" + ("施工噪音很大。" * 15_000)  # ~105,000 characters
    started = time.perf_counter()
    locate(big, gazetteer=gazetteer)
    big_ms = (time.perf_counter() - started) * 1000
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]},
        "gazetteer": {
            "districts": len(gazetteer.districts),
            "grids": len(gazetteer.grids),
            "build_ms": round(build_ms),
        },
        "demo_city_synthetic": {**corpus("demo", texts, gazetteer), "accuracy": accuracy},
        "teddy_real": corpus("teddy", teddy(), gazetteer),
        "nyc311_real": corpus("nyc311", nyc(), gazetteer),
        "message_100kB_ms": round(big_ms, 1),
        "target": "locate well under 1 ms per message with a ~300-cell gazetteer",
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "geo_locate.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
