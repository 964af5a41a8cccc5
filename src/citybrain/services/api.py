"""Staff API of online services (/api/v1): the catalogue, attachments, applications and their steps, KPIs.

Routes are thin: authorise (the role before the body is read, the application's department after), open the one
transaction, call :mod:`citybrain.services.service`, present. Days are the city's (``CITYBRAIN_TIMEZONE``) and are
counted on the city's calendar (``CITYBRAIN_HOLIDAYS_FILE`` over the national one).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.orm import Session

from citybrain.auth import access_log
from citybrain.auth.deps import AccessReason, CaseReader, KpiReader, requires
from citybrain.auth.roles import Permission, Principal
from citybrain.core import clock, working_days
from citybrain.core.errors import InvalidInput, NotFound
from citybrain.core.http import DbDep, writing
from citybrain.core.inputs import Day, Offset, RowId
from citybrain.core.settings import Settings
from citybrain.core.working_days import Calendar
from citybrain.services import attachments, kpis, policy, present, service
from citybrain.services import repository as repo
from citybrain.services.lifecycle import TRANSITIONS, State
from citybrain.services.schemas import (
    ApplicationDetail,
    ApplicationIn,
    ApplicationList,
    AttachmentOut,
    KpisOut,
    MaterialIn,
    ServiceKpiOut,
    ServiceList,
    ServiceOut,
    StepIn,
)
from citybrain.services.service import Applicant, MaterialFile, Step

router = APIRouter(tags=["services 线上审批"])
Handler = Annotated[Principal, Depends(requires(Permission.HANDLE))]


@cache
def _calendar(path: FilePath | None) -> Calendar:
    return working_days.load(path)


def city_calendar(settings: Settings) -> Calendar:
    """The national calendar with the city's file on top (read once per file name)."""
    return _calendar(settings.holidays_file)


def _day_and_calendar(request: Request) -> tuple[date, Calendar]:
    settings: Settings = request.app.state.settings
    return clock.city_today(settings.timezone), city_calendar(settings)


def _unmasked(request: Request, principal: Principal, reason: str | None) -> bool:
    required = request.app.state.settings.pii_reason_required
    return access_log.unmasked(principal, reason, reason_required=required)


def _files(materials: list[MaterialIn]) -> list[MaterialFile]:
    return [MaterialFile(m.material, m.sha256, m.filename) for m in materials]


@router.get("/services", response_model=ServiceList, summary="The catalogue of online services (办事指南)")
def list_services(db: DbDep, principal: CaseReader) -> ServiceList:
    with db.reading() as session:
        rows = repo.services(session)
        departments = repo.departments_by_id(session, {s.department_id for s in rows})
        items = [present.service_out(s, departments.get(s.department_id)) for s in rows]
    return ServiceList(items=items, total=len(items))


@router.get("/services/{code}", response_model=ServiceOut, summary="One service: materials, form, eligibility")
def get_service(code: str, db: DbDep, principal: CaseReader) -> ServiceOut:
    with db.reading() as session:
        row = service.get_service(session, code)
        return present.service_out(row, repo.departments_by_id(session, {row.department_id}).get(row.department_id))


_UPLOAD_TYPES = ("application/pdf", "image/png", "image/jpeg", "application/octet-stream")


