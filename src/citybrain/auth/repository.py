"""SQL for API keys."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.models import ApiKey, Department


def add(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.flush()
    return key


def by_hash(session: Session, key_hash: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).first()


def by_hashes(session: Session, hashes: Iterable[str]) -> dict[str, ApiKey]:
    """Every key of a batch in one SELECT (the intake writer reads them inside the batch's transaction, so a
    revocation counts at once)."""
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    return {key.key_hash: key for key in session.scalars(select(ApiKey).where(ApiKey.key_hash.in_(wanted)))}


def all_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def department_id(session: Session, code: str) -> int | None:
    """The id of the department a department key belongs to."""
    return session.scalar(select(Department.id).where(Department.code == code))


def unit(session: Session, code: str) -> Department | None:
    """The department or unit outside government (社会协同单位) a key or account is bound to, by its code."""
    return session.scalars(select(Department).where(Department.code == code)).first()


def supervised_ids(session: Session, department_id: int) -> frozenset[int]:
    """The units outside government that ``department_id`` supervises (主管部门)."""
    return frozenset(session.scalars(select(Department.id).where(Department.supervisor_id == department_id)))


def active_named(session: Session, names: Iterable[str]) -> list[ApiKey]:
    """The keys not revoked whose name is one of ``names``."""
    stmt = select(ApiKey).where(ApiKey.name.in_(sorted(set(names))), ApiKey.revoked_at.is_(None)).order_by(ApiKey.id)
    return list(session.scalars(stmt))
