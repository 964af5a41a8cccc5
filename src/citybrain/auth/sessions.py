"""Staff sign-in sessions (登录会话): sign in with a password, find the session behind a cookie, sign out.

The cookie holds a random 256-bit id; the database keeps only its SHA-256, so a leaked copy of the database (or a
backup) signs nobody in. A session ends when it has not been used for ``session_idle_minutes``, when
``session_absolute_hours`` have passed since sign-in, when its holder signs out, or when the account is disabled
or its password changes. Each session has an anti-forgery (CSRF) token derived from its id: a page of this server
can know it, another site cannot, and a cookie-authenticated write must present it (:mod:`citybrain.auth.deps`).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from citybrain.auth import account_repository as repo
from citybrain.auth import passwords, throttle
from citybrain.auth import service as auth_service
from citybrain.auth.accounts import normal_username
from citybrain.auth.roles import Principal
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import Unauthorized
from citybrain.core.ids import hash_secret, new_token
from citybrain.core.settings import Settings
from citybrain.models import StaffSession, StaffUser

COOKIE = "citybrain_session"
#: A session's last use is written at most this often, so reading pages is not a write per request.
TOUCH_EVERY = timedelta(seconds=60)
REFUSED = "用户名或密码错误 / wrong user name or password"
ENDED = "登录已失效，请重新登录 / your sign-in has ended: sign in again at /signin"


@dataclass(frozen=True)
class SignedIn:
    token: str  # the cookie's value: given to the browser once, never stored
    user_id: int
    username: str


def csrf_token(token: str) -> str:
    """The session's anti-forgery token (a hash of the cookie's secret; learning it reveals nothing of the cookie)."""
    return hash_secret("csrf:" + token)


def csrf_matches(token: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(token), str(presented))


def principal_of(user: StaffUser, *, token: str) -> Principal:
    return Principal(
        name=f"{user.display_name} ({user.username})",
        role=user.role,
        department_id=user.department_id,
        user_id=user.id,
        csrf_token=csrf_token(token),
    )


def sign_in(db: Database, *, username: str, password: str, address: str) -> SignedIn | None:
    """Check the password and open a session; None when refused (the failure is counted and committed).

    Raises TooManyRequests (429) while the user name or the address has too many recent failures. The slow
    argon2 check runs between two short transactions, never holding SQLite's single writer.
    """
    settings, now = db.settings, clock.utcnow()
    name = "".join(ch for ch in normal_username(username) if ch.isprintable())[:64]  # PostgreSQL refuses NUL
    with db.reading() as session:
        throttle.check(session, username=name, address=address, now=now, settings=settings)
        user = repo.user_by_name(session, name)
        stored = user.password_hash if user is not None else None
        usable = user is not None and not user.disabled
    verified = passwords.verify(stored, password)  # an unknown name costs the same time as a known one
    with db.transaction() as session:
        if not (verified.ok and usable):
            throttle.failed(session, username=name, address=address, now=now)
            return None
        return _open(session, name, address, verified.new_hash, settings)


def _open(session: Session, name: str, address: str, new_hash: str | None, settings: Settings) -> SignedIn | None:
    user = repo.user_by_name(session, name)
    if user is None or user.disabled:  # disabled between the two transactions
        return None
    if new_hash is not None:
        user.password_hash = new_hash  # the current argon2 parameters, from this sign-in on
    return open_for(session, user, address=address, settings=settings)


def open_for(session: Session, user: StaffUser, *, address: str, settings: Settings) -> SignedIn:
    """Open a session for an account whose holder has just proved who they are (a password here, or the city's
    identity provider: :mod:`citybrain.auth.oidc`); the account must be enabled. The name's failures are forgotten."""
    now = clock.utcnow()
    user.last_sign_in_at = now
    token = new_token(32)
    repo.add(session, StaffSession(token_hash=hash_secret(token), user_id=user.id, created_at=now,
                                   last_seen_at=now, address=address[:64]))  # fmt: skip
    repo.forget_failures(session, username=user.username)
    repo.prune_failures(session, before=now - timedelta(minutes=settings.sign_in_window_minutes))
    repo.prune_sessions(session, before=now - timedelta(hours=settings.session_absolute_hours))
    return SignedIn(token=token, user_id=user.id, username=user.username)


def _alive(row: StaffSession, user: StaffUser, now: datetime, settings: Settings) -> bool:
    return (
        row.revoked_at is None
        and not user.disabled
        and now - row.last_seen_at < timedelta(minutes=settings.session_idle_minutes)
        and now - row.created_at < timedelta(hours=settings.session_absolute_hours)
    )


def principal_for(db: Database, token: str) -> Principal:
    """The signed-in account behind a session cookie; 401 when the session is unknown or has ended."""
    now, token_hash = clock.utcnow(), hash_secret(token)
    with db.reading() as session:
        found = repo.session_with_user(session, token_hash)
        if found is None or not _alive(found[0], found[1], now, db.settings):
            raise Unauthorized(ENDED, code="session_ended")
        row, user = found
        principal, session_id, stale = principal_of(user, token=token), row.id, now - row.last_seen_at >= TOUCH_EVERY
        principal = replace(principal, supervised=auth_service.supervised(session, user.role, user.department_id))
    if stale:
        with db.transaction() as session:
            repo.touch(session, session_id, now)
    return principal


def sign_out(db: Database, token: str) -> None:
    """End the session behind the cookie (nothing happens for an unknown one)."""
    with db.transaction() as session:
        repo.revoke_session(session, hash_secret(token), clock.utcnow())
