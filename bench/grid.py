"""What grid management costs: the Demo City's patrols filed through the intake, the grid KPIs, coverage, locating.

    .venv/bin/python bench/grid.py                                   # SQLite in a temporary file
    .venv/bin/python bench/grid.py --url postgresql+psycopg://…/test # a fresh schema there

Set-up: a fresh database, migrated, the default directory and ``--days`` of the Demo City (seed 1, 300 citizens'
cases a day). Then the figures: the city's patrols of those days loaded (every inspection through
``inspections.file``, the intake's path, and the ones not resolved on the spot carried on by their department) —
inspections per second; ``GET /api/v1/kpis/grid``'s computation over the whole window (未诉先办 against the
citizens' cases placed in cells) and a week's coverage, each timed ``--repeat`` times (median); and locating points
in cells (SQL bounding boxes, then shapely). Prints JSON and writes bench/results/grid[_postgresql].json.
Wall-clock on a shared machine: the load average is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from citybrain.core import clock, migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.defaults import load_defaults
from citybrain.grid import kpi_service, patrols, service
from citybrain.grid.sim_load import load_patrols
from citybrain.simulate.city import build_city
from citybrain.simulate.load import load_city

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TZ = "Asia/Shanghai"


def _settings(url: str | None, folder: Path) -> tuple[Settings, str | None]:
    if url is None:
        return Settings(database_url=f"sqlite:///{folder / 'grid.db'}", data_dir=folder), None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return Settings(database_url=f"{url}{sep}options=-csearch_path%3D{schema}", data_dir=folder), schema


def _median(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return round(statistics.median(times), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="PostgreSQL URL (default: SQLite in a temporary file)")
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings, schema = _settings(args.url, Path(folder))
        try:
            result = _run(settings, args.days, args.repeat)
        finally:
            if schema is not None and args.url:
                admin = create_engine(args.url)
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    result |= {"backend": "postgresql" if args.url else "sqlite", "machine": platform.machine(),
               "cpus": os.cpu_count(), "load_average_1m_at_end": round(os.getloadavg()[0], 2),
               "note": "wall-clock on a shared 2-core machine with other helpers' tests running"}  # fmt: skip
    print(json.dumps(result, ensure_ascii=False, indent=2))
    name = "grid_postgresql.json" if args.url else "grid.json"
    (RESULTS / name).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _run(settings: Settings, days: int, repeat: int) -> dict[str, Any]:
    db = Database(settings)
    migrate.upgrade(db.engine)
    now = clock.utcnow()
    zone = clock.city_zone(TZ)
    with db.transaction() as session:
        load_defaults(session)
        cases = load_city(session, seed=1, days=days, cases_per_day=300, now=now - timedelta(minutes=1))
    began = time.perf_counter()
    with db.transaction() as session:
        report = load_patrols(session=session, seed=1, days=days, now=now, zone=zone)
    load_seconds = time.perf_counter() - began
    start = clock.local_midnight_utc(clock.city_today(zone, now) - timedelta(days=days - 1), zone)
    with db.reading() as session:
        kpis = kpi_service.kpi_report(session=session, start=start, end=now)
        kpi_seconds = _median(lambda: kpi_service.kpi_report(session=session, start=start, end=now), repeat)
        week = clock.city_today(zone, now)
        coverage_seconds = _median(
            lambda: patrols.coverage(session=session, first=week - timedelta(days=6), last=week, zone=zone, cells=None),
            repeat,
        )
        rng = random.Random(1)
        cells = build_city(1).cells
        points = [
            (c.lat + rng.uniform(-0.004, 0.004), c.lon + rng.uniform(-0.004, 0.004)) for c in rng.choices(cells, k=2000)
        ]
        began = time.perf_counter()
        located = sum(service.locate(session, lat, lon) is not None for lat, lon in points)
        locate_seconds = time.perf_counter() - began
    db.dispose()
    city = kpis.out()["city"]
    return {
        "days": days,
        "citizen_cases": cases.cases,
        "grid_workers": report.workers,
        "inspections": report.inspections,
        "on_spot": report.on_spot,
        "patrol_load_seconds": round(load_seconds, 1),
        "inspections_per_second": round(report.inspections / load_seconds, 1),
        "kpi_report_seconds_median": kpi_seconds,
        "coverage_week_seconds_median": coverage_seconds,
        "locate_points": len(points),
        "located": located,
        "locate_per_second": round(len(points) / locate_seconds),
        "kpis_city": city,
    }


if __name__ == "__main__":
    main()
