"""SQL for staff accounts, their sessions and the failed sign-ins counted for throttling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from citybrain.models import Department, SignInFailure, StaffSession, StaffUser


def add(session: Session, row: StaffUser | StaffSession | SignInFailure) -> None:
    session.add(row)
    session.flush()


def user_by_name(session: Session, username: str) -> StaffUser | None:
    return session.scalars(select(StaffUser).where(StaffUser.username == username)).first()


def user_by_email(session: Session, email: str) -> StaffUser | None:
    return session.scalars(select(StaffUser).where(StaffUser.email == email)).first()


def user(session: Session, user_id: int) -> StaffUser | None:
    return session.get(StaffUser, user_id)


def all_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def session_with_user(session: Session, token_hash: str) -> tuple[StaffSession, StaffUser] | None:
    """The session whose cookie hashes to ``token_hash``, with its account, in one SELECT."""
    stmt = (
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(StaffSession.token_hash == token_hash)
    )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row is not None else None


def touch(session: Session, session_id: int, at: datetime) -> None:
    session.execute(update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=at))


def revoke_session(session: Session, token_hash: str, at: datetime) -> None:
    stmt = update(StaffSession).where(StaffSession.token_hash == token_hash, StaffSession.revoked_at.is_(None))
    session.execute(stmt.values(revoked_at=at))


def revoke_sessions_of(session: Session, user_id: int, at: datetime) -> int:
    """End every live session of the account; the number ended."""
    live = StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None)
    count = int(session.scalar(select(func.count()).select_from(StaffSession).where(*live)) or 0)
    session.execute(update(StaffSession).where(*live).values(revoked_at=at))
    return count


def live_sessions_of(session: Session, user_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
    )
    return int(session.scalar(stmt) or 0)


def failures_since(session: Session, *, since: datetime, username: str | None = None,
                   address: str | None = None) -> tuple[int, datetime | None]:  # fmt: skip
    """How many failed sign-ins for the user name (or the address) since ``since``, and the oldest of them."""
    column = SignInFailure.username if username is not None else SignInFailure.address
    value = username if username is not None else address
    stmt = select(func.count(), func.min(SignInFailure.at)).where(column == value, SignInFailure.at > since)
    count, oldest = session.execute(stmt).one()  # MIN keeps the column's type: an aware UTC datetime
    return int(count), oldest


def forget_failures(session: Session, *, username: str) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.username == username))


def prune_failures(session: Session, *, before: datetime) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.at < before))


def prune_sessions(session: Session, *, before: datetime) -> None:
    """Drop sessions that ended (or were last used) before ``before``: nothing can revive them."""
    stmt = delete(StaffSession).where(
        (StaffSession.revoked_at.is_not(None) & (StaffSession.revoked_at < before))
        | (StaffSession.last_seen_at < before)
    )
    session.execute(stmt)


def department_codes(session: Session) -> dict[int, str]:
    return {row.id: row.code for row in session.execute(select(Department.id, Department.code))}


def live_session_counts(session: Session) -> dict[int, int]:
    stmt = select(StaffSession.user_id, func.count()).where(StaffSession.revoked_at.is_(None))
    return {user_id: int(n) for user_id, n in session.execute(stmt.group_by(StaffSession.user_id))}
