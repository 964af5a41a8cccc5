"""The Demo City's patrols: the rhythm (weekdays, a Saturday rota, rounds in working hours), and loading them
through the intake with the KPIs readable on the result."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.grid import kpi_service
from citybrain.grid.demo import grid_workers
from citybrain.grid.sim_load import load_patrols
from citybrain.grid.simulate import KINDS, patrols
from citybrain.models import Case, Inspection
from citybrain.simulate.city import build_city
from citybrain.simulate.load import ensure_districts

ZONE = ZoneInfo("Asia/Shanghai")


def test_patrols_keep_office_rhythms_and_are_reproducible() -> None:
    city = build_city(1)
    workers = grid_workers(city)
    sim = patrols(city, workers, start=date(2026, 3, 2), days=14, seed=1, zone=ZONE)  # Monday 2 March
    assert sim == patrols(city, workers, start=date(2026, 3, 2), days=14, seed=1, zone=ZONE)
    weekdays = Counter(v.at.astimezone(ZONE).weekday() for v in sim.visits)
    assert weekdays[6] == 0  # nobody walks on Sunday
    assert 0.4 < weekdays[5] / (weekdays[0] or 1) < 0.6  # half the workers on Saturday
    hours = {v.at.astimezone(ZONE).hour for v in sim.visits}
    assert hours <= {8, 9, 10, 11, 14, 15, 16}
    planned = len(sim.plans)
    assert planned == 162 * 2 * 10 + 81 * 2 * 2  # ten weekdays and two Saturdays
    assert 0.9 < len(sim.visits) / planned < 0.98  # a few rounds are missed
    per_round = len(sim.inspections) / len(sim.visits)
    assert 0.3 < per_round < 0.7
    categories = Counter(i.category for i in sim.inspections)
    assert set(categories) <= {k.category for k in KINDS}
    assert categories.most_common(1)[0][0] == "sanitation.garbage"
    on_spot = sum(i.on_spot_record is not None for i in sim.inspections) / len(sim.inspections)
    assert 0.3 < on_spot < 0.6


def test_loading_a_district_s_patrols_files_inspection_cases(db: Database) -> None:
    now = datetime(2026, 3, 14, 12, tzinfo=UTC)
    with db.transaction() as session:
        ensure_districts(session, build_city(1))
        report = load_patrols(session=session, seed=1, days=7, now=now, zone=ZONE, district="D01")
    assert report.workers == 18
    assert report.inspections > 20
    with db.transaction() as session:
        again = load_patrols(session=session, seed=1, days=7, now=now, zone=ZONE, district="D01")
    assert again.already_loaded
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Inspection)) == report.inspections
        statuses = Counter(session.scalars(select(Case.status).where(Case.channel == "inspection")))
        assert statuses["closed"] >= report.on_spot  # on the spot, and the department's finished ones
        assert sum(statuses.values()) == report.inspections
        kpis = kpi_service.kpi_report(session=session, start=datetime(2026, 3, 1, tzinfo=UTC), end=now)
    assert kpis.city.inspections == report.inspections
    assert kpis.city.found_first == report.inspections  # no citizen cases loaded: every one was found first
    assert kpis.city.on_spot == report.on_spot
    assert set(kpis.workers) <= {w.code for w in grid_workers(build_city(1))}
