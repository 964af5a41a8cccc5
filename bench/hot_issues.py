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

from citybrain.analytics.hot_issues import board_json, build_board
from citybrain.analytics.hot_issues_io import read_messages_xlsx

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "teddy2020c" / "hot_issues_附件3.xlsx"
RESULTS = ROOT / "bench" / "results"
ZONE = "Asia/Shanghai"


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
