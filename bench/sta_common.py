"""Shared set-up of the SensorThings benchmarks: a fresh database (a new SQLite file under var/bench/, or a new
PostgreSQL schema in database ``test``, dropped afterwards), one station with a Datastream, an admin key, and the
real server (``citybrain serve`` on 127.0.0.1, as in :mod:`bench.open311_load`)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from bench.mqtt_ingest import station
from citybrain.auth import service as auth_service
from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Datastream

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench"
PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STA = "/sta/v1.1"


@contextmanager
def fresh_database(db: str) -> Iterator[tuple[str, Path]]:
    """(database URL, data folder) of a new empty database, removed afterwards."""
    folder = WORK / f"sta-{db}-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if db == "sqlite":
        try:
            yield f"sqlite:///{folder}/citybrain.db", folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    schema = f"stabench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}", folder
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def prepare(url: str, folder: Path) -> tuple[Database, int, str]:
    """Migrate, add one station (Thing, Location, PM2.5 Datastream) and an admin key: (db, datastream id, key)."""
    db = Database(Settings(database_url=url, data_dir=folder))
    migrate.upgrade(db.engine)
    datastream = station(db)
    with db.transaction() as session:
        _key, plaintext = auth_service.create_api_key(
            session=session, name="sta bench", role="admin", rate_limit_per_minute=0
        )
        thing_id = session.scalar(select(func.min(Datastream.thing_id)))
    assert thing_id is not None
    return db, datastream, plaintext


def server_env(url: str, folder: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "CITYBRAIN_DATABASE_URL": url, "CITYBRAIN_DATA_DIR": str(folder), **extra}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 2)


def machine(load_before: tuple[float, float, float]) -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg_before_1_5_15m": [round(x, 2) for x in load_before],
        "load_avg_after_1_5_15m": [round(x, 2) for x in os.getloadavg()],
        "note": "2 cores shared with another agent's work",
    }


def git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
