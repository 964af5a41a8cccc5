"""Staff accounts (员工账号): create, change role or department, disable, set a password.

Disabling an account or changing its password ends every session it has, at once: a stolen or forgotten browser
session does not outlive the decision. Services flush, never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from citybrain.auth import account_repository as repo
from citybrain.auth import passwords
from citybrain.auth import service as key_service
from citybrain.auth.roles import STAFF_ROLES
from citybrain.core import clock
from citybrain.core.errors import Conflict, InvalidInput, NotFound
from citybrain.models import StaffUser

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Change:
    """What an administrator changes on an account; None leaves a field as it is."""

    display_name: str | None = None
    role: str | None = None
    department_code: str | None = None
    disabled: bool | None = None


def normal_username(username: str) -> str:
    return username.strip().lower()


def _display(name: str) -> str:
    """A display name as shown: printable characters only (PostgreSQL refuses NUL), at most 200."""
    cleaned = "".join(ch for ch in name if ch.isprintable()).strip()[:200]
    if not cleaned:
        raise InvalidInput("an account needs a display name (the person's name as colleagues see it)")
    return cleaned


def _department_id(session: Session, role: str, department_code: str | None) -> int | None:
    if role not in STAFF_ROLES:
        raise InvalidInput(f"unknown role {role!r}; a staff account is one of {', '.join(STAFF_ROLES)}")
    return key_service.bound_unit(session, role, department_code, what="account")


def create(*, session: Session, username: str, display_name: str, role: str, password: str,
           min_length: int, department_code: str | None = None) -> StaffUser:  # fmt: skip
    name = normal_username(username)
    if not USERNAME.match(name):
        raise InvalidInput("用户名为 2-64 个小写字母、数字或 . _ - / a user name is 2-64 of a-z, 0-9, '.', '_', '-'")
    display = _display(display_name)
    department_id = _department_id(session, role, department_code)
    passwords.check_policy(password, username=name, min_length=min_length)
    if repo.user_by_name(session, name) is not None:
        raise Conflict(f"the user name {name!r} is taken")
    now = clock.utcnow()
    user = StaffUser(
        username=name,
        display_name=display,
        role=role,
        department_id=department_id,
        password_hash=passwords.hash_password(password),
        disabled=False,
        created_at=now,
        password_changed_at=now,
    )
    repo.add(session, user)
    return user


def get(*, session: Session, user_id: int) -> StaffUser:
    user = repo.user(session, user_id)
    if user is None:
        raise NotFound(f"no staff account {user_id}")
    return user


def by_name(*, session: Session, username: str) -> StaffUser:
    user = repo.user_by_name(session, normal_username(username))
    if user is None:
        raise NotFound(f"no staff account named {username!r}")
    return user


def change(*, session: Session, user: StaffUser, change: Change) -> StaffUser:
    """Apply an administrator's change; disabling ends the account's sessions. A new role or department
    holds from the session's next request (every request reads the account)."""
    if change.display_name is not None:
        user.display_name = _display(change.display_name)
    if change.role is not None or change.department_code is not None:
        role = change.role or user.role
        user.department_id = _department_id(session, role, change.department_code)
        user.role = role
    if change.disabled is not None:
        user.disabled = change.disabled
    session.flush()
    if change.disabled:
        repo.revoke_sessions_of(session, user.id, clock.utcnow())
    return user


def set_password(*, session: Session, user: StaffUser, password: str, min_length: int) -> int:
    """A new password; every session of the account ends. Returns how many sessions ended."""
    passwords.check_policy(password, username=user.username, min_length=min_length)
    now = clock.utcnow()
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = now
    session.flush()
    return repo.revoke_sessions_of(session, user.id, now)


def disable(*, session: Session, user: StaffUser) -> int:
    """Disable the account and end its sessions; the number ended."""
    user.disabled = True
    session.flush()
    return repo.revoke_sessions_of(session, user.id, clock.utcnow())


def set_email(*, session: Session, user: StaffUser, email: str | None) -> StaffUser:
    """The account's work e-mail (stored lower-case), by which an OIDC sign-in first finds it; None removes it."""
    address = email.strip().lower() if email else None
    if address is not None:
        if len(address) > 254 or not EMAIL.match(address):
            raise InvalidInput(f"邮箱地址无效 / {email!r} is not an e-mail address")
        holder = repo.user_by_email(session, address)
        if holder is not None and holder.id != user.id:
            raise Conflict(f"the e-mail {address!r} belongs to the account {holder.username!r}")
    user.email = address
    session.flush()
    return user
