"""Migration 0019 (online services) goes up, down and up again on a fresh database of each backend."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from citybrain.core import migrate
from tests.conftest import downgrade

TABLES = {"online_services", "service_applications", "service_application_events", "service_attachments",
          "service_application_materials"}  # fmt: skip


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_0019_downgrades_and_upgrades(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine, "0019")
    assert _tables(fresh_engine) >= TABLES
    downgrade(fresh_engine, "-1")
    assert _tables(fresh_engine) & TABLES == set()
    assert migrate.current_revision(fresh_engine) not in (None, "0019")
    migrate.upgrade(fresh_engine, "0019")
    assert _tables(fresh_engine) >= TABLES
