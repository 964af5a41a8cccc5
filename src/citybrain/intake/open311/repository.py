"""SQL for the Open311 intake: the service catalogue and the public view of cases.

Every list here is read in one statement (cases joined to their category and department), so the cost of
GET requests does not grow with the number of distinct departments or services on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from citybrain.cases.lifecycle import FINAL_STATES, OPEN_STATES
from citybrain.models import Case, Category, Department, ServiceAttribute


def active_categories(session: Session) -> list[Category]:
    stmt = select(Category).where(Category.active.is_(True)).order_by(Category.code)
    return list(session.scalars(stmt))


def codes_with_attributes(session: Session) -> set[str]:
    return set(session.scalars(select(ServiceAttribute.category_code).distinct()))


def category(session: Session, code: str) -> Category | None:
    return session.get(Category, code)


def has_children(session: Session, code: str) -> bool:
    stmt = select(Category.code).where(Category.parent_code == code, Category.active.is_(True)).limit(1)
    return session.scalars(stmt).first() is not None


def attributes(session: Session, category_code: str) -> list[ServiceAttribute]:
    stmt = (
        select(ServiceAttribute)
        .where(ServiceAttribute.category_code == category_code)
        .order_by(ServiceAttribute.order, ServiceAttribute.id)
    )
    return list(session.scalars(stmt))


def department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


#: The columns of the public view: no contact table, so no personal data can leak by accident.
_PUBLIC_COLUMNS = (
    Case.id,
    Case.status,
    Case.status_notes,
    Case.reply,
    Case.category_code,
    Case.text,
    Case.created_at,
    Case.updated_at,
    Case.closed_at,
    Case.due_at,
    Case.address,
    Case.zipcode,
    Case.lat,
    Case.lon,
    Case.media_url,
    Case.attributes,
    Case.token,
    Category.name_zh.label("category_zh"),
    Category.name_en.label("category_en"),
    Department.name_zh.label("department_zh"),
    Department.name_en.label("department_en"),
)


def _public_view() -> Any:
    return (
        select(*_PUBLIC_COLUMNS)
        .outerjoin(Category, Category.code == Case.category_code)
        .outerjoin(Department, Department.id == Case.department_id)
    )


def public_cases_by_id(session: Session, ids: Sequence[int]) -> list[Row[Any]]:
    stmt = _public_view().where(Case.id.in_(list(ids))).order_by(Case.id)
    return list(session.execute(stmt))


def public_cases(
    session: Session,
    *,
    service_codes: Sequence[str],
    start: datetime | None,
    end: datetime | None,
    statuses: frozenset[str],
    offset: int,
    limit: int,
) -> list[Row[Any]]:
    """A page of cases, newest first, filtered the way GET requests asks."""
    stmt = _public_view()
    if service_codes:
        stmt = stmt.where(Case.category_code.in_(list(service_codes)))
    if start is not None:
        stmt = stmt.where(Case.created_at >= start)
    if end is not None:
        stmt = stmt.where(Case.created_at <= end)
    if statuses == {"open"}:
        stmt = stmt.where(Case.status.in_([s.value for s in OPEN_STATES]))
    elif statuses == {"closed"}:
        stmt = stmt.where(Case.status.in_([s.value for s in FINAL_STATES]))
    stmt = stmt.order_by(Case.created_at.desc(), Case.id.desc()).offset(offset).limit(limit)
    return list(session.execute(stmt))


def case_id_by_token(session: Session, token: str) -> int | None:
    return session.scalars(select(Case.id).where(Case.token == token)).first()
