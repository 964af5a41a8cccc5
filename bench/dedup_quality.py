"""Precision and recall of the near-duplicate index (citybrain.nlp.dedup), on planted repeats and on 附件3.

    .venv/bin/python bench/dedup_quality.py                 # synthetic city (60 days) + 附件3
    .venv/bin/python bench/dedup_quality.py --days 30 --planted 200

What the ground truth is, honestly:

* **Synthetic city, planted repeats.** A stream of Demo City cases is generated; ``--planted`` of them get a
  repeat: the same text rewritten with small edits (a clause dropped or reworded, "再次反映", punctuation, a number
  changed), at a point within 200 m, 1-10 days later. Every other case is indexed as an open case; each repeat
  is queried. Recall = repeats whose original is suggested. Demo City texts come from a few templates per
  category, so other cases at the same cell *are* often near-copies of the original: ``precision_strict`` counts
  only the planted original as right (a lower bound); ``top1_precision`` asks whether the best suggestion is the
  original. ``noise_queries`` are fresh cases that repeat nothing planted: how often something is suggested anyway
  (with template texts, often a genuine near-copy — read it as an upper bound of false alarms).
* **附件3 (real messages).** There is no labelled set of repeats. Two proxies: (a) *identical titles* from
  different messages (clean but easy); (b) *the hot-issue board's groups* (``build_board``): two messages of one
  group within the window are "the same problem". (b) is our own grouping, looser than a repeat (different
  citizens wording one problem differently), so its recall says how much of a hot issue the repeat index
  alone would catch, not an error rate. Messages have no coordinates; the place key is the first specific place
  named in the title (citybrain.geo), so the index blocks by place name.

Prints JSON and writes bench/results/dedup_quality.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import time
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

import numpy as np

from citybrain.analytics.hot_issues import build_board
from citybrain.analytics.hot_issues_io import read_messages_xlsx
from citybrain.analytics.hot_text import place_mentions
from citybrain.nlp.dedup import NearDuplicateIndex
from citybrain.simulate.city import build_city
from citybrain.simulate.streams import generate

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "teddy2020c" / "hot_issues_附件3.xlsx"
RESULTS = ROOT / "bench" / "results"
THRESHOLDS = (0.2, 0.3, 0.4, 0.5)
WINDOW_DAYS = 30.0
Query = tuple[str, str, datetime, float, float]  # original key, text, when, lat, lon
Noise = tuple[None, str, datetime, float, float, str]  # …, and its own key (excluded)
_EDITS = (
    lambda t, r: "再次反映：" + t,
    lambda t, r: t.replace("，", "。", 1),
    lambda t, r: t.replace("请", "希望", 1),
    lambda t, r: t.replace("严重", "非常", 1),
    lambda t, r: re.sub(r"\d+", lambda m: str(int(m.group()) + r.randint(1, 3)), t, count=1),
    lambda t, r: t + "至今没有人处理。",
    lambda t, r: "，".join(p for i, p in enumerate(t.split("，")) if i != 1 or t.count("，") < 2),
)


def rewrite(text: str, r: random.Random) -> str:
    """A repeat as citizens write one: two or three small edits of the same message."""
    for edit in r.sample(_EDITS, r.randint(2, 3)):
        text = edit(text, r)
    return text


def synthetic(days: int, planted: int, seed: int) -> dict[str, object]:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    stream = generate(build_city(), days=days, cases_per_day=300, seed=seed, now=now)
    cases = [c for c in stream.cases if c.duplicate_of is None]
    r = random.Random(seed)
    originals = r.sample(cases[: len(cases) * 2 // 3], planted)
    index = NearDuplicateIndex()
    started = time.perf_counter()
    for c in cases:
        index.add(str(c.index), c.text.text, when=c.created_at, lat=c.lat, lon=c.lon)
    add_ms = (time.perf_counter() - started) / len(cases) * 1000
    queries = []
    for c in originals:
        angle, dist = r.uniform(0, 2 * np.pi), r.uniform(0, 200)
        lat = c.lat + dist * np.cos(angle) / 111_000
        lon = c.lon + dist * np.sin(angle) / (111_000 * np.cos(np.radians(c.lat)))
        when = c.created_at + timedelta(days=r.uniform(1, 10))
        queries.append((str(c.index), rewrite(c.text.text, r), when, lat, lon))
    noise = [
        (None, c.text.text, c.created_at, c.lat, c.lon, str(c.index))
        for c in r.sample(cases[len(cases) * 2 // 3 :], 300)
    ]
    return {
        "cases_indexed": len(cases),
        "planted_repeats": planted,
        "add_ms_per_case": round(add_ms, 3),
        **_planted_scores(index, queries),
        "noise_queries": _noise_scores(index, noise),
    }


def _planted_scores(index: NearDuplicateIndex, queries: list[Query]) -> dict[str, object]:
    per_threshold = {}
    timings = []
    for threshold in THRESHOLDS:
        found = suggested = right = top1 = 0
        for original, text, when, lat, lon in queries:
            started = time.perf_counter()
            matches = index.query(text, when=when, lat=lat, lon=lon, min_similarity=threshold, window_days=WINDOW_DAYS)
            timings.append(time.perf_counter() - started)
            keys = [m.key for m in matches]
            found += original in keys
            suggested += len(keys)
            right += original in keys
            top1 += bool(keys) and keys[0] == original
        per_threshold[str(threshold)] = {
            "recall": round(found / len(queries), 3),
            "precision_strict": round(right / suggested, 3) if suggested else None,
            "top1_precision": round(top1 / sum(1 for _ in queries), 3),
            "suggestions_per_query": round(suggested / len(queries), 2),
        }
    return {"by_min_similarity": per_threshold, "query_ms_median": round(statistics.median(timings) * 1000, 2)}


def _noise_scores(index: NearDuplicateIndex, noise: list[Noise]) -> dict[str, object]:
    out = {}
    for threshold in THRESHOLDS:
        hits = sum(
            bool(index.query(text, when=when, lat=lat, lon=lon, min_similarity=threshold, exclude=key))
            for _, text, when, lat, lon, key in noise
        )
        out[str(threshold)] = round(hits / len(noise), 3)
    return {"queries": len(noise), "share_with_a_suggestion_by_min_similarity": out}


def teddy() -> dict[str, object]:
    messages = read_messages_xlsx(DATA, timezone="Asia/Shanghai")
    board = build_board(messages, top=1)
    created = [datetime.fromisoformat(str(t)) for t in messages.created_at.astype("datetime64[s]")]
    places = [next(iter(place_mentions(t)[0]), None) for t in messages.title]
    index = NearDuplicateIndex()
    texts = [f"{t} {x}" for t, x in zip(messages.title, messages.text, strict=True)]
    for i, text in enumerate(texts):
        index.add(str(i), text, when=created[i], place=places[i])
    near = lambda i, j: abs((created[i] - created[j]).total_seconds()) <= WINDOW_DAYS * 86400  # noqa: E731
    same_title: set[tuple[int, int]] = set()
    by_title: dict[str, list[int]] = {}
    for i, t in enumerate(messages.title):
        by_title.setdefault(t.strip(), []).append(i)
    for members in by_title.values():
        same_title |= {(a, b) for a, b in combinations(sorted(members), 2) if near(a, b)}
    grouped: set[tuple[int, int]] = set()
    for g in np.unique(board.labels):
        members = np.flatnonzero(board.labels == g).tolist()
        if 1 < len(members) <= 200:
            grouped |= {(a, b) for a, b in combinations(sorted(members), 2) if near(a, b)}
    out = {"messages": len(messages), "pairs_identical_title": len(same_title), "pairs_board_groups": len(grouped)}
    for threshold in THRESHOLDS:
        predicted: set[tuple[int, int]] = set()
        for i, text in enumerate(texts):
            for m in index.query(text, when=created[i], place=places[i], min_similarity=threshold, exclude=str(i),
                                 window_days=WINDOW_DAYS, limit=50):  # fmt: skip
                j = int(m.key)
                predicted.add((min(i, j), max(i, j)))
        out[str(threshold)] = {
            "suggested_pairs": len(predicted),
            "recall_identical_title": round(len(predicted & same_title) / max(len(same_title), 1), 3),
            "recall_board_groups": round(len(predicted & grouped) / max(len(grouped), 1), 3),
            "precision_vs_board_groups": round(len(predicted & grouped) / max(len(predicted), 1), 3),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--planted", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]},
        "days": args.days,
        "seed": args.seed,
        "window_days": WINDOW_DAYS,
        "max_distance_m": 500,
        "synthetic_city": synthetic(args.days, args.planted, args.seed),
        "teddy_attachment_3": teddy(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    (RESULTS / "dedup_quality.json").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
