"""Staff moderation of the portal's comments (留言审核): the queue, approve, reject — operators and admins.

Thin routes over :mod:`citybrain.web.portal_voices`; the role check is the ``Moderator`` dependency
(permission ``moderate``), so a caller without it is refused before anything is read.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from citybrain.auth.deps import Moderator
from citybrain.core.http import DbDep, writing
from citybrain.core.inputs import Offset, RowId
from citybrain.web import portal_voices

router = APIRouter(prefix="/portal/comments", tags=["portal"])


@router.get("")
def comment_queue(
    request: Request,
    db: DbDep,
    _principal: Moderator,
    status: str = "held",
    limit: int = Query(50, ge=1, le=200),
    offset: Offset = 0,
) -> dict[str, Any]:
    """Comments waiting for a decision (``held``, oldest first), or those already ``approved`` / ``rejected``."""
    with db.reading() as session:
        return portal_voices.queue(
            session=session, settings=request.app.state.settings, status=status, limit=limit, offset=offset
        )


@router.post("/{comment_id}/approve")
def approve(comment_id: RowId, db: DbDep, principal: Moderator) -> dict[str, Any]:
    """Make a held comment public (masked)."""
    with writing(db, "comment") as session:
        return portal_voices.moderate(
            session=session, comment_id=comment_id, decision="approve", moderator=principal.name
        )


@router.post("/{comment_id}/reject")
def reject(comment_id: RowId, db: DbDep, principal: Moderator) -> dict[str, Any]:
    """Keep a held comment off the public page for good."""
    with writing(db, "comment") as session:
        return portal_voices.moderate(
            session=session, comment_id=comment_id, decision="reject", moderator=principal.name
        )
