"""Open311 error bodies: ``[{"code", "description"}]`` in JSON, ``<errors><error>`` in XML."""

from __future__ import annotations

from xml.sax.saxutils import escape

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from citybrain.core.errors import CityBrainError


def render_open311_error(request: Request, exc: CityBrainError) -> Response:
    status = exc.status_code if exc.status_code in (400, 403, 404, 409) else 400
    if exc.status_code == 401:
        status = 403  # the spec names 403 for a missing or invalid api_key
    if request.url.path.endswith(".xml"):
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f"<errors><error><code>{status}</code><description>{escape(exc.message)}</description>"
            "</error></errors>"
        )
        return Response(body, status_code=status, media_type="text/xml; charset=utf-8")
    return JSONResponse([{"code": status, "description": exc.message}], status_code=status)
