"""What joint cases (联合办理) and whistles (吹哨报到) cost the KPI queries: before and after, same data, one run.

    .venv/bin/python bench/joint_kpis.py                         # SQLite, a Demo City year (~110,000 cases)
    .venv/bin/python bench/joint_kpis.py --url postgresql+psycopg://…/test

Set-up: a fresh database (SQLite in a temporary file, or a fresh schema of the PostgreSQL URL given), migrated,
with the default directory and a Demo City year (seed 1). **Before**: the KPI questions a city asks — the year's
KPIs by department (``/api/v1/kpis?by=department``), the monthly report of the busiest month (which now carries the
joint section), and the year's joint KPIs (nothing joint yet) — each timed ``--repeat`` times. Then ``--share`` of
the handled cases become joint (a lead part and one or two assisting parts, most replied, some late, some refused)
and a fifth as many get a whistle summoning two or three departments (most report in, some late, some never).
**After**: the same questions on the same cases. The figures (the target: each within 2×): after/before for the
year's KPIs and the monthly report, and the year's joint KPIs after against the year's KPIs before (today's query:
the joint one has no "before" of its own).
Prints JSON and writes bench/results/joint_kpis[_postgresql].json. Wall-clock on a shared machine: the load
average is recorded.
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
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bench.scratch import backend_of, scratch_settings
from citybrain.cases import joint_service, kpi_service
from citybrain.core import clock, migrate
from citybrain.core.db import Database
from citybrain.directory.defaults import load_defaults
from citybrain.models import Case, CasePart, Department, Whistle, WhistleSummons
from citybrain.reports import service as reports
from citybrain.simulate.load import load_city

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TZ = "Asia/Shanghai"


def _time(run: Callable[[], object], repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        runs.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(runs), 1), "min_ms": round(min(runs), 1)}


def _questions(db: Database, first: date, last: date, month: tuple[date, date], as_of: datetime) -> dict[str, Any]:
    def kpis_by_department() -> object:
        query = kpi_service.parse_query(timezone=TZ, by="department", start=first, end=last, as_of=as_of)
        with db.reading() as session:
            return kpi_service.kpi_report(session=session, query=query, language="zh-CN", max_cells=None)

    def monthly() -> object:
        period = reports.ReportPeriod(month[0], month[1], month[0].strftime("%Y-%m"))
        with db.reading() as session:
            return reports.monthly_report(session=session, period=period, options=reports.ReportOptions(as_of=as_of))

    def joint_year() -> object:
        with db.reading() as session:
            return joint_service.joint_kpi_report(session=session, start=first, end=last, timezone=TZ, as_of=as_of)

    return {"kpis_by_department_year": kpis_by_department, "monthly_report": monthly, "joint_kpis_year": joint_year}


def _make_joint(session: Session, share: float, seed: int) -> dict[str, int]:
    """Turn ``share`` of the handled cases into joint cases, and a fifth as many into whistled ones."""
    rng = random.Random(seed)
    departments = list(session.scalars(select(Department.id)))
    handled = session.execute(
        select(Case.id, Case.department_id, Case.created_at).where(Case.department_id.is_not(None))
    ).all()
    chosen = rng.sample(handled, int(len(handled) * share))
    parts: list[dict[str, Any]] = []
    for case_id, lead, created in chosen:
        others = rng.sample([d for d in departments if d != lead], rng.choice((1, 2)))
        for department, role in [(lead, "lead"), *((d, "assist") for d in others)]:
            parts.append(_part(rng, case_id, department, role, created))
    whistled = rng.sample(chosen, len(chosen) // 5)
    whistles = [{"case_id": c, "called_by": "bench", "called_at": t, "report_due_at": t + timedelta(hours=2)}
                for c, _lead, t in whistled]  # fmt: skip
    conn = session.connection()
    conn.execute(insert(CasePart), parts)
    ids = [int(i) for i in conn.execute(insert(Whistle).returning(Whistle.id, sort_by_parameter_order=True), whistles)
           .scalars()]  # fmt: skip
    summons = []
    for whistle_id, (_case, _lead, called) in zip(ids, whistled, strict=True):
        for department in rng.sample(departments, rng.choice((2, 3))):
            late = rng.random()
            reported = None if late > 0.9 else called + timedelta(hours=1 if late < 0.7 else 3)
            summons.append({"whistle_id": whistle_id, "department_id": department, "reported_at": reported,
                            "version": 1})  # fmt: skip
    conn.execute(insert(WhistleSummons), summons)
    return {"joint_cases": len(chosen), "parts": len(parts), "whistles": len(ids), "summons": len(summons)}


def _part(rng: random.Random, case_id: int, department: int, role: str, created: datetime) -> dict[str, Any]:
    due = created + timedelta(hours=72)
    roll = rng.random()
    refused = role == "assist" and roll > 0.92
    replied = None if refused or roll > 0.85 else created + timedelta(hours=rng.uniform(2, 96))
    state = "refused" if refused else "replied" if replied else "accepted"
    return {
        "case_id": case_id, "department_id": department, "role": role, "state": state, "task": "",
        "created_at": created, "created_by": "bench", "updated_at": created, "due_at": due,
        "accepted_at": created + timedelta(hours=1), "reply": "已处理" if replied else None, "replied_at": replied,
        "refusal_reason": "非本单位职责" if refused else None,
        "refused_at": created + timedelta(hours=2) if refused else None, "version": 1,
    }  # fmt: skip


def _busiest_month(db: Database) -> tuple[date, date]:
    with db.reading() as session:
        last = session.scalar(select(func.max(Case.created_at)))
    assert last is not None
    end = clock.as_utc(last).date().replace(day=1) - timedelta(days=1)  # the last whole month
    return end.replace(day=1), end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a PostgreSQL URL (default: SQLite in a temporary file)")
    parser.add_argument("--cases", type=int, default=110_000, help="cases in the Demo City year")
    parser.add_argument("--share", type=float, default=0.05, help="share of handled cases made joint")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with scratch_settings(args.url, Path(tmp), "joint") as settings:
            backend = backend_of(settings)
            db = Database(settings)
            migrate.upgrade(db.engine)
            with db.transaction() as session:
                load_defaults(session)
                load_city(session, seed=1, days=365, cases_per_day=args.cases / 365, now=datetime.now(UTC))
            with db.reading() as session:
                count = int(session.scalar(select(func.count()).select_from(Case)) or 0)
                first_at = session.scalar(select(func.min(Case.created_at)))
            assert first_at is not None
            as_of = clock.utcnow()
            first, last = clock.as_utc(first_at).date(), clock.city_today(TZ)
            questions = _questions(db, first, last, _busiest_month(db), as_of)
            before = {name: _time(run, args.repeat) for name, run in questions.items()}
            with db.transaction() as session:
                made = _make_joint(session, args.share, seed=1)
            after = {name: _time(run, args.repeat) for name, run in questions.items()}
            db.dispose()
    today = before["kpis_by_department_year"]["median_ms"]
    ratios = {
        "kpis_by_department_year": round(after["kpis_by_department_year"]["median_ms"] / today, 2),
        "monthly_report": round(after["monthly_report"]["median_ms"] / before["monthly_report"]["median_ms"], 2),
        "joint_kpis_year_vs_todays_kpis_year": round(after["joint_kpis_year"]["median_ms"] / today, 2),
    }
    out = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_avg_1m": os.getloadavg()[0],
                    "note": "shared by several helpers' test runs: absolute times are noisy, the ratios less so"},
        "backend": backend,
        "cases": count,
        "joint": made,
        "repeat": args.repeat,
        "before": before,
        "after": after,
        "ratios": ratios,
        "target": "each ratio ≤ 2",
        "met": all(r <= 2 for r in ratios.values()),
    }  # fmt: skip
    print(json.dumps(out, ensure_ascii=False, indent=2))
    name = "joint_kpis.json" if backend == "sqlite" else "joint_kpis_postgresql.json"
    (RESULTS / name).write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
