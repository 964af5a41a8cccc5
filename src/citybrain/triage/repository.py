"""SQL for triage: suggestions, the human dispatch queue, and the open cases a repeat index is built from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from citybrain.cases.lifecycle import OPEN_STATES, Status
from citybrain.models import Case
from citybrain.models.triage import CaseSuggestion

_OPEN = [s.value for s in OPEN_STATES]


@dataclass(frozen=True)
class IndexedCase:
    """What a repeat index needs of one open case."""

    id: int
    text: str
    created_at: datetime
    lat: float | None
    lon: float | None
    district_code: str | None


def insert_suggestions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(CaseSuggestion), list(rows))


def open_cases_after(session: Session, *, after_id: int, since: datetime, limit: int = 50_000) -> list[IndexedCase]:
    """Open cases created since ``since`` with an id above ``after_id``, oldest id first."""
    stmt = (
        select(Case.id, Case.title, Case.text, Case.created_at, Case.lat, Case.lon, Case.district_code)
        .where(Case.id > after_id, Case.created_at >= since, Case.status.in_(_OPEN))
        .order_by(Case.id)
        .limit(limit)
    )
    return [
        IndexedCase(r.id, _joined(r.title, r.text), r.created_at, r.lat, r.lon, r.district_code)
        for r in session.execute(stmt)
    ]


def _joined(title: str | None, text: str | None) -> str:
    title, text = title or "", text or ""
    return f"{title}\n{text}" if title and not text.startswith(title) else text or title


def max_case_id(session: Session) -> int:
    return int(session.scalar(select(func.max(Case.id))) or 0)


def open_case_ids(session: Session, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` are still open (a repeat of a closed case is not suggested)."""
    if not ids:
        return set()
    stmt = select(Case.id).where(Case.id.in_(list(ids)), Case.status.in_(_OPEN))
    return set(session.scalars(stmt))


def queue(session: Session, *, limit: int, offset: int) -> tuple[list[Case], int]:
    """The human dispatch queue (人工派单): received cases held for a person, oldest first."""
    where = (Case.needs_review.is_(True), Case.status == Status.RECEIVED.value)
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    stmt = select(Case).where(*where).order_by(Case.created_at, Case.id).limit(limit).offset(offset)
    return list(session.scalars(stmt)), int(total)


def suggestions_of(session: Session, case_id: int) -> list[CaseSuggestion]:
    stmt = select(CaseSuggestion).where(CaseSuggestion.case_id == case_id).order_by(CaseSuggestion.id)
    return list(session.scalars(stmt))


def suggestion(session: Session, suggestion_id: int) -> CaseSuggestion | None:
    return session.get(CaseSuggestion, suggestion_id)