async def _read_limited(request: Request, max_bytes: int) -> bytes:
    """The body, refused (413) as soon as it passes the limit — a large upload is never held whole."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise attachments.too_large(size, max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/attachments",
    status_code=201,
    response_model=AttachmentOut,
    summary="Upload a material's file (申请材料), stored once by its sha256",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _UPLOAD_TYPES},
        }
    },
)
async def upload_attachment(request: Request, db: DbDep, principal: Handler) -> AttachmentOut:
    """The file is the request body. Its type is read from its bytes (PDF, PNG or JPEG), never from a name or a
    header: anything else is 415; larger than ``CITYBRAIN_SERVICES_ATTACHMENT_MAX_BYTES`` is 413. The same bytes
    uploaded twice are one attachment."""
    settings: Settings = request.app.state.settings
    data = await _read_limited(request, settings.services_attachment_max_bytes)
    attachments.check(data, settings.services_attachment_max_bytes)
    with writing(db, "attachment") as session:
        row = attachments.store(session, data_dir=settings.data_dir, data=data,
                                max_bytes=settings.services_attachment_max_bytes)  # fmt: skip
        return AttachmentOut(sha256=row.sha256, size=row.size, content_type=row.content_type)


@router.post("/applications", status_code=201, response_model=ApplicationDetail, summary="Take in an application")
def create_application(
    body: ApplicationIn, request: Request, db: DbDep, principal: Handler, reason: AccessReason
) -> ApplicationDetail:
    """Checked in full before anything is written: an unknown service 404; a form field failing its check, an
    applicant not eligible, a required material missing or an unknown attachment 400."""
    today, calendar = _day_and_calendar(request)
    with writing(db, "application") as session:
        target = service.get_service(session, body.service)
        policy.may_act(principal, target.department_id)
        applicant = Applicant(body.applicant.name, body.applicant.phone, body.applicant.id_number)
        app = service.submit(session=session, service_code=body.service, applicant=applicant, form=body.form,
                             files=_files(body.materials), actor=principal.name, now=clock.utcnow())  # fmt: skip
        unmasked = _unmasked(request, principal, reason)
        return present.application_detail(session, app, unmasked=unmasked, today=today, calendar=calendar)


@router.get("/applications", response_model=ApplicationList, summary="Applications, newest first")
def list_applications(
    request: Request,
    db: DbDep,
    principal: CaseReader,
    reason: AccessReason,
    state: Annotated[State | None, Query(description="e.g. reviewing, awaiting_materials")] = None,
    service_code: Annotated[str | None, Query(alias="service", description="A service's code")] = None,
    department: Annotated[str | None, Query(description="Department code")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> ApplicationList:
    """A department handler sees its own department's applications."""
    today, calendar = _day_and_calendar(request)
    with db.reading() as session:
        wanted = _department_id(session, department)
        service_id = service.get_service(session, service_code).id if service_code else None
        rows, total = repo.list_applications(session, state=state.value if state else None,
                                             department_id=policy.department_scope(principal, wanted),
                                             service_id=service_id, limit=limit, offset=offset)  # fmt: skip
        unmasked = _unmasked(request, principal, reason)
        items = [present.application_out(session, a, unmasked=unmasked, today=today, calendar=calendar) for a in rows]
    return ApplicationList(items=items, total=total, limit=limit, offset=offset)


def _department_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    found = repo.departments_by_code(session).get(code)
    if found is None:
        raise InvalidInput(f"no department {code!r}")
    return found.id


@router.get("/applications/kpis", response_model=KpisOut, summary="KPIs: on time, average days, refusals")
def application_kpis(
    request: Request,
    db: DbDep,
    principal: KpiReader,
    first: Annotated[
        Day | None, Query(alias="from", description="First day of decisions (default: 30 days ago)")
    ] = None,
    last: Annotated[Day | None, Query(alias="to", description="Last day of decisions (default: today)")] = None,
    department: Annotated[str | None, Query(description="Department code")] = None,
) -> KpisOut:
    """Decisions by their day (the city's): 按时办结率 (on time / decided), the average working days used (补正 not
    counted), 不予许可率 (refused / decided); 不予受理 apart; open and overdue as of today. A department's key reads
    its own department's."""
    today, calendar = _day_and_calendar(request)
    last = last or today
    first = first or last - timedelta(days=30)
    if first > last:
        raise InvalidInput("'from' is after 'to'")
    with db.reading() as session:
        scope = policy.department_scope(principal, _department_id(session, department))
        rows = [kpis.Decided(code, a.decision or "", a.days_used, a.on_time)
                for a, code in repo.decided_between(session, first, last, scope)]  # fmt: skip
        open_rows = repo.open_applications(session, scope)
        overdue = sum(service.clock_of(a, today, calendar).overdue for a in open_rows)
    total = kpis.rates(rows)
    per = [ServiceKpiOut(service=code, decided=r.decided, on_time=r.on_time, on_time_rate=r.on_time_rate,
                         average_days=r.average_days, refused=r.refused, refusal_rate=r.refusal_rate)
           for code, r in kpis.by_service(rows).items()]  # fmt: skip
    return KpisOut(first=first, last=last, decided=total.decided, on_time=total.on_time,
                   on_time_rate=total.on_time_rate, average_days=total.average_days, refused=total.refused,
                   refusal_rate=total.refusal_rate, declined=total.declined, open=len(open_rows), overdue=overdue,
                   by_service=per)  # fmt: skip


