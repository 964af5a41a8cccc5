"""Staff API of grid management (/api/v1): cells, inspections (巡查上报) and on-the-spot resolution (就地解决),
patrol plans, visits and coverage, and the grid KPIs (未诉先办, workload).

A grid worker's key (role ``grid_worker``) is bound to one worker: it files for that worker, in that worker's cells
only, and reads those cells' inspections only (403 elsewhere). Routes are thin: authorise, one transaction, service.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from citybrain.auth import idempotency
from citybrain.auth.deps import DepartmentRanker, Dispatcher, GridReader, Inspector
from citybrain.auth.roles import Permission, Principal
from citybrain.cases import kpi_service
from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.core.http import DbDep, writing
from citybrain.core.inputs import Day, Offset, RowId
from citybrain.grid import inspections, patrols, present, repository
from citybrain.grid import kpi_service as grid_kpis
from citybrain.grid import service as grid
from citybrain.grid.schemas import (
    CellOut,
    InspectionIn,
    InspectionList,
    InspectionOut,
    OnSpotIn,
    PlanIn,
    PlanOut,
    VisitIn,
    VisitOut,
)
from citybrain.models import Case, Inspection

router = APIRouter(tags=["grid 网格化管理"])


def _pii(principal: Principal) -> bool:
    return principal.can(Permission.SEE_PII)


def _one(session: Session, principal: Principal, found: Inspection) -> InspectionOut:
    case = session.get(Case, found.case_id)
    worker = repository.worker_by_id(session, found.worker_id)
    assert case is not None and worker is not None  # noqa: PT018 - foreign keys hold both
    return present.inspection_out(session, found, case, worker.code, pii=_pii(principal))


@router.get("/grids", response_model=list[CellOut], summary="Grid cells (网格) with their workers")
def list_cells(db: DbDep, principal: GridReader) -> list[CellOut]:
    """Every cell with its community and workers; a grid worker's key lists its own cells."""
    with db.reading() as session:
        scope = grid.scope(session, principal)
        workers: dict[str, list[str]] = {}
        for cell, worker in repository.assignments(session):
            workers.setdefault(cell, []).append(worker)
        return [
            CellOut(
                code=c.code,
                name=c.name,
                district_code=c.district_code,
                community=c.community,
                workers=workers.get(c.code, []),
                geometry=c.geometry,
            )  # fmt: skip
            for c in repository.cells(session, scope.cells)
        ]


@router.post("/inspections", status_code=201, response_model=InspectionOut, summary="巡查上报 File an inspection")
def file_inspection(body: InspectionIn, request: Request, db: DbDep, principal: Inspector) -> InspectionOut:
    """A grid worker files what it found: category, point, description, photo reference. The case enters the
    same intake (channel ``inspection``: triage, routing, deadlines); with ``on_spot_record`` it is resolved on
    the spot at once. Unknown category 400, a point in no cell 400, another worker's cell 403 — nothing written."""
    with writing(db, "inspection") as session:
        worker, scope = grid.acting_worker(session, principal, body.worker_code)
        reader = request.app.state.intake_writer.triager
        found, _case = inspections.file(session=session, data=body, worker=worker, scope=scope, reader=reader)
        out = _one(session, principal, found)
        idempotency.answer_in_transaction(session, idempotency.json_answer(201, out))
    return out


