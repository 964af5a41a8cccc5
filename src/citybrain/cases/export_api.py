"""``GET /api/v1/exports/cases.csv``: cases with the citizen's personal data, for the roles that see it, with a
reason, each exported case written to the access log as ``export`` (PIPL art. 51, 55; docs/security.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from citybrain.auth import access_log
from citybrain.auth.deps import AccessReason, CaseReader, require
from citybrain.auth.roles import Permission
from citybrain.cases import export, policy, repository
from citybrain.cases.api import CreatedFrom, CreatedTo, DepartmentFilter, StatusFilter, department_id_of
from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.core.http import DbDep, writing

router = APIRouter(prefix="/exports", tags=["cases 工单"])

MAX_ROWS = 10_000
NO_REASON = (
    "导出个人信息须说明原因 / an export of personal data needs a reason: the X-Access-Reason header or ?reason= "
    "(it is kept in the access log)"
)


@router.get(
    "/cases.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The cases, newest first, as CSV"}},
    summary="Export cases with the citizen's personal data (个人信息导出, logged)",
)
def export_cases(
    request: Request,
    db: DbDep,
    principal: CaseReader,
    reason: AccessReason,
    status: StatusFilter = None,
    department: DepartmentFilter = None,
    created_from: CreatedFrom = None,
    created_to: CreatedTo = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 1000,
) -> Response:
    """Operators, administrators and a department (its own cases) export; a supervisor or an analyst may not
    (403). The reason is required whatever ``CITYBRAIN_PII_REASON_REQUIRED`` says: an export leaves the system."""
    require(principal, Permission.SEE_PII)
    if reason is None:
        raise InvalidInput(NO_REASON)
    with writing(db, "case") as session:
        query = repository.CaseQuery(
            status=status.value if status else None,
            department_id=policy.department_scope(principal, department_id_of(session, department)),
            created_from=clock.as_utc(created_from) if created_from else None,
            created_to=clock.as_utc(created_to) if created_to else None,
            now=clock.utcnow(),
            limit=limit,
        )
        cases = repository.list_cases(session, query)
        ids = [c.id for c in cases]
        codes = repository.department_codes(session, [c.department_id for c in cases])
        body = export.cases_csv(cases, codes, repository.contacts_by_case(session, ids))
        route = f"{request.method} {request.url.path}"
        access_log.record(session, principal, ids, action="export", route=route, reason=reason)
    headers = {"Content-Disposition": 'attachment; filename="cases.csv"', "Cache-Control": "no-store"}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
