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
    department: str | None = typer.Option(None, "--department", help="Department (or partner's unit) code."),
    rate_limit: int | None = typer.Option(
        None, "--rate-limit", min=0,
        help="Requests per rolling minute for this key (an integration, a load test); 0 = no limit. "
        "Default: CITYBRAIN_API_KEY_REQUESTS_PER_MINUTE.",
    ),
) -> None:  # fmt: skip
    """Create an API key. The key is printed once, as the last line; only its hash is stored."""
    from citybrain.auth import service

    with open_database() as db, db.transaction() as session:
        key, plaintext = service.create_api_key(session=session, name=name, role=role, department_code=department)
        key_id = key.id
        if rate_limit is not None:
            service.set_rate_limit(session=session, key_id=key_id, per_minute=rate_limit)
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
            budget = "default" if key.rate_limit_per_minute is None else f"{key.rate_limit_per_minute}/min"
            console.print(f"#{key.id}\t{key.prefix}…\t{key.name}\t{key.role}\t{state}\t{budget}")


@app.command("revoke")
@handle_errors
def revoke(key_id: int = typer.Argument(..., help="The key's number from `citybrain apikey list`.")) -> None:
    """Revoke a key; requests with it get 403 from then on."""
    from citybrain.auth import service

    with open_database() as db, db.transaction() as session:
        service.revoke(session=session, key_id=key_id)
    console.print(f"revoked key #{key_id}")


@app.command("limit")
@handle_errors
def limit(
    key_id: int = typer.Argument(..., help="The key's number from `citybrain apikey list`."),
    per_minute: str = typer.Argument(..., help="Requests per rolling minute, 0 for no limit, or 'default'."),
) -> None:
    """Give a key its own rate limit (限流): requests per rolling minute, counted across every server process
    when CITYBRAIN_REDIS_URL is set. More get 429 with Retry-After. 'default' returns the key to
    CITYBRAIN_API_KEY_REQUESTS_PER_MINUTE (120 unless set): enough for a citizens' app; raise it for an
    integration that forwards a whole channel, or for a load test.

    Example: citybrain apikey limit 7 6000
    """
    from citybrain.auth import service
    from citybrain.core.errors import InvalidInput

    value = None if per_minute.strip().lower() == "default" else per_minute.strip()
    if value is not None and not (value.isascii() and value.isdigit()):
        raise InvalidInput(
            f"give a whole number of requests per minute (0 = no limit) or 'default', not {per_minute!r}"
        )
    with open_database() as db, db.transaction() as session:
        service.set_rate_limit(session=session, key_id=key_id, per_minute=int(value) if value is not None else None)
    console.print(f"key #{key_id}: {'the default limit' if value is None else f'{value} requests per minute'}")
