"""The numbers on the public landing page, straight from the cases table (no KPI engine needed).

Public: nothing here carries a citizen's name or phone, and case texts are masked before they leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from citybrain.cases.lifecycle import OPEN_STATES, STATUS_NAMES, Status
from citybrain.core.privacy import mask_text
from citybrain.models import Case, Category, District

_OPEN = [s.value for s in OPEN_STATES]


@dataclass(frozen=True)
class LatestCase:
    id: int
    created: str
    category: str
    district: str
    status: str
    title: str
    text: str


@dataclass(frozen=True)
class Overview:
    today: int
    month: int
    open: int
    overdue: int
    response_rate: float | None  # 响应率: signed for (签收) within the deadline
    resolution_rate: float | None  # 解决率: callbacks (回访) saying "resolved"
    satisfaction_rate: float | None  # 满意率: satisfaction 4 or 5
    latest: list[LatestCase]


def zone(name: str) -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - no tz database on this machine: fall back to UTC+8 (China)
        from datetime import timezone

        return timezone(timedelta(hours=8))


def _count(session: Session, *where: object) -> int:
    return int(session.scalar(select(func.count()).select_from(Case).where(*where)) or 0)  # type: ignore[arg-type]


def _rate(session: Session, numerator: object, denominator: object, since: datetime) -> float | None:
    base = [Case.created_at >= since, denominator]
    total = _count(session, *base)
    return None if total == 0 else _count(session, *base, numerator) / total


def overview(session: Session, *, now: datetime, tz: tzinfo, latest: int = 10) -> Overview:
    """Cases today and this month (local days), open and overdue now, and last-30-day rates."""
    local = now.astimezone(tz)
    day_start = datetime.combine(local.date(), time(0), tz)
    month_start = datetime.combine(local.date().replace(day=1), time(0), tz)
    since = now - timedelta(days=30)
    responded = and_(Case.accepted_at.is_not(None), Case.accepted_at <= Case.accept_due_at)
    signed_or_due = or_(Case.accepted_at.is_not(None), Case.accept_due_at < now)
    due_for_response = and_(Case.accept_due_at.is_not(None), signed_or_due)
    return Overview(
        today=_count(session, Case.created_at >= day_start),
        month=_count(session, Case.created_at >= month_start),
        open=_count(session, Case.status.in_(_OPEN)),
        overdue=_count(session, Case.status.in_(_OPEN), Case.status != Status.RESOLVED.value, Case.due_at < now),
        response_rate=_rate(session, responded, due_for_response, since),
        resolution_rate=_rate(session, Case.resolved.is_(True), Case.resolved.is_not(None), since),
        satisfaction_rate=_rate(session, Case.satisfaction >= 4, Case.satisfaction.is_not(None), since),
        latest=_latest(session, tz, latest),
    )


def _latest(session: Session, tz: tzinfo, limit: int) -> list[LatestCase]:
    stmt = (
        select(Case, Category.name_zh, District.name_zh)
        .outerjoin(Category, Category.code == Case.category_code)
        .outerjoin(District, District.code == Case.district_code)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
    )
    rows = []
    for case, category, district in session.execute(stmt):
        zh, en = STATUS_NAMES.get(Status(case.status), (case.status, case.status))
        text = mask_text(case.text) or ""
        rows.append(
            LatestCase(
                id=case.id,
                created=case.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                category=category or case.category_code or "—",
                district=district or case.district_code or "—",
                status=f"{zh} {en}",
                title=mask_text(case.title) or "",
                text=text if len(text) <= 80 else text[:80] + "…",
            )
        )
    return rows
