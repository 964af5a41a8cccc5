"""The landing page's three rates (三率) on a big database, side by side in one run: summed from the daily
roll-up brought up to date (``web.overview.rates``, what the pages do) against read from the cases of the window
(``kpi_service.totals``, what they did), and the whole of the page's numbers (``overview.overview``) each way.

    python -m bench.landing_rates --db-url postgresql+psycopg://postgres@127.0.0.1:5432/citybrain_scale1m

The database is one ``bench.pg_scale --keep`` left (its cases are "now"-relative: the window is the last 30
days of the load). In process, no server; the median of ``--repeat`` runs each, after one warm-up each.
Result: bench/results/landing_rates_<cases>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.open311_load import _git_commit
from citybrain.cases import kpi_service
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web import overview

RESULTS = Path(__file__).resolve().parent / "results"


def _median_ms(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    answer = run()  # warm-up (and, for the roll-up, the refresh of what changed since the load)
    took = []
    for _ in range(repeat):
        started = time.perf_counter()
        answer = run()
        took.append(time.perf_counter() - started)
    return round(1000 * statistics.median(took), 1), answer


def measure(db: Database, repeat: int) -> dict[str, Any]:
    tz, now = db.settings.timezone, clock.utcnow()
    start, end = overview.rate_window(clock.city_today(clock.city_zone(tz), now))

    def from_cases() -> dict[str, Any]:
        with db.reading() as session:
            return kpi_service.totals(session=session, timezone=tz, start=start, end=end, as_of=now)

    def from_rollup() -> dict[str, Any]:
        return overview.rates(db, now=now, timezone=tz)

    def page_then() -> object:
        with db.reading() as session:
            return overview.overview(session, now=now, timezone=tz)

    def page_now() -> object:
        rates = overview.rates(db, now=now, timezone=tz)
        with db.reading() as session:
            return overview.overview(session, now=now, timezone=tz, rates=rates)

    cases_ms, by_cases = _median_ms(from_cases, repeat)
    rollup_ms, by_rollup = _median_ms(from_rollup, repeat)
    then_ms, _ = _median_ms(page_then, repeat)
    now_ms, _ = _median_ms(page_now, repeat)
    assert isinstance(by_cases, dict)
    assert isinstance(by_rollup, dict)
    equal = all(by_cases[name] == by_rollup[name] for name in overview.RATES)
    with db.reading() as session:
        cases = int(session.execute(text("SELECT count(*) FROM cases")).scalar_one())
    return {
        "cases": cases,
        "window": [start.isoformat(), end.isoformat()],
        "rates_equal": equal,
        "rates": {name: str(by_rollup[name]) for name in overview.RATES},
        "rates_ms": {"from_cases": cases_ms, "from_rollup": rollup_ms},
        "overview_ms": {"rates_from_cases": then_ms, "rates_from_rollup": now_ms},
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", required=True, help="the database bench.pg_scale --keep left")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    db = Database(Settings(database_url=args.db_url))
    try:
        result = {
            "benchmark": "landing_rates",
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": _git_commit(),
            "machine": {"cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2)},
            "repeat": args.repeat,
            **measure(db, args.repeat),
        }
    finally:
        db.dispose()
    out = RESULTS / f"landing_rates_{result['cases']}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
