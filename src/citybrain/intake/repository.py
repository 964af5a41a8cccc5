"""SQL the intake writer needs besides the case inserts (``cases.repository.insert_planned``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.models import ApiKey


def api_keys_by_hash(session: Session, hashes: Iterable[str]) -> dict[str, ApiKey]:
    """Every key of a batch in one SELECT, read inside the batch's transaction: a revocation counts at once."""
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    return {key.key_hash: key for key in session.scalars(select(ApiKey).where(ApiKey.key_hash.in_(wanted)))}
