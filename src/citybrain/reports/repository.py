"""SQL of the reports domain that the KPI repository does not already have: the replies departments gave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Select, func, select, type_coerce
from sqlalchemy.orm import Session

from citybrain.models import Case, SlaPolicy


@dataclass(frozen=True)
class RepliedCase:
    """A case with its reply (办结答复) and what timeliness needs: the two times and the SLA's resolve hours."""

    id: int
    title: str
    text: str
    reply: str | None
    created_at: datetime
    resolved_at: datetime | None
    department_id: int | None
    resolve_hours: float | None


def _columns() -> Select[*tuple[Any, ...]]:
    return select(
        Case.id, Case.title, Case.text, Case.reply, Case.created_at, Case.resolved_at, Case.department_id,
        SlaPolicy.resolve_hours,
    ).outerjoin(SlaPolicy, SlaPolicy.code == Case.sla_code)  # fmt: skip


def replied_cases(
    session: Session, *, start: datetime | None, end: datetime | None, department_id: int | None, limit: int
) -> list[RepliedCase]:
    """The most recently answered cases received in [start, end) that carry a reply, newest answer first."""
    stmt = _columns().where(Case.reply.is_not(None), Case.reply != "")
    if start is not None:
        stmt = stmt.where(Case.created_at >= start)
    if end is not None:
        stmt = stmt.where(Case.created_at < end)
    if department_id is not None:
        stmt = stmt.where(Case.department_id == department_id)
    stmt = stmt.order_by(Case.resolved_at.desc(), Case.id.desc()).limit(limit)
    return [RepliedCase(*tuple(row)) for row in session.execute(stmt)]


def replied_case(session: Session, case_id: int) -> RepliedCase | None:
    row = session.execute(_columns().where(Case.id == case_id)).first()
    return None if row is None else RepliedCase(*tuple(row))


def first_case_at(session: Session) -> datetime | None:
    """When the earliest case was received (naive UTC on SQLite, aware on PostgreSQL), or None with no cases."""
    value: datetime | None = session.scalar(select(func.min(type_coerce(Case.created_at, DateTime()))))
    return value
