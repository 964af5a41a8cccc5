"""What every command shares: settings, the database, dates, and turning errors into messages and exit codes.

Light on purpose: every command module imports it at start-up, so it imports the database layer (SQLAlchemy) only
when a command opens the database or fails with a database error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from citybrain.core.errors import CityBrainError, InvalidInput

if TYPE_CHECKING:
    from citybrain.core.db import Database

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

EXIT_INVALID = 2
EXIT_FAILED = 1


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Show a CityBrainError as one clear line on stderr and exit non-zero (2 for bad input)."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except CityBrainError as exc:
            err_console.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_INVALID if exc.status_code < 500 else EXIT_FAILED) from None
        except Exception as exc:
            reason = _database_failure(exc)
            if reason is None:
                raise
            err_console.print(
                f"[bold red]error:[/] cannot use the database ({reason}). Check CITYBRAIN_DATABASE_URL, that the "
                "server is running, and run `citybrain db init` once.",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_FAILED) from None

    return wrapper


def _database_failure(exc: Exception) -> str | None:
    """Why the database cannot be reached or used (SQLAlchemy's OperationalError, imported only on a failure);
    None for any other error."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return None
    return str(exc.orig or exc).strip().splitlines()[0]


def write_whole(path: Path, data: str | bytes) -> None:
    """Write a command's output file whole or not at all: a temporary file beside it, renamed over it. A place that
    cannot be written is one clear error (exit 2), never a traceback or a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None


@contextmanager
def open_database() -> Iterator[Database]:
    """The database named by CITYBRAIN_DATABASE_URL (default: SQLite file in CITYBRAIN_DATA_DIR)."""
    from citybrain.core.db import Database
    from citybrain.core.settings import load_settings

    db = Database(load_settings())
    try:
        yield db
    finally:
        db.dispose()


def parse_day(value: str, option: str) -> date:
    """``value`` of ``option`` as a date (YYYY-MM-DD); InvalidInput otherwise."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{option} {value!r} is not a date such as 2026-03-02") from None


def checked_as_of(value: str | None, today: date) -> date | None:
    """``--as-of`` as a date; InvalidInput when it is not one or lies after today (the city's today)."""
    if value is None:
        return None
    day = parse_day(value, "--as-of")
    if day > today:
        raise InvalidInput(f"--as-of {day.isoformat()} is in the future (today is {today.isoformat()} in the city)")
    return day
