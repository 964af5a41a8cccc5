"""``citybrain apikey``: keys for Open311 client apps and staff."""

from __future__ import annotations

import typer

from citybrain.auth.roles import DEFAULT_ROLE, ROLES
from citybrain.cli.common import console, handle_errors, open_database

app = typer.Typer(help="API keys for Open311 apps and staff.", no_args_is_help=True)

_ROLE_HELP = "Role: " + ", ".join(f"{r.name} ({r.title_zh})" for r in ROLES.values() if r.name != "public")


@app.command("create")
@handle_errors
def create(
    name: str = typer.Argument(..., help="Who holds the key, e.g. 'hotline desk' or 'FixMyStreet app'."),
    role: str = typer.Option(DEFAULT_ROLE, "--role", help=_ROLE_HELP),
    department: str | None = typer.Option(None, "--department", help="Department code (role department)."),
) -> None:
    """Create an API key. The key is printed once, as the last line; only its hash is stored."""
    from citybrain.auth import service

    with open_database() as db, db.transaction() as session:
        key, plaintext = service.create_api_key(session=session, name=name, role=role, department_code=department)
        key_id = key.id
    console.print(f"API key #{key_id} for {name!r} (role {role}). Store it now; it cannot be shown again:")
    print(plaintext)


@app.command("list")
@handle_errors
def list_keys() -> None:
    """List keys (prefix, holder, role; never the key)."""
    from citybrain.auth import repository

    with open_database() as db, db.transaction() as session:
        for key in repository.all_keys(session):
            state = "revoked" if key.revoked_at else "active"
            console.print(f"#{key.id}\t{key.prefix}…\t{key.name}\t{key.role}\t{state}")


@app.command("revoke")
@handle_errors
def revoke(key_id: int = typer.Argument(..., help="The key's number from `citybrain apikey list`.")) -> None:
    """Revoke a key; requests with it get 403 from then on."""
    from citybrain.auth import service

    with open_database() as db, db.transaction() as session:
        service.revoke(session=session, key_id=key_id)
    console.print(f"revoked key #{key_id}")
