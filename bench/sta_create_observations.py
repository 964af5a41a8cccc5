"""Benchmark of ``POST /sta/v1.1/CreateObservations`` (the DataArray extension) over HTTP.

    python -m bench.sta_create_observations --db sqlite --rows 5000 --requests 40
    python -m bench.sta_create_observations --db postgresql
    python -m bench.sta_create_observations --no-publish --out sta_create_observations_sqlite_nopublish
    python -m bench.sta_create_observations --db postgresql --both    (publishing off, then on: both files)

A fresh database (SQLite file under var/bench/ or a new PostgreSQL schema, removed afterwards), one station with a
PM2.5 Datastream and an admin key; the real server (``citybrain serve``, 1 worker, 127.0.0.1); then this process
posts ``--requests`` DataArray bodies of ``--rows`` observations each (phenomenonTime, result), one after another
with httpx (a bounded loop), after 3 warm-up requests. Reported: observations/s end to end (rows acknowledged by a
201 / wall time of the measured requests, JSON encoding of the body included), per-request latency p50/p95/max,
and the rows found in the database afterwards. Target (issue 13): >= 20,000 observations/s.
Writes bench/results/sta_create_observations_<db>.json (``_nopublish`` with CITYBRAIN_MQTT_PUBLISH=false; ``--both``
writes the two, measured one right after the other).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench import sta_common as common
from bench.open311_load import free_port, server, server_command, tree_cpu_seconds
from citybrain.models import Observation

START = datetime(2024, 1, 1, tzinfo=UTC)


def body(datastream: int, first: int, rows: int) -> bytes:
    data = [
        [(START + timedelta(seconds=first + i)).isoformat().replace("+00:00", "Z"), (first + i) % 500 / 3]
        for i in range(rows)
    ]
    group = {"Datastream": {"@iot.id": datastream}, "components": ["phenomenonTime", "result"]}
    return json.dumps([group | {"dataArray@iot.count": rows, "dataArray": data}]).encode()


def run(args: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()
    with common.fresh_database(args.db) as (url, folder):
        db, datastream, key = common.prepare(url, folder)
        port = free_port()
        headers = {"X-API-Key": key, "Content-Type": "application/json"}
        latencies: list[float] = []
        acknowledged = 0
        extra = {"CITYBRAIN_MQTT_PUBLISH": "false"} if args.no_publish else {}
        with server(common.server_env(url, folder, **extra), server_command(port, 1), port) as proc:
            base = f"http://127.0.0.1:{port}{common.STA}/CreateObservations"
            with httpx.Client(timeout=120) as client:
                sent = 0
                for _ in range(3):
                    response = client.post(base, content=body(datastream, sent, args.rows), headers=headers)
                    response.raise_for_status()
                    sent += args.rows
                began, server_cpu, client_cpu = time.perf_counter(), tree_cpu_seconds(proc.pid), time.process_time()
                broker_cpu = _broker_cpu()
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    response = client.post(base, content=body(datastream, sent, args.rows), headers=headers)
                    latencies.append(1000 * (time.perf_counter() - t0))
                    sent += args.rows
                    if response.status_code == 201:
                        acknowledged += len(response.json())
                elapsed = time.perf_counter() - began
                server_cpu = tree_cpu_seconds(proc.pid) - server_cpu
                client_cpu, broker_cpu = time.process_time() - client_cpu, _broker_cpu() - broker_cpu
        with db.reading() as session:
            stored = int(session.scalar(select(func.count()).select_from(Observation)) or 0)
        dialect = db.engine.dialect.name
        db.dispose()
    rate = acknowledged / elapsed
    return {
        "benchmark": "POST /sta/v1.1/CreateObservations (DataArray), one client, requests one after another",
        "database": dialect,
        "rows_per_request": args.rows,
        "requests": args.requests,
        "warmup_requests": 3,
        "observations_acknowledged": acknowledged,
        "observations_stored_incl_warmup": stored,
        "seconds": round(elapsed, 2),
        "observations_per_s": round(rate, 1),
        "latency_ms": {
            "p50": common.percentile(latencies, 50),
            "p95": common.percentile(latencies, 95),
            "max": round(max(latencies), 2),
        },
        "cpu_us_per_observation": {  # during the measured requests; PostgreSQL's own backends not counted
            "server": round(1e6 * server_cpu / max(acknowledged, 1), 1),
            "mosquitto": round(1e6 * broker_cpu / max(acknowledged, 1), 1),
            "this_client": round(1e6 * client_cpu / max(acknowledged, 1), 1),
        },
        "server": "citybrain serve --workers 1 on 127.0.0.1, default settings"
        + (" except CITYBRAIN_MQTT_PUBLISH=false" if args.no_publish else " (publishes each new Observation to MQTT)"),
        "target": ">= 20,000 observations/s (issue 13)",
        "target_met": rate >= 20_000,
        "machine": common.machine(load_before),
        "when": common.now(),
        "commit": common.git_commit(),
    }


def _broker_cpu() -> float:
    """CPU seconds used so far by the Mosquitto processes on this machine (0 when there is none)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(mosquitto)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=5000, help="observations per request")
    parser.add_argument("--requests", type=int, default=40, help="measured requests")
    parser.add_argument("--no-publish", action="store_true", help="CITYBRAIN_MQTT_PUBLISH=false for the server")
    parser.add_argument("--both", action="store_true", help="publishing off, then on; writes both files")
    parser.add_argument("--note", default="", help="a remark kept in the JSON (e.g. what else ran on the machine)")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    for no_publish in (True, False) if args.both else (args.no_publish,):
        args.no_publish = no_publish
        result = run(args) | ({"note": args.note} if args.note else {})
        text = json.dumps(result, indent=2, ensure_ascii=False)
        print(text)
        common.RESULTS.mkdir(parents=True, exist_ok=True)
        name = f"sta_create_observations_{args.db}{'_nopublish' if no_publish else ''}"
        (common.RESULTS / f"{args.out or name}.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
