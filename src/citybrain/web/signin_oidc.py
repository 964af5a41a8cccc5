"""OIDC sign-in (统一身份认证) at ``/signin/oidc`` and its callback ``/signin/oidc/callback``; both answer 404 while
OIDC is not configured (``CITYBRAIN_OIDC_ISSUER`` and ``CITYBRAIN_OIDC_CLIENT_ID``).

The start sets a cookie binding the sign-in to this browser (HttpOnly, Secure, path /signin/oidc; SameSite=Lax, as
the provider's redirect back is a navigation from another site, which a Strict cookie would miss). The callback's
session cookie is the password sign-in's (:mod:`citybrain.web.signin`); it then hands the browser a page that moves
on to ``next`` itself, because a browser does not send a SameSite=Strict cookie along a chain of redirects that
began at another site. A refusal is the sign-in page with the reason, in the refusal's status.
"""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citybrain.auth import oidc, sessions
from citybrain.auth.oidc_client import Provider
from citybrain.core.errors import CityBrainError, NotFound, TooManyRequests
from citybrain.core.http import DbDep
from citybrain.web.pages import templates
from citybrain.web.signin import HEADERS, form_page, safe_next

router = APIRouter(include_in_schema=False)

BROWSER_COOKIE = "citybrain_oidc"
COOKIE_PATH = "/signin/oidc"
CALLBACK = "/signin/oidc/callback"
OFF = "本服务器未启用统一身份认证登录 / OIDC sign-in is not configured on this server"


def _provider(request: Request) -> Provider:
    """The configured provider (kept on the app, with its discovery and keys); 404 while OIDC is off."""
    settings = request.app.state.settings
    if not settings.oidc_enabled():
        raise NotFound(OFF, code="oidc_off")
    found = getattr(request.app.state, "oidc_provider", None)
    if not isinstance(found, Provider):
        found = request.app.state.oidc_provider = Provider(settings)
    return found


def _redirect_uri(request: Request) -> str:
    configured: str = request.app.state.settings.oidc_redirect_uri
    return configured or str(request.base_url).rstrip("/") + CALLBACK


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _refused(request: Request, exc: CityBrainError) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else None
    response = form_page(request, next_url="/desk", error=exc.message, status=exc.status_code, headers=headers)
    response.delete_cookie(BROWSER_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/signin/oidc")
async def oidc_start(request: Request, db: DbDep, next: str | None = None) -> Response:  # noqa: A002 - query name
    """Send the browser to the identity provider's sign-in, coming back to ``next`` (a path here) afterwards."""
    provider = _provider(request)
    secure = bool(request.app.state.settings.session_cookie_secure)
    try:
        started = await oidc.begin(db, provider, next_url=safe_next(next), redirect_uri=_redirect_uri(request),
                                   address=_address(request))  # fmt: skip
    except CityBrainError as exc:
        return _refused(request, exc)
    response = RedirectResponse(started.url, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(BROWSER_COOKIE, started.browser, max_age=oidc.FLOW_MINUTES * 60, path=COOKIE_PATH,
                        httponly=True, secure=secure, samesite="lax")  # fmt: skip
    return response


@router.get(CALLBACK, response_class=HTMLResponse)
async def oidc_callback(request: Request, db: DbDep) -> Response:
    """The provider's answer: a session and a page that goes on to ``next``, or the sign-in page saying why not."""
    provider = _provider(request)
    answer = {k: v[:4000] for k in ("code", "state", "error", "iss") if (v := request.query_params.get(k)) is not None}
    try:
        finished = await oidc.finish(db, provider, answer=answer, browser=request.cookies.get(BROWSER_COOKIE, ""),
                                     redirect_uri=_redirect_uri(request), address=_address(request))  # fmt: skip
    except CityBrainError as exc:
        return _refused(request, exc)
    earlier = request.cookies.get(sessions.COOKIE)
    if earlier:  # this browser's earlier session, replaced by the new one, ends rather than lingering
        await to_thread.run_sync(sessions.sign_out, db, earlier)
    target = safe_next(finished.next_url)
    response = templates.TemplateResponse(request, "signin_continue.html", {"next": target}, headers=HEADERS)
    secure = bool(request.app.state.settings.session_cookie_secure)
    response.set_cookie(sessions.COOKIE, finished.signed.token, path="/", httponly=True, secure=secure,
                        samesite="strict")  # fmt: skip
    response.delete_cookie(BROWSER_COOKIE, path=COOKIE_PATH)
    return response
