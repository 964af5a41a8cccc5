"""What every command shares: settings, the database, and turning errors into messages and exit codes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import OperationalError

from citybrain.core.db import Database
from citybrain.core.errors import CityBrainError, InvalidInput
from citybrain.core.settings import load_settings

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
        except OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            err_console.print(
                f"[bold red]error:[/] cannot use the database ({reason}). Check CITYBRAIN_DATABASE_URL, that the "
                "server is running, and run `citybrain db init` once.",
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_FAILED) from None

    return wrapper


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
    db = Database(load_settings())
    try:
        yield db
    finally:
        db.dispose()
