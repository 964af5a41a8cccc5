"""SQL for triage: suggestions, the human dispatch queue, and the open cases a repeat index is built from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from citybrain.cases.lifecycle import OPEN_STATES, Status
from citybrain.models import Case
from citybrain.models.triage import CaseSuggestion, DeskDecision

_OPEN = [s.value for s in OPEN_STATES]
_OPEN_SET = frozenset(_OPEN)
_CASES: Table = Case.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class IndexedCase:
    """What a repeat index needs of one open case."""

    id: int
    text: str
    created_at: datetime
    lat: float | None
    lon: float | None
    district_code: str | None
    category_code: str | None


def insert_suggestions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(insert(CaseSuggestion), list(rows))


_INDEXED = select(
    _CASES.c.id, _CASES.c.title, _CASES.c.text, _CASES.c.created_at, _CASES.c.lat, _CASES.c.lon,
    _CASES.c.district_code, _CASES.c.status, _CASES.c.category_code,
)  # fmt: skip


def open_cases_after(session: Session, *, after_id: int, since: datetime) -> list[IndexedCase]:
    """Open cases created since ``since`` with an id above ``after_id``, oldest id first.

    Plain Core on the table, no IN list or LIMIT to expand: intake runs this before every batch. After the first
    load only the primary key bounds the query (the rows since the last id are few; time and status are checked
    here), so the database walks the newest rows instead of a week of ``created_at``.
    """
    stmt = _INDEXED.where(_CASES.c.id > after_id).order_by(_CASES.c.id)
    if after_id == 0:
        stmt = stmt.where(_CASES.c.created_at >= since)
    cutoff = since.timestamp()
    return [
        IndexedCase(r.id, _joined(r.title, r.text), r.created_at, r.lat, r.lon, r.district_code, r.category_code)
        for r in session.connection().execute(stmt)
        if r.status in _OPEN_SET and r.created_at.timestamp() >= cutoff
    ]


def indexed_text(title: str | None, text: str | None) -> str:
    """The text the repeat index keeps for a case: the title, then the text unless it already begins with it."""
    return _joined(title, text)


def _joined(title: str | None, text: str | None) -> str:
    title, text = title or "", text or ""
    return f"{title}\n{text}" if title and not text.startswith(title) else text or title


def max_case_id(session: Session) -> int:
    return int(session.scalar(select(func.max(Case.id))) or 0)


def open_case_ids(session: Session, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` are still open (a repeat of a closed case is not suggested)."""
    if not ids:
        return set()
    stmt = select(_CASES.c.id).where(_CASES.c.id.in_(list(ids)), _CASES.c.status.in_(_OPEN))
    return set(session.connection().execute(stmt).scalars())


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


@dataclass(frozen=True)
class ImportedCase:
    """What triage reads of an imported case that lacks a category or a district."""

    id: int
    text: str
    address: str | None
    category_code: str | None
    district_code: str | None
    grid: str | None
    lat: float | None
    lon: float | None
    status: str
    department_id: int | None


def imported_to_read(session: Session, batch_id: int) -> list[ImportedCase]:
    """Cases of one import batch without a category or a district, not yet read by triage."""
    stmt = (
        select(
            Case.id,
            Case.title,
            Case.text,
            Case.address,
            Case.category_code,
            Case.district_code,
            Case.grid,
            Case.lat,
            Case.lon,
            Case.status,
            Case.department_id,
        )
        .where(
            Case.import_batch_id == batch_id,
            Case.triage.is_(None),
            or_(Case.category_code.is_(None), Case.district_code.is_(None)),
        )
        .order_by(Case.id)
    )
    return [
        ImportedCase(
            r.id,
            _joined(r.title, r.text),
            r.address,
            r.category_code,
            r.district_code,
            r.grid,
            r.lat,
            r.lon,
            r.status,
            r.department_id,
        )
        for r in session.execute(stmt)
    ]


def update_imported(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany UPDATE of category, place, reasons and the queue flag (keys: ``b_id`` and the columns)."""
    if not rows:
        return
    stmt = (
        update(_CASES)
        .where(_CASES.c.id == bindparam("b_id"))
        .values(
            category_code=bindparam("category_code"),
            district_code=bindparam("district_code"),
            grid=bindparam("grid"),
            triage=bindparam("triage"),
            needs_review=bindparam("needs_review"),
        )
    )
    session.connection().execute(stmt, list(rows))


@dataclass(frozen=True)
class StandingDecision:
    """A desk decision that still holds, with the case's text (read now, so a purge of personal data reaches it)."""

    case_id: int
    title: str
    text: str
    label: str
    decided_by: str
    decided_at: datetime


def add_desk_decision(session: Session, decision: DeskDecision) -> None:
    session.add(decision)
    session.flush()


def standing_desk_decisions(session: Session) -> list[StandingDecision]:
    """The latest decision per case, unless reversed since: the case's category is no longer the one decided, a
    department sent it back (退单: its ``reject_count`` grew), or it was found invalid. Oldest first."""
    later = aliased(DeskDecision)
    stmt = (
        select(
            DeskDecision.case_id,
            Case.title,
            Case.text,
            DeskDecision.label,
            DeskDecision.decided_by,
            DeskDecision.decided_at,
        )
        .join(Case, Case.id == DeskDecision.case_id)
        .where(
            Case.category_code == DeskDecision.category_code,
            Case.reject_count == DeskDecision.reject_count,
            Case.status != Status.INVALID.value,
            ~exists().where(later.case_id == DeskDecision.case_id, later.id > DeskDecision.id),
        )
        .order_by(DeskDecision.decided_at, DeskDecision.id)
    )
    return [StandingDecision(r[0], r[1] or "", r[2] or "", r[3], r[4], r[5]) for r in session.execute(stmt)]
