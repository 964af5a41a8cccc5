"""Staff case API (/api/v1/cases): intake from any channel, the list, one case, every transition, callbacks.

Routes are thin: authorise, open the one transaction, call the service, present. The commit happens when the
``with`` block ends, before the response is sent. A concurrent change of the same case makes the UPDATE
match no row (``version`` is the optimistic lock); that ``StaleDataError`` becomes 409 here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from citybrain.auth import access_log, idempotency
from citybrain.auth.access_writer import AccessLogWriter
from citybrain.auth.deps import AccessReason, CaseReader, Dispatcher, PrincipalDep
from citybrain.auth.roles import Principal
from citybrain.cases import policy, present, repository, service, tasks
from citybrain.cases.lifecycle import TRANSITIONS, Actor, Status
from citybrain.cases.record import REQUEST_TYPES
from citybrain.cases.schemas import ActionIn, CallbackIn, CaseCreate, CaseDetail, CaseList, EventOut
from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.core.http import DbDep, writing
from citybrain.core.inputs import Moment, Offset, RowId
from citybrain.directory import repository as directory_repo
from citybrain.models import Case

router = APIRouter(prefix="/cases", tags=["cases 工单"])

#: Filters of the case list that the export shares.
StatusFilter = Annotated[Status | None, Query(description="One status, e.g. dispatched")]
DepartmentFilter = Annotated[str | None, Query(description="Department code, e.g. urban_mgmt")]
CreatedFrom = Annotated[Moment | None, Query(description="Created at or after (ISO 8601)")]
CreatedTo = Annotated[Moment | None, Query(description="Created before (ISO 8601)")]


def _unmasked(request: Request, principal: Principal, reason: str | None) -> bool:
    """Personal data unmasked for this caller now (``see_pii``, and a reason when the city requires one)."""
    required = request.app.state.settings.pii_reason_required
    return access_log.unmasked(principal, reason, reason_required=required)


def _address(request: Request, principal: Principal, reason: str | None) -> bool:
    """The exact address alone unmasked for this caller (``see_address``, a partner unit; PII roles see it anyway)."""
    required = request.app.state.settings.pii_reason_required
    return access_log.address_unmasked(principal, reason, reason_required=required)


def _logged(
    session: Session, request: Request, principal: Principal, reason: str | None, case_ids: Iterable[int]
) -> None:
    """The access log's rows for the cases whose personal data this answer shows unmasked (PIPL)."""
    route = f"{request.method} {request.url.path}"
    access_log.record(session, principal, case_ids, action="read", route=route, reason=reason)


def _logged_if_personal(
    session: Session, request: Request, principal: Principal, reason: str | None, case: Case, *, pii: bool = True
) -> None:
    """One case shown unmasked: logged when it holds personal data at all (a contact, or some in its texts) —
    or, shown with its address alone unmasked (``pii`` False), when the address has a door number."""
    if present.has_personal_data(session, case) if pii else present.shows_address(case):
        _logged(session, request, principal, reason, [case.id])


def _log_read(request: Request, principal: Principal, reason: str | None, case_ids: Iterable[int]) -> None:
    """A read's access-log rows, through the process's group-commit writer: returns once they are committed, so
    the answer is still never sent unlogged, but the read itself ran without taking the database's single
    writer (auth/access_writer.py)."""
    route = f"{request.method} {request.url.path}"
    rows = access_log.rows(principal, case_ids, action="read", route=route, reason=reason)
    writer: AccessLogWriter = request.app.state.access_writer
    writer.write(rows)


@router.post("", status_code=201, response_model=CaseDetail, summary="Take in a case from any channel (受理)")
def create_case(
    body: CaseCreate, request: Request, db: DbDep, principal: Dispatcher, reason: AccessReason
) -> CaseDetail:
    """Record a request from any channel: ``channel`` says which (``hotline`` with the call transcript as
    ``text``, ``web``, ``app``, ``mailbox`` …). When routing knows the owner of the category and district,
    the case is dispatched (派单) at once with its deadlines. ``source_key`` makes a re-sent request a 409."""
    with writing(db, "case") as session:
        reader = request.app.state.intake_writer.triager  # triage: category, place, repeats, reasons
        case = service.create_case(session=session, data=body, actor=principal.name, reader=reader)
        pii = _unmasked(request, principal, reason)
        detail = present.case_detail(session, case, pii=pii)
        if pii:
            _logged_if_personal(session, request, principal, reason, case)
        idempotency.answer_in_transaction(session, idempotency.json_answer(201, detail))  # with the case
    return detail


