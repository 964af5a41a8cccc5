"""``citybrain db``: create or upgrade the schema and load the default directory."""

from __future__ import annotations

from pathlib import Path

import typer

from citybrain.cli.common import console, handle_errors, open_database

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
    """Show the database URL and its schema revision against the newest one."""
    from citybrain.core import migrate

    with open_database() as db:
        current = migrate.current_revision(db.engine)
        heads = ", ".join(migrate.head_revisions())
        console.print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        console.print(f"revision: {current or 'empty (run: citybrain db init)'}; newest: {heads}")


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
