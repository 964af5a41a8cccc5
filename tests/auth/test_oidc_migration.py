"""Migration 0012 (OIDC sign-in) goes down and up again on both databases, on a database of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, text

from citybrain.core import migrate
from tests.conftest import POSTGRES_URL


@pytest.fixture
def engine(backend: str, database_url: str, tmp_path: Path) -> Iterator[Engine]:
    if backend == "sqlite":
        found = create_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
        yield found
        found.dispose()
        return
    schema = f"cbmig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    found = create_engine(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}")
    yield found
    found.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _downgrade(engine: Engine, revision: str) -> None:
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _shape(engine: Engine) -> tuple[set[str], set[str]]:
    found = inspect(engine)
    return set(found.get_table_names()), {c["name"] for c in found.get_columns("staff_users")}


def test_0012_goes_down_and_up_again(engine: Engine) -> None:
    migrate.upgrade(engine, "0012")
    tables, columns = _shape(engine)
    assert {"oidc_flows", "oidc_links"} <= tables
    assert "email" in columns
    _downgrade(engine, "0011")
    assert migrate.current_revision(engine) == "0011"
    tables, columns = _shape(engine)
    assert not {"oidc_flows", "oidc_links"} & tables
    assert "email" not in columns
    migrate.upgrade(engine, "0012")
    assert {"oidc_flows", "oidc_links"} <= _shape(engine)[0]
