"""SQL for OIDC sign-in: the sign-ins under way (used once) and the provider's people linked to staff accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from citybrain.models import OidcFlow, OidcLink, StaffUser


def add(session: Session, row: OidcFlow | OidcLink) -> None:
    session.add(row)
    session.flush()


def take_flow(session: Session, state_hash: str) -> OidcFlow | None:
    """The sign-in under way with this state, deleted as it is read: of two callbacks with one state (a replay)
    only the one whose DELETE removed the row gets it."""
    flow = session.scalars(select(OidcFlow).where(OidcFlow.state_hash == state_hash)).first()
    if flow is None:
        return None
    session.expunge(flow)
    removed = session.execute(delete(OidcFlow).where(OidcFlow.id == flow.id)).rowcount  # type: ignore[attr-defined]
    return flow if removed == 1 else None


def prune_flows(session: Session, *, before: datetime) -> None:
    session.execute(delete(OidcFlow).where(OidcFlow.created_at < before))


def linked_user(session: Session, *, issuer: str, subject: str) -> StaffUser | None:
    stmt = (
        select(StaffUser)
        .join(OidcLink, OidcLink.user_id == StaffUser.id)
        .where(OidcLink.issuer == issuer, OidcLink.subject == subject)
    )
    return session.scalars(stmt).first()


def link_of(session: Session, *, user_id: int, issuer: str) -> OidcLink | None:
    return session.scalars(select(OidcLink).where(OidcLink.user_id == user_id, OidcLink.issuer == issuer)).first()
