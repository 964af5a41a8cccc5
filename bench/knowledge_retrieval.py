"""How well smart answers find the replies that answer a question: Recall@5 and MRR on a judged set, against plain BM25.

    PYTHONPATH=src .venv/bin/python bench/knowledge_retrieval.py --judged bench/knowledge_eval/judged_queries.jsonl

The judged set (bench/knowledge_eval/README.md, written by another person without looking at this system) holds
queries with the 附件4 留言编号 of the replies that answer them (grade 2) or answer part (grade 1), and queries with no
answer in the corpus. The corpus is the 2,816 messages of 附件4, each indexed as the knowledge base indexes a seeded
reply: title and message (the question) and the reply (the answer).

* **system**: ``knowledge.retrieval`` as shipped — BM25 over jieba words mixed half and half with the cosine of
  character-bigram TF-IDF (``BM25_WEIGHT``), nothing tuned on this set.
* **baseline**: plain BM25 over the same jieba words (``bm25_weight=1``), no bigram similarity.

Recall@5 = share of a query's relevant items in its top 5, averaged over the answerable queries; MRR = mean of 1 /
rank of the first relevant item (0 when none in the top 20). Both for "relevant" = grade ≥ 1 and = grade 2.

No-answer threshold: the best hit is shown only when its score ≥ t. A decision is right when it shows a relevant
top hit, or declines a query whose top hit is not relevant (every no-answer query's). t is the value that makes the
most decisions right on the set; since it is chosen on the same set, the leave-one-out accuracy (t chosen without
the query being decided) is reported beside it as the honest figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path
from typing import Any

from citybrain.knowledge import retrieval
from citybrain.knowledge.retrieval import Index
from citybrain.nlp.replies_data import read_replies

ROOT = Path(__file__).resolve().parent.parent
REPLIES = Path("/work/shared/data/teddy2020c/replies_附件4.xlsx")
DEFAULT_JUDGED = ROOT / "bench" / "knowledge_eval" / "judged_queries.jsonl"
DEPTH = 20


def load_judged(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise SystemExit(f"{path}: no judged set there; give its path with --judged (format: its README.md)")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        row["grades"] = {int(r["id"]): int(r.get("grade", 1)) for r in row.get("relevant", [])}
    return rows


def corpus_index() -> Index:
    index = Index()
    index.add_many((int(r.id), "\n".join(p for p in (r.title, r.message, r.reply) if p)) for r in read_replies(REPLIES))
    return index


def metrics(runs: list[tuple[dict[str, Any], list[retrieval.Hit]]], min_grade: int) -> dict[str, float]:
    recalls, reciprocal = [], []
    for row, hits in runs:
        relevant = {k for k, g in row["grades"].items() if g >= min_grade}
        if not relevant:
            continue
        keys = [h.key for h in hits]
        recalls.append(len(relevant & set(keys[:5])) / len(relevant))
        first = next((i for i, k in enumerate(keys, start=1) if k in relevant), None)
        reciprocal.append(1.0 / first if first else 0.0)
    return {"queries": len(recalls), "recall_at_5": round(statistics.fmean(recalls), 4),
            "mrr": round(statistics.fmean(reciprocal), 4)}  # fmt: skip


def _right(rows: list[tuple[float, bool]], t: float) -> int:
    return sum((score >= t) == good for score, good in rows)


def _best_threshold(rows: list[tuple[float, bool]]) -> float:
    candidates = sorted({0.0, *(s for s, _ in rows), 1.01})
    best = max(candidates, key=lambda t: (_right(rows, t), -t))
    below = max((s for s, _ in rows if s < best), default=best)
    return round((best + below) / 2, 4) if below < best else best


def threshold(runs: list[tuple[dict[str, Any], list[retrieval.Hit]]]) -> dict[str, Any]:
    rows = [(hits[0].score if hits else 0.0, bool(hits) and hits[0].key in row["grades"]) for row, hits in runs]
    t = _best_threshold(rows)
    loo = sum((rows[i][0] >= _best_threshold(rows[:i] + rows[i + 1 :])) == rows[i][1] for i in range(len(rows)))
    no_answer = [(s, g) for (s, g), (row, _) in zip(rows, runs, strict=True) if not row["grades"]]
    shipped = retrieval.NO_ANSWER_BELOW
    return {
        "measured": t,
        "accuracy_on_set": round(_right(rows, t) / len(rows), 4),
        "accuracy_leave_one_out": round(loo / len(rows), 4),
        "shipped": shipped,
        "accuracy_shipped": round(_right(rows, shipped) / len(rows), 4),
        "no_answer_queries_declined_at_shipped": f"{sum(s < shipped for s, _ in no_answer)}/{len(no_answer)}",
        "relevant_top_hits_shown_at_shipped": f"{sum(s >= shipped and g for s, g in rows)}/{sum(g for _, g in rows)}",
    }


def evaluate(judged: list[dict[str, Any]]) -> dict[str, Any]:
    index = corpus_index()
    result: dict[str, Any] = {"benchmark": "knowledge_retrieval", "corpus": len(index), "queries": len(judged)}
    for name, weight in (("system", retrieval.BM25_WEIGHT), ("baseline_bm25", 1.0)):
        runs = [(row, index.search(index.analyse_query(row["query"]), limit=DEPTH, bm25_weight=weight))
                for row in judged]  # fmt: skip
        result[name] = {
            "bm25_weight": weight,
            "relevant_grade_1_or_2": metrics(runs, 1),
            "relevant_grade_2": metrics(runs, 2),
            "by_lang": {
                lang: metrics([r for r in runs if r[0].get("lang") == lang], 1)
                for lang in sorted({r.get("lang", "?") for r in judged})
                if any(r[0].get("lang") == lang and r[0]["grades"] for r in runs)
            },  # fmt: skip
            "no_answer_threshold": threshold(runs),
        }
    result["machine"] = {"cpus": os.cpu_count(), "load_avg": os.getloadavg()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judged", type=Path, default=DEFAULT_JUDGED, help="the judged queries (JSON lines)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "knowledge_retrieval.json")
    args = parser.parse_args()
    result = evaluate(load_judged(args.judged))
    result["judged_file"] = str(args.judged)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
