"""All SQL of the access log of personal data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from citybrain.models import AccessLogEntry


@dataclass(frozen=True)
class AccessQuery:
    case_id: int | None = None
    principal: str | None = None
    role: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


def add(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Many rows in one executemany INSERT: no ORM objects for rows nothing reads back (a staff list of 50
    cases shown unmasked writes 50; bench/soak_cpu.py)."""
    if rows:
        session.execute(sa.insert(AccessLogEntry), list(rows))


def _where(query: AccessQuery) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if query.case_id is not None:
        conditions.append(AccessLogEntry.case_id == query.case_id)
    if query.principal is not None:
        conditions.append(AccessLogEntry.principal == query.principal)
    if query.role is not None:
        conditions.append(AccessLogEntry.role == query.role)
    if query.action is not None:
        conditions.append(AccessLogEntry.action == query.action)
    if query.since is not None:
        conditions.append(AccessLogEntry.at >= query.since)
    if query.until is not None:
        conditions.append(AccessLogEntry.at < query.until)
    return conditions


def entries(session: Session, query: AccessQuery) -> tuple[list[AccessLogEntry], int]:
    """A page of entries, newest first, and how many match in all."""
    where = _where(query)
    rows = session.scalars(
        sa.select(AccessLogEntry)
        .where(*where)
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
        .limit(query.limit)
        .offset(query.offset)
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(AccessLogEntry).where(*where))
    return list(rows), int(total or 0)
