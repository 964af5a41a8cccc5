"""What a request budget costs per request (issue 15, 限流): ``take`` on this process's windows and on Redis's.

Counts ``--n`` requests spread over 1,000 keys with a budget no one reaches, so every call does the full work
(expire, count, add); Redis at ``--redis`` (default the local server; skipped when it does not answer). Prints JSON
and writes bench/results/key_budgets.json.

    .venv/bin/python -m bench.key_budgets [--n 20000] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

from citybrain.core.keylimit import Budgets, LocalBudgets, RedisBudgets

RESULTS = Path(__file__).resolve().parent / "results"


def per_take(budgets: Budgets, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        budgets.take(f"key:{i % 1000}", 1_000_000, 60.0)
    return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    result: dict[str, object] = {"requests": args.n, "keys": 1000}
    result["local_us_per_request"] = round(per_take(LocalBudgets(), args.n), 2)
    prefix = f"citybrain:bench:{uuid.uuid4().hex}:"
    shared = RedisBudgets(args.redis, prefix=prefix)
    try:
        shared._client.ping()
        result["redis_us_per_request"] = round(per_take(shared, args.n), 2)
    except Exception as exc:  # noqa: BLE001 - no server: say so
        result["redis_us_per_request"] = f"skipped: {exc}"
    finally:
        for key in shared._client.scan_iter(prefix + "*"):
            shared._client.delete(key)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "key_budgets.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
