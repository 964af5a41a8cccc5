"""SQL of online services (dialect-neutral: the same statements run on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citybrain.models import (
    Department,
    OnlineService,
    ServiceApplication,
    ServiceApplicationEvent,
    ServiceApplicationMaterial,
    ServiceAttachment,
)


def service_by_code(session: Session, code: str) -> OnlineService | None:
    return session.scalars(select(OnlineService).where(OnlineService.code == code)).one_or_none()


def service(session: Session, service_id: int) -> OnlineService | None:
    return session.get(OnlineService, service_id)


def services(session: Session, *, active_only: bool = False) -> list[OnlineService]:
    query = select(OnlineService).order_by(OnlineService.code)
    if active_only:
        query = query.where(OnlineService.active.is_(True))
    return list(session.scalars(query))


def departments_by_code(session: Session) -> dict[str, Department]:
    return {d.code: d for d in session.scalars(select(Department))}


def departments_by_id(session: Session, ids: set[int]) -> dict[int, Department]:
    if not ids:
        return {}
    return {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(ids)))}


def application(session: Session, application_id: int, *, lock: bool = False) -> ServiceApplication | None:
    query = select(ServiceApplication).where(ServiceApplication.id == application_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def application_by_code(session: Session, code: str) -> ServiceApplication | None:
    return session.scalars(select(ServiceApplication).where(ServiceApplication.code == code)).one_or_none()


def list_applications(
    session: Session,
    *,
    state: str | None,
    department_id: int | None,
    service_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[ServiceApplication], int]:
    query = select(ServiceApplication)
    if state is not None:
        query = query.where(ServiceApplication.state == state)
    if department_id is not None:
        query = query.where(ServiceApplication.department_id == department_id)
    if service_id is not None:
        query = query.where(ServiceApplication.service_id == service_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(ServiceApplication.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def events(session: Session, application_id: int) -> list[ServiceApplicationEvent]:
    query = select(ServiceApplicationEvent).where(ServiceApplicationEvent.application_id == application_id)
    return list(session.scalars(query.order_by(ServiceApplicationEvent.id)))


def materials(session: Session, application_id: int) -> list[tuple[ServiceApplicationMaterial, ServiceAttachment]]:
    query = (
        select(ServiceApplicationMaterial, ServiceAttachment)
        .join(ServiceAttachment, ServiceAttachment.sha256 == ServiceApplicationMaterial.sha256)
        .where(ServiceApplicationMaterial.application_id == application_id)
        .order_by(ServiceApplicationMaterial.id)
    )
    return [(m, a) for m, a in session.execute(query)]


def attachments(session: Session, hashes: set[str]) -> dict[str, ServiceAttachment]:
    if not hashes:
        return {}
    query = select(ServiceAttachment).where(ServiceAttachment.sha256.in_(hashes))
    return {a.sha256: a for a in session.scalars(query)}


def attachment(session: Session, sha256: str) -> ServiceAttachment | None:
    return session.get(ServiceAttachment, sha256)


def decided_between(
    session: Session, first: date, last: date, department_id: int | None
) -> list[tuple[ServiceApplication, str]]:
    """Applications decided from ``first`` to ``last`` (city days, both included), with their service's code."""
    query = (
        select(ServiceApplication, OnlineService.code)
        .join(OnlineService, OnlineService.id == ServiceApplication.service_id)
        .where(ServiceApplication.decided_on >= first, ServiceApplication.decided_on <= last)
        .order_by(ServiceApplication.id)
    )
    if department_id is not None:
        query = query.where(ServiceApplication.department_id == department_id)
    return [(a, code) for a, code in session.execute(query)]


def open_applications(session: Session, department_id: int | None) -> list[ServiceApplication]:
    """Accepted and not yet decided (the clock runs or stands for 补正)."""
    query = select(ServiceApplication).where(
        ServiceApplication.state.in_(("accepted", "reviewing", "awaiting_materials"))
    )
    if department_id is not None:
        query = query.where(ServiceApplication.department_id == department_id)
    return list(session.scalars(query.order_by(ServiceApplication.id)))
