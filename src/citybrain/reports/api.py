"""Report routes (thin): the periodic KPI and ranking report as JSON, an Excel workbook or a zip of CSV files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from citybrain.auth.roles import Permission
from citybrain.core.errors import Forbidden, InvalidInput
from citybrain.core.settings import Settings
from citybrain.reports import excel, service
from citybrain.web.deps import DbDep, PrincipalDep, require

router = APIRouter(tags=["reports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("json", "xlsx", "csv")


@router.get(
    "/reports/monthly",
    summary="KPI and ranking report of a month or any period (三率 by department and district, 每月一题 candidates)",
    response_model=None,
)
def monthly(
    request: Request,
    db: DbDep,
    principal: PrincipalDep,
    month: Annotated[str | None, Query(description="YYYY-MM (or give from and to)")] = None,
    start: Annotated[str | None, Query(alias="from", description="first local date, YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", description="last local date (inclusive)")] = None,
    fmt: Annotated[str, Query(alias="format", description="json, xlsx or csv (a zip of CSV files)")] = "json",
    as_of: Annotated[str | None, Query(description="time overdue is judged at; default now")] = None,
    category_level: Annotated[int, Query(ge=1, le=3, description="level categories are grouped at")] = 2,
    top: Annotated[int, Query(ge=1, le=1000, description="how many 每月一题 candidates")] = 10,
) -> Response:
    require(principal, Permission.READ_KPIS)
    if principal.department_id is not None:
        raise Forbidden("the report ranks every department; a department's key reads its own KPIs at /api/v1/kpis")
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    settings: Settings = request.app.state.settings
    period = service.parse_period(month=month, start=start, end=end)
    options = service.ReportOptions(
        timezone=settings.timezone, language=settings.language, as_of=as_of, category_level=category_level, top=top
    )
    with db.reading() as session:
        report = service.monthly_report(session=session, period=period, options=options)
    name = f"citybrain-report-{period.label.replace('..', '_')}"
    if fmt == "xlsx":
        return _download(excel.to_xlsx(report), XLSX, f"{name}.xlsx")
    if fmt == "csv":
        return _download(excel.to_csv_zip(report), "application/zip", f"{name}.zip")
    return JSONResponse(report)


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
