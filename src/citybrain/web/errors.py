"""The one place errors become HTTP responses."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from citybrain.core.errors import CityBrainError, InvalidInput, TooManyRequests

#: The framework's own refusals (no route, wrong method) in our words and codes.
_FRAMEWORK: dict[int, tuple[str, str]] = {
    404: ("not_found", "没有这个地址 / No such resource"),
    405: ("method_not_allowed", "该地址不接受此方法 / This resource does not take that method"),
}


class InternalError(CityBrainError):
    """A bug or an outage of ours (HTTP 500): logged with its traceback, answered in the usual error body."""

    status_code = 500
    code = "internal_error"


def internal_error() -> InternalError:
    return InternalError("服务器内部错误，已记录 / Internal server error; it has been logged.")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def render(request: Request, exc: CityBrainError) -> Response:
    response = _body(request, exc)
    if isinstance(exc, FrameworkError) and exc.headers:
        response.headers.update(exc.headers)  # Allow on a 405
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


class FrameworkError(CityBrainError):
    """A refusal raised by Starlette itself (unknown path, method not allowed), carried with its headers."""

    def __init__(self, exc: StarletteHTTPException) -> None:
        code, message = _FRAMEWORK.get(exc.status_code, ("error", str(exc.detail)))
        super().__init__(message, status_code=exc.status_code, code=code)
        self.headers = dict(exc.headers or {})


def _body(request: Request, exc: CityBrainError) -> Response:
    if request.url.path.startswith("/open311/"):
        from citybrain.intake.open311.errors import render_open311_error

        return render_open311_error(request, exc)
    return JSONResponse(
        status_code=exc.status_code,
        content={"error": {"code": exc.code, "message": exc.message}},
    )


def allowed_methods(request: Request) -> str:
    """Every method the path takes, over all its routes (Starlette names only the first route's); with GET come
    HEAD and OPTIONS (web/methods.py). Empty when no route takes the path."""
    methods: set[str] = set()
    for path, route_methods in _routes(request.app.routes, ""):
        if compile_path(path)[0].match(request.url.path):
            methods |= route_methods
    if methods:
        methods |= {"HEAD", "OPTIONS"} if "GET" in methods else {"OPTIONS"}
    return ", ".join(sorted(methods))


def _routes(routes: Iterable[Any], prefix: str) -> Iterator[tuple[str, set[str]]]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI ≥ 0.16x keeps included routers as branches
            yield from _routes(route.original_router.routes, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None):
            yield prefix + route.path, set(route.methods)


def install(app: FastAPI) -> None:
    @app.exception_handler(CityBrainError)
    async def _citybrain(request: Request, exc: CityBrainError) -> Response:
        return render(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _framework(request: Request, exc: StarletteHTTPException) -> Response:
        error = FrameworkError(exc)
        if exc.status_code == 405:
            error.headers["Allow"] = allowed_methods(request)
        return render(request, error)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        status = 400 if request.url.path.startswith(("/open311/", "/sta/")) else 422  # those standards say 400
        message = _validation_message(exc)
        if request.url.path.startswith("/portal"):  # citizens read it: Chinese first, English beside
            message = f"请求内容有误，请检查后重试 / The request is not valid: {message}"
        return render(request, InvalidInput(message, status_code=status))
