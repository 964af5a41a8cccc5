"""The Demo City's senses on a fresh SQLite database: how long `citybrain demo` takes to store the car parks (first
run, and again: all skipped), and the two nightly sensor jobs on a year of stored readings — sensor warnings
(`sensors`) and which complaints follow the stored sensors (`sensors-vs-cases`), with what they found.

Prints JSON and saves bench/results/demo_sensors.json.

    .venv/bin/python -m bench.demo_sensors [--days 365] [--cases-per-day 300]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from citybrain.cli.demo import load_air_stations, load_car_parks
from citybrain.core import clock, migrate
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.defaults import load_defaults
from citybrain.insight import jobs, service
from citybrain.simulate.load import load_city

RESULTS = Path(__file__).resolve().parent / "results" / "demo_sensors.json"


def _timed(step: Any) -> tuple[Any, float]:
    began = time.perf_counter()
    value = step()
    return value, round(time.perf_counter() - began, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--cases-per-day", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="citybrain-senses-"))
    settings = Settings(database_url=f"sqlite:///{folder / 'bench.db'}", data_dir=folder)
    db = Database(settings)
    migrate.upgrade(db.engine)
    zone, now = settings.timezone, clock.utcnow()
    with db.transaction() as session:
        load_defaults(session)
        report = load_city(session, seed=1, days=args.days, cases_per_day=args.cases_per_day, now=now)
    start = report.start or clock.city_today(zone, now) - timedelta(days=args.days - 1)
    with db.transaction() as session:
        load_air_stations(session, seed=1, start=start, days=args.days, now=now, timezone=zone)

    def parks() -> Any:
        with db.transaction() as session:
            return load_car_parks(session, seed=1, start=start, days=args.days, now=now, timezone=zone)

    first, first_s = _timed(parks)
    again, again_s = _timed(parks)
    night = jobs.Night(day=clock.city_today(zone, now) - timedelta(days=1), link_days=args.days)
    sensor_lines, sensors_s = _timed(lambda: jobs.run_nightly("sensors", db, night, lambda _: None))
    link_lines, links_s = _timed(lambda: jobs.run_nightly("sensors-vs-cases", db, night, lambda _: None))
    with db.reading() as session:
        run = service.latest(session, "sensor_links")
    result = {
        "database": "sqlite",
        "days": args.days,
        "cases": report.cases,
        "car_parks": {
            "readings": first.imported,
            "seconds": first_s,
            "again_skipped": again.skipped,
            "again_seconds": again_s,
            "marked": dict(first.flags),
        },  # fmt: skip
        "sensors_job": {"seconds": sensors_s, "lines": sensor_lines},
        "sensors_vs_cases_job": {
            "seconds": links_s,
            "lines": link_lines,
            "links": [item["key"] for item in run["results"]],
            "tests": run["summary"]["tests"],
        },
        "machine": platform.machine(),
        "python": platform.python_version(),
    }
    db.dispose()
    text = json.dumps(result, ensure_ascii=False, indent=2)
    RESULTS.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
