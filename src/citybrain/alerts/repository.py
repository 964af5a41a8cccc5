"""SQL for alerts, their events and their notification deliveries (dialect-neutral)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from citybrain.models import Case
from citybrain.models.alerts import Alert, AlertEvent, NotificationDelivery

ACTIVE = ("open", "acknowledged", "snoozed")
#: PostgreSQL advisory lock key of the alert writers ("CBAL" in ASCII), held until the transaction ends.
ALERT_WRITERS_LOCK = 0x4342414C


def lock_alert_writers(session: Session) -> None:
    """Queue this transaction behind any other that is raising or growing alerts, until it commits.

    Deciding "raise a new alert or grow the open one" reads, then writes; two daily runs at once (a cron job and
    an operator's rerun) would both read "none yet" and raise the same alert twice. On PostgreSQL a transaction
    advisory lock serialises them; SQLite's writers are already one at a time (``Database.transaction``).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ALERT_WRITERS_LOCK})


def get(session: Session, alert_id: int) -> Alert | None:
    return session.get(Alert, alert_id)


def add(session: Session, alert: Alert) -> Alert:
    session.add(alert)
    session.flush()
    return alert


def active_by_key(session: Session, dedupe_key: str, *, since: date | None = None) -> Sequence[Alert]:
    """Alerts not closed with this key (and, for clusters, a last signal on or after ``since``), newest first."""
    stmt = select(Alert).where(Alert.dedupe_key == dedupe_key, Alert.status.in_(ACTIVE))
    if since is not None:
        stmt = stmt.where(Alert.last_signal_on >= since)
    return session.scalars(stmt.order_by(Alert.last_signal_on.desc(), Alert.id.desc())).all()


def list_alerts(session: Session, *, status: str | None, limit: int, offset: int) -> tuple[Sequence[Alert], int]:
    """Alerts newest signal first; ``status=None`` means every status."""
    where = [Alert.status == status] if status else []
    total = session.scalar(select(func.count()).select_from(Alert).where(*where)) or 0
    stmt = select(Alert).where(*where).order_by(Alert.last_signal_on.desc(), Alert.id.desc())
    return session.scalars(stmt.limit(limit).offset(offset)).all(), int(total)


def snoozes_ending(session: Session, on: date) -> Sequence[Alert]:
    """Snoozed alerts whose snooze ends on or before ``on``."""
    stmt = select(Alert).where(Alert.status == "snoozed", Alert.snoozed_until <= on).order_by(Alert.id)
    return session.scalars(stmt).all()


def add_event(session: Session, event: AlertEvent) -> AlertEvent:
    session.add(event)
    return event


def events(session: Session, alert_id: int) -> Sequence[AlertEvent]:
    stmt = select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.at, AlertEvent.id)
    return session.scalars(stmt).all()


def add_delivery(session: Session, delivery: NotificationDelivery) -> NotificationDelivery:
    session.add(delivery)
    session.flush()
    return delivery


def get_delivery(session: Session, delivery_id: int) -> NotificationDelivery | None:
    return session.get(NotificationDelivery, delivery_id)


def deliveries(session: Session, alert_id: int) -> Sequence[NotificationDelivery]:
    stmt = select(NotificationDelivery).where(NotificationDelivery.alert_id == alert_id)
    return session.scalars(stmt.order_by(NotificationDelivery.id)).all()


def unsent_delivery_ids(session: Session, *, max_attempts: int) -> list[int]:
    """Deliveries still pending or failed with fewer than ``max_attempts`` tries: a later run sends them again."""
    stmt = select(NotificationDelivery.id).where(
        NotificationDelivery.status.in_(("pending", "failed")), NotificationDelivery.attempts < max_attempts
    )
    return [int(i) for i in session.scalars(stmt.order_by(NotificationDelivery.id))]


CaseRow = tuple[int, datetime, str | None, str | None, str]


def case_summaries(session: Session, case_ids: Sequence[str]) -> list[CaseRow]:
    """(id, created_at, category, district, status) of the member cases that live in this database."""
    numeric = sorted({int(i) for i in case_ids if str(i).isdigit()})
    rows: list[CaseRow] = []
    for start in range(0, len(numeric), 500):
        chunk = numeric[start : start + 500]
        stmt = select(Case.id, Case.created_at, Case.category_code, Case.district_code, Case.status).where(
            Case.id.in_(chunk)
        )
        rows += [(int(r[0]), r[1], r[2], r[3], str(r[4])) for r in session.execute(stmt)]
    return rows
