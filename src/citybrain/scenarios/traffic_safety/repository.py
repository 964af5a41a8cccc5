"""All SQL of the traffic-safety scenario: collision records and their import batches (dialect-neutral)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from citybrain.models import CollisionRecord, ImportBatch

_CHUNK = 900  # ids per IN (…): under SQLite's old 999-parameter limit


def find_batch(session: Session, *, kind: str, sha256: str) -> ImportBatch | None:
    return session.scalars(
        select(ImportBatch).where(ImportBatch.kind == kind, ImportBatch.file_sha256 == sha256)
    ).first()


def create_batch(session: Session, *, kind: str, file_name: str, sha256: str, started_at: datetime) -> ImportBatch:
    batch = ImportBatch(kind=kind, file_name=file_name[:500], file_sha256=sha256, started_at=started_at)
    session.add(batch)
    session.flush()
    return batch


def stored_ids(session: Session, *, source: str, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are already stored for ``source``."""
    found: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        found.update(
            session.scalars(
                select(CollisionRecord.collision_id).where(
                    CollisionRecord.source == source, CollisionRecord.collision_id.in_(chunk)
                )
            )
        )
    return found


def add_records(session: Session, rows: Sequence[dict[str, Any]], *, batch_size: int = 2000) -> None:
    for start in range(0, len(rows), batch_size):
        session.execute(insert(CollisionRecord), list(rows[start : start + batch_size]))


def sources(session: Session) -> dict[str, int]:
    """Stored record counts by source."""
    query = select(CollisionRecord.source, func.count()).group_by(CollisionRecord.source)
    return {str(source): int(n) for source, n in session.execute(query)}


def records(session: Session, *, source: str) -> list[CollisionRecord]:
    query = select(CollisionRecord).where(CollisionRecord.source == source).order_by(CollisionRecord.id)
    return list(session.scalars(query))
