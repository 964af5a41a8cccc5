"""The numbers on the public landing page, straight from the cases table (no KPI engine needed).

Public: nothing here carries a citizen's name or phone, and case texts are masked before they leave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from citybrain.alerts import repository as alerts_repository
from citybrain.cases.lifecycle import OPEN_STATES, STATUS_NAMES, Status
from citybrain.core.errors import NotFound
from citybrain.core.privacy import mask_text
from citybrain.insight import service as insight_service
from citybrain.models import Alert, Case, Category, District

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


@dataclass(frozen=True)
class InsightLine:
    """One line of the cockpit's insight panels: a headline and the numbers behind it."""

    title: str
    detail: str


@dataclass(frozen=True)
class Insight:
    open_alerts: int
    alerts: list[InsightLine]
    hot_issues: list[InsightLine] | None  # None: never computed
    associations: list[InsightLine] | None


def insight(session: Session, *, shown: int = 5) -> Insight:
    """The latest stored analyses: open alerts (预警), the hot-issue board (热点) and category associations (关联)."""
    alerts, open_count = alerts_repository.list_alerts(session, status="open", limit=shown, offset=0)
    return Insight(
        open_alerts=open_count,
        alerts=[_alert_line(alert) for alert in alerts],
        hot_issues=_lines(_latest_results(session, "hot_issues", shown), _hot_line),
        associations=_lines(_latest_results(session, "associations", shown), _rule_line),
    )


def _lines(
    results: list[dict[str, Any]] | None, line: Callable[[dict[str, Any]], InsightLine]
) -> list[InsightLine] | None:
    return None if results is None else [line(item) for item in results]


def _latest_results(session: Session, kind: str, shown: int) -> list[dict[str, Any]] | None:
    """The newest run's first results; None when no run of this kind was ever stored."""
    try:
        run = insight_service.latest(session, kind, limit=shown)
    except NotFound:
        return None
    results: list[dict[str, Any]] = run["results"]
    return results


def _alert_line(alert: Alert) -> InsightLine:
    days = alert.recurrence_days
    rarity = f", 约{days:.0f}天一遇 once in ~{days:.0f} days" if days else ""
    return InsightLine(alert.title, f"{alert.first_signal_on} – {alert.last_signal_on}{rarity}")


def _hot_line(item: dict[str, Any]) -> InsightLine:
    issue = item["payload"]
    title = f"{issue.get('place') or '—'} · {issue.get('description') or ''}"
    span = f"{str(issue.get('start', ''))[:10]} – {str(issue.get('end', ''))[:10]}"
    detail = f"热度 heat {issue.get('heat', 0):.1f} · {issue.get('count', 0)} 条 messages · {span}"
    return InsightLine(title, detail)


def _rule_line(item: dict[str, Any]) -> InsightLine:
    rule = item["payload"]
    title = " + ".join(rule.get("antecedent", [])) + " → " + " + ".join(rule.get("consequent", []))
    where = len(rule.get("examples", []))
    detail = f"lift {rule.get('lift', 0):.1f} · q {rule.get('q_value', 1):.2g} · {where} 处 places/weeks"
    return InsightLine(title, detail)
