"""Benchmark of reply-quality scoring (答复意见评价) on the real Teddy Cup 2020 replies (附件4, 2,816 replies).

    .venv/bin/python bench/reply_quality.py

Prints JSON and writes bench/results/reply_quality.json: the time to load jieba's dictionary once, to read the
workbook, and to score every reply (one batch, as ``citybrain analyze replies`` does), in wall and CPU seconds, with
the machine's load average, since wall time on a shared machine is noisy; CPU seconds are the steadier figure.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from citybrain.nlp.replies import ReplyInput, score_replies, words_of
from citybrain.nlp.replies_data import distribution, read_replies

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "teddy2020c" / "replies_附件4.xlsx"
RESULTS = ROOT / "bench" / "results"


T = TypeVar("T")


def timed(step: Callable[[], T]) -> tuple[T, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = step()
    return value, round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)


def main() -> None:
    load_before = os.getloadavg()[0]
    _, jieba_wall, jieba_cpu = timed(lambda: words_of("预热"))
    records, read_wall, read_cpu = timed(lambda: read_replies(DATA))
    items = [ReplyInput(f"{r.title} {r.message}", r.reply, r.message_at, r.reply_at) for r in records]
    scores, score_wall, score_cpu = timed(lambda: score_replies(items))
    overall = distribution(scores)["overall"]
    result = {
        "replies": len(items),
        "jieba_load_s": {"wall": jieba_wall, "cpu": jieba_cpu},
        "read_xlsx_s": {"wall": read_wall, "cpu": read_cpu},
        "score_s": {"wall": score_wall, "cpu": score_cpu},
        "replies_per_cpu_second": round(len(items) / score_cpu, 1) if score_cpu else None,
        "overall_mean": overall["mean"],
        "overall_median": overall["median"],
        "load_average_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reply_quality.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
