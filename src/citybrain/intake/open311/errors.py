"""Open311 error bodies: ``[{"code", "description"}]`` in JSON, ``<errors><error>`` in XML.

The spec names three statuses: 400 (not provided / general error), 403 (missing or invalid api_key) and
404 (jurisdiction, service_code, request or token not found). Everything we raise is folded into them, so a
client written against the spec never meets a status it does not expect — except 409 and 422 for an
``Idempotency-Key`` in flight or reused for another request, which only a client that sends the header meets.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from citybrain.core.errors import CityBrainError
from citybrain.intake.open311.xml import respond


def open311_status(exc: CityBrainError) -> int:
    if exc.code.startswith("idempotency_"):  # a client sending Idempotency-Key expects the draft's 409 / 422
        return exc.status_code
    if exc.status_code in (401, 403):
        return 403  # the spec names 403 for a missing or invalid api_key
    if exc.status_code in (404, 413, 429):
        return exc.status_code  # 413: the body was not read at all; 429: over a budget, with Retry-After
    if exc.status_code >= 500:
        return exc.status_code  # our trouble (e.g. a busy database), not the client's: it may retry
    return 400


def render_open311_error(request: Request, exc: CityBrainError) -> Response:
    status = open311_status(exc)
    fmt = "xml" if request.url.path.endswith(".xml") else "json"
    return respond(fmt, "errors", [{"code": status, "description": exc.message}], status_code=status)
