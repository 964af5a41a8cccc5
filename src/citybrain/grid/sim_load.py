"""Loading the Demo City's patrols: its grid and workers, the plans, check-ins and inspections — each inspection
filed through :func:`inspections.file` (the same intake as the API) at its own moment, and the ones not dealt
with on the spot carried on by their department (sign for, resolve, close) as far as ``now`` allows."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from citybrain.cases import service as cases
from citybrain.cases.lifecycle import Status
from citybrain.core import clock
from citybrain.grid import inspections, repository
from citybrain.grid import service as grid
from citybrain.grid.demo import grid_workers
from citybrain.grid.schemas import InspectionIn
from citybrain.grid.simulate import SimInspection, patrols
from citybrain.models import Case, Inspection, PatrolPlan, PatrolVisit
from citybrain.simulate.city import build_city


@dataclass(frozen=True)
class PatrolReport:
    workers: int
    plans: int
    visits: int
    inspections: int
    on_spot: int
    already_loaded: bool = False


def load_patrols(
    *,
    session: Session,
    seed: int,
    days: int,
    now: datetime,
    zone: ZoneInfo,
    district: str | None = None,
    on_inspections: Callable[[int], None] | None = None,
) -> PatrolReport:
    """The last ``days`` days of patrols up to ``now`` (the city's districts must be loaded); once per database.
    ``district``: only that district's workers walk (a smaller city for tests)."""
    if session.scalar(select(func.count()).select_from(Inspection)):
        return PatrolReport(0, 0, 0, 0, 0, already_loaded=True)
    city = build_city(seed)
    grid.load_demo_grid(session=session, seed=seed)
    workers = [w for w in grid_workers(city) if district is None or w.cells[0].startswith(f"{district}-")]
    ids = {w.code: w.id for w in repository.workers(session)}
    start = clock.city_today(zone, now) - timedelta(days=days - 1)
    sim = patrols(city, workers, start=start, days=days, seed=seed, zone=zone)
    plans = [PatrolPlan(worker_id=ids[p.worker], cell_code=p.cell, day=p.day, created_by="demo") for p in sim.plans]
    walked = [v for v in sim.visits if v.at <= now]
    _forget_demo_patrols(session, [ids[w.code] for w in workers])  # a reset city's cases went, its patrols too
    session.add_all(plans)
    session.add_all(
        PatrolVisit(worker_id=ids[v.worker], cell_code=v.cell, at=v.at, lat=v.lat, lon=v.lon) for v in walked
    )
    session.flush()
    rng = random.Random(f"grid-handling-{seed}")
    filed = on_spot = 0
    for item in (i for i in sim.inspections if i.at <= now):
        on_spot += _file(session, item, now, rng)
        filed += 1
        if on_inspections is not None and filed % 100 == 0:
            on_inspections(100)
    return PatrolReport(len(workers), len(plans), len(walked), filed, on_spot)


def _forget_demo_patrols(session: Session, worker_ids: list[int]) -> None:
    session.execute(delete(PatrolPlan).where(PatrolPlan.created_by == "demo"))
    session.execute(delete(PatrolVisit).where(PatrolVisit.worker_id.in_(worker_ids)))


def _file(session: Session, item: SimInspection, now: datetime, rng: random.Random) -> bool:
    worker = grid.worker(session, item.worker)
    data = InspectionIn(category_code=item.category, lat=item.lat, lon=item.lon, description=item.description,
                        photo_ref=item.photo_ref, on_spot_record=item.on_spot_record)  # fmt: skip
    with clock.frozen(item.at):
        _found, case = inspections.file(session=session, data=data, worker=worker, scope=grid.Scope(None, None),
                                        at=item.at)  # fmt: skip
    if item.on_spot_record is None:
        _handle(session, case, item.at, now, rng)
    return item.on_spot_record is not None


def _handle(session: Session, case: Case, found: datetime, now: datetime, rng: random.Random) -> None:
    """The department signs for it within hours and resolves it within days; the centre closes it a day later."""
    if case.status != Status.DISPATCHED.value:
        return
    accepted = found + timedelta(hours=rng.uniform(0.5, 8))
    resolved = accepted + timedelta(days=rng.uniform(0.5, 4))
    closed = resolved + timedelta(days=1)
    steps: tuple[tuple[datetime, Callable[[], object]], ...] = (
        (accepted, lambda: cases.accept(session=session, case=case, actor="demo department")),
        (resolved, lambda: cases.resolve(session=session, case=case, actor="demo department", reply="已处理完毕。")),
        (closed, lambda: cases.close(session=session, case=case, actor="demo")),
    )
    for at, step in steps:
        if at > now:
            return
        with clock.frozen(at):
            step()
