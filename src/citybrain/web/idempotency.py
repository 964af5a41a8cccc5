"""The ``Idempotency-Key`` request header on every POST (IETF httpapi draft), as one ASGI middleware.

A client that did not hear the answer to a POST sends it again with the same key and gets the first answer
(status and body, with ``Idempotent-Replayed: true``); nothing is created twice. The same key with another
body is 422, a retry while the first is still being carried out is 409. Keys are kept per caller
(``CITYBRAIN_IDEMPOTENCY_KEY_HOURS``). How the key is stored with what the request created:
:mod:`citybrain.auth.idempotency`.

The Open311 and portal submissions are answered by the intake writer, which stores the answer in the batch's
own transaction (:data:`citybrain.auth.idempotency.CLAIM` hands it the claim); a route that builds its answer
inside its transaction stores it there too (:func:`citybrain.auth.idempotency.answer_in_transaction`, e.g.
``POST /api/v1/cases``). Every other route's transaction marks the key done through
:data:`citybrain.core.db.BEFORE_COMMIT`, and the answer is stored right after the route returns.

A browser's multipart form (网上办事) is the same request again with a new boundary (the fingerprint leaves the
boundary out), and its answer, a 303 to the page of what it made, is replayed with its ``Location``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citybrain.auth import idempotency
from citybrain.core.db import BEFORE_COMMIT, Database
from citybrain.core.errors import CityBrainError
from citybrain.core.settings import Settings

HEADER = b"idempotency-key"
#: The stored "media type" of a redirect's answer, whose body is its Location (no real media type lacks a "/").
LOCATION = "location"
CLAIM = idempotency.CLAIM


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = _header(scope) if scope["type"] == "http" and scope["method"] == "POST" else None
        if raw is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        request = Request(scope)
        db: Database = scope["app"].state.db
        settings: Settings = scope["app"].state.settings
        try:
            key = idempotency.check_key(raw)
            print_ = idempotency.fingerprint(
                "POST", scope["path"], scope.get("query_string", b"").decode("latin-1"), _comparable(request, body)
            )
            held = await run_in_threadpool(
                idempotency.claim,
                db,
                scope=caller_scope(request, body),
                key=key,
                fingerprint=print_,
                lease_seconds=settings.idempotency_lease_seconds,
                keep_hours=settings.idempotency_key_hours,
            )
        except CityBrainError as exc:
            from citybrain.web.errors import render

            await render(request, exc)(scope, _replay(body), send)
            return
        if isinstance(held, idempotency.Answer):
            await _send_answer(send, held)
            return
        await self._carry_out(scope, body, send, db, held)

    async def _carry_out(self, scope: Scope, body: bytes, send: Send, db: Database, held: idempotency.Claim) -> None:
        captured = _Captured(send)
        claim_token = CLAIM.set(held)
        hook_token = BEFORE_COMMIT.set(_mark_done(held))
        try:
            await self.app(scope, _replay(body), captured.send)
        finally:
            BEFORE_COMMIT.reset(hook_token)
            CLAIM.reset(claim_token)
            if held.state == "done" and captured.status is not None:
                await run_in_threadpool(idempotency.store_answer, db, held, captured.answer())
            elif held.state in ("claimed", "answering"):  # answering: its transaction rolled back
                await run_in_threadpool(idempotency.release, db, held)


def _mark_done(held: idempotency.Claim) -> Callable[[Session], Callable[[], None] | None]:
    def before_commit(session: Session) -> Callable[[], None] | None:
        if held.state == "answering":  # the route stored its answer in this transaction (answer_in_transaction)
            return lambda: setattr(held, "state", "answered")
        if held.state != "claimed":  # only the first transaction of the request carries the key
            return None
        idempotency.finish(session, held)

        def committed() -> None:
            held.state = "done"

        return committed

    return before_commit


def caller_scope(request: Request, body: bytes) -> str:
    """Whose key it is: a hash of the credential presented (API key, bearer token, session cookie), else the
    client address. Two callers' keys never meet, and no credential is stored."""
    credential = request.headers.get("x-api-key") or request.headers.get("authorization")
    credential = credential or request.query_params.get("api_key") or _form_key(request, body)
    credential = credential or request.headers.get("cookie")
    if credential:
        return "cred:" + hashlib.sha256(credential.encode("utf-8", "replace")).hexdigest()[:64]
    return "addr:" + (request.client.host if request.client else "unknown")[:70]


def _form_key(request: Request, body: bytes) -> str | None:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    try:
        return dict(parse_qsl(body.decode("utf-8"), max_num_fields=1000)).get("api_key")
    except (UnicodeDecodeError, ValueError):
        return None


def _comparable(request: Request, body: bytes) -> bytes:
    """The body as fingerprinted. A multipart form's boundary is the client's random pick (a browser picks a new one
    for every submission), so it is taken out: the same form sent again is the same request."""
    media_type, *params = request.headers.get("content-type", "").split(";")
    if media_type.strip().lower() != "multipart/form-data":
        return body
    for param in params:
        name, _, value = param.strip().partition("=")
        boundary = value.strip().strip('"').encode("latin-1", "replace")
        if name.strip().lower() == "boundary" and boundary:
            return body.replace(b"--" + boundary, b"--")
    return body


def _header(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == HEADER:
            return bytes(value).decode("latin-1")
    return None


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


class _Captured:
    """Passes the response on and keeps a copy of its status, type and body — or, of a redirect without a body (a
    browser form's 303 to the page of what it made), its ``Location``, stored as the body of type :data:`LOCATION`."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status: int | None = None
        self.media_type = "application/octet-stream"
        self.location: bytes | None = None
        self.chunks: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            for name, value in message.get("headers", []):
                if name.lower() == b"content-type":
                    self.media_type = bytes(value).decode("latin-1")
                elif name.lower() == b"location":
                    self.location = bytes(value)
        elif message["type"] == "http.response.body":
            self.chunks.append(bytes(message.get("body", b"")))
        await self._send(message)

    def answer(self) -> idempotency.Answer:
        body = b"".join(self.chunks)
        if self.status is not None and 300 <= self.status < 400 and self.location is not None and not body:
            return idempotency.Answer(self.status, LOCATION, self.location)
        return idempotency.Answer(self.status or 500, self.media_type, body)


async def _send_answer(send: Send, answer: idempotency.Answer) -> None:
    if answer.media_type == LOCATION:
        headers: list[Any] = [(b"location", answer.body), (b"content-length", b"0")]
        body = b""
    else:
        headers = [(b"content-type", answer.media_type.encode("latin-1")),
                   (b"content-length", str(len(answer.body)).encode())]  # fmt: skip
        body = answer.body
    headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": answer.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})
