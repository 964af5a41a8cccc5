"""Benchmark and generalisation of topics over time (群众所思所想, docs/topics.md).

    .venv/bin/python bench/topics.py                  # 附件3, 附件2 (labelled) and 100k Demo City cases
    .venv/bin/python bench/topics.py --cases 20000    # a smaller Demo City

Times what `citybrain analyze topics` does after reading: jieba terms, TF-IDF, NMF, monthly counts, the rising
test, the JSON. On 附件2 the topics are compared with the 一级标签 labels (purity, NMI); on the Demo City with the
cases' categories, and the last month is judged as generated and once more with every one of its texts wrapped in
a template (a templated month: it must not fall into one topic nor make every topic rise). Wall and CPU seconds:
on a shared machine the wall time mostly measures the other processes. Prints JSON, writes bench/results/topics.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from citybrain.analytics.topics import TopicParams, TopicResult, agreement
from citybrain.analytics.topics_io import Corpus, local_months, read_corpus
from citybrain.core import clock
from citybrain.insight.topics import analyse
from citybrain.simulate.city import build_city
from citybrain.simulate.streams import generate

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "teddy2020c"
RESULTS = ROOT / "bench" / "results"
ZONE = "Asia/Shanghai"
TEMPLATE = "尊敬的领导您好！本人是示例市居民，现将有关情况反映如下，恳请相关部门高度重视、尽快处理，谢谢！"


def _timed(corpus: Corpus, params: TopicParams) -> tuple[TopicResult, dict[str, Any], dict[str, float]]:
    wall, cpu = time.perf_counter(), time.process_time()
    result, document = analyse(corpus, params)
    json.dumps(document, ensure_ascii=False)
    return (
        result,
        document,
        {"wall_s": round(time.perf_counter() - wall, 2), "cpu_s": round(time.process_time() - cpu, 2)},
    )


def _brief(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "month": document["month"],
        "topics": [f"{t['size']}: {' '.join(t['terms'][:6])}" for t in document["topics"]],
        "rising": [
            {
                "terms": " ".join(document["topics"][i]["terms"][:6]),
                "count": document["topics"][i]["rise"]["count"],
                "share": document["topics"][i]["rise"]["share"],
                "history_share": document["topics"][i]["rise"]["history_share"],
                "ratio": document["topics"][i]["rise"]["ratio"],
                "q": document["topics"][i]["rise"]["q_value"],
            }
            for i in document["rising"]
        ],
        "agreement": {k: v for k, v in (document["agreement"] or {}).items() if k != "majority"} or None,
    }


def demo_corpus(cases: int, seed: int) -> Corpus:
    city = build_city(seed)
    now = datetime(2026, 11, 30, 15, tzinfo=UTC)
    stream = generate(city, days=365, cases_per_day=cases / 365, seed=seed, now=now)
    created = np.array([c.created_at.astimezone(UTC).replace(tzinfo=None) for c in stream.cases], dtype="datetime64[s]")
    return Corpus(
        ids=tuple(str(c.index) for c in stream.cases),
        titles=tuple(c.text.title for c in stream.cases),
        texts=tuple(c.text.text for c in stream.cases),
        months=tuple(local_months(created, clock.city_zone(ZONE))),
        labels=tuple(c.category.split(".")[0] for c in stream.cases),
        source=f"Demo City seed {seed}, {len(stream.cases)} cases",
    )


def templated(corpus: Corpus) -> Corpus:
    last = max(corpus.months)
    texts = tuple(TEMPLATE + x if m == last else x for x, m in zip(corpus.texts, corpus.months, strict=True))
    return Corpus(
        corpus.ids, corpus.titles, texts, corpus.months, corpus.labels, corpus.source + " (last month templated)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0],
                    "note": "shared machine: 6-7 other sessions running; wall time is inflated"},
    }  # fmt: skip
    a3 = read_corpus(DATA / "hot_issues_附件3.xlsx", timezone=ZONE)
    for month in (None, "2019-12"):
        _, document, times = _timed(a3, TopicParams(month=month))
        out[f"附件3 month={month or 'last'}"] = {"messages": len(a3), **times, **_brief(document)}
    a2 = read_corpus(DATA / "messages_train_full.csv", timezone=ZONE)
    for k in (7, 12, 20):
        _, document, times = _timed(a2, TopicParams(topics=k))
        out[f"附件2 topics={k}"] = {"messages": len(a2), **times, **_brief(document)}
    started = time.perf_counter()
    demo = demo_corpus(args.cases, args.seed)
    generated = round(time.perf_counter() - started, 1)
    for name, corpus in (("Demo City", demo), ("Demo City, last month templated", templated(demo))):
        result, document, times = _timed(corpus, TopicParams(topics=12))
        last = np.array([m == document["month"] for m in corpus.months])
        in_last = result.assignment[last]
        sizes = np.bincount(in_last[in_last >= 0], minlength=len(result.topics))
        out[name] = {
            "messages": len(corpus),
            "generated_s": generated,
            **times,
            **_brief(document),
            "last_month": {
                "messages": int(last.sum()),
                "topics_with_messages": int((sizes > 0).sum()),
                "largest_topic_share": round(float(sizes.max() / max(sizes.sum(), 1)), 3),
                "agreement": {
                    k: v
                    for k, v in (
                        agreement(in_last, [x for x, y in zip(corpus.labels, last, strict=True) if y]) or {}
                    ).items()
                    if k != "majority"
                },
            },
        }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "topics.json").write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
