"""我也遇到 (me too) and comments (留言) on a public request: who counts, the limit, moderation.

- A citizen is told apart by a pseudonym of the client address (:func:`voter`): SHA-256 of it, 16 hex digits —
  the address itself is never stored. One me-too per address and request; a second is refused politely (409).
- A me-too adds one to the case's 点赞数 (``cases.likes``): the hot-issue heat's support term.
- A comment is held (``held``) until a staff moderator approves or rejects it; approved comments are shown
  masked and join the hot-issue board as messages of their own (``insight.hot_issues``).
- Both share one limit per client address and hour (``CITYBRAIN_PORTAL_VOICES_PER_HOUR``); a refused one
  (already pressed, unknown request, empty text) gives its place back.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from citybrain.cases import voices_repository as voices
from citybrain.core import clock
from citybrain.core.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from citybrain.core.privacy import mask_text
from citybrain.core.settings import Settings
from citybrain.web.portal_public import public_text
from citybrain.web.ratelimit import Refused, SlidingWindow

MAX_COMMENT = 500


def voter(address: str) -> str:
    """The pseudonym under which an address's me-toos and comments are counted (not reversible to the address
    without guessing it; an IPv4 address can be guessed, so treat it as pseudonymous, not anonymous)."""
    return hashlib.sha256(f"citybrain-portal:{address}".encode()).hexdigest()[:16]


def too_many(retry_after: int) -> TooManyRequests:
    minutes = max(1, math.ceil(retry_after / 60))
    return TooManyRequests(
        f"操作过于频繁，请 {minutes} 分钟后再试 / Too many from this address; "
        f"try again in {minutes} minute{'s' if minutes > 1 else ''}.",
        retry_after=retry_after,
        code="too_many_voices",
    )


@contextmanager
def voice_slot(limiter: SlidingWindow, address: str, keep: type[Exception] | None = None) -> Iterator[None]:
    """Hold one of ``address``'s me-toos/comments/ratings for the block (429 when none is left); given back on
    refusal — except a refusal of type ``keep`` (a wrong follow code counts, so codes cannot be guessed fast)."""
    slot = limiter.take(address)
    if isinstance(slot, Refused):
        raise too_many(slot.retry_after)
    try:
        yield
    except Exception as exc:
        if keep is None or not isinstance(exc, keep):
            limiter.give_back(slot)
        raise


def _not_found(case_id: int) -> NotFound:
    return NotFound(
        f"没有找到编号为 {case_id} 的公开诉求 / No public request has the number {case_id}.",
        code="request_not_found",
    )


def me_too(*, session: Session, case_id: int, address: str) -> dict[str, Any]:
    """我也遇到: one more citizen has this problem; the new count, or 409 if this address already said so."""
    if not voices.public_case_exists(session, case_id):
        raise _not_found(case_id)
    if not voices.add_me_too(session, case_id, voter(address), clock.utcnow()):
        raise Conflict(
            "您已经点过“我也遇到”，谢谢 / You have already said this happens to you too — thank you.",
            code="already_me_too",
        )
    return {"service_request_id": str(case_id), "me_too": voices.likes(session, case_id)}


def comment(*, session: Session, case_id: int, address: str, text: str) -> dict[str, Any]:
    """留言: held for moderation; the citizen is told so (202)."""
    text = text.strip()
    if not text:
        raise InvalidInput("请填写留言内容 / Please write a comment.", code="missing_comment")
    if len(text) > MAX_COMMENT:
        raise InvalidInput(
            f"留言不能超过 {MAX_COMMENT} 字 / A comment is at most {MAX_COMMENT} characters.", code="invalid_comment"
        )
    if not voices.public_case_exists(session, case_id):
        raise _not_found(case_id)
    row = voices.add_comment(session, case_id=case_id, at=clock.utcnow(), author=voter(address), text=text)
    return {
        "id": str(row.id),
        "status": voices.HELD,
        "notice": {
            "zh": "留言已收到，经工作人员审核后公开（电话、证件号等个人信息会被隐去）。",
            "en": "Thank you: your comment is shown once staff have reviewed it (phone and ID numbers are masked).",
        },
    }


# --- moderation (staff) -------------------------------------------------------------------------------------------

DECISIONS = {"approve": voices.APPROVED, "reject": voices.REJECTED}
STATUSES = (voices.HELD, voices.APPROVED, voices.REJECTED)


def queue(*, session: Session, settings: Settings, status: str, limit: int, offset: int) -> dict[str, Any]:
    """Comments in one state for the moderator: the text as written (phones masked — a moderator needs to judge
    the words, not to call the writer) and, beside it, exactly what the public would see."""
    if status not in STATUSES:
        raise InvalidInput(f"状态只能是 held、approved、rejected / status must be one of {', '.join(STATUSES)}")
    rows, total = voices.comments_by_status(session, status, limit=limit, offset=offset)
    tz = clock.city_zone(settings.timezone)
    items = [
        {
            "id": c.id,
            "case_id": c.case_id,
            "at": clock.as_utc(c.at).astimezone(tz).isoformat(timespec="minutes"),
            "status": c.status,
            "text": mask_text(c.text),
            "public_text": public_text(c.text),
            "moderator": c.moderator,
        }
        for c in rows
    ]
    return {"items": items, "total": total}


def moderate(*, session: Session, comment_id: int, decision: str, moderator: str) -> dict[str, Any]:
    """Approve or reject a held comment (409 if it was already decided)."""
    row = voices.comment(session, comment_id)
    if row is None:
        raise NotFound(f"没有编号为 {comment_id} 的留言 / Comment {comment_id} not found.", code="comment_not_found")
    if row.status != voices.HELD:
        raise Conflict(
            f"这条留言已审核（{row.status}） / Comment {comment_id} is already {row.status}.", code="already_moderated"
        )
    row.status = DECISIONS[decision]
    row.moderated_at = clock.utcnow()
    row.moderator = moderator
    session.flush()
    return {"id": row.id, "case_id": row.case_id, "status": row.status}
