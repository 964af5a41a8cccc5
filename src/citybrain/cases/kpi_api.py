"""KPI routes for staff (考核指标): thin — check the key, read the question, run the report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from citybrain.auth.deps import KpiReader
from citybrain.cases import kpi_rollup, kpi_service
from citybrain.core.errors import InvalidInput
from citybrain.core.http import DbDep
from citybrain.core.inputs import ascii_digits
from citybrain.core.settings import Settings

router = APIRouter(tags=["kpis"])


@router.get("/kpis/definitions", summary="What each KPI means and how it is computed")
def kpi_definitions(principal: KpiReader) -> dict[str, Any]:
    return kpi_service.definitions()


@router.get("/kpis", summary="KPIs over the cases received in a window, grouped (响应率, 解决率, 满意率 …)")
def kpis(
    request: Request,
    db: DbDep,
    principal: KpiReader,
    by: Annotated[
        list[str] | None, Query(description="department, district, category, channel; repeat or comma-separate")
    ] = None,
    period: Annotated[str | None, Query(description="day, week or month, in the city's time zone")] = None,
    start: Annotated[str | None, Query(alias="from", description="first local date received, YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", description="last local date received (inclusive)")] = None,
    department: Annotated[str | None, Query(description="department code")] = None,
    district: Annotated[str | None, Query(description="district code")] = None,
    category: Annotated[str | None, Query(description="category code; its whole subtree is included")] = None,
    channel: Annotated[str | None, Query(description="intake channel")] = None,
    category_level: Annotated[str, Query(description="1, 2 or 3: level categories are grouped at")] = "1",
    supervisor: Annotated[
        str | None, Query(description="主管部门's code: only the units outside government it supervises")
    ] = None,
    as_of: Annotated[str | None, Query(description="time overdue and pending sign-for are judged at; now")] = None,
) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    if not ascii_digits(category_level.strip()):
        raise InvalidInput(f"category_level must be 1, 2 or 3, not {category_level!r}")
    query = kpi_service.parse_query(
        timezone=settings.timezone,
        by=by,
        period=period,
        start=start,
        end=end,
        department=department,
        district=district,
        category=category,
        channel=channel,
        category_level=int(category_level),
        as_of=as_of,
        supervisor=supervisor,
    )
    with db.reading() as session:
        query = kpi_service.scope_to_department(session, query, principal.department_id, principal.supervised)
    # now's figures: from the daily roll-up when it holds all of them (a year in a few hundred rows, not a year's
    # cases: docs/scale.md); a past as-of time, or a question it cannot answer whole, reads the cases
    rolled = None
    if as_of is None:
        rolled = kpi_rollup.full_report(db, query, language=settings.language, max_cells=settings.kpi_max_cells)
    if rolled is not None:
        return rolled.as_dict()
    with db.reading() as session:
        report = kpi_service.kpi_report(
            session=session, query=query, language=settings.language, max_cells=settings.kpi_max_cells
        )
    return report.as_dict()
