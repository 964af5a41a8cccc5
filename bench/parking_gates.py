"""Gate reads per second into sessions and bills (scenarios.parking.ingest), sustained, on SQLite and PostgreSQL.

    PYTHONPATH=src .venv/bin/python bench/parking_gates.py                     # both backends, 3 days, batches of 500
    PYTHONPATH=src .venv/bin/python bench/parking_gates.py --backends sqlite --days 1 --http

The reads are generated (scenarios.parking.generator) from the 30 Birmingham car parks' real occupancy of
``--days`` days from 2016-11-07, with 3 % look-alike misreads and 2 % duplicate reads planted, and posted in time
order in batches of ``--batch``: each batch one transaction that pairs, writes the reads and sessions and bills the
sessions it closes — the work of ``POST /api/v1/parking/events``. ``--http`` sends the same batches through that
route in process (FastAPI TestClient: JSON, validation, key, transaction; no network). Target: ≥ 2,000 reads/s
sustained. The machine is shared with other jobs (2 cores, several helpers, load average often 10+): the wall-clock
figures are lower bounds; ``reads_per_process_cpu_second`` (this process's CPU only — on SQLite that includes the
database's work, on PostgreSQL the server's CPU is not counted) says what one free core would do.

Prints JSON and writes bench/results/parking_gates.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.core.settings import load_settings
from citybrain.models.parking import ParkingBill, ParkingSession
from citybrain.scenarios.parking import birmingham, ingest, service
from citybrain.scenarios.parking.generator import Read, generate

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT.parent / "shared" / "data" / "birmingham_parking" / "parking_birmingham_uci_dataset.csv.gz"
OUT = ROOT / "bench" / "results" / "parking_gates.json"
POSTGRES_URL = os.environ.get("CITYBRAIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _database(kind: str, folder: Path) -> tuple[Database, str | None]:
    schema = None
    url = f"sqlite:///{folder / 'citybrain.db'}"
    if kind == "postgresql":
        schema = f"cbbench_{uuid.uuid4().hex[:8]}"
        with create_engine(POSTGRES_URL).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    db = Database(load_settings(database_url=url, data_dir=folder))
    migrate.upgrade(db.engine)
    return db, schema


def _read_in(r: Read) -> ingest.ReadIn:
    return ingest.ReadIn(r.car_park, r.gate, r.direction, r.plate, datetime.fromtimestamp(r.at, UTC), r.confidence)


def _json(r: Read) -> dict[str, Any]:
    at = datetime.fromtimestamp(r.at, UTC).isoformat()
    return {"car_park": r.car_park, "gate": r.gate, "direction": r.direction, "plate": r.plate, "time": at,
            "confidence": r.confidence}  # fmt: skip


def _post_http(db: Database, reads: list[Read], batch: int) -> list[float]:
    from fastapi.testclient import TestClient

    from citybrain.auth import service as auth_service
    from citybrain.web.app import create_app

    with db.transaction() as s:
        _key, plaintext = auth_service.create_api_key(session=s, name="bench", role="admin", rate_limit_per_minute=0)
    times = []
    with TestClient(create_app(db.settings, database=db)) as client:
        for i in range(0, len(reads), batch):
            body = {"events": [_json(r) for r in reads[i : i + batch]]}
            start = time.perf_counter()
            answer = client.post("/api/v1/parking/events", json=body, headers={"X-API-Key": plaintext})
            times.append(time.perf_counter() - start)
            assert answer.status_code == 200, answer.text[:300]
    return times


def run(kind: str, reads: list[Read], codes: list[str], batch: int, http: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db, schema = _database(kind, Path(tmp))
        try:
            with db.transaction() as s:
                for code in codes:
                    service.save_car_park(session=s, code=code, name=code, lat=52.48, lon=-1.9, capacity=5000)
            load_before = os.getloadavg()[0]
            cpu_before = time.process_time()
            if http:
                times = _post_http(db, reads, batch)
            else:
                times = []
                for i in range(0, len(reads), batch):
                    chunk = [_read_in(r) for r in reads[i : i + batch]]
                    start = time.perf_counter()
                    with db.transaction() as s:
                        ingest.ingest(session=s, reads=chunk, gate_park=None, settings=db.settings)
                    times.append(time.perf_counter() - start)
            cpu = time.process_time() - cpu_before
            with db.reading() as s:
                sessions = int(s.scalar(select(func.count()).select_from(ParkingSession)) or 0)
                bills = int(s.scalar(select(func.count()).select_from(ParkingBill)) or 0)
        finally:
            db.dispose()
            if schema:
                with create_engine(POSTGRES_URL).begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    total = sum(times)
    tail = times[len(times) // 2 :]
    return {
        "path": "http" if http else "service", "reads": len(reads), "batch": batch, "seconds": round(total, 2),
        "reads_per_second": round(len(reads) / total),
        "reads_per_second_second_half": round(sum(min(batch, len(reads)) for _ in tail) / sum(tail)),
        "slowest_batch_seconds": round(max(times), 3), "sessions": sessions, "bills": bills,
        "process_cpu_seconds": round(cpu, 2), "reads_per_process_cpu_second": round(len(reads) / cpu),
        "load_average_1min_before": round(load_before, 2), "load_average_1min_after": round(os.getloadavg()[0], 2),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--http", action="store_true", help="through POST /api/v1/parking/events (in process)")
    args = parser.parse_args()
    series = birmingham.days(FILE, date(2016, 11, 7), count=args.days)
    reads, truth = generate(series, seed=11, misread=0.03, duplicate=0.02)
    codes = sorted({s.code for s in series})
    result: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "note": "shared with other jobs (2 cores, several helpers): figures are lower bounds"},
        "data": {"car_parks": len(codes), "days": args.days, "first_day": "2016-11-07", "reads": len(reads),
                 "planted_misreads": len(truth.misreads), "planted_duplicates": len(truth.duplicates)},
        "target_reads_per_second": 2000,
    }  # fmt: skip
    for kind in args.backends:
        result[kind] = run(kind, reads, codes, args.batch, args.http)
        print(json.dumps({kind: result[kind]}), flush=True)
    name = "parking_gates_http.json" if args.http else "parking_gates.json"
    (OUT.parent / name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
