"""SQL for what the public adds to a request: 我也遇到 (me too, counted in ``cases.likes``) and comments (留言).

A me-too is one row per (case, voter) — the unique key refuses a second — and adds one to the case's ``likes``,
the 点赞数 the hot-issue heat already weighs (``analytics.hot_issues``: support). Comments wait as ``held`` until
a moderator approves or rejects them; only approved ones are public or join the hot-issue board.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from citybrain.models import Case, CaseComment, CaseMeToo

HELD, APPROVED, REJECTED = "held", "approved", "rejected"


def add_me_too(session: Session, case_id: int, voter: str, at: datetime) -> bool:
    """Count ``voter``'s me-too on the case; False (and nothing written) if they already pressed it."""
    if session.scalar(select(CaseMeToo.id).where(CaseMeToo.case_id == case_id, CaseMeToo.voter == voter)):
        return False
    try:
        with session.begin_nested():  # two presses at once: the unique key lets one through
            session.add(CaseMeToo(case_id=case_id, voter=voter, at=at))
            session.flush()
    except IntegrityError:
        return False
    session.execute(update(Case).where(Case.id == case_id).values(likes=Case.likes + 1))
    return True


def likes(session: Session, case_id: int) -> int:
    return int(session.scalar(select(Case.likes).where(Case.id == case_id)) or 0)


def public_case_exists(session: Session, case_id: int) -> bool:
    """A case the public may react to: it exists and was not merged into another or marked invalid."""
    stmt = select(Case.id).where(Case.id == case_id, Case.status.not_in(["merged", "invalid"]))
    return session.scalar(stmt) is not None


def add_comment(session: Session, *, case_id: int, at: datetime, author: str, text: str) -> CaseComment:
    """A new comment, held for moderation (flushed, so it has its id)."""
    row = CaseComment(case_id=case_id, at=at, author=author, text=text, status=HELD)
    session.add(row)
    session.flush()
    return row


def comment(session: Session, comment_id: int) -> CaseComment | None:
    return session.get(CaseComment, comment_id)


def comments_of(session: Session, case_id: int, status: str = APPROVED) -> list[CaseComment]:
    stmt = (
        select(CaseComment)
        .where(CaseComment.case_id == case_id, CaseComment.status == status)
        .order_by(CaseComment.at, CaseComment.id)
    )
    return list(session.scalars(stmt))


def comments_by_status(session: Session, status: str, *, limit: int, offset: int) -> tuple[list[CaseComment], int]:
    """The moderation queue (oldest first) or a decided list; and how many there are in all."""
    total = session.scalar(select(func.count()).select_from(CaseComment).where(CaseComment.status == status))
    stmt = (
        select(CaseComment)
        .where(CaseComment.status == status)
        .order_by(CaseComment.at, CaseComment.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(stmt)), int(total or 0)


def approved_counts(session: Session, case_ids: Sequence[int]) -> dict[int, int]:
    if not case_ids:
        return {}
    stmt = (
        select(CaseComment.case_id, func.count())
        .where(CaseComment.case_id.in_(list(case_ids)), CaseComment.status == APPROVED)
        .group_by(CaseComment.case_id)
    )
    return {int(case_id): int(n) for case_id, n in session.execute(stmt)}


def approved_for_board(session: Session, since: datetime | None) -> list[Row[Any]]:
    """Approved comments on countable cases (not merged or invalid), with their case's title and grid."""
    stmt = (
        select(CaseComment.id, CaseComment.case_id, CaseComment.at, CaseComment.author, CaseComment.text, Case.title,
               Case.grid)
        .join(Case, Case.id == CaseComment.case_id)
        .where(CaseComment.status == APPROVED, Case.duplicate_of.is_(None), Case.status != "invalid")
        .order_by(CaseComment.id)
    )  # fmt: skip
    if since is not None:
        stmt = stmt.where(CaseComment.at >= since)
    return list(session.execute(stmt))
