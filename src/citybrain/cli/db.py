"""``citybrain db``: create or upgrade the schema and load the default directory."""

from __future__ import annotations

import typer

from citybrain.cli.common import console, handle_errors, open_database

app = typer.Typer(help="Database schema and default data.", no_args_is_help=True)


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
