"""Reproducible sampling and keyword candidate pools for the smart-answer (智能问答) judged set.

The pool is deliberately NOT the system under test: a plain substring search over the 2,816 replied messages of
附件4 (title + message + reply), so that the judged set does not inherit the retrieval system's blind spots.

    python bench/knowledge_eval/make_pool.py sample            # seeded, topic-stratified source ids
    python bench/knowledge_eval/make_pool.py pool 物业 维修基金   # ids whose text holds every term
    python bench/knowledge_eval/make_pool.py pool 公积金 --before 3456   # only replies earlier than message 3456
    python bench/knowledge_eval/make_pool.py check             # recompute pool_size of judged_queries.jsonl
    python bench/knowledge_eval/make_pool.py consult-sample    # the 160 messages read for the consultation share
    python bench/knowledge_eval/make_pool.py share             # consultation_judged.jsonl -> consultation_share.json

Terms separated by ``|`` inside one argument are alternatives (``房产证|不动产证``). The data stay outside the
repository (see /work/shared/data/teddy2020c/PROVENANCE.md); only ids and our own queries are committed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
from pathlib import Path
from typing import Any

import pandas as pd

DATA = Path(
    os.environ.get("CITYBRAIN_TEDDY_DIR", "/work/shared/data/teddy2020c"),
    "replies_附件4.xlsx",
)
HERE = Path(__file__).resolve().parent
SEED = 20261207

# First matching topic wins; the order puts the narrow topics before the broad housing one.
TOPICS: list[tuple[str, tuple[str, ...]]] = [
    ("教育", ("学校", "幼儿园", "学生", "教师", "老师", "小学", "中学", "学位", "招生", "教育", "学籍")),
    ("劳动社保", ("社保", "医保", "养老", "公积金", "工资", "劳动", "就业", "退休", "失业", "人才", "职称")),
    ("卫生计生", ("医院", "医生", "计生", "卫生", "疫苗", "生育", "二胎", "诊所", "独生子女")),
    ("交通", ("公交", "地铁", "交通", "停车", "车辆", "出租车", "驾驶", "红绿灯", "高速", "车牌")),
    ("环境", ("污染", "噪音", "扰民", "排放", "垃圾", "环保", "臭", "粉尘", "油烟")),
    ("住房城建", ("物业", "小区", "业主", "拆迁", "安置", "开发商", "房", "道路", "修路", "路灯")),
    ("商贸", ("商户", "消费", "市场", "价格", "经营", "超市", "旅游", "公司")),
]
PER_TOPIC_MIN = 12
CONSULT_SAMPLE = 160
FORWARD_ONLY = r"已转|转交|收悉|已阅|转至"


def load() -> pd.DataFrame:
    frame = pd.read_excel(DATA)
    frame["留言时间"] = pd.to_datetime(frame["留言时间"], errors="coerce")
    frame["答复时间"] = pd.to_datetime(frame["答复时间"], errors="coerce")
    for column in ("留言主题", "留言详情", "答复意见"):
        frame[column] = frame[column].fillna("").astype(str).str.replace(r"\s+", "", regex=True)
    frame["text"] = frame["留言主题"] + " " + frame["留言详情"] + " " + frame["答复意见"]
    frame["topic"] = frame["留言主题"] + frame["留言详情"]
    frame["topic"] = frame["topic"].map(topic_of)
    return frame.set_index("留言编号", drop=False)


def topic_of(text: str) -> str:
    for name, words in TOPICS:
        if any(word in text for word in words):
            return name
    return "其他"


def sample(frame: pd.DataFrame, total: int, seed: int = SEED) -> list[int]:
    """Proportional allocation per topic with a floor, then a seeded draw inside each topic."""
    rng = random.Random(seed)
    counts = frame["topic"].value_counts()
    chosen: list[int] = []
    for name in sorted(counts.index):
        ids = sorted(int(i) for i in frame.index[frame["topic"] == name])
        want = max(PER_TOPIC_MIN, round(total * counts[name] / len(frame)))
        chosen.extend(rng.sample(ids, min(want, len(ids))))
    return chosen


def substantive(reply: str) -> bool:
    """A reply that says something beyond "received / forwarded" can be the source of an answerable query."""
    if len(reply) < 20:
        return False
    return not (len(reply) < 80 and re.search(FORWARD_ONLY, reply) is not None)


def sources(frame: pd.DataFrame, total: int, seed: int = SEED) -> list[int]:
    """The stratified sample with forward-only replies replaced by a second seeded draw from the same topic."""
    drawn = sample(frame, total, seed)
    rng = random.Random(seed + 1)
    kept: list[int] = []
    for source in drawn:
        if substantive(frame.loc[source, "答复意见"]):
            kept.append(source)
            continue
        name = frame.loc[source, "topic"]
        spare = sorted(
            int(i)
            for i in frame.index[frame["topic"] == name]
            if int(i) not in drawn and int(i) not in kept and substantive(frame.loc[i, "答复意见"])
        )
        kept.append(rng.choice(spare))
    return kept


def pool(frame: pd.DataFrame, terms: list[str], before: int | None = None) -> list[int]:
    """Ids whose text holds every term (each term may list ``|`` alternatives)."""
    mask = pd.Series(True, index=frame.index)
    for term in terms:
        mask &= frame["text"].str.contains(term, regex=True)
    if before is not None:
        mask &= frame["答复时间"] < frame.loc[before, "留言时间"]
    return [int(i) for i in frame.index[mask]]


def consult_sample(frame: pd.DataFrame, seed: int = SEED + 2) -> list[int]:
    """A plain seeded sample of all 2,816 messages (not stratified), read to classify 咨询 or not."""
    ids = sorted(int(i) for i in frame.index)
    return random.Random(seed).sample(ids, CONSULT_SAMPLE)


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a binomial share (95 % by default)."""
    if trials == 0:
        return (0.0, 1.0)
    share = successes / trials
    centre = share + z * z / (2 * trials)
    margin = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    return (round((centre - margin) / denominator, 4), round((centre + margin) / denominator, 4))


