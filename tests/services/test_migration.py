"""Migration 0019 (online services) goes down and up again on the test database (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from citybrain.core import migrate
from citybrain.core.db import Database

TABLES = {"online_services", "service_applications", "service_application_events", "service_attachments",
          "service_application_materials"}  # fmt: skip


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_0019_downgrades_and_upgrades(db: Database) -> None:
    assert _tables(db) >= TABLES
    config = migrate.alembic_config()
    try:
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0016")
        assert _tables(db) & TABLES == set()
        assert migrate.current_revision(db.engine) == "0016"
    finally:
        migrate.upgrade(db.engine)
    assert _tables(db) >= TABLES
