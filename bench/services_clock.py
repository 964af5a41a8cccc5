"""Online services: the working-day arithmetic and a year of applications through their steps, then the KPIs.

Times ``working_days.add(start, 20)`` and ``count_between`` over every start day of 2025-2026; then takes
``--applications`` applications through submit → accept → review → approve/refuse on the database named by
``--database-url`` (default: a fresh SQLite file) and times the KPI read of the year. Prints JSON and writes
bench/results/<out>.json.

    .venv/bin/python -m bench.services_clock [--applications 2000] [--out services_clock]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def calendar_speed() -> dict[str, float]:
    from citybrain.core import working_days

    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(730)]
    start = time.perf_counter()
    ends = [working_days.add(d, 20) for d in days]
    added = time.perf_counter() - start
    start = time.perf_counter()
    counts = [working_days.count_between(d, e) for d, e in zip(days, ends, strict=True)]
    counted = time.perf_counter() - start
    assert counts == [20] * len(days)
    return {"add_20_us": round(added / len(days) * 1e6, 1), "count_between_us": round(counted / len(days) * 1e6, 1)}


def applications(url: str, n: int, data_dir: Path) -> dict[str, Any]:
    from tests.services.factories import apply, at_city, catalogue

    from citybrain.core import migrate
    from citybrain.core.db import Database
    from citybrain.core.settings import Settings
    from citybrain.core.working_days import national
    from citybrain.directory.defaults import load_defaults
    from citybrain.services import kpis, repository, service
    from citybrain.services.service import Step

    db = Database(Settings(database_url=url, data_dir=data_dir))
    migrate.upgrade(db.engine)
    rng, cal = random.Random(18), national()
    with db.transaction() as s:
        load_defaults(s)
        catalogue(s)
    start = time.perf_counter()
    for i in range(n):
        day = date(2025, 1, 2) + timedelta(days=i * 360 // n)
        with db.transaction() as s:
            app = apply(s, data_dir, day)
            for action, when in (("accept", day), ("review", day)):
                service.act(session=s, application=app, action=action, step=Step(), actor="bench",
                            now=at_city(when), today=when, calendar=cal)  # fmt: skip
            decided = cal.add(day, rng.randint(1, 7))
            action = "refuse" if rng.random() < 0.2 else "approve"
            service.act(session=s, application=app, action=action, step=Step(reason="r"), actor="bench",
                        now=at_city(decided), today=decided, calendar=cal)  # fmt: skip
    stepped = time.perf_counter() - start
    start = time.perf_counter()
    with db.reading() as s:
        rows = [kpis.Decided(code, a.decision or "", a.days_used, a.on_time)
                for a, code in repository.decided_between(s, date(2025, 1, 1), date(2025, 12, 31), None)]  # fmt: skip
    rates = kpis.rates(rows)
    read = time.perf_counter() - start
    db.dispose()
    return {
        "applications": n,
        "per_application_ms": round(stepped / n * 1000, 2),
        "kpi_year_ms": round(read * 1000, 1),
        "decided": rates.decided,
        "on_time_rate": rates.on_time_rate,
        "refusal_rate": rates.refusal_rate,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--out", default="services_clock")
    parser.add_argument("--note", default="", help="What the machine was doing (shared, loaded, quiet).")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    result = {
        "machine": platform.machine(),
        "python": platform.python_version(),
        "note": args.note,
        "database": url.split(":", 1)[0],
        "calendar": calendar_speed(),
        "steps": applications(url, args.applications, folder),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
