"""The one place errors become HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from citybrain.core.errors import CityBrainError, InvalidInput, TooManyRequests


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg", "invalid")))
    return "; ".join(parts) or "invalid request"


def render(request: Request, exc: CityBrainError) -> Response:
    response = _body(request, exc)
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _body(request: Request, exc: CityBrainError) -> Response:
    if request.url.path.startswith("/open311/"):
        from citybrain.intake.open311.errors import render_open311_error

        return render_open311_error(request, exc)
    return JSONResponse(
        status_code=exc.status_code,
        content={"error": {"code": exc.code, "message": exc.message}},
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(CityBrainError)
    async def _citybrain(request: Request, exc: CityBrainError) -> Response:
        return render(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        status = 400 if request.url.path.startswith(("/open311/", "/sta/")) else 422  # those standards say 400
        message = _validation_message(exc)
        if request.url.path.startswith("/portal"):  # citizens read it: Chinese first, English beside
            message = f"请求内容有误，请检查后重试 / The request is not valid: {message}"
        return render(request, InvalidInput(message, status_code=status))
