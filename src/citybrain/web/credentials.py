"""Who is calling, before a byte of the body is read (docs/security.md, "Hostile input").

FastAPI reads and parses a route's body before it solves the route's dependencies, so a caller without a key
(or with a wrong one) had its JSON read and parsed — up to the body limit — before being told 401/403. This
middleware authenticates first, on the writes that need a caller:

- every staff API write (``/api/…`` with a method other than GET/HEAD/OPTIONS, on a route that exists): the
  principal is found (key or session, CSRF token, budgets) and kept for the route's own dependency;
- an Open311 POST whose key is in a header or the query string (a key in the form is read with the form, as
  the spec allows).

It stands before the ``Idempotency-Key`` middleware, which reads the body to fingerprint it.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from citybrain.auth.deps import SAFE_METHODS, get_principal, presented_key
from citybrain.core.errors import CityBrainError
from citybrain.intake.open311.api import spend_key
from citybrain.web import errors

_OPEN311_POST = "/open311/v2/requests."


class CredentialsFirst:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            await _authenticate(request, scope)
        except CityBrainError as exc:
            response = errors.render(request, exc)
            response.headers["Connection"] = "close"  # the body is left unread: the connection cannot be reused
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _authenticate(request: Request, scope: Scope) -> None:
    path = scope["path"]
    if path.startswith("/api/") and _routed(scope):
        await run_in_threadpool(get_principal, request, request.app.state.db)
    elif path.startswith(_OPEN311_POST) and scope["method"] == "POST" and (key := presented_key(request)):
        await spend_key(request, key)


def _routed(scope: Scope) -> bool:
    """Whether a route takes this method on this path (else the router answers 404/405, not 401)."""
    return any(route.matches(scope)[0] is Match.FULL for route in scope["app"].router.routes)