def proportion(successes: int, trials: int) -> dict[str, object]:
    low, high = wilson(successes, trials)
    share = round(successes / trials, 4) if trials else None
    return {"k": successes, "n": trials, "share": share, "wilson95": [low, high]}


def check_consult_rows(frame: pd.DataFrame, rows: list[dict[str, Any]]) -> None:
    """The judged file must be the seeded sample, and every answering reply must be earlier and pooled."""
    if [row["id"] for row in rows] != consult_sample(frame):
        raise SystemExit("consultation_judged.jsonl is not the seeded sample: rerun consult-sample")
    for row in rows:
        if not row["consultation"]:
            continue
        earlier = pool(frame, list(row["pool_terms"]), before=int(row["id"]))
        if len(earlier) != row["pool_size"] or any(item["id"] not in earlier for item in row["answered_by"]):
            raise SystemExit(f"message {row['id']}: pool or answering replies do not match the keyword search")


def share_figures(frame: pd.DataFrame) -> dict[str, object]:
    lines = (HERE / "consultation_judged.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    check_consult_rows(frame, rows)
    consults = [row for row in rows if row["consultation"]]
    full = sum(1 for row in consults if row["earlier_answer"] == 2)
    part = sum(1 for row in consults if row["earlier_answer"] >= 1)
    return {
        "sample": {"population": len(frame), "n": len(rows), "seed": SEED + 2},
        "consultation_share_of_messages": proportion(len(consults), len(rows)),
        "earlier_reply_answers_fully": proportion(full, len(consults)),
        "earlier_reply_answers_at_least_partly": proportion(part, len(consults)),
        "messages_that_are_consultations_answered_fully_earlier": proportion(full, len(rows)),
        "messages_that_are_consultations_answered_at_least_partly_earlier": proportion(part, len(rows)),
        "method": "see bench/knowledge_eval/README.md, section 'Consultations an earlier reply already answers'",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("sample", "pool", "check", "consult-sample", "share"))
    parser.add_argument("terms", nargs="*")
    parser.add_argument("--total", type=int, default=200)
    parser.add_argument("--before", type=int, default=None)
    args = parser.parse_args()
    frame = load()
    if args.command == "sample":
        print(json.dumps(sources(frame, args.total)))
    elif args.command == "pool":
        print(json.dumps(pool(frame, args.terms, args.before)))
    elif args.command == "consult-sample":
        print(json.dumps(consult_sample(frame)))
    elif args.command == "share":
        figures = share_figures(frame)
        text = json.dumps(figures, ensure_ascii=False, indent=2)
        (HERE / "consultation_share.json").write_text(text + "\n", encoding="utf-8")
        print(text)
    else:
        mismatched = []
        for line in (HERE / "judged_queries.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            size = len(pool(frame, row["pool_terms"]))
            if size != row["pool_size"]:
                mismatched.append((row["id"], size, row["pool_size"]))
        print(json.dumps({"mismatched": mismatched}, ensure_ascii=False))


if __name__ == "__main__":
    main()