def department_id_of(session: Session, code: str | None) -> int | None:
    """The id of the department a filter names (400 for an unknown code)."""
    if code is None:
        return None
    department = directory_repo.department_by_code(session, code)
    if department is None:
        raise InvalidInput(f"no department with code {code!r}")
    return department.id


def _request_type(name: str | None) -> str | None:
    """诉求类型 as stored (Chinese); the English name is accepted too."""
    if not name:
        return None
    if name in REQUEST_TYPES:
        return name
    chinese = {en: zh for zh, en in REQUEST_TYPES.items()}.get(name.lower())
    if chinese is None:
        raise InvalidInput(f"unknown request_type {name!r}; one of {', '.join(REQUEST_TYPES)}")
    return chinese


@router.get("", response_model=CaseList, summary="List and search cases, newest first")
def list_cases(
    request: Request,
    db: DbDep,
    principal: CaseReader,
    reason: AccessReason,
    status: StatusFilter = None,
    department: DepartmentFilter = None,
    category: Annotated[str | None, Query(description="Category code; includes its sub-categories")] = None,
    district: Annotated[str | None, Query(description="District code")] = None,
    channel: Annotated[str | None, Query(description="Intake channel, e.g. hotline")] = None,
    created_from: CreatedFrom = None,
    created_to: CreatedTo = None,
    overdue: Annotated[bool | None, Query(description="true: only overdue cases (超期)")] = None,
    request_type: Annotated[str | None, Query(description="诉求类型 咨询 投诉 举报 建议 求助 表扬 or English")] = None,
    open_only: Annotated[
        bool, Query(alias="open", description="true: only open cases (not closed, invalid or merged)")
    ] = False,
    q: Annotated[
        str | None, Query(max_length=200, description="A case number (123 or #123), or words of title, text, address")
    ] = None,
    phone: Annotated[
        str | None, Query(max_length=64, description="The citizen's phone number (roles that see personal data)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> CaseList:
    """Department handlers see only their own department's cases. Free text is masked for roles that may
    not see personal data, and they may not search by phone (403) nor for phone or ID numbers in the text."""
    words, digits = policy.words_search(principal, q), policy.phone_search(principal, phone)
    pii = _unmasked(request, principal, reason)
    address = not pii and _address(request, principal, reason)
    with db.reading() as session:
        query = repository.CaseQuery(
            status=status.value if status else None,
            department_id=policy.department_scope(principal, department_id_of(session, department)),
            category_code=category,
            district_code=district,
            channel=channel,
            created_from=clock.as_utc(created_from) if created_from else None,
            created_to=clock.as_utc(created_to) if created_to else None,
            overdue=overdue,
            now=clock.utcnow(),
            request_type=_request_type(request_type),
            open_only=open_only,
            words=words,
            phone_digits=digits,
            limit=limit,
            offset=offset,
        )
        cases = repository.list_cases(session, query)
        total, exact = repository.count_cases(session, query, up_to=_count_bound(request, limit, offset))
        codes = repository.department_codes(session, [c.department_id for c in cases])
        keep = present.city_phones(session, pii)
        items = [present.case_out(c, codes, pii=pii, keep=keep, address=address) for c in cases]
        if pii:
            shown = [c.id for c in cases if present.shows_personal_data(c)]
        else:
            shown = [c.id for c in cases if present.shows_address(c)] if address else []
    _log_read(request, principal, reason, shown)
    return CaseList(items=items, total=total, total_exact=exact, limit=limit, offset=offset)


def _count_bound(request: Request, limit: int, offset: int) -> int | None:
    """How far the list counts (``CITYBRAIN_CASE_LIST_COUNT_LIMIT``; 0: all the way), never short of the page
    asked for, so a page's end is never past a total that is not exact."""
    setting = int(request.app.state.settings.case_list_count_limit)
    return None if setting == 0 else max(setting, offset + limit)


@router.get("/{case_id}", response_model=CaseDetail, summary="One case with its events")
def get_case(case_id: RowId, request: Request, db: DbDep, principal: CaseReader, reason: AccessReason) -> CaseDetail:
    """The contact is unmasked only for roles allowed to see personal data (operators, departments), and each
    such read is written to the access log with the ``reason`` given (query or ``X-Access-Reason``)."""
    pii = _unmasked(request, principal, reason)
    address = not pii and _address(request, principal, reason)
    with db.reading() as session:
        case = service.get_case(session=session, case_id=case_id)
        policy.may_read(principal, case)
        detail = present.case_detail(session, case, pii=pii, address=address)
        shown = present.has_personal_data(session, case) if pii else address and present.shows_address(case)
    _log_read(request, principal, reason, [case_id] if shown else [])
    return detail


@router.get("/{case_id}/events", response_model=list[EventOut], summary="A case's audit trail")
def case_events(
    case_id: RowId, request: Request, db: DbDep, principal: CaseReader, reason: AccessReason
) -> list[EventOut]:
    """Every change: who, when, from which state to which, and the note."""
    pii = _unmasked(request, principal, reason)
    with db.reading() as session:
        case = service.get_case(session=session, case_id=case_id)
        policy.may_read(principal, case)
        events = present.event_list(session, case, pii=pii)
        shown = pii and present.has_personal_data(session, case)
    _log_read(request, principal, reason, [case_id] if shown else [])
    return events


def _taker(action: str) -> Callable[[Principal], Principal]:
    """A dependency: the caller, if the role may take ``action`` at all (the case's department is checked later)."""

    def check(principal: PrincipalDep) -> Principal:
        policy.check_may_take(principal, action)
        return principal

    check.__name__ = f"may_{action}"
    return check


@router.post(
    "/{case_id}/callback",
    response_model=CaseDetail,
    summary="回访 callback: record the citizen's verdict",
    dependencies=[Depends(_taker("callback"))],
)
def callback(
    case_id: RowId, body: CallbackIn, request: Request, db: DbDep, principal: PrincipalDep, reason: AccessReason
) -> CaseDetail:
    """On a resolved case: ``resolved=true`` closes it (结案), ``false`` reopens it (重办) with the same
    department and new deadlines. ``satisfaction`` 1–5 is kept for the satisfaction rate (满意率)."""
    with writing(db, "case") as session:
        case = service.get_case(session=session, case_id=case_id, lock=body.version is None)
        policy.authorize(principal, case, "callback")
        service.check_version(case, body.version)
        service.callback(
            session=session,
            case=case,
            actor=principal.name,
            resolved=body.resolved,
            satisfaction=body.satisfaction,
            note=body.note,
        )
        detail = _detail(session, request, principal, reason, case)
    return detail


def _detail(session: Session, request: Request, principal: Principal, reason: str | None, case: Case) -> CaseDetail:
    """A changed case as its actor sees it (unmasked ones logged)."""
    pii = _unmasked(request, principal, reason)
    address = not pii and _address(request, principal, reason)
    detail = present.case_detail(session, case, pii=pii, address=address)
    if pii or address:
        _logged_if_personal(session, request, principal, reason, case, pii=pii)
    return detail


def _action_route(action: str) -> Callable[[int, ActionIn, Request, DbDep, PrincipalDep, str | None], CaseDetail]:
    def run(
        case_id: RowId, body: ActionIn, request: Request, db: DbDep, principal: PrincipalDep, reason: AccessReason
    ) -> CaseDetail:
        with writing(db, "case") as session:
            case = service.get_case(session=session, case_id=case_id, lock=body.version is None)
            policy.authorize(principal, case, action)
            if action == "reassign":
                policy.check_reassign_target(principal, department_id_of(session, body.department_code))
            service.apply(session=session, case=case, action=action, actor=principal.name, body=body)
            detail = _detail(session, request, principal, reason, case)
        tasks.after_transition(detail.id, action)
        return detail

    run.__name__ = f"case_{action}"
    return run


def _describe(action: str) -> str:
    t = TRANSITIONS[action]
    sources = ", ".join(sorted(s.value for s in t.sources))
    target = t.target.value if t.target else "(unchanged: an event only)"
    who = "the case's own department (or an operator)" if t.by == Actor.DEPARTMENT else "operators and admins"
    needs = f" Requires `{t.needs}`." if t.needs else ""
    return (
        f"{t.summary}{needs}\n\nFrom: {sources} → {target}. By: {who}. "
        "Send `version` to refuse the change if the case moved since you read it (409)."
    )


for _action in service.ACTIONS:
    router.add_api_route(
        f"/{{case_id}}/{_action}",
        _action_route(_action),
        methods=["POST"],
        response_model=CaseDetail,
        summary=f"{TRANSITIONS[_action].name_zh} {_action}",
        description=_describe(_action),
        dependencies=[Depends(_taker(_action))],
    )
