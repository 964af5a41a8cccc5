"""The API documentation pages and the favicon, served offline: Swagger UI at /docs and ReDoc at /redoc load their
scripts and styles from /static/vendor (pinned copies, static/vendor/README.md), with no web fonts and no CDN."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from citybrain.web.pages import STATIC

SWAGGER = "/static/vendor/swagger-ui"  # swagger-ui-dist 5.36.0
REDOC = "/static/vendor/redoc"  # redoc 2.5.4
FAVICON = "/favicon.ico"
#: Swagger UI asks validator.swagger.io about the spec unless told not to: nothing leaves the network.
SWAGGER_PARAMETERS = {"validatorUrl": None}

router = APIRouter(include_in_schema=False)


def _title(request: Request) -> str:
    return str(request.app.title)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json, from the server's own copy."""
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{_title(request)} — 接口文档 API docs",
        swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER}/swagger-ui.css",
        swagger_favicon_url=FAVICON,
        swagger_ui_parameters=SWAGGER_PARAMETERS,
    )


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc over /openapi.json, from the server's own copy, in the system's fonts."""
    return get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{_title(request)} — ReDoc",
        redoc_js_url=f"{REDOC}/redoc.standalone.js",
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )


@router.get(FAVICON)
def favicon() -> FileResponse:
    """The icon browsers ask for at /favicon.ico (the pages also link /static/favicon.svg)."""
    return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon", headers={"Cache-Control": "max-age=86400"})
