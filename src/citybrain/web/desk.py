"""The case desk (受理派单工作台) at ``/desk``: one page for operators, dispatchers, handlers and supervisors.

The page is a thin client of the staff API: the person signs in at ``/signin`` (a session cookie, see
:mod:`citybrain.web.signin`) and the page calls ``/api/v1`` as them, so every rule — who may do what, what is
masked — stays in the API. Without a live sign-in the page redirects to ``/signin`` and comes back. The server renders
only the frame and the label catalogue of :mod:`citybrain.web.labels` (with the city's time zone). Offline: no CDN.

The page asks ``GET /api/v1/me`` (:mod:`citybrain.web.me`) first, to know who signed in and what they may do.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from citybrain.core.http import DbDep
from citybrain.web.labels import for_desk
from citybrain.web.signin import staff_page

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
def desk(request: Request, db: DbDep) -> Response:
    """The frame and its labels; everything else is fetched from ``/api/v1`` as the signed-in person.

    ``zone`` is the city's time zone: the page shows every date on the city's clock, not the browser's.
    """
    labels = for_desk(request.app.state.settings.timezone)
    return staff_page(request, db, "desk.html", {"labels": labels}, SECURITY_HEADERS)
