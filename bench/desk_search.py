"""What the desk's case search costs: GET /api/v1/cases by number, words, place, phone and filters, in process.

    .venv/bin/python bench/desk_search.py                       # SQLite, 100,000 Demo City cases (~1-2 min)
    .venv/bin/python bench/desk_search.py --url postgresql+psycopg://…/test --cases 100000

Set-up: a fresh database (SQLite in a temporary file, or the PostgreSQL URL given, in a fresh schema) migrated,
with the default directory and ``--cases`` Demo City cases (a year, seed 1). Then each query the desk sends — one
page of 20, newest first, with the total — is run ``--repeat`` times through the staff API's in-process client
with an operator's key (authentication, the SQL of ``cases.repository.list_cases``, presenting the rows). Words
and place searches are ``LIKE '%…%'`` over title, text and address, since migration 0022 re-checking the
candidates of the bigram index (bench/search_index_cpu.py compares both ways in one process). Prints JSON and
writes bench/results/desk_search[_postgresql].json. Timings are wall-clock on a shared machine; the load average
is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bench.scratch import backend_of, scratch_settings
from citybrain.auth import service as auth_service
from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.directory.defaults import load_defaults
from citybrain.models import Case, CaseContact
from citybrain.simulate.load import load_city
from citybrain.web.app import create_app

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def _queries(db: Database) -> dict[str, dict[str, str]]:
    """One of each kind of search, aimed at real rows of the loaded city."""
    with db.reading() as session:
        newest = session.scalars(select(Case).order_by(Case.id.desc()).limit(1)).one()
        middle = session.scalars(select(Case).order_by(Case.id).offset(newest.id // 2).limit(1)).one()
        phone = session.scalar(select(CaseContact.phone).where(CaseContact.phone.is_not(None)).limit(1))
        return {
            "open_cases": {"open": "true"},
            "number": {"q": str(middle.id)},
            "words": {"q": "噪音"},
            "words_rare": {"q": middle.text[5:13]},
            "place": {"q": (middle.address or "示例市北城区解放路")[3:9]},
            "phone": {"phone": phone or "13800000000"},
            "filters": {"district": middle.district_code or "", "channel": middle.channel, "open": "true"},
            "filters_dates": {
                "category": (middle.category_code or "noise").split(".")[0],
                "created_from": (middle.created_at - timedelta(days=30)).isoformat(),
                "created_to": middle.created_at.isoformat(),
            },
        }


def _time(client: TestClient, key: str, params: dict[str, str], repeat: int) -> dict[str, Any]:
    took, total = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get("/api/v1/cases", params={**params, "limit": "20"}, headers={"X-API-Key": key})
        took.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
        total = int(response.json()["total"])
    took.sort()
    return {
        "params": params,
        "matches": total,
        "p50_ms": round(statistics.median(took), 1),
        "p90_ms": round(took[int(0.9 * (len(took) - 1))], 1),
        "max_ms": round(took[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="a PostgreSQL URL (default: SQLite in a temporary file)")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with scratch_settings(args.url, Path(tmp), "search") as settings:
            backend = backend_of(settings)
            db = Database(settings)
            migrate.upgrade(db.engine)
            started = time.perf_counter()
            with db.transaction() as session:
                load_defaults(session)
                load_city(session, seed=1, days=365, cases_per_day=args.cases / 365, now=datetime.now(UTC))
                _key, key = auth_service.create_api_key(
                    session=session, name="bench", role="operator", rate_limit_per_minute=0
                )
            loaded = time.perf_counter() - started
            with db.reading() as session:
                count = int(session.scalar(select(func.count()).select_from(Case)) or 0)
            with TestClient(create_app(settings, database=db)) as client:
                timings = {name: _time(client, key, params, args.repeat) for name, params in _queries(db).items()}
            db.dispose()
    out = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0]},
        "backend": backend,
        "cases": count,
        "load_seconds": round(loaded, 1),
        "repeat": args.repeat,
        "page": 20,
        "queries": timings,
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    name = "desk_search.json" if backend == "sqlite" else "desk_search_postgresql.json"
    (RESULTS / name).write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
