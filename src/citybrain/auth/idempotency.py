"""Idempotency keys (IETF httpapi draft "The Idempotency-Key HTTP Header Field"): all SQL and the rules.

A key belongs to one caller (``scope``: a hash of the API key or session presented, else the client address)
and one request (``fingerprint``: a hash of method, path, query and body). Its life:

1. :func:`claim` — in its own short transaction: a new key is stored ``claimed`` with a lease; the key of a
   request answered before returns that answer; another body under the same key is refused (422); a key
   whose first request is still being carried out is refused (409) until the lease runs out (a crashed
   server's claim is taken over then).
2. :func:`finish` — **in the transaction that creates the thing**: the claim becomes ``answered`` with the
   answer (the Open311 and portal intake writer renders it there), or ``done`` when the answer is only known
   after the commit (other routes); either way a crash cannot leave the created thing without its key.
3. :func:`store_answer` — for ``done`` keys, the answer right after the commit; :func:`release` — a request
   that failed created nothing, so its key is freed for a retry.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from citybrain.core.clock import utcnow
from citybrain.core.db import Database
from citybrain.core.errors import Conflict, InvalidInput
from citybrain.models import IdempotencyKey

MAX_KEY_LENGTH = 255
#: Every this many claims (per process, the first one included) the expired keys are deleted.
PURGE_EVERY = 256
_CLAIMS = itertools.count()


@dataclass(frozen=True)
class Answer:
    """A stored first answer: replayed as it was."""

    status_code: int
    media_type: str
    body: bytes


@dataclass
class Claim:
    """This request's hold on its key; ``state`` follows the row (claimed → done/answered)."""

    id: int
    owner: str
    state: str = "claimed"


#: The claim of the request being handled (set by the web middleware; the intake routes hand it to the writer).
CLAIM: ContextVar[Claim | None] = ContextVar("citybrain_idempotency_claim", default=None)


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode()):
        digest.update(part + b"\0")
    digest.update(body)
    return digest.hexdigest()


def check_key(raw: str) -> str:
    """The header's value: an sf-string per the draft (``"…"``); a bare token is taken as it is."""
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key must be 1–{MAX_KEY_LENGTH} printable characters", code="bad_idempotency_key"
        )
    return key


def claim(
    db: Database, *, scope: str, key: str, fingerprint: str, lease_seconds: int, keep_hours: float
) -> Claim | Answer:
    """Hold ``key`` for this request, or return the first answer; raises 409 / 422 as the draft says."""
    if next(_CLAIMS) % PURGE_EVERY == 0:  # expired keys of other callers go now and then, in one DELETE
        purge_expired(db)
    for _ in range(3):  # a racing insert or an expired row: look again
        with db.transaction() as session:
            outcome = _claim_once(session, scope, key, fingerprint, lease_seconds, keep_hours)
        if outcome is not None:
            return outcome
    raise Conflict(
        "this Idempotency-Key is being used by another request at this moment; retry later",
        code="idempotency_in_flight",
    )


def _claim_once(
    session: Session, scope: str, key: str, fingerprint_: str, lease_seconds: int, keep_hours: float
) -> Claim | Answer | None:
    now = utcnow()
    row = session.scalars(
        select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
    ).first()
    if row is not None and row.expires_at <= now:
        session.delete(row)
        session.flush()
        row = None
    if row is None:
        return _insert(session, scope, key, fingerprint_, now, lease_seconds, keep_hours)
    if row.fingerprint != fingerprint_:
        raise InvalidInput(
            "this Idempotency-Key was used for a different request; use a new key for a new request",
            status_code=422,
            code="idempotency_key_reused",
        )
    if row.state == "answered" and row.status_code is not None:
        return Answer(row.status_code, row.media_type or "application/octet-stream", row.body or b"")
    if row.state == "claimed" and row.locked_until <= now:  # its server died before creating anything
        owner = secrets.token_hex(16)
        row.owner, row.locked_until = owner, now + timedelta(seconds=lease_seconds)
        session.flush()
        return Claim(row.id, owner)
    if row.state == "done" and row.locked_until <= now:
        raise Conflict(
            "the request with this Idempotency-Key was carried out, but the server stopped before it stored "
            "the answer; look the result up instead of retrying",
            code="idempotency_answer_lost",
        )
    raise Conflict(
        "a request with this Idempotency-Key is still being carried out; retry in a moment",
        code="idempotency_in_flight",
    )


def _insert(
    session: Session, scope: str, key: str, fingerprint_: str, now: datetime, lease_seconds: int, keep_hours: float
) -> Claim | None:
    owner = secrets.token_hex(16)
    row = IdempotencyKey(
        scope=scope,
        key=key,
        fingerprint=fingerprint_,
        owner=owner,
        state="claimed",
        created_at=now,
        locked_until=now + timedelta(seconds=lease_seconds),
        expires_at=now + timedelta(hours=keep_hours),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # another request inserted the same key a moment ago
        return None
    return Claim(row.id, owner)


def finish(session: Session, held: Claim, answer: Answer | None = None) -> None:
    """In the creating transaction: mark the key done (or answered). Someone else's takeover → 409, which
    rolls the creation back, so one key never creates twice. The caller sets ``held.state`` after the COMMIT."""
    values: dict[str, object] = {"state": "done"}
    if answer is not None:
        values = {
            "state": "answered",
            "status_code": answer.status_code,
            "media_type": answer.media_type,
            "body": answer.body,
        }
    result = session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == held.id, IdempotencyKey.owner == held.owner, IdempotencyKey.state == "claimed")
        .values(**values)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict(
            "this request's Idempotency-Key was taken over by a retry; nothing was created by this one",
            code="idempotency_in_flight",
        )


def json_answer(status_code: int, model: BaseModel) -> Answer:
    """The JSON answer a route returning ``model`` sends (FastAPI's rendering: the same bytes)."""
    return Answer(status_code, "application/json", bytes(JSONResponse(jsonable_encoder(model)).body))


def answer_in_transaction(session: Session, answer: Answer) -> None:
    """Store the request's answer with what it creates, in its own transaction — a crash between the COMMIT and
    the answer can no longer lose it. Nothing without an ``Idempotency-Key`` (no claim). The claim is marked
    ``answering``; the transaction's commit makes it ``answered`` (web/idempotency.py), a rollback frees it."""
    held = CLAIM.get()
    if held is None or held.state != "claimed":
        return
    finish(session, held, answer)
    held.state = "answering"


def store_answer(db: Database, held: Claim, answer: Answer) -> None:
    with db.transaction() as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == held.id, IdempotencyKey.owner == held.owner)
            .values(state="answered", status_code=answer.status_code, media_type=answer.media_type, body=answer.body)
        )
    held.state = "answered"


def release(db: Database, held: Claim) -> None:
    """The request failed before creating anything: free its key (a retry is carried out afresh)."""
    with db.transaction() as session:
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.id == held.id, IdempotencyKey.owner == held.owner, IdempotencyKey.state == "claimed"
            )
        )


def purge_expired(db: Database) -> int:
    """Delete every expired key (index on ``expires_at``); returns how many."""
    with db.transaction() as session:
        result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