@router.get("/inspections", response_model=InspectionList, summary="Inspections, newest first")
def list_inspections(
    request: Request,
    db: DbDep,
    principal: GridReader,
    cell: Annotated[str | None, Query(max_length=32, description="One grid cell's code")] = None,
    found_from: Annotated[Day | None, Query(alias="from", description="Found on or after (local date)")] = None,
    found_to: Annotated[Day | None, Query(alias="to", description="Found on or before (local date)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> InspectionList:
    """A grid worker's key sees its own cells' inspections only (another cell: 403)."""
    zone = clock.city_zone(request.app.state.settings.timezone)
    start = clock.local_midnight_utc(found_from, zone) if found_from else None
    end = clock.local_midnight_utc(found_to + timedelta(days=1), zone) if found_to else None
    with db.reading() as session:
        scope = grid.scope(session, principal)
        if cell is not None:
            scope.check_cell(cell)
        cells = [cell] if cell is not None else (sorted(scope.cells) if scope.cells is not None else None)
        rows, total = repository.inspections(
            session, cells=cells, found_from=start, found_to=end, limit=limit, offset=offset
        )
        pii = _pii(principal)
        items = [present.inspection_out(session, i, c, w, pii=pii) for i, c, w in rows]
    return InspectionList(items=items, total=total)


@router.post(
    "/inspections/{inspection_id}/on-spot", response_model=InspectionOut, summary="就地解决 Resolved on the spot"
)
def resolve_on_spot(inspection_id: RowId, body: OnSpotIn, db: DbDep, principal: Inspector) -> InspectionOut:
    """The worker fixed it there and then: the record becomes the case's reply and the case is closed. 409 once a
    department has signed for the case, or when it was resolved on the spot already."""
    with writing(db, "inspection") as session:
        scope = grid.scope(session, principal)
        found = inspections.get(session, inspection_id, scope)
        inspections.resolve_on_spot(session=session, found=found, data=body, actor=principal.name)
        return _one(session, principal, found)


@router.post("/patrols/visits", status_code=201, response_model=VisitOut, summary="巡查打卡 Check in at a cell")
def check_in(body: VisitIn, db: DbDep, principal: Inspector) -> VisitOut:
    """The worker is in a cell now (the point says which): counts for coverage and the plan."""
    with writing(db, "visit") as session:
        worker, scope = grid.acting_worker(session, principal, body.worker_code)
        row = patrols.visit(session=session, worker=worker, scope=scope, lat=body.lat, lon=body.lon)
        out = VisitOut(id=row.id, worker_code=worker.code, cell_code=row.cell_code, at=row.at)
        idempotency.answer_in_transaction(session, idempotency.json_answer(201, out))
    return out


@router.post("/patrols/plans", status_code=201, response_model=PlanOut, summary="巡查计划 Plan patrols")
def plan_patrols(body: PlanIn, db: DbDep, principal: Dispatcher) -> PlanOut:
    """Plan a worker's walks: each cell on each day (already planned ones are counted, not doubled)."""
    with writing(db, "patrol plan") as session:
        worker = grid.worker(session, body.worker_code)
        created, existing = patrols.plan(session=session, worker=worker, cells=body.cells, days=body.days,
                                         actor=principal.name)  # fmt: skip
        out = PlanOut(created=created, already_planned=existing)
        idempotency.answer_in_transaction(session, idempotency.json_answer(201, out))
    return out


@router.get("/patrols/coverage", summary="Patrol coverage: which cells were visited, when, and the plan kept")
def patrol_coverage(
    request: Request,
    db: DbDep,
    principal: GridReader,
    first: Annotated[Day, Query(alias="from", description="First local date")],
    last: Annotated[Day, Query(alias="to", description="Last local date (inclusive)")],
) -> dict[str, Any]:
    """Per cell: visits, first and last visit, its workers, planned walks and those kept (the planned worker
    visited the cell that day). A grid worker's key covers its own cells."""
    zone = clock.city_zone(request.app.state.settings.timezone)
    with db.reading() as session:
        scope = grid.scope(session, principal)
        found = patrols.coverage(
            session=session,
            first=first,
            last=last,
            zone=zone,
            cells=sorted(scope.cells) if scope.cells is not None else None,
        )
    rows = [
        {
            "cell_code": c.cell_code,
            "visits": c.visits,
            "first_visit": clock.iso(c.first_visit),
            "last_visit": clock.iso(c.last_visit),
            "workers": sorted(c.workers),
            "planned_walks": c.planned,
            "planned_walks_kept": c.kept,
        }  # fmt: skip
        for c in found.cells
    ]
    return {"summary": found.summary(), "cells": rows}


@router.get("/kpis/grid", summary="Grid KPIs: 未诉先办 (found before any complaint), workload per worker and cell")
def grid_kpi_report(
    request: Request,
    db: DbDep,
    principal: DepartmentRanker,
    start: Annotated[str, Query(alias="from", description="first local date found, YYYY-MM-DD")],
    end: Annotated[str, Query(alias="to", description="last local date found (inclusive)")],
    window_days: Annotated[
        float, Query(gt=0, le=90, description="how far before and after to look for complaints")
    ] = 7,
) -> dict[str, Any]:
    """Inspections found in the window: found first (no citizen complaint about the same cell and category in the
    ``window_days`` before), ahead of complaints (and citizens did complain within ``window_days`` after), resolved
    on the spot; complaints and visits per worker and per cell (docs/grid.md)."""
    timezone = request.app.state.settings.timezone
    query = kpi_service.parse_query(timezone=timezone, start=start, end=end)
    if query.start is None or query.end is None:
        raise InvalidInput("from and to are both required (YYYY-MM-DD)")
    low = clock.local_midnight_utc(query.start, timezone)
    high = clock.local_midnight_utc(query.end + timedelta(days=1), timezone)
    with db.reading() as session:
        report = grid_kpis.kpi_report(session=session, start=low, end=high, window_days=window_days)
    return {"from": start, "to": end} | report.out()
