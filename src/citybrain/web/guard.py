"""The request guard: what every request must pass before any route reads it (docs/security.md, "Hostile input").

- **Body size**: a declared ``Content-Length`` over the limit is answered 413 at once, before a byte of the body
  is read; a body without one (chunked) is counted while it streams and cut off at the limit. A 31 MB form used
  to be read and parsed whole — on the event loop, before the key was checked — stalling every other client.
- **Unhandled errors**: a bug's 500 is answered in the error body and logged, and the connection stays usable.
- **Path and query string**: percent-encoded NUL bytes and bytes that are not UTF-8 are refused with 400. Raw
  invalid bytes already got 400 from the server; the encoded ones were decoded with replacement characters and
  stored, or reached PostgreSQL, which refuses NUL in text (a 500).

The answers use the product's error body (the Open311 ``[{"code","description"}]`` form under ``/open311/``).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from citybrain.core.errors import CityBrainError, InvalidInput
from citybrain.core.inputs import text_problem
from citybrain.core.settings import Settings
from citybrain.web import errors

log = logging.getLogger("citybrain.web")

#: Route prefixes that take larger bodies, and the setting that bounds them.
_LARGE_BODY_PREFIXES = ("/sta/",)


class PayloadTooLarge(CityBrainError):
    """The request body is larger than the limit for its route (HTTP 413)."""

    status_code = 413
    code = "payload_too_large"


class _BodyCutOff(BaseException):  # noqa: N818 - not an error of ours to handle: it unwinds the route to the guard
    """Raised from ``receive`` when a streamed body passes the limit; caught by the guard, never by a route.

    A BaseException, so that the framework's "error parsing the body" handler (``except Exception``) does not
    turn it into a 400."""


#: How many files at most one portal form of an online service carries at full size (its body limit's multiple).
SERVICE_FORM_FILES = 4


def body_limit(settings: Settings, path: str) -> int:
    """The most bytes a request body on ``path`` may have."""
    if path.startswith(_LARGE_BODY_PREFIXES):
        return int(settings.max_body_bytes_sensing)
    if path == "/api/v1/attachments":  # one file (申请材料), checked against its own limit by the route
        return max(int(settings.max_body_bytes), settings.services_attachment_max_bytes)
    if path.startswith("/portal/services/") or path.startswith("/portal/applications/"):  # forms with files
        return int(settings.max_body_bytes) + SERVICE_FORM_FILES * settings.services_attachment_max_bytes
    return int(settings.max_body_bytes)


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"请求内容过大，上限 {limit} 字节 / The request body is larger than the limit of {limit} bytes.",
    )


def query_problem(raw_path: bytes, query_string: bytes) -> str | None:
    """Why the path or query string cannot be read as text, or None."""
    try:
        path = unquote_to_bytes(raw_path).decode("utf-8")
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return "请求地址含有非 UTF-8 字节 / The URL holds percent-encoded bytes that are not UTF-8."
    for name, text in (("path", path), *((f"query parameter {k[:40]!r}", k + v) for k, v in pairs)):
        problem = text_problem(text)
        if problem is not None:
            return f"请求地址含有非法字符 / The {name} {problem}."
    return None


class RequestGuard:
    """ASGI middleware: body size and URL text checks before the app sees the request."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = query_problem(scope.get("raw_path") or scope["path"].encode(), scope.get("query_string", b""))
        if problem is not None:
            await _answer(scope, receive, send, InvalidInput(problem))
            return
        limit = body_limit(self.settings, scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _answer(scope, receive, send, too_large(limit))
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyCutOff
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _BodyCutOff:
            if started:
                raise RuntimeError("request body over the limit after the response started") from None
            await _answer(scope, receive, send, too_large(limit))
        except Exception:
            # Answered here, not re-raised: a re-raised error makes the server close the keep-alive connection,
            # and the client's next request on it is reset.
            if started:
                raise
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            await _answer(scope, receive, send, errors.internal_error())


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(scope: Scope, receive: Receive, send: Send, exc: CityBrainError) -> None:
    response = errors.render(Request(scope), exc)
    if exc.status_code == 413:
        response.headers["Connection"] = "close"  # the rest of the body is not read; the connection cannot be reused
    await response(scope, receive, send)
