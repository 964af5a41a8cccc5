"""The case desk (受理派单工作台) at ``/desk``: one page for operators, dispatchers, handlers and supervisors.

The page is a thin client of the staff API: it holds the caller's API key in the browser tab (sessionStorage) and
calls ``/api/v1`` with it, so every rule — who may do what, what is masked — stays in the API. The server renders
only the frame and the label catalogue of :mod:`citybrain.web.labels` (with the city's time zone). Offline: no CDN.

The page asks ``GET /api/v1/me`` (:mod:`citybrain.web.me`) first, to know who signed in and what they may do.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citybrain.web.labels import for_desk
from citybrain.web.pages import templates

router = APIRouter()

#: The page holds a key: it runs only its own script, talks only to this server and is never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@router.get("/desk", response_class=HTMLResponse, include_in_schema=False)
def desk(request: Request) -> HTMLResponse:
    """The frame and its labels; everything else is fetched from ``/api/v1`` with the signed-in key.

    ``zone`` is the city's time zone: the page shows every date on the city's clock, not the browser's.
    """
    labels = for_desk(request.app.state.settings.timezone)
    return templates.TemplateResponse(request, "desk.html", {"labels": labels}, headers=SECURITY_HEADERS)
