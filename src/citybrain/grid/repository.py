"""Grid SQL: cells, workers, assignments, inspections, patrol plans and visits (dialect-neutral)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from citybrain.models import Case, GridAssignment, GridCell, GridWorker, Inspection, PatrolPlan, PatrolVisit


def cell(session: Session, code: str) -> GridCell | None:
    return session.get(GridCell, code)


def cells(session: Session, codes: Iterable[str] | None = None) -> list[GridCell]:
    query = select(GridCell).order_by(GridCell.code)
    if codes is not None:
        query = query.where(GridCell.code.in_(list(codes)))
    return list(session.scalars(query))


def cells_around(session: Session, lat: float, lon: float) -> list[GridCell]:
    """Cells whose bounding box holds the point (shapely then decides)."""
    query = select(GridCell).where(
        GridCell.min_lat <= lat, GridCell.max_lat >= lat, GridCell.min_lon <= lon, GridCell.max_lon >= lon
    )
    return list(session.scalars(query.order_by(GridCell.code)))


def worker(session: Session, code: str) -> GridWorker | None:
    return session.scalar(select(GridWorker).where(GridWorker.code == code))


def worker_by_id(session: Session, worker_id: int) -> GridWorker | None:
    return session.get(GridWorker, worker_id)


def worker_of_key(session: Session, api_key_id: int) -> GridWorker | None:
    return session.scalar(select(GridWorker).where(GridWorker.api_key_id == api_key_id))


def workers(session: Session) -> list[GridWorker]:
    return list(session.scalars(select(GridWorker).order_by(GridWorker.code)))


def cells_of(session: Session, worker_id: int) -> list[str]:
    query = select(GridAssignment.cell_code).where(GridAssignment.worker_id == worker_id)
    return list(session.scalars(query.order_by(GridAssignment.cell_code)))


def assignments(session: Session) -> list[tuple[str, str]]:
    """(cell code, worker code) of every assignment."""
    query = select(GridAssignment.cell_code, GridWorker.code).join(
        GridWorker, GridWorker.id == GridAssignment.worker_id
    )
    return [(c, w) for c, w in session.execute(query.order_by(GridAssignment.cell_code, GridWorker.code))]


def assign(session: Session, worker_id: int, codes: Sequence[str]) -> None:
    """The worker's cells become exactly ``codes``."""
    session.execute(delete(GridAssignment).where(GridAssignment.worker_id == worker_id))
    session.add_all(GridAssignment(worker_id=worker_id, cell_code=c) for c in codes)
    session.flush()


def inspection(session: Session, inspection_id: int, *, lock: bool = False) -> Inspection | None:
    query = select(Inspection).where(Inspection.id == inspection_id)
    return session.scalar(query.with_for_update() if lock else query)


def inspections(
    session: Session,
    *,
    cells: Sequence[str] | None = None,
    found_from: datetime | None = None,
    found_to: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[tuple[Inspection, Case, str]], int]:
    """(inspection, its case, worker code) newest first, and how many match."""
    query = select(Inspection, Case, GridWorker.code).join(Case, Case.id == Inspection.case_id)
    query = query.join(GridWorker, GridWorker.id == Inspection.worker_id)
    counting = select(func.count()).select_from(Inspection)
    for condition in _inspection_filters(cells, found_from, found_to):
        query, counting = query.where(condition), counting.where(condition)
    rows = session.execute(query.order_by(Inspection.found_at.desc(), Inspection.id.desc()).limit(limit).offset(offset))
    return [(i, c, w) for i, c, w in rows], int(session.scalar(counting) or 0)


def _inspection_filters(
    cells: Sequence[str] | None, found_from: datetime | None, found_to: datetime | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if cells is not None:
        conditions.append(Inspection.cell_code.in_(list(cells)))
    if found_from is not None:
        conditions.append(Inspection.found_at >= found_from)
    if found_to is not None:
        conditions.append(Inspection.found_at < found_to)
    return conditions


def plans(session: Session, first: date, last: date) -> list[PatrolPlan]:
    query = select(PatrolPlan).where(PatrolPlan.day >= first, PatrolPlan.day <= last)
    return list(session.scalars(query.order_by(PatrolPlan.day, PatrolPlan.cell_code)))


def plan_exists(session: Session, worker_id: int, cell_code: str, day: date) -> bool:
    query = select(PatrolPlan.id).where(
        PatrolPlan.worker_id == worker_id, PatrolPlan.cell_code == cell_code, PatrolPlan.day == day
    )
    return session.scalar(query) is not None


def visits(session: Session, start: datetime, end: datetime) -> list[PatrolVisit]:
    query = select(PatrolVisit).where(PatrolVisit.at >= start, PatrolVisit.at < end)
    return list(session.scalars(query.order_by(PatrolVisit.at)))


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def findings(
    session: Session, start: datetime, end: datetime
) -> list[tuple[int, str, str | None, datetime, str, bool]]:
    """(case id, cell, category, found at, worker code, resolved on the spot) of inspections found in [start, end)."""
    query = (
        select(
            Inspection.case_id,
            Inspection.cell_code,
            Case.category_code,
            Inspection.found_at,
            GridWorker.code,
            Inspection.on_spot_at,
        )  # fmt: skip
        .join(Case, Case.id == Inspection.case_id)
        .join(GridWorker, GridWorker.id == Inspection.worker_id)
        .where(Inspection.found_at >= start, Inspection.found_at < end)
    )
    return [(c, cell, cat, at, w, spot is not None) for c, cell, cat, at, w, spot in session.execute(query)]


def citizen_cases(
    session: Session, start: datetime, end: datetime
) -> list[tuple[str | None, float | None, float | None, str | None, datetime]]:
    """(grid, lat, lon, category, received) of cases of every channel but inspection received in [start, end)."""
    query = select(Case.grid, Case.lat, Case.lon, Case.category_code, Case.created_at).where(
        Case.created_at >= start, Case.created_at < end, Case.channel != "inspection", Case.duplicate_of.is_(None)
    )
    return [(g, lat, lon, cat, at) for g, lat, lon, cat, at in session.execute(query)]


def visit_pairs(session: Session, start: datetime, end: datetime) -> list[tuple[str, str]]:
    """(cell, worker code) of every visit in [start, end)."""
    query = (
        select(PatrolVisit.cell_code, GridWorker.code)
        .join(GridWorker, GridWorker.id == PatrolVisit.worker_id)
        .where(PatrolVisit.at >= start, PatrolVisit.at < end)
    )
    return [(c, w) for c, w in session.execute(query)]
