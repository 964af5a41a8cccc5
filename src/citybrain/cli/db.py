"""``citybrain db``: create or upgrade the schema and load the default directory."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citybrain.cli.common import console, handle_errors, open_database
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from citybrain.core.partitions import TableLayout

app = typer.Typer(help="Database schema and default data; backup and restore.", no_args_is_help=True)
BackupOut = typer.Argument(..., help="The backup file to write (must not exist yet).", dir_okay=False)
BackupIn = typer.Argument(..., help="A file made by citybrain db backup.", dir_okay=False)


@app.command("init")
@handle_errors
def init(
    no_defaults: bool = typer.Option(False, "--no-defaults", help="Only create/upgrade the schema."),
) -> None:
    """Create or upgrade the schema (Alembic) and load the default taxonomy, departments and SLA policies.

    Safe to run again: existing rows are kept, missing defaults are added.
    """
    from citybrain.core import migrate
    from citybrain.directory.defaults import load_defaults

    with open_database() as db:
        migrate.upgrade(db.engine)
        if not no_defaults:
            with db.transaction() as session:
                load_defaults(session)
        url = db.engine.url.render_as_string(hide_password=True)
        console.print(f"schema at revision {migrate.current_revision(db.engine)} on {url}")


@app.command("status")
@handle_errors
def status() -> None:
    """Show the database URL, its schema revision against the newest one, and whether cases is partitioned."""
    from citybrain.core import migrate, partitions

    with open_database() as db:
        current = migrate.current_revision(db.engine)
        heads = ", ".join(migrate.head_revisions())
        console.print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        console.print(f"revision: {current or 'empty (run: citybrain db init)'}; newest: {heads}")
        layout = partitions.describe(db.engine) if current else []
    _print_layout(layout)
    if current and not layout:
        console.print("layout: plain tables (citybrain db partition splits cases by month on PostgreSQL)")


@app.command("backup")
@handle_errors
def backup(
    path: Path = BackupOut,
) -> None:
    """Copy the database to PATH while the server keeps running.

    SQLite: SQLite's online backup API (one consistent snapshot; writers are not stopped). PostgreSQL:
    ``pg_dump --format=custom`` found on PATH (Debian: apt install postgresql-client), at least the server's
    major version. Restore with ``citybrain db restore PATH`` into a fresh database.
    """
    from citybrain.core import backup as backups

    with open_database() as db:
        written = backups.backup(db.engine, path)
    size = written.stat().st_size
    console.print(
        f"backup of {db.engine.url.render_as_string(hide_password=True)} written to {written} ({size:,} bytes)"
    )


@app.command("restore")
@handle_errors
def restore(
    path: Path = BackupIn,
) -> None:
    """Load a backup made by ``citybrain db backup`` into a FRESH database (CITYBRAIN_DATABASE_URL).

    The target must have no tables yet: point CITYBRAIN_DATABASE_URL at a new SQLite file or an empty
    PostgreSQL database (createdb). PostgreSQL uses ``pg_restore --single-transaction``: all or nothing.
    Then ``citybrain db status`` shows the restored schema's revision.
    """
    from citybrain.core import backup as backups

    with open_database() as db:
        backups.restore(db.engine, path)
        url = db.engine.url.render_as_string(hide_password=True)
    console.print(f"restored {path} into {url}")


@app.command("partition")
@handle_errors
def partition(
    months_ahead: int = typer.Option(3, "--months-ahead", min=0, help="Months after this one to create now."),
    since: str | None = typer.Option(
        None,
        "--since",
        metavar="YYYY-MM",
        help="Create the months from this one on even while empty: before loading a city's history (rows of a "
        "month without its partition wait in DEFAULT and are rewritten when it is made).",
    ),
    undo: bool = typer.Option(False, "--undo", help="Convert back to plain tables with the original constraints."),
) -> None:
    """PostgreSQL at megacity scale: split cases and case_events into one partition per month.

    Opt-in and reversible, all in one transaction (the tables are locked meanwhile). cases is split by
    created_at and case_events by at, from the oldest row's month to this month + --months-ahead, plus a
    DEFAULT partition. The foreign keys to cases become triggers (same errors), (source, source_key) and token
    stay unique through side tables. Run again (cron, monthly) to add months ahead: rows that waited in
    DEFAULT move into their new month. --undo converts back. SQLite: refused (a county does not need it).
    """
    from citybrain.core import partitions

    def step(message: str) -> None:
        console.print(f"  [dim]·[/] {message}", highlight=False)

    with open_database() as db:
        if undo:
            with console.status("converting back to plain tables"):
                rows = partitions.unpartition(db.engine, progress=step)
            console.print("plain tables again: " + ", ".join(f"{t} {n:,} rows" for t, n in rows.items()))
            return
        with console.status("partitioning"):
            report = partitions.partition(
                db.engine, months_ahead=months_ahead, since=_month(since) if since else None, progress=step
            )
    if report.converted:
        console.print("converted: " + ", ".join(f"{t} {n:,} rows" for t, n in report.rows.items()))
    for table, added in report.months_added.items():
        moved = report.moved_from_default[table]
        console.print(f"{table}: {added} months added, {moved:,} rows moved out of DEFAULT")
    _print_layout(report.layout)


def _month(text: str) -> date:
    """``2019-01`` as the first day of that month; anything else is a clear error."""
    try:
        year, month = text.split("-") if text.count("-") == 1 else ("", "")
        return date(int(year), int(month), 1)
    except ValueError:
        raise InvalidInput(f"--since wants a month written YYYY-MM (e.g. 2019-01), not {text!r}") from None


def _print_layout(layout: list[TableLayout]) -> None:
    for item in layout:
        console.print(
            f"partitioned: {item.table} by month, {item.first_month:%Y-%m} to {item.last_month:%Y-%m} "
            f"({item.months} months; {item.default_rows:,} rows in DEFAULT)"
        )
