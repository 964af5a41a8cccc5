"""Migration 0012 (OIDC sign-in) goes down and up again on both databases, on a database of its own."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from citybrain.core import migrate
from tests.conftest import downgrade


def _shape(engine: Engine) -> tuple[set[str], set[str]]:
    found = inspect(engine)
    return set(found.get_table_names()), {c["name"] for c in found.get_columns("staff_users")}


def test_0012_goes_down_and_up_again(fresh_engine: Engine) -> None:
    engine = fresh_engine
    migrate.upgrade(engine, "0012")
    tables, columns = _shape(engine)
    assert {"oidc_flows", "oidc_links"} <= tables
    assert "email" in columns
    downgrade(engine, "0011")
    assert migrate.current_revision(engine) == "0011"
    tables, columns = _shape(engine)
    assert not {"oidc_flows", "oidc_links"} & tables
    assert "email" not in columns
    migrate.upgrade(engine, "0012")
    assert {"oidc_flows", "oidc_links"} <= _shape(engine)[0]
