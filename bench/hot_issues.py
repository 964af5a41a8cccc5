"""Benchmark of the hot-issue board on the Teddy Cup 2020 附件3 (4,326 messages, ../shared/data/teddy2020c).

    .venv/bin/python bench/hot_issues.py              # 3 runs: read the xlsx, group, rank, the board as JSON
    .venv/bin/python bench/hot_issues.py --repeat 5

End to end = what `citybrain analyze hot-issues --input hot_issues_附件3.xlsx --top 5` does after start-up:
read the workbook (openpyxl, read-only), build the board, turn it into JSON. Wall and CPU seconds are both given:
on a shared machine the wall time mostly measures the other processes; CPU seconds are what the board costs.
Target: the board on 附件3 within 10 s. Prints JSON and writes bench/results/hot_issues.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from citybrain.analytics.hot_issues import Board, Messages, board_json, build_board, heat_table, wilson_lower
from citybrain.analytics.hot_issues_io import read_messages_xlsx

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "teddy2020c" / "hot_issues_附件3.xlsx"
RESULTS = ROOT / "bench" / "results"
ZONE = "Asia/Shanghai"


def _board_for_comparison() -> tuple[Messages, Board]:
    messages = read_messages_xlsx(DATA, timezone=ZONE)
    return messages, build_board(messages, top=5)


def one_run() -> tuple[dict[str, float], dict[str, object]]:
    wall, cpu = time.perf_counter(), time.process_time()
    messages = read_messages_xlsx(DATA, timezone=ZONE)
    read_wall, read_cpu = time.perf_counter() - wall, time.process_time() - cpu
    board = build_board(messages, top=5)
    document = board_json(board, zone=ZoneInfo(ZONE), source=str(DATA))
    json.dumps(document, ensure_ascii=False)
    times = {
        "read_wall_s": read_wall,
        "read_cpu_s": read_cpu,
        "total_wall_s": time.perf_counter() - wall,
        "total_cpu_s": time.process_time() - cpu,
    }
    return times, document


def published_rankings(messages: Messages, board: Board, top: int = 5) -> dict[str, list[str]]:
    """Top issues by the heat definitions published for 附件3 (PROVENANCE.md), on our own groups: which of our
    groups each definition would put first. Where a definition left a choice open, the choice is named."""
    labels = board.labels
    k = int(labels.max()) + 1
    n = np.bincount(labels, minlength=k).astype(float)
    likes = np.bincount(labels, weights=messages.likes, minlength=k)
    dislikes = np.bincount(labels, weights=messages.dislikes, minlength=k)
    users = np.array([len({messages.user[i] for i in np.flatnonzero(labels == g)}) for g in range(k)], dtype=float)
    days = messages.created_at.astype("datetime64[s]").astype(np.int64) / 86400.0
    first, last = np.full(k, np.inf), np.full(k, -np.inf)
    np.minimum.at(first, labels, days)
    np.maximum.at(last, labels, days)
    var = (
        np.bincount(labels, weights=days**2, minlength=k) / n
        - (np.bincount(labels, weights=days, minlength=k) / n) ** 2
    )
    age = days.max() - last
    wilson = np.array([wilson_lower(int(a), int(a + b)) for a, b in zip(likes, dislikes, strict=True)])
    definitions = {
        "ours": heat_table(labels, messages, board.reference, board.params)[0],
        "jesHrz: z(distinct users) + Wilson lower bound": (users - users.mean()) / users.std() + wilson,
        "Syucryingstar: n × recency × (1 + 0.1·log2(1 + net likes)); recency = ours": n
        * (0.5 + 0.5 * 2.0 ** (-age / 30.0))
        * (1 + 0.1 * np.log2(1 + np.maximum(likes - dislikes, 0))),
        "CJAY-art: N + L²/(L+D)": n + np.where(likes + dislikes > 0, likes**2 / np.maximum(likes + dislikes, 1), 0),
        "Asimok: 0.7·messages/day of span + 0.3·share of votes": 0.7 * n / np.maximum(last - first, 1.0)
        + 0.3 * (likes + dislikes) / max(float((likes + dislikes).sum()), 1.0),
        "Rollbear-bot: 8n + L − 30D + 1/var(dates) (var 0 → 0)": 8 * n
        + likes
        - 30 * dislikes
        + np.where(var > 1e-9, 1 / np.maximum(var, 1e-9), 0),
    }
    out = {}
    for name, score in definitions.items():
        best = np.argsort(-score, kind="stable")[:top]
        out[name] = [_label(messages, labels, int(g)) for g in best]
    return out


def _label(messages: Messages, labels: np.ndarray, group: int) -> str:  # type: ignore[type-arg]
    members = np.flatnonzero(labels == group)
    return f"{messages.title[int(members[0])][:24]} ({members.size})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.repeat)]
    document = runs[-1][1]
    figures = {key: round(statistics.median(t[key] for t, _ in runs), 2) for key in runs[0][0]}
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]},
        "data": DATA.name,
        "messages": document["params"]["messages"],
        "groups": document["params"]["groups"],
        "runs": args.repeat,
        "median": figures,
        "target_s": 10,
        "published_definitions_top5": published_rankings(*_board_for_comparison()),
        "top5": [
            {k: issue[k] for k in ("rank", "heat", "start", "end", "place", "description", "count")}
            for issue in document["issues"]
        ],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    (RESULTS / "hot_issues.json").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
