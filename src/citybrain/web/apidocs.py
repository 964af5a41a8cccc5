"""The API documentation pages and the favicon, served offline: Swagger UI at /docs and ReDoc at /redoc load their
scripts and styles from /static/vendor (pinned copies, static/vendor/README.md), with no web fonts and no CDN."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from citybrain.web.pages import STATIC, templates
from citybrain.web.security_headers import CONTENT_SECURITY_POLICY

SWAGGER = "/static/vendor/swagger-ui"  # swagger-ui-dist 5.36.0
REDOC = "/static/vendor/redoc"  # redoc 2.5.4
FAVICON = "/favicon.ico"
#: The <style> elements ReDoc's bundle writes before it reads its nonce option: its scrollbar's fixed stylesheet
#: and styled-components' empty first tag (sha256 of their text; recompute when static/vendor/redoc changes).
REDOC_STYLE_HASHES = (
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",  # perfect-scrollbar's stylesheet
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty text of a new style tag
)

router = APIRouter(include_in_schema=False)


def _title(request: Request) -> str:
    return str(request.app.title)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json, from the server's own copy; started by static/apidocs/swagger-init.js, not
    an inline script (the Content-Security-Policy allows scripts from the server only)."""
    context = {"title": f"{_title(request)} — 接口文档 API docs", "openapi_url": request.app.openapi_url}
    return templates.TemplateResponse(request, "swagger.html", context | {"swagger": SWAGGER})


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc over /openapi.json, from the server's own copy, in the system's fonts.

    ReDoc styles itself with <style> elements made at run time; this response's policy allows those that carry
    its nonce (ReDoc's ``nonce`` option, set by static/apidocs/redoc-init.js) and the one fixed stylesheet its
    bundle inserts before it reads options (allowed by hash) — still no ``'unsafe-inline'``."""
    nonce = secrets.token_urlsafe(18)
    context = {"title": f"{_title(request)} — ReDoc", "openapi_url": request.app.openapi_url, "nonce": nonce}
    policy = CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", f"style-src 'self' 'nonce-{nonce}' {' '.join(REDOC_STYLE_HASHES)}"
    )
    response = templates.TemplateResponse(request, "redoc.html", context | {"redoc": REDOC})
    response.headers["Content-Security-Policy"] = policy
    return response


@router.get(FAVICON)
def favicon() -> FileResponse:
    """The icon browsers ask for at /favicon.ico (the pages also link /static/favicon.svg)."""
    return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})
