"""The KPI questions one at a time, from the daily roll-up and from the cases, side by side (issue 19).

Runs in-process against a database already loaded by `bench/pg_scale.py --keep` (no server, no HTTP, no
concurrency): for each of pg_scale's five KPI questions — a month, a year, a month by department, a month by
district, a year by month — the median of ``--runs`` answers through ``kpi_rollup.full_report`` (what
``GET /api/v1/kpis`` answers "now" with: the up-to-date check, then the roll-up's sums and medians) and through
``kpi_service.kpi_report`` (what a question with ``as_of`` reads: the window's cases). Prints JSON and writes
bench/results/kpi_shapes_<cases>.json.

    .venv/bin/python -m bench.pg_scale --cases 1000000 --keep --no-queries
    .venv/bin/python -m bench.kpi_shapes [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from citybrain.cases import kpi_rollup, kpi_service
from citybrain.core.db import Database
from citybrain.core.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/citybrain_scale"


def questions(last: date) -> dict[str, dict[str, Any]]:
    """pg_scale's five KPI questions, ending at the newest case's day."""
    year = str(last - timedelta(days=365))
    first_of_month = (last - timedelta(days=60)).replace(day=1)
    month = (str(first_of_month), str((first_of_month + timedelta(days=32)).replace(day=1) - timedelta(days=1)))
    return {
        "month": {"start": month[0], "end": month[1]},
        "year": {"start": year, "end": str(last)},
        "month_by_department": {"start": month[0], "end": month[1], "by": ["department"]},
        "month_by_district": {"start": month[0], "end": month[1], "by": ["district"]},
        "year_by_month": {"start": year, "end": str(last), "period": "month"},
    }


def median_ms(runs: int, answer: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer()
        times.append(time.perf_counter() - started)
    return round(1000 * statistics.median(times), 1)


def measure(db: Database, runs: int) -> tuple[int, dict[str, dict[str, Any]]]:
    with db.engine.connect() as conn:
        cases = int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
        newest = conn.execute(text("SELECT max(created_at) FROM cases")).scalar_one()
    out: dict[str, dict[str, Any]] = {}
    for name, params in questions(newest.date()).items():
        query = kpi_service.parse_query(timezone=db.settings.timezone, **params)
        assert kpi_rollup.full_report(db, query) is not None, f"the roll-up cannot answer {name}"

        def from_rollup(query: kpi_service.KpiQuery = query) -> None:
            kpi_rollup.full_report(db, query)

        def from_cases(query: kpi_service.KpiQuery = query) -> None:
            with db.reading() as session:
                kpi_service.kpi_report(session=session, query=query)

        rolled, read = median_ms(runs, from_rollup), median_ms(runs, from_cases)
        out[name] = {"params": params, "rollup_ms": rolled, "cases_ms": read, "ratio": round(read / rolled, 1)}
        print(name, out[name], flush=True)
    return cases, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", default=DEFAULT_URL, help="the database pg_scale kept")
    parser.add_argument("--runs", type=int, default=5, help="answers per question and path (the median is kept)")
    args = parser.parse_args()
    settings = Settings(database_url=args.pg_url, data_dir=Path(tempfile.mkdtemp()), redis_url="")
    db = Database(settings)
    try:
        cases, shapes = measure(db, args.runs)
    finally:
        db.dispose()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    document = {
        "benchmark": "kpi_shapes", "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit.stdout.strip(), "cases": cases, "runs": args.runs, "questions": shapes,
    }  # fmt: skip
    path = RESULTS / f"kpi_shapes_{cases}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(document, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
