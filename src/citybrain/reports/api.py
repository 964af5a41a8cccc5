"""Report routes (thin): the periodic KPI and ranking report (JSON, Excel, CSV zip) and reply quality (答复意见评价)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from citybrain.auth.deps import CaseReader, DepartmentRanker
from citybrain.core.errors import InvalidInput
from citybrain.core.http import DbDep
from citybrain.core.inputs import RowId
from citybrain.core.settings import Settings
from citybrain.nlp.replies import ScoringConfig
from citybrain.reports import excel, reply_service, service
from citybrain.reports.schemas import ReplyToScore

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
    principal: DepartmentRanker,
    month: Annotated[str | None, Query(description="YYYY-MM (or give from and to)")] = None,
    start: Annotated[str | None, Query(alias="from", description="first local date, YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", description="last local date (inclusive)")] = None,
    fmt: Annotated[str, Query(alias="format", description="json, xlsx or csv (a zip of CSV files)")] = "json",
    as_of: Annotated[str | None, Query(description="time overdue is judged at; default now")] = None,
    category_level: Annotated[int, Query(ge=1, le=3, description="level categories are grouped at")] = 2,
    top: Annotated[int, Query(ge=1, le=1000, description="how many 每月一题 candidates")] = 10,
) -> Response:
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


# --- reply quality (答复意见评价) -------------------------------------------------------------------------------


@router.post("/replies/score", summary="Score a reply to a message: relevance, completeness, timeliness, explanation")
def score_reply(body: ReplyToScore, principal: CaseReader) -> dict[str, Any]:
    return reply_service.score_one(body)


@router.get("/replies/quality", summary="The quality of one case's reply, with the reasons")
def reply_quality(
    db: DbDep, principal: CaseReader, case_id: Annotated[RowId, Query(description="the case's id")]
) -> dict[str, Any]:
    with db.reading() as session:
        return reply_service.score_case(
            session, case_id=case_id, department_id=principal.department_id, config=ScoringConfig()
        )


@router.get("/replies/ranking", summary="Departments ranked by the quality of their replies")
def reply_ranking(
    request: Request,
    db: DbDep,
    principal: DepartmentRanker,
    start: Annotated[str | None, Query(alias="from", description="first local date received, YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", description="last local date received (inclusive)")] = None,
    limit: Annotated[int, Query(ge=1, le=reply_service.MAX_LIMIT, description="newest answered cases read")] = 2000,
    min_replies: Annotated[int, Query(ge=1, le=10_000, description="fewer replies: listed, not ranked")] = 5,
    top: Annotated[int, Query(ge=1, le=100, description="best and worst replies shown")] = 5,
) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    first = service.parse_date(start, "from") if start else None
    last = service.parse_date(end, "to") if end else None
    with db.reading() as session:
        records, hours = reply_service.records_from_database(
            session, start=first, end=last, limit=limit, timezone=settings.timezone, language=settings.language
        )
    options = reply_service.AnalysisOptions(top=top, min_replies=min_replies)
    return reply_service.analyse(records, options=options, sla_hours=hours)
