"""How fast the portal's public list and map answer on a year of the Demo City (公开诉求).

A fresh database (SQLite in a temporary directory, or ``--database-url``; for PostgreSQL give an empty schema),
migrated, the default directory and ``--days`` × ``--cases-per-day`` Demo City cases loaded; then the app answers,
in process (FastAPI's TestClient, one request at a time, the JSON read), ``--requests`` of each: the first page of
the list, a page deep in it, the list filtered by district and status, the map of everything (the latest 2,000
points and the outlines), and the map of one district. Prints JSON and writes
bench/results/portal_public_<sqlite|postgresql>.json (or ``--out``).

    .venv/bin/python -m bench.portal_public [--days 365] [--cases-per-day 300] [--requests 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.core import clock, migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.defaults import load_defaults
from citybrain.models import Case
from citybrain.simulate.load import load_city
from citybrain.web.app import create_app

RESULTS = Path(__file__).resolve().parent / "results"


def _timings(client: TestClient, path: str, n: int) -> dict[str, float]:
    took = []
    for _ in range(n):
        began = time.perf_counter()
        response = client.get(path)
        response.json()
        took.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text
    took.sort()
    return {
        "p50_ms": round(statistics.median(took), 1),
        "p95_ms": round(took[max(0, round(0.95 * n) - 1)], 1),
        "max_ms": round(took[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--cases-per-day", type=float, default=300)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="citybrain-portal-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    db = Database(Settings(database_url=url, data_dir=Path(folder)))
    migrate.upgrade(db.engine)
    began = time.perf_counter()
    with db.transaction() as session:
        load_defaults(session)
        load_city(session, seed=1, days=args.days, cases_per_day=args.cases_per_day, now=clock.utcnow())
    loaded = time.perf_counter() - began
    with db.reading() as session:
        cases = int(session.scalar(select(func.count()).select_from(Case)) or 0)
        district = session.scalar(select(Case.district_code).where(Case.district_code.is_not(None)).limit(1))
    paths = {
        "list_first_page": "/portal/public/requests",
        "list_page_200": "/portal/public/requests?page=200",
        "list_district_open": f"/portal/public/requests?district={district}&status=open",
        "map_all": "/portal/public/map",
        "map_district": f"/portal/public/map?district={district}",
    }
    load_before = os.getloadavg()[0]
    with TestClient(create_app(db.settings, database=db)) as client:
        for path in paths.values():
            client.get(path)  # warm: first imports and statement caches
        timings = {name: _timings(client, path, args.requests) for name, path in paths.items()}
    result: dict[str, Any] = {
        "database": db.engine.dialect.name,
        "cases": cases,
        "load_seconds": round(loaded, 1),
        "requests_each": args.requests,
        "load_average_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "client": "in-process TestClient, one request at a time, JSON parsed",
        **timings,
    }
    db.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result, indent=2))
    out = args.out or RESULTS / f"portal_public_{result['database']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
