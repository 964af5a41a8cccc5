from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from citybrain.cases import search_index
from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.models import Base


def test_one_head_and_database_at_head(db: Database) -> None:
    heads = migrate.head_revisions()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    assert migrate.current_revision(db.engine) == heads[0]


def _search_index(change: object) -> bool:
    """The case search index (migration 0021) has no model: its SQLite tables (FTS5 with its shadow tables) and
    its PostgreSQL expression index."""
    if not isinstance(change, tuple):
        return False
    if change[0] == "remove_table":
        return bool(change[1].name.startswith(search_index.SQLITE_TABLES[0]))
    return bool(change[0] == "remove_index" and change[1].name == search_index.POSTGRESQL_INDEX)


def test_models_match_migrations(db: Database) -> None:
    """A model change without a migration fails here."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    diff = [d for d in diff if not _search_index(d)]
    assert diff == [], f"models differ from the migrated schema; add an Alembic migration: {diff}"


def test_desk_decisions_migration_goes_down_and_up_again(db: Database) -> None:
    """0016 (desk decisions) is reversible on both databases; the schema is back at head afterwards."""
    config = migrate.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")  # below 0016, whatever revisions were chained after it
    assert "desk_decisions" not in inspect(db.engine).get_table_names()
    migrate.upgrade(db.engine)
    assert "desk_decisions" in inspect(db.engine).get_table_names()
    assert migrate.current_revision(db.engine) == migrate.head_revisions()[0]


def test_knowledge_migration_goes_down_and_up_again(db: Database) -> None:
    """0017 (knowledge base) is reversible on both databases; the schema is back at head afterwards."""
    from alembic.script import ScriptDirectory

    config = migrate.alembic_config()
    before = ScriptDirectory.from_config(config).get_revision("0017").down_revision
    assert isinstance(before, str)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, before)
    assert "knowledge_versions" not in inspect(db.engine).get_table_names()
    assert "knowledge_items" not in inspect(db.engine).get_table_names()
    migrate.upgrade(db.engine)
    assert {"knowledge_items", "knowledge_versions"} <= set(inspect(db.engine).get_table_names())
    assert migrate.current_revision(db.engine) == migrate.head_revisions()[0]
