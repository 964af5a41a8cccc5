"""Benchmark of reading the newest page of a large Datastream over HTTP:
``GET /sta/v1.1/Datastreams(id)/Observations?$top=1000&$orderby=phenomenonTime desc``.

    python -m bench.sta_read_latest --db sqlite                       # 10,000,000 observations
    python -m bench.sta_read_latest --db postgresql --max-load-seconds 420

A fresh database (SQLite file under var/bench/ or a new PostgreSQL schema, removed afterwards), one station with one
PM2.5 Datastream, then ``--observations`` Observations (one a second from 2020-01-01) written straight through the
bulk importer's fast insert (:func:`citybrain.sensing.bulk.repository.insert_observations`: the SQLite driver's
executemany, PostgreSQL COPY), committed every 500,000 rows — not through HTTP. If ``--max-load-seconds`` passes
first, loading stops at the last commit and the size reached is reported. Then the real server (``citybrain serve``,
1 worker, 127.0.0.1, ``CITYBRAIN_STA_MAX_PAGE_SIZE=1000`` so that $top=1000 is honoured; the default is 100) answers
``--requests`` GETs of the first page, the same number of the page its ``@iot.nextLink`` names ($skip=1000), and a
few of a page in the middle ($skip = half the rows: informational). Latency is measured by the client (httpx, one
connection, one request at a time, response body read and parsed). Target (issue 13): p95 <= 50 ms with
10,000,000 observations stored. Writes bench/results/sta_read_latest_<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import func, select, text

from bench import sta_common as common
from bench.open311_load import free_port, server, server_command
from citybrain.core.db import Database
from citybrain.models import Datastream, Observation
from citybrain.models.sensing import RESULT_NUMBER
from citybrain.sensing.bulk import repository

START = datetime(2020, 1, 1, tzinfo=UTC)
CHUNK = 500_000


def load(db: Database, datastream: int, total: int, max_seconds: float) -> dict[str, Any]:
    began = time.perf_counter()
    written = 0
    with db.reading() as session:
        thing_id = int(session.scalar(select(Datastream.thing_id).where(Datastream.id == datastream)) or 0)
    with db.transaction() as session:
        feature = repository.feature(session, thing_id, "bench station")
    while written < total and time.perf_counter() - began < max_seconds:
        size = min(CHUNK, total - written)
        with db.transaction() as session, repository.sqlite_cache(session):
            rows = [
                (
                    datastream,
                    feature,
                    START + timedelta(seconds=written + i),
                    RESULT_NUMBER,
                    (written + i) % 500 / 3,
                    None,
                )
                for i in range(size)
            ]
            repository.insert_observations(session, rows)
        written += size
    loaded = time.perf_counter() - began
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE sta_observations"))
        else:
            conn.execute(text("ANALYZE"))
        conn.commit()
    with db.reading() as session:
        stored = int(session.scalar(select(func.count()).select_from(Observation)) or 0)
    return {
        "observations_asked": total,
        "observations_stored": stored,
        "load_seconds": round(loaded, 1),
        "load_observations_per_s": round(written / loaded, 1),
        "analyze_seconds_after_load": round(time.perf_counter() - began - loaded, 1),
        "stopped_by_time_limit": written < total,
    }


def timed(client: httpx.Client, url: str, count: int) -> tuple[list[float], dict[str, Any]]:
    latencies: list[float] = []
    page: dict[str, Any] = {}
    for _ in range(count):
        t0 = time.perf_counter()
        response = client.get(url)
        page = response.json()
        latencies.append(1000 * (time.perf_counter() - t0))
        response.raise_for_status()
    return latencies, page


def summary(latencies: list[float], page: dict[str, Any]) -> dict[str, Any]:
    values = page.get("value", [])
    return {
        "requests": len(latencies),
        "p50_ms": common.percentile(latencies, 50),
        "p95_ms": common.percentile(latencies, 95),
        "p99_ms": common.percentile(latencies, 99),
        "max_ms": round(max(latencies), 2),
        "rows_per_page": len(values),
        "first_phenomenonTime": values[0]["phenomenonTime"] if values else None,
        "last_phenomenonTime": values[-1]["phenomenonTime"] if values else None,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()
    with common.fresh_database(args.db) as (url, folder):
        db, datastream, _key = common.prepare(url, folder)
        loaded = load(db, datastream, args.observations, args.max_load_seconds)
        dialect = db.engine.dialect.name
        db.dispose()
        load_after = os.getloadavg()
        port = free_port()
        env = common.server_env(url, folder, CITYBRAIN_STA_MAX_PAGE_SIZE="1000", CITYBRAIN_MQTT_PUBLISH="false")
        path = f"{common.STA}/Datastreams({datastream})/Observations"
        query = "$top=1000&$orderby=" + quote("phenomenonTime desc")
        with server(env, server_command(port, 1), port), httpx.Client(timeout=120) as client:
            first_url = f"http://127.0.0.1:{port}{path}?{query}"
            timed(client, first_url, 5)  # warm-up
            first, page = timed(client, first_url, args.requests)
            next_url = page.get("@iot.nextLink", "")
            second, next_page = timed(client, next_url, args.requests) if next_url else ([], {})
            middle_skip = loaded["observations_stored"] // 2
            middle_url = f"{first_url}&$skip={middle_skip}"
            middle, middle_page = timed(client, middle_url, args.middle_requests)
    return {
        "benchmark": "GET Datastreams(id)/Observations?$top=1000&$orderby=phenomenonTime desc over HTTP",
        "database": dialect,
        "datastreams": 1,
        "load": loaded | {"method": "bulk repository insert_observations (SQLite executemany / PostgreSQL COPY)"},
        "first_page": summary(first, page),
        "next_link_page": summary(second, next_page) | {"url": next_url.split(f":{port}", 1)[-1]},
        "middle_page_informational": summary(middle, middle_page) | {"skip": middle_skip},
        "server": "citybrain serve --workers 1 on 127.0.0.1, CITYBRAIN_STA_MAX_PAGE_SIZE=1000 (default 100), "
        "CITYBRAIN_MQTT_PUBLISH=false",
        "client": "httpx, one connection, sequential requests, body read and parsed as JSON",
        "target": "p95 <= 50 ms with 10,000,000 observations stored (issue 13)",
        "target_met_first_page": loaded["observations_stored"] >= 10_000_000 and common.percentile(first, 95) <= 50,
        "load_avg_after_loading_1_5_15m": [round(x, 2) for x in load_after],
        "machine": common.machine(load_before),
        "when": common.now(),
        "commit": common.git_commit(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--observations", type=int, default=10_000_000)
    parser.add_argument("--max-load-seconds", type=float, default=900.0)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--middle-requests", type=int, default=10)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    result = run(args)
    out = json.dumps(result, indent=2, ensure_ascii=False)
    print(out)
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    (common.RESULTS / f"{args.out or 'sta_read_latest_' + args.db}.json").write_text(out + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
