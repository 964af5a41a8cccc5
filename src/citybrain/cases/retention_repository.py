"""All SQL of the retention purge: which closed cases are past their time, and their texts to mask.

Updates go through Core statements: a purge is not a state change of the case (no new version, no event).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from citybrain.models import Callback, Case, CaseComment, CaseContact, CaseEvent

#: The prefix of a portal follow code's hash in ``case_contacts.device_id``: a secret of the citizen's own
#: choosing to prove who they are, not data about them — it stays, so the citizen can still follow the request.
FOLLOW_CODE_PREFIX = "portal-code:"


def due_case_ids(session: Session, *, closed_before: datetime, limit: int) -> list[int]:
    """Closed cases past retention whose personal data is still there, oldest first."""
    query = (
        sa.select(Case.id)
        .where(Case.closed_at.is_not(None), Case.closed_at < closed_before, Case.pii_purged_at.is_(None))
        .order_by(Case.closed_at, Case.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def count_due(session: Session, *, closed_before: datetime) -> int:
    query = sa.select(sa.func.count()).where(
        Case.closed_at.is_not(None), Case.closed_at < closed_before, Case.pii_purged_at.is_(None)
    )
    return int(session.scalar(query) or 0)


def texts(session: Session, case_ids: Sequence[int]) -> list[Any]:
    columns = (Case.id, Case.title, Case.text, Case.address, Case.reply, Case.status_notes, Case.lat, Case.lon)
    return list(session.execute(sa.select(*columns).where(Case.id.in_(case_ids))))


def event_notes(session: Session, case_ids: Sequence[int]) -> list[Any]:
    query = sa.select(CaseEvent.id, CaseEvent.note, CaseEvent.data).where(CaseEvent.case_id.in_(case_ids))
    return list(session.execute(query))


def callback_notes(session: Session, case_ids: Sequence[int]) -> list[Any]:
    query = sa.select(Callback.id, Callback.note).where(Callback.case_id.in_(case_ids), Callback.note.is_not(None))
    return list(session.execute(query))


def comment_texts(session: Session, case_ids: Sequence[int]) -> list[Any]:
    return list(session.execute(sa.select(CaseComment.id, CaseComment.text).where(CaseComment.case_id.in_(case_ids))))


def update_rows(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Write back the masked columns of ``rows`` (each with its ``id``), one executemany."""
    if not rows:
        return
    columns = [c for c in rows[0] if c != "id"]
    statement = (
        sa.update(table.__table__)
        .where(table.__table__.c.id == sa.bindparam("row_id"))
        .values({c: sa.bindparam(f"new_{c}") for c in columns})
    )
    session.execute(statement, [{"row_id": r["id"], **{f"new_{c}": r[c] for c in columns}} for r in rows])


def clear_contacts(session: Session, case_ids: Sequence[int]) -> None:
    """Name, phone, e-mail, ID number and account go; a portal follow code's hash stays (see above)."""
    session.execute(
        sa.update(CaseContact)
        .where(CaseContact.case_id.in_(case_ids))
        .values(name=None, phone=None, email=None, id_number=None, account_id=None)
    )
    session.execute(
        sa.update(CaseContact)
        .where(CaseContact.case_id.in_(case_ids), sa.not_(CaseContact.device_id.startswith(FOLLOW_CODE_PREFIX)))
        .values(device_id=None)
    )


def mark_purged(session: Session, case_ids: Sequence[int], at: datetime) -> None:
    session.execute(sa.update(Case).where(Case.id.in_(case_ids)).values(pii_purged_at=at))
