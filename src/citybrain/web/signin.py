"""The staff sign-in page (登录) at ``/signin`` and sign-out at ``/signout`` (server-rendered forms, no script).

Signing in opens a server-side session (:mod:`citybrain.auth.sessions`) held in a cookie that scripts cannot read
(HttpOnly), that is sent over HTTPS only (Secure; browsers also send it to http://localhost and 127.0.0.1), and
that no other site's page can make the browser send (SameSite=Strict). The sign-in form carries its own
anti-forgery token (a double-submit cookie, so nobody can sign a victim into an attacker's account); the sign-out
form carries the session's.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from citybrain.auth import sessions
from citybrain.auth.deps import CSRF_FIELD
from citybrain.auth.roles import Principal
from citybrain.core.db import Database
from citybrain.core.errors import TooManyRequests, Unauthorized
from citybrain.core.http import DbDep
from citybrain.core.ids import new_token
from citybrain.web.pages import templates

router = APIRouter(include_in_schema=False)

FORM_COOKIE = "citybrain_signin"  # the sign-in form's double-submit token, for /signin only
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this server only (never ``//evil`` or ``https://…``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/desk"
    return target


def signin_url(request: Request) -> str:
    """The sign-in page, coming back to the page asked for (with its query) afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/signin?next=" + quote(here, safe="/")


def _secure(request: Request) -> bool:
    return bool(request.app.state.settings.session_cookie_secure)


def form_page(request: Request, *, next_url: str, error: str | None = None, status: int = 200,
          username: str = "", headers: dict[str, str] | None = None) -> Response:  # fmt: skip
    """The sign-in page (with its own form token), with the OIDC button when OIDC is configured."""
    token = new_token(24)
    settings = request.app.state.settings
    oidc = settings.oidc_display_name if settings.oidc_enabled() else None
    context: dict[str, Any] = {"next": next_url, "error": error, "csrf": token, "username": username, "oidc": oidc}
    response = templates.TemplateResponse(
        request, "signin.html", context, status_code=status, headers={**HEADERS, **(headers or {})}
    )
    response.set_cookie(FORM_COOKIE, token, path="/signin", httponly=True, secure=_secure(request), samesite="strict")
    return response


def signed_in(request: Request, db: Database) -> Principal | None:
    """The person signed in with this request's cookie, or None (no cookie, or the session has ended)."""
    token = request.cookies.get(sessions.COOKIE)
    if not token:
        return None
    try:
        return sessions.principal_for(db, token)
    except Unauthorized:
        return None


def staff_page(request: Request, db: Database, template: str, context: dict[str, Any],
               headers: dict[str, str]) -> Response:  # fmt: skip
    """A staff page for the person signed in (its sign-out form carries the session's CSRF token), or a redirect
    to the sign-in page that comes back here."""
    principal = signed_in(request, db)
    if principal is None:
        return RedirectResponse(signin_url(request), status_code=303, headers={"Cache-Control": "no-store"})
    context = {**context, "csrf": principal.csrf_token, "who": principal}
    return templates.TemplateResponse(request, template, context, headers={**headers, "Cache-Control": "no-store"})


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, db: DbDep, next: str | None = None) -> Response:  # noqa: A002 - the query's name
    """The form; someone already signed in goes straight on to ``next``."""
    target = safe_next(next)
    if signed_in(request, db) is not None:
        return RedirectResponse(target, status_code=303)
    return form_page(request, next_url=target)


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    db: DbDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/desk",  # noqa: A002 - the form field's name
) -> Response:
    """Check the password; on success a session cookie and a redirect to ``next``; else the form again, with a
    message that never says whether the user name exists."""
    target = safe_next(next)
    expected = request.cookies.get(FORM_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        message = "表单已过期，请重新登录 / the form had expired or was not sent from this site: please sign in again"
        return form_page(request, next_url=target, error=message, status=403, username=username)
    address = request.client.host if request.client else "unknown"
    try:
        signed = sessions.sign_in(db, username=username, password=password, address=address)
    except TooManyRequests as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        return form_page(request, next_url=target, error=exc.message, status=429, username=username, headers=headers)
    if signed is None:
        return form_page(request, next_url=target, error=sessions.REFUSED, status=401, username=username)
    earlier = request.cookies.get(sessions.COOKIE)
    if earlier:  # this browser's earlier session, replaced by the new one, ends rather than lingering
        sessions.sign_out(db, earlier)
    response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        sessions.COOKIE, signed.token, path="/", httponly=True, secure=_secure(request), samesite="strict"
    )
    response.delete_cookie(FORM_COOKIE, path="/signin")
    return response


@router.post("/signout")
def signout(
    request: Request, db: DbDep, csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = ""
) -> Response:
    """End the session (the form carries its CSRF token); back to the sign-in page."""
    token = request.cookies.get(sessions.COOKIE)
    if token:
        if not sessions.csrf_matches(token, csrf_token):
            return Response("403 缺少防伪令牌 / missing or wrong CSRF token", status_code=403, media_type="text/plain")
        sessions.sign_out(db, token)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, secure=_secure(request), samesite="strict")
    return response
