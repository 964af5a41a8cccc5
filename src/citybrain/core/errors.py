"""One error hierarchy for the whole product.

Every error carries the HTTP status it maps to; the API's single handler and the CLI both read it, so a
service never needs to know whether it was called from a route or a command.
"""

from __future__ import annotations


class CityBrainError(Exception):
    """Base of every error the product raises on purpose."""

    status_code: int = 500
    code: str = "error"

    def __init__(self, message: str, *, status_code: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class InvalidInput(CityBrainError):
    """The caller sent something we cannot accept (HTTP 400)."""

    status_code = 400
    code = "invalid_input"


class Unauthorized(CityBrainError):
    """No credentials, or credentials we do not know (HTTP 401)."""

    status_code = 401
    code = "unauthorized"


class Forbidden(CityBrainError):
    """Known caller, not allowed to do this (HTTP 403)."""

    status_code = 403
    code = "forbidden"


class NotFound(CityBrainError):
    """The thing asked for does not exist (HTTP 404)."""

    status_code = 404
    code = "not_found"


class Conflict(CityBrainError):
    """The state changed under the caller, or the change is not allowed from this state (HTTP 409)."""

    status_code = 409
    code = "conflict"


class TooManyRequests(CityBrainError):
    """The caller has used up its allowance for now (HTTP 429); ``retry_after`` seconds until it may try again.

    The response carries the ``Retry-After`` header with that number.
    """

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class ImportRejected(InvalidInput):
    """A bulk file could not be imported at all; nothing was written."""

    code = "import_rejected"