@router.get("/applications/{application_id}", response_model=ApplicationDetail, summary="One application")
def get_application(
    application_id: RowId, request: Request, db: DbDep, principal: CaseReader, reason: AccessReason
) -> ApplicationDetail:
    """With its materials and its audit trail (every step: who, when, from which state to which, why)."""
    today, calendar = _day_and_calendar(request)
    with db.reading() as session:
        app = service.get_application(session, application_id)
        policy.may_read(principal, app)
        unmasked = _unmasked(request, principal, reason)
        return present.application_detail(session, app, unmasked=unmasked, today=today, calendar=calendar)


@router.get(
    "/applications/{application_id}/materials/{sha256}",
    response_class=Response,
    summary="A material's file, to read while reviewing (审查)",
    responses={200: {"content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _UPLOAD_TYPES[:3]}}},
)
def material_file(
    application_id: RowId,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    request: Request,
    db: DbDep,
    principal: CaseReader,
) -> Response:
    """Only a file this application names as one of its materials (404 otherwise), sent as an attachment with its
    sniffed type."""
    with db.reading() as session:
        app = service.get_application(session, application_id)
        policy.may_read(principal, app)
        kind = next((a.content_type for m, a in repo.materials(session, app.id) if m.sha256 == sha256), None)
    if kind is None:
        raise NotFound(f"application {application_id} has no material {sha256}")
    data = attachments.read(request.app.state.settings.data_dir, sha256)
    disposition = f'attachment; filename="{sha256[:12]}.{_EXTENSIONS[kind]}"'
    return Response(data, media_type=kind, headers={"Content-Disposition": disposition})


_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def _step_route(action: str) -> Callable[..., Any]:
    def run(
        application_id: RowId, body: StepIn, request: Request, db: DbDep, principal: Handler, reason: AccessReason
    ) -> ApplicationDetail:
        today, calendar = _day_and_calendar(request)
        with writing(db, "application") as session:
            app = service.get_application(session, application_id, lock=True)
            policy.may_act(principal, app.department_id)
            step = Step(reason=body.reason, note=body.note, method=body.method, files=_files(body.materials),
                        version=body.version)  # fmt: skip
            service.act(session=session, application=app, action=action, step=step, actor=principal.name,
                        now=clock.utcnow(), today=today, calendar=calendar)  # fmt: skip
            unmasked = _unmasked(request, principal, reason)
            return present.application_detail(session, app, unmasked=unmasked, today=today, calendar=calendar)

    run.__name__ = f"application_{action}"
    return run


for _action, _t in TRANSITIONS.items():
    _sources = ", ".join(sorted(s.value for s in _t.sources))
    _needs = f" Requires `{_t.needs}`." if _t.needs else ""
    router.add_api_route(
        f"/applications/{{application_id}}/{_action}",
        _step_route(_action),
        methods=["POST"],
        response_model=ApplicationDetail,
        summary=f"{_t.name_zh} application {_action}",
        description=(
            f"{_t.summary}{_needs}\n\nFrom: {_sources} → {_t.target.value}. By: the service's department (or an "
            "operator). Send `version` to refuse the change if the application moved since you read it (409)."
        ),
    )
