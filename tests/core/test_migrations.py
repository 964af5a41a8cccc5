from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from citybrain.core import migrate
from citybrain.core.db import Database
from citybrain.models import Base


def test_one_head_and_database_at_head(db: Database) -> None:
    heads = migrate.head_revisions()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    assert migrate.current_revision(db.engine) == heads[0]


def test_models_match_migrations(db: Database) -> None:
    """A model change without a migration fails here."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == [], f"models differ from the migrated schema; add an Alembic migration: {diff}"
