"""API keys: create (shown once), authenticate, revoke."""

from __future__ import annotations

from sqlalchemy.orm import Session

from citybrain.auth import repository
from citybrain.auth.roles import ROLES, UNIT_ROLES, Principal
from citybrain.core import clock
from citybrain.core.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from citybrain.core.ids import hash_secret, new_api_key
from citybrain.models import ApiKey


def create_api_key(
    *,
    session: Session,
    name: str,
    role: str,
    department_code: str | None = None,
    rate_limit_per_minute: int | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its plaintext, which is never stored. ``rate_limit_per_minute``: its own
    budget (0 = none; None = ``CITYBRAIN_API_KEY_REQUESTS_PER_MINUTE``)."""
    if role not in ROLES or role == "public":
        raise InvalidInput(f"unknown role {role!r}; choose one of {', '.join(r for r in ROLES if r != 'public')}")
    if not name.strip():
        raise InvalidInput("an API key needs a name saying who holds it")
    department_id = bound_unit(session, role, department_code, what="key")
    plaintext = new_api_key()
    key = ApiKey(
        name=name.strip(),
        prefix=plaintext[:8],
        key_hash=hash_secret(plaintext),
        role=role,
        department_id=department_id,
        created_at=clock.utcnow(),
        rate_limit_per_minute=rate_limit_per_minute,
    )
    return repository.add(session, key), plaintext


def bound_unit(session: Session, role: str, department_code: str | None, *, what: str) -> int | None:
    """The id of the unit a key or account of ``role`` is bound to: a government department for ``department``,
    a unit outside government (社会协同单位) for ``partner``, none for the other roles."""
    if role not in UNIT_ROLES:
        if department_code:
            raise InvalidInput(f"only a department or partner {what} belongs to a department; role {role!r} does not")
        return None
    if not department_code:
        raise InvalidInput(f"a {role} {what} needs a department (--department CODE; a partner's: its unit's code)")
    unit = repository.unit(session, department_code)
    if unit is None:
        raise NotFound(f"no department with code {department_code!r}")
    outside = unit.kind != "government"
    if role == "partner" and not outside:
        raise InvalidInput(f"{department_code!r} is a government department: a partner {what} is for a unit outside "
                           "government (add one with `citybrain directory add-department CODE NAME --kind property "
                           "--supervisor DEPT`)")  # fmt: skip
    if role == "department" and outside:
        raise InvalidInput(f"{department_code!r} is a {unit.kind} unit outside government: give it a partner {what}")
    return unit.id


def supervised(session: Session, role: str, department_id: int | None) -> frozenset[int]:
    """The units a department principal supervises (主管部门), read once per request."""
    if role != "department" or department_id is None:
        return frozenset()
    return repository.supervised_ids(session, department_id)


def authenticate(*, session: Session, plaintext: str | None) -> Principal:
    """Turn a presented key into a principal; unknown or revoked keys are refused."""
    if not plaintext:
        raise Unauthorized("an API key is required (header X-API-Key or Authorization: Bearer …)")
    key = repository.by_hash(session, hash_secret(plaintext))
    if key is None or key.revoked_at is not None:
        raise Forbidden("invalid or revoked API key")
    return Principal(
        name=key.name, role=key.role, department_id=key.department_id, key_id=key.id,
        rate_limit=key.rate_limit_per_minute, supervised=supervised(session, key.role, key.department_id),
    )  # fmt: skip


def set_rate_limit(*, session: Session, key_id: int, per_minute: int | None) -> ApiKey:
    """Give a key its own budget (requests per rolling minute; 0 = none; None = the default again)."""
    if per_minute is not None and per_minute < 0:
        raise InvalidInput(f"a rate limit is a number of requests per minute >= 0, not {per_minute}")
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"no API key {key_id}")
    key.rate_limit_per_minute = per_minute
    session.flush()
    return key


def budget_of(*, session: Session, plaintext: str) -> tuple[int | None, int | None]:
    """A presented key's id (None: no live key) and its own limit, for a route that authenticates later."""
    key = repository.by_hash(session, hash_secret(plaintext))
    if key is None or key.revoked_at is not None:
        return None, None
    return key.id, key.rate_limit_per_minute


def revoke(*, session: Session, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"no API key {key_id}")
    key.revoked_at = clock.utcnow()
    session.flush()
    return key
