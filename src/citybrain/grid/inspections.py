"""Inspections (巡查上报): a grid worker's finding enters the case intake as channel ``inspection`` — the same
triage, routing and deadlines as a citizen's request — and may be resolved on the spot (就地解决).

On-the-spot resolution ends the case at once (``closed``, resolved, the record as its reply) while no department
has signed for it yet (received or dispatched), and releases the department it was routed to (its deadlines stop;
its response and resolve figures do not count a case it never touched); once a department has signed for it, the
department finishes it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from citybrain.cases import plan
from citybrain.cases import service as cases
from citybrain.cases.lifecycle import Status
from citybrain.cases.schemas import NewCase
from citybrain.core import clock
from citybrain.core.errors import Conflict, InvalidInput, NotFound
from citybrain.directory import repository as directory_repo
from citybrain.grid import repository
from citybrain.grid import service as grid
from citybrain.grid.schemas import InspectionIn, OnSpotIn
from citybrain.models import Case, GridWorker, Inspection, PatrolVisit

#: States from which a worker may still resolve its finding on the spot (no department has signed for it).
ON_SPOT_FROM = frozenset({Status.RECEIVED, Status.DISPATCHED})
CHANNEL = "inspection"


def file(
    *,
    session: Session,
    data: InspectionIn,
    worker: GridWorker,
    scope: grid.Scope,
    reader: plan.Reader | None = None,
    at: datetime | None = None,
) -> tuple[Inspection, Case]:
    """Take in what the worker found: checked (category 400, point outside every cell 400, another worker's
    cell 403) before anything is written; then the case, the inspection and the visit it proves, in one flush."""
    if directory_repo.category(session, data.category_code) is None:
        raise InvalidInput(f"unknown category {data.category_code!r}; see GET /api/v1/categories")
    cell = grid.cell_at(session, data.lat, data.lon)
    scope.check_cell(cell.code)
    found_at = at or clock.utcnow()
    draft = NewCase(
        channel=CHANNEL,
        source=CHANNEL,
        title=data.title or data.description[:60],
        text=data.description,
        category_code=data.category_code,
        lat=data.lat,
        lon=data.lon,
        district_code=cell.district_code,
        grid=cell.code,
        address=cell.name,
        media_url=data.photo_ref,
        created_at=at,
        attributes={"grid_worker": worker.code},
    )
    case = cases.create_case(session=session, data=draft, actor=f"grid:{worker.code}", reader=reader)
    found = Inspection(
        case_id=case.id, worker_id=worker.id, cell_code=cell.code, found_at=found_at, photo_ref=data.photo_ref
    )
    repository.add(session, found)
    session.add(PatrolVisit(worker_id=worker.id, cell_code=cell.code, at=found_at, lat=data.lat, lon=data.lon))
    if data.on_spot_record:
        record = OnSpotIn(record=data.on_spot_record)
        resolve_on_spot(session=session, found=found, data=record, actor=f"grid:{worker.code}", at=at)
    session.flush()
    return found, case


def get(session: Session, inspection_id: int, scope: grid.Scope) -> Inspection:
    found = repository.inspection(session, inspection_id, lock=True)
    if found is None:
        raise NotFound(f"no inspection {inspection_id}")
    scope.check_cell(found.cell_code)
    return found


def resolve_on_spot(
    *, session: Session, found: Inspection, data: OnSpotIn, actor: str, at: datetime | None = None
) -> Case:
    """就地解决: record what was done and close the case (409 when done already or a department has it)."""
    if found.on_spot_at is not None:
        raise Conflict(f"inspection {found.id} was resolved on the spot already")
    case = cases.get_case(session=session, case_id=found.case_id, lock=True)
    if Status(case.status) not in ON_SPOT_FROM:
        raise Conflict(f"case {case.id} is {case.status}; resolve on the spot only before a department signs for it")
    now = at or clock.utcnow()
    from_status = case.status
    case.status = Status.CLOSED.value
    case.resolved_at = case.closed_at = now
    case.resolved, case.reply, case.needs_review = True, data.record, False
    # the department it was routed to did nothing and owes nothing: its clocks stop and its KPIs do not count it
    case.department_id = case.dispatched_at = case.accept_due_at = case.due_at = None
    case.updated_at = clock.utcnow()
    found.on_spot_at, found.on_spot_record, found.on_spot_photo_ref = now, data.record, data.photo_ref
    session.flush()
    cases.record(session=session, case=case, action="resolve_on_spot", actor=actor, from_status=from_status,
                 note=data.record, data={"inspection_id": found.id, "photo_ref": data.photo_ref}, at=now)  # fmt: skip
    return case
