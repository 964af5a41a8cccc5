"""Patrols (巡查): plans (who walks which cell on which day), visits (check-ins, and every inspection filed), and
coverage — which cells were visited, when, and how much of the plan was kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.core.errors import InvalidInput, NotFound
from citybrain.grid import repository
from citybrain.grid import service as grid
from citybrain.models import GridWorker, PatrolPlan, PatrolVisit

#: The longest window a coverage report covers (a year and a day: one leap year's whole).
MAX_DAYS = 366


def visit(
    *, session: Session, worker: GridWorker, scope: grid.Scope, lat: float, lon: float, at: datetime | None = None
) -> PatrolVisit:
    """巡查打卡 at the point (outside every cell 400, another worker's cell 403)."""
    cell = grid.cell_at(session, lat, lon)
    scope.check_cell(cell.code)
    row = PatrolVisit(worker_id=worker.id, cell_code=cell.code, at=at or clock.utcnow(), lat=lat, lon=lon)
    repository.add(session, row)
    return row


def plan(
    *, session: Session, worker: GridWorker, cells: Sequence[str], days: Sequence[date], actor: str
) -> tuple[int, int]:
    """Plan the worker's walks; (created, already planned). Unknown cells 404, nothing written."""
    unknown = sorted(set(cells) - {c.code for c in repository.cells(session, cells)})
    if unknown:
        raise NotFound(f"no grid cell {', '.join(unknown)}")
    created = existing = 0
    for day in sorted(set(days)):
        for code in sorted(set(cells)):
            if repository.plan_exists(session, worker.id, code, day):
                existing += 1
                continue
            session.add(PatrolPlan(worker_id=worker.id, cell_code=code, day=day, created_by=actor))
            created += 1
    session.flush()
    return created, existing


@dataclass
class CellCoverage:
    cell_code: str
    visits: int = 0
    first_visit: datetime | None = None
    last_visit: datetime | None = None
    planned: int = 0  # planned worker-days in the window
    kept: int = 0  # of those, days the planned worker visited the cell
    workers: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Coverage:
    """Pure summary of visits and plans over days ``first``..``last`` (local dates)."""

    first: date
    last: date
    cells: list[CellCoverage]

    def summary(self) -> dict[str, object]:
        total = len(self.cells)
        visited = sum(1 for c in self.cells if c.visits)
        planned, kept = sum(c.planned for c in self.cells), sum(c.kept for c in self.cells)
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "cells": total,
            "cells_visited": visited,
            "coverage_rate": round(visited / total, 4) if total else None,
            "planned_walks": planned,
            "planned_walks_kept": kept,
            "plan_kept_rate": round(kept / planned, 4) if planned else None,
        }


def coverage_of(
    cells: Sequence[str],
    visits: Sequence[tuple[str, str, datetime]],
    plans: Sequence[tuple[str, str, date]],
    first: date,
    last: date,
    zone: tzinfo,
) -> Coverage:
    """``visits``: (cell, worker, at); ``plans``: (cell, worker, day). A plan is kept when its worker visited
    its cell on its (local) day."""
    rows = {c: CellCoverage(c) for c in cells}
    walked: set[tuple[str, str, date]] = set()
    for cell, worker, at in visits:
        row = rows.get(cell)
        if row is None:
            continue
        row.visits += 1
        row.workers.add(worker)
        row.first_visit = at if row.first_visit is None else min(row.first_visit, at)
        row.last_visit = at if row.last_visit is None else max(row.last_visit, at)
        walked.add((cell, worker, at.astimezone(zone).date()))
    for cell, worker, day in plans:
        if cell in rows:
            rows[cell].planned += 1
            rows[cell].kept += (cell, worker, day) in walked
    return Coverage(first, last, [rows[c] for c in sorted(rows)])


def coverage(*, session: Session, first: date, last: date, zone: ZoneInfo, cells: Sequence[str] | None) -> Coverage:
    if last < first:
        raise InvalidInput("to is before from")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(f"coverage covers at most {MAX_DAYS} days at once")
    start, end = clock.local_midnight_utc(first, zone), clock.local_midnight_utc(last + timedelta(days=1), zone)
    names = {w.id: w.code for w in repository.workers(session)}
    shown = [c.code for c in repository.cells(session, cells)]
    visits = [(v.cell_code, names[v.worker_id], v.at) for v in repository.visits(session, start, end)]
    plans = [(p.cell_code, names[p.worker_id], p.day) for p in repository.plans(session, first, last)]
    return coverage_of(shown, visits, plans, first, last, zone)
