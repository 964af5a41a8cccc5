"""Open311 error bodies: ``[{"code", "description"}]`` in JSON, ``<errors><error>`` in XML.

The spec names three statuses: 400 (not provided / general error), 403 (missing or invalid api_key) and
404 (jurisdiction, service_code, request or token not found). Everything we raise is folded into them, so a
client written against the spec never meets a status it does not expect.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from citybrain.core.errors import CityBrainError
from citybrain.intake.open311.xml import respond


def open311_status(exc: CityBrainError) -> int:
    if exc.status_code in (401, 403):
        return 403  # the spec names 403 for a missing or invalid api_key
    if exc.status_code in (404, 413):
        return exc.status_code  # 413: the body was not read at all (docs/security.md)
    if exc.status_code >= 500:
        return exc.status_code  # our trouble (e.g. a busy database), not the client's: it may retry
    return 400


def render_open311_error(request: Request, exc: CityBrainError) -> Response:
    status = open311_status(exc)
    fmt = "xml" if request.url.path.endswith(".xml") else "json"
    return respond(fmt, "errors", [{"code": status, "description": exc.message}], status_code=status)
