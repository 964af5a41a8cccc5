"""Staff alert API (/api/v1/alerts): the list, one alert with its explanation, and a person's actions on it.

Operators, supervisors and administrators read and handle alerts (确认 acknowledge, 暂缓 snooze, 关闭 close,
重开 reopen). Every action sends the ``version`` the person saw; a stale one is a 409, and so is a concurrent change
that made the UPDATE match no row.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from citybrain.alerts import repository, service
from citybrain.alerts.schemas import (
    ActionIn,
    AlertDetail,
    AlertEventOut,
    AlertList,
    AlertOut,
    DeliveryOut,
    MemberCase,
    SnoozeIn,
    Status,
)
from citybrain.auth.deps import AlertHandler
from citybrain.auth.roles import Principal
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.http import DbDep, writing
from citybrain.core.inputs import Offset, RowId
from citybrain.models.alerts import Alert

router = APIRouter(prefix="/alerts", tags=["alerts 预警"])


def _detail(session: Session, alert: Alert) -> AlertDetail:
    cases = [
        MemberCase(id=r[0], created_at=r[1], category_code=r[2], district_code=r[3], status=r[4])
        for r in repository.case_summaries(session, [str(i) for i in alert.case_ids or []])
    ]
    return AlertDetail(
        **AlertOut.model_validate(alert).model_dump(),
        events=[AlertEventOut.model_validate(e) for e in repository.events(session, alert.id)],
        deliveries=[DeliveryOut.model_validate(d) for d in repository.deliveries(session, alert.id)],
        cases=cases,
    )


@router.get("", response_model=AlertList, summary="List alerts, latest signal first")
def list_alerts(
    db: DbDep,
    principal: AlertHandler,
    status: Annotated[Status | None, Query(description="open, acknowledged, snoozed or closed")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> AlertList:
    """Every alert (预警) the detectors raised, with its explanation and member case ids."""
    with db.reading() as session:
        items, total = repository.list_alerts(session, status=status, limit=limit, offset=offset)
        return AlertList(items=[AlertOut.model_validate(a) for a in items], total=total, limit=limit, offset=offset)


@router.get("/{alert_id}", response_model=AlertDetail, summary="One alert: explanation, events, member cases")
def get_alert(alert_id: RowId, db: DbDep, principal: AlertHandler) -> AlertDetail:
    """The explanation, its life (events), its notifications, and the member cases (no personal data)."""
    with db.reading() as session:
        return _detail(session, service.get_alert(session=session, alert_id=alert_id))


def _act(db: Database, principal: Principal, alert_id: RowId, action: str, body: ActionIn) -> AlertDetail:
    until = body.until if isinstance(body, SnoozeIn) else None
    with writing(db, "alert") as session:
        alert = service.change(
            session=session,
            alert_id=alert_id,
            action=action,
            version=body.version,
            actor=principal.name,
            note=body.note,
            until=until,
            today=clock.city_today(db.settings.timezone),
        )
        detail = _detail(session, alert)
    return detail


@router.post("/{alert_id}/acknowledge", response_model=AlertDetail, summary="确认 acknowledge: someone is on it")
def acknowledge(alert_id: RowId, body: ActionIn, db: DbDep, principal: AlertHandler) -> AlertDetail:
    """An acknowledged alert keeps growing with new signals but sends no more notifications."""
    return _act(db, principal, alert_id, "acknowledge", body)


@router.post("/{alert_id}/snooze", response_model=AlertDetail, summary="暂缓 snooze until a day")
def snooze(alert_id: RowId, body: SnoozeIn, db: DbDep, principal: AlertHandler) -> AlertDetail:
    """Quiet until ``until`` (a day after today); the daily job wakes it on that day and notifies again."""
    return _act(db, principal, alert_id, "snooze", body)


@router.post("/{alert_id}/close", response_model=AlertDetail, summary="关闭 close")
def close(alert_id: RowId, body: ActionIn, db: DbDep, principal: AlertHandler) -> AlertDetail:
    """A closed alert never grows: the same trouble signalled again raises a new alert."""
    return _act(db, principal, alert_id, "close", body)


@router.post("/{alert_id}/reopen", response_model=AlertDetail, summary="重开 reopen a closed alert")
def reopen(alert_id: RowId, body: ActionIn, db: DbDep, principal: AlertHandler) -> AlertDetail:
    """Back to open; it grows again with new signals."""
    return _act(db, principal, alert_id, "reopen", body)
