"""Staff API of joint handling (/api/v1): a case's parts (主办/协办) and whistles (吹哨报到), and the list of parts.

Routes are thin: authorise (the role before the body is read, the case's department after), open the one
transaction, call :mod:`joint_service`, present. A lost race on a part's ``version`` becomes 409 in ``writing``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from citybrain.auth.deps import CaseReader, Dispatcher, KpiReader, PrincipalDep
from citybrain.auth.roles import Principal
from citybrain.cases import joint_policy, joint_present, joint_service, kpi_service, present, service
from citybrain.cases import joint_repository as repo
from citybrain.cases.joint import OPEN_PARTS, PART_TRANSITIONS, PartState
from citybrain.cases.joint_schemas import (
    CaseParts,
    PartActionIn,
    PartIn,
    PartList,
    PartOut,
    ReportInIn,
    WhistleIn,
    WhistleList,
    WhistleOut,
)
from citybrain.cases.policy import department_scope
from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.core.http import DbDep, writing
from citybrain.core.inputs import Offset, RowId
from citybrain.models import Case

router = APIRouter(tags=["joint 联合办理"])


def _actor(principal: PrincipalDep) -> Principal:
    joint_policy.check_may_act(principal)
    return principal


Actor = Annotated[Principal, Depends(_actor)]


def _case_parts(session: Session, principal: Principal, case: Case) -> CaseParts:
    parts = repo.parts_of(session, case.id)
    summoned = principal.department_id is not None and repo.summoned_to(session, case.id, principal.department_id)
    scope = joint_policy.part_scope(principal, case, {p.department_id for p in parts}, summoned)
    shown = [p for p in parts if scope is None or p.department_id == scope]
    keep = present.city_phones(session, False)
    assembled = joint_service.joint_reply(session, case) if scope is None else None
    return CaseParts(
        case_id=case.id,
        parts=joint_present.parts_out(session, shown, keep=keep, now=clock.utcnow()),
        open_parts=sum(PartState(p.state) in OPEN_PARTS for p in shown),
        assembled_reply=joint_present.mask(assembled, keep),
    )


@router.get("/cases/{case_id}/parts", response_model=CaseParts, summary="A joint case's parts (主办/协办)")
def case_parts(case_id: RowId, db: DbDep, principal: CaseReader) -> CaseParts:
    """Operators, supervisors and the lead department see every part and the reply assembled from them; an
    assisting department sees its own part only (403 when it has none and does not hold the case)."""
    with db.reading() as session:
        case = service.get_case(session=session, case_id=case_id)
        return _case_parts(session, principal, case)


@router.post("/cases/{case_id}/parts", status_code=201, response_model=PartOut, summary="分派协办 Add a part")
def add_part(case_id: RowId, body: PartIn, db: DbDep, principal: Dispatcher) -> PartOut:
    """Give a department its share of a case a department handles: ``assist`` (协办) for another department,
    ``lead`` (主办) for the case's own. Unknown department 400, a second part for one department 409, a case
    not being handled 409. The part's deadline defaults to the case's."""
    with writing(db, "case part") as session:
        case = service.get_case(session=session, case_id=case_id)
        part = joint_service.add_part(session=session, case=case, data=body, actor=principal.name)
        out = _one(session, part.id)
    return out


def _one(session: Session, part_id: int) -> PartOut:
    part = repo.part(session, part_id)
    assert part is not None
    keep = present.city_phones(session, False)
    return joint_present.parts_out(session, [part], keep=keep, now=clock.utcnow())[0]


def _part_route(action: str) -> Callable[[int, int, PartActionIn, DbDep, Principal], PartOut]:
    def run(case_id: RowId, part_id: RowId, body: PartActionIn, db: DbDep, principal: Actor) -> PartOut:
        with writing(db, "case part") as session:
            case = service.get_case(session=session, case_id=case_id)
            part = joint_service.get_part(session, case, part_id)
            joint_policy.authorize_part(principal, part)
            joint_service.act(session=session, case=case, part=part, action=action, actor=principal.name, body=body)
            out = _one(session, part.id)
        return out

    run.__name__ = f"part_{action}"
    return run


for _action, _t in PART_TRANSITIONS.items():
    _sources = ", ".join(sorted(s.value for s in _t.sources))
    _target = _t.target.value if _t.target else "(unchanged: an event only)"
    _needs = f" Requires `{_t.needs}`." if _t.needs else ""
    router.add_api_route(
        f"/cases/{{case_id}}/parts/{{part_id}}/{_action}",
        _part_route(_action),
        methods=["POST"],
        response_model=PartOut,
        summary=f"{_t.name_zh} part {_action}",
        description=(
            f"{_t.summary}{_needs}\n\nFrom: {_sources} → {_target}. By: the part's own department (or an "
            "operator). Send `version` to refuse the change if the part moved since you read it (409)."
        ),
    )


@router.get("/parts", response_model=PartList, summary="Parts of joint cases, newest first")
def list_parts(
    db: DbDep,
    principal: CaseReader,
    state: Annotated[PartState | None, Query(description="assigned, accepted, replied or refused")] = None,
    department: Annotated[str | None, Query(description="Department code")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> PartList:
    """A department handler sees its own parts (its to-do list of 协办); ``state=refused`` is the dispatcher's
    list of parts sent back."""
    with db.reading() as session:
        wanted = joint_service.department(session, department).id if department else None
        scope = department_scope(principal, wanted)
        rows, total = repo.list_parts(
            session, department_id=scope, state=state.value if state else None, limit=limit, offset=offset
        )
        departments = repo.departments_by_id(session, [p.department_id for p, _ in rows])
        keep, now = present.city_phones(session, False), clock.utcnow()
        items = [joint_present.part_out(p, departments, keep=keep, now=now, title=t) for p, t in rows]
    return PartList(items=items, total=total, limit=limit, offset=offset)


@router.get("/whistles", response_model=WhistleList, summary="Whistles (吹哨), newest first")
def list_whistles(
    db: DbDep,
    principal: CaseReader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> WhistleList:
    """A department handler sees the whistles that summoned it (its list of 报到 to make); others see all."""
    with db.reading() as session:
        scope = department_scope(principal, None)
        rows, total = repo.list_whistles(session, department_id=scope, limit=limit, offset=offset)
        keep, now = present.city_phones(session, False), clock.utcnow()
        titles = [t for _w, t in rows]
        items = joint_present.whistles_out(session, [w for w, _t in rows], keep=keep, now=now, titles=titles)
    return WhistleList(items=items, total=total, limit=limit, offset=offset)


@router.get("/cases/{case_id}/whistles", response_model=list[WhistleOut], summary="A case's whistles (吹哨报到)")
def case_whistles(case_id: RowId, db: DbDep, principal: CaseReader) -> list[WhistleOut]:
    """Each whistle with who reported in on time, late, or not at all. A department reads them when it holds
    the case, has a part in it, or was summoned."""
    with db.reading() as session:
        case = service.get_case(session=session, case_id=case_id)
        parts = {p.department_id for p in repo.parts_of(session, case.id)}
        summoned = principal.department_id is not None and repo.summoned_to(session, case.id, principal.department_id)
        joint_policy.part_scope(principal, case, parts, summoned)
        keep = present.city_phones(session, False)
        return joint_present.whistles_out(session, repo.whistles_of(session, case.id), keep=keep, now=clock.utcnow())


@router.post("/cases/{case_id}/whistles", status_code=201, response_model=WhistleOut, summary="吹哨 Summon departments")
def blow_whistle(case_id: RowId, body: WhistleIn, db: DbDep, principal: Actor) -> WhistleOut:
    """A dispatcher, or the department holding the case (a street office, 街乡), summons the named departments
    to report in (报到) by ``report_due_at`` or within ``report_within_hours``. No departments, an unknown or
    repeated one, or no deadline: 400, nothing written."""
    with writing(db, "case") as session:
        case = service.get_case(session=session, case_id=case_id)
        caller = joint_policy.authorize_whistle(principal, case)
        row = joint_service.whistle(session=session, case=case, data=body, actor=principal.name,
                                    caller_department_id=caller)  # fmt: skip
        keep = present.city_phones(session, False)
        out = joint_present.whistles_out(session, [row], keep=keep, now=clock.utcnow())[0]
    return out


@router.post("/cases/{case_id}/whistles/{whistle_id}/report", response_model=WhistleOut, summary="报到 Report in")
def report_in(case_id: RowId, whistle_id: RowId, body: ReportInIn, db: DbDep, principal: Actor) -> WhistleOut:
    """A summoned department reports in; after the deadline it is recorded as late (迟到). A department key
    reports for itself (403 if it was not summoned); an operator names the department. Twice: 409."""
    with writing(db, "whistle summons") as session:
        case = service.get_case(session=session, case_id=case_id)
        row = joint_service.get_whistle(session, case, whistle_id)
        department_id = _reporting_department(session, principal, body.department_code)
        joint_service.report_in(session=session, case=case, row=row, department_id=department_id,
                                actor=principal.name, note=body.note, version=body.version)  # fmt: skip
        keep = present.city_phones(session, False)
        out = joint_present.whistles_out(session, [row], keep=keep, now=clock.utcnow())[0]
    return out


def _reporting_department(session: Session, principal: Principal, code: str | None) -> int:
    if principal.bound_to_unit and principal.department_id is not None:
        if code is not None and joint_service.department(session, code).id != principal.department_id:
            raise InvalidInput("a department reports in for itself; leave department_code out")
        return principal.department_id
    if code is None:
        raise InvalidInput("department_code is required: which summoned department reports in")
    return joint_service.department(session, code).id


@router.get("/kpis/joint", summary="KPIs of joint handling and whistles (联办、吹哨报到), city and per department")
def joint_kpis(
    request: Request,
    db: DbDep,
    principal: KpiReader,
    start: Annotated[str, Query(alias="from", description="first local date received, YYYY-MM-DD")],
    end: Annotated[str, Query(alias="to", description="last local date received (inclusive)")],
    as_of: Annotated[str | None, Query(description="time overdue and missing report-ins are judged at; now")] = None,
) -> dict[str, Any]:
    """Joint cases once for the city and once per participating department; parts (on time, overdue, refused)
    and report-ins (on time, late, missing) for their own department. A department key reads its own row only."""
    timezone = request.app.state.settings.timezone
    query = kpi_service.parse_query(timezone=timezone, start=start, end=end, as_of=as_of)
    if query.start is None or query.end is None:
        raise InvalidInput("from and to are both required (YYYY-MM-DD)")
    with db.reading() as session:
        return joint_service.joint_kpi_report(
            session=session, start=query.start, end=query.end, timezone=timezone, as_of=query.as_of,
            department_id=principal.department_id if principal.bound_to_unit else None,
        )  # fmt: skip
