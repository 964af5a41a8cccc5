"""Shared checks for what a client sends: bounded integers, clean text, finite numbers, sane dates, shallow JSON.

Each check runs where input is read (the request models, the Open311 readers, the query-string guard), so a
value the databases cannot hold — an id beyond 2^63, a NUL byte PostgreSQL refuses, a date before year 1 in
the city's zone — is a 400/422 with a message, never a 500 from deep inside a query (docs/security.md,
"Hostile input").
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

from citybrain.core.errors import InvalidInput

MAX_INT64 = 2**63 - 1  # BIGINT on PostgreSQL, INTEGER on SQLite
MAX_INT32 = 2**31 - 1  # INTEGER on PostgreSQL
MAX_JSON_DEPTH = 32  # our request bodies are two levels deep; far deeper is an attack on the parser
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, tzinfo=UTC)

#: A row's id in a path or query: what a BIGINT primary key can hold.
RowId = Annotated[int, Interval(ge=1, le=MAX_INT64)]
#: A row's id in a table with a 32-bit INTEGER key (the directory's routing rules, API keys).
SmallRowId = Annotated[int, Interval(ge=1, le=MAX_INT32)]
#: A count or offset a query may skip.
Offset = Annotated[int, Interval(ge=0, le=MAX_INT64)]
#: A value stored in a 32-bit INTEGER column (PostgreSQL), such as a routing rule's priority.
Int32 = Annotated[int, Interval(ge=-MAX_INT32 - 1, le=MAX_INT32)]
#: A version counter or other non-negative 64-bit integer in a body.
Int64 = Annotated[int, Interval(ge=-MAX_INT64 - 1, le=MAX_INT64)]


def ascii_digits(text: str) -> bool:
    """Only 0-9: ``str.isdigit`` also says yes to ``²`` and ``١``, which ``int()`` then refuses (a 500)."""
    return text.isascii() and text.isdigit()


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None: a NUL byte (PostgreSQL refuses it) or a lone surrogate."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000)"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8 (a lone surrogate)"
    return None


def check_text(name: str, value: str) -> str:
    """``value`` if it can be stored as text; otherwise a 400 naming the field."""
    problem = text_problem(value)
    if problem is not None:
        raise InvalidInput(f"{name} {problem}")
    return value


def check_datetime(name: str, value: datetime) -> datetime:
    """A datetime within 1900-2999 (UTC): far dates overflow when moved to another zone or shifted by days."""
    try:
        inside = EARLIEST <= value <= LATEST
    except (OverflowError, TypeError):
        inside = False
    if not inside:
        raise InvalidInput(f"{name} must be between 1900-01-01 and 2999-12-31")
    return value


def _moment(value: datetime) -> datetime:
    try:
        moved = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        moved = datetime.min.replace(tzinfo=UTC)
    if not EARLIEST <= moved <= LATEST:
        raise ValueError("must be between 1900-01-01 and 2999-12-31")
    return moved


def _day(value: date) -> date:
    if not EARLIEST.date() <= value <= LATEST.date():
        raise ValueError("must be between 1900-01-01 and 2999-12-31")
    return value


def check_day(name: str, value: date) -> date:
    """A day within 1900-2999: a day in year 1 moved to UTC from an eastern zone overflows."""
    try:
        return _day(value)
    except ValueError:
        raise InvalidInput(f"{name} must be between 1900-01-01 and 2999-12-31") from None


#: A local day in a query (``from``/``to``), within 1900-2999.
Day = Annotated[date, AfterValidator(_day)]
#: A point in time in a query or body: read as UTC when naive, within 1900-2999 (year 1 at +14:00 overflows).
Moment = Annotated[datetime, AfterValidator(_moment)]


def json_problem(value: Any, depth: int = 0) -> str | None:
    """Why a decoded JSON value cannot be accepted, or None (nesting, text, non-finite or huge numbers)."""
    if depth > MAX_JSON_DEPTH:
        return f"is nested deeper than {MAX_JSON_DEPTH} levels"
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -MAX_INT64 - 1 <= value <= MAX_INT64 else "holds an integer beyond 64 bits"
    if isinstance(value, float):
        return None if math.isfinite(value) else "holds NaN or an infinite number, which JSON does not have"
    items: list[Any] = []
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    for item in items:
        problem = json_problem(item, depth + 1)
        if problem is not None:
            return problem
    return None


def storable_json(value: Any) -> Any:
    """A pydantic validator for a free JSON body (SensorThings): ``value``, or a ValueError saying why not."""
    problem = json_problem(value)
    if problem is not None:
        raise ValueError(f"the request body {problem}")
    return value


class Input(BaseModel):
    """Base of every request body: refuses NUL bytes, lone surrogates, NaN/∞ and integers beyond 64 bits
    anywhere in it before the fields are read, so no field can forget to."""

    model_config = ConfigDict(allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        return storable_json(data)
