"""What a knowledge search costs over 100,000 items, and what one changed item costs to reindex.

    PYTHONPATH=src .venv/bin/python bench/knowledge_search.py [--items 100000] [--queries 500]

The items are synthetic, made in process with a fixed seed: each is a Demo City request text (a template of
``simulate.texts.TOPICS`` with a road of ``simulate.city`` and a time of day) after a real 附件4 message title, and a
real 附件4 reply (答复意见, first 400 characters) as the answer — real hotline vocabulary and lengths, recombined, so
postings are as long as a city's would be. Queries: 附件4 message titles and details (first 120 characters), and
Demo City templates with another road — the kind of text the desk and the portal send.

Building: jieba segments each distinct line of the items once (``segmented_parts_once``: the same index, since
segmentation never crosses a line break); the real cost of segmenting every item is timed on ``--real-build`` items
and extrapolated. Measured in process (no HTTP, no database): ``Index.search`` including jieba on the query — what
``GET /api/v1/knowledge/search`` spends beyond its one indexed ``SELECT … WHERE updated_at >= ?`` of the refresh.
Then the incremental path: one item replaced (``Index.add``), the next search (which builds the small pending
segment), and one item removed. Prints JSON and writes bench/results/knowledge_search.json; the machine was shared
with other work (load average recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from citybrain.knowledge import retrieval
from citybrain.knowledge.retrieval import Index
from citybrain.nlp.replies_data import read_replies
from citybrain.simulate.city import _ROADS
from citybrain.simulate.texts import TIMES_ZH, TOPICS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
REPLIES = Path("/work/shared/data/teddy2020c/replies_附件4.xlsx")


def _template(rng: random.Random) -> str:
    topic = TOPICS[rng.choice(list(TOPICS))]
    place = f"{rng.choice(_ROADS)}{rng.randint(1, 300)}号"
    return rng.choice(topic[2]).format(p=place, t=rng.choice(TIMES_ZH))


def items(n: int, rng: random.Random) -> tuple[list[tuple[int, str]], list[str]]:
    records = read_replies(REPLIES)
    docs = []
    for key in range(1, n + 1):
        record = rng.choice(records)
        docs.append((key, f"{record.title}\n{_template(rng)}\n{rng.choice(records).reply[:400]}"))
    queries = [f"{r.title} {r.message[:120]}" for r in records]
    return docs, queries


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


@contextmanager
def segmented_parts_once() -> Iterator[None]:
    """Segment each distinct line of the synthetic items once: the items recombine a few thousand lines, and jieba
    (like the bigram runs) never joins across a line break, so the index is the same as segmenting every item whole
    — only faster to build here. The real build cost is measured apart (``build_real``)."""
    memo: dict[tuple[str, str], list[str]] = {}

    def by_line(kind: str, fn: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
        def analyse(text: str) -> list[str]:
            found: list[str] = []
            for line in text.split("\n"):
                if (kind, line) not in memo:
                    memo[(kind, line)] = fn(line)
                found.extend(memo[(kind, line)])
            return found

        return analyse

    words, bigrams = retrieval.words, retrieval.bigrams
    retrieval.words, retrieval.bigrams = by_line("w", words), by_line("g", bigrams)  # type: ignore[assignment]
    try:
        yield
    finally:
        retrieval.words, retrieval.bigrams = words, bigrams  # type: ignore[assignment]


def index_bytes(index: Index) -> int:
    """The index's sparse matrices and per-document arrays (not the vocabulary dicts or Python objects)."""
    total = 0
    for segment in index.segments:
        for matrix in (segment.word_rows, segment.word_cols, segment.gram_rows, segment.gram_cols):
            total += matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes
        total += segment.keys.nbytes + segment.lengths.nbytes + segment.gram_norms.nbytes
    return total


def run(n_items: int, n_queries: int, seed: int, real_build: int) -> dict[str, Any]:
    rng = random.Random(seed)
    docs, real_queries = items(n_items, rng)
    sample = Index()
    real_ms = timed(lambda: sample.add_many(docs[:real_build]))
    index = Index()
    with segmented_parts_once():
        build_ms = timed(lambda: index.add_many(docs))
    queries = [rng.choice(real_queries) if i % 2 else _template(rng) for i in range(n_queries)]
    for q in queries[:20]:  # warm jieba and the caches
        index.search(index.analyse_query(q), limit=5)
    latencies = [timed(lambda q=q: index.search(index.analyse_query(q), limit=5)) for q in queries]
    changes: dict[str, list[float]] = {"replace_one_ms": [], "next_search_ms": [], "remove_one_ms": []}
    for k in range(50):
        key = rng.randint(1, n_items)
        changes["replace_one_ms"].append(timed(lambda key=key: index.add(key, _template(rng) + "（已修订）")))
        q = queries[k]
        changes["next_search_ms"].append(timed(lambda q=q: index.search(index.analyse_query(q), limit=5)))
        changes["remove_one_ms"].append(timed(lambda key=key: index.remove(key)))
    return {
        "benchmark": "knowledge_search",
        "items": n_items,
        "queries": n_queries,
        "seed": seed,
        "build_s_lines_segmented_once": round(build_ms / 1000, 1),
        "build_real": {
            "items": real_build,
            "s": round(real_ms / 1000, 1),
            "extrapolated_s_for_all": round(real_ms / 1000 * n_items / real_build),
        },  # fmt: skip
        "search_ms": {
            "p50": percentile(latencies, 0.5),
            "p95": percentile(latencies, 0.95),
            "p99": percentile(latencies, 0.99),
            "max": round(max(latencies), 2),
            "mean": round(statistics.fmean(latencies), 2),
        },  # fmt: skip
        "target_p95_ms": 100,
        "incremental": {name: {"p50": percentile(v, 0.5), "p95": percentile(v, 0.95)} for name, v in changes.items()},
        "vocabulary": {"words": len(index.word_ids), "bigrams": len(index.gram_ids)},
        "index_arrays_mib": round(index_bytes(index) / 2**20),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_avg": os.getloadavg(),
            "note": "2-core machine shared with other helpers' tests and benchmarks",
        },  # fmt: skip
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real-build", type=int, default=5000, help="items built with real segmentation, timed")
    parser.add_argument("--out", type=Path, default=RESULTS / "knowledge_search.json")
    args = parser.parse_args()
    result = run(args.items, args.queries, args.seed, args.real_build)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
