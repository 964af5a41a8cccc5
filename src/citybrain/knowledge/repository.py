"""SQL for the knowledge base. Dialect-neutral (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citybrain.models import Case, Department, KnowledgeItem, KnowledgeVersion

LIVE = ("draft", "reviewed", "published")


def item(session: Session, item_id: int) -> KnowledgeItem | None:
    return session.get(KnowledgeItem, item_id)


def versions(session: Session, item_id: int) -> list[KnowledgeVersion]:
    """Every version of an item, oldest first (its history)."""
    stmt = select(KnowledgeVersion).where(KnowledgeVersion.item_id == item_id).order_by(KnowledgeVersion.version)
    return list(session.scalars(stmt))


def latest(session: Session, item_id: int) -> KnowledgeVersion | None:
    stmt = (
        select(KnowledgeVersion)
        .where(KnowledgeVersion.item_id == item_id)
        .order_by(KnowledgeVersion.version.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def published(session: Session, item_id: int) -> KnowledgeVersion | None:
    stmt = select(KnowledgeVersion).where(KnowledgeVersion.item_id == item_id, KnowledgeVersion.status == "published")
    return session.scalars(stmt).first()


def version_rows(session: Session, ids: Sequence[int]) -> dict[int, KnowledgeVersion]:
    if not ids:
        return {}
    rows = session.scalars(select(KnowledgeVersion).where(KnowledgeVersion.id.in_(list(ids))))
    return {v.id: v for v in rows}


def listing(
    session: Session, *, status: str | None, limit: int, offset: int
) -> list[tuple[KnowledgeItem, KnowledgeVersion]]:
    """Items with their latest version, newest change first; ``status`` filters on that latest version."""
    newest = (
        select(KnowledgeVersion.item_id, func.max(KnowledgeVersion.version).label("v"))
        .group_by(KnowledgeVersion.item_id)
        .subquery()
    )
    stmt = (
        select(KnowledgeItem, KnowledgeVersion)
        .join(newest, newest.c.item_id == KnowledgeItem.id)
        .join(
            KnowledgeVersion,
            (KnowledgeVersion.item_id == newest.c.item_id) & (KnowledgeVersion.version == newest.c.v),
        )
        .order_by(KnowledgeVersion.updated_at.desc(), KnowledgeVersion.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if status is not None:
        stmt = stmt.where(KnowledgeVersion.status == status)
    return [(row[0], row[1]) for row in session.execute(stmt)]


def expiring(session: Session, *, until: date) -> list[KnowledgeVersion]:
    """Published versions whose ``valid_to`` falls on or before ``until`` (soonest first)."""
    stmt = (
        select(KnowledgeVersion)
        .where(KnowledgeVersion.status == "published", KnowledgeVersion.valid_to.is_not(None))
        .where(KnowledgeVersion.valid_to <= until)
        .order_by(KnowledgeVersion.valid_to, KnowledgeVersion.id)
    )
    return list(session.scalars(stmt))


def changed_since(session: Session, since: datetime | None) -> list[tuple[int, str, datetime]]:
    """(version id, status, updated_at) of versions changed at or after ``since`` (all when None): the index's
    incremental refresh."""
    stmt = select(KnowledgeVersion.id, KnowledgeVersion.status, KnowledgeVersion.updated_at)
    if since is not None:
        stmt = stmt.where(KnowledgeVersion.updated_at >= since)
    return [(row[0], row[1], row[2]) for row in session.execute(stmt.order_by(KnowledgeVersion.updated_at))]


def published_versions(session: Session, ids: Sequence[int] | None = None) -> list[KnowledgeVersion]:
    stmt = select(KnowledgeVersion).where(KnowledgeVersion.status == "published")
    if ids is not None:
        stmt = stmt.where(KnowledgeVersion.id.in_(list(ids)))
    return list(session.scalars(stmt))


def seeded_refs(session: Session, kind: str) -> set[str]:
    rows = session.scalars(select(KnowledgeItem.source_ref).where(KnowledgeItem.source_kind == kind))
    return {r for r in rows if r is not None}


def resolved_cases_with_reply(session: Session, *, limit: int) -> list[tuple[Case, str | None]]:
    """Resolved or closed cases (not duplicates) with a reply, and the answering department's name, oldest first."""
    stmt = (
        select(Case, Department.name_zh)
        .outerjoin(Department, Department.id == Case.department_id)
        .where(Case.status.in_(("resolved", "closed")), Case.duplicate_of.is_(None))
        .where(Case.reply.is_not(None), Case.reply != "")
        .order_by(Case.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


def source_kinds(session: Session, item_ids: Sequence[int]) -> dict[int, str]:
    if not item_ids:
        return {}
    stmt = select(KnowledgeItem.id, KnowledgeItem.source_kind).where(KnowledgeItem.id.in_(list(set(item_ids))))
    return {row[0]: row[1] for row in session.execute(stmt)}
