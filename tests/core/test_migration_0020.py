"""Migration 0020 (partner units: a department's kind and supervising department) goes down and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from citybrain.core import migrate
from citybrain.core.db import Database


def _columns(db: Database) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns("departments")}


def test_0020_is_reversible_and_keeps_the_departments(db: Database) -> None:
    with db.engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM departments")).scalar_one()
        kinds = set(conn.execute(text("SELECT DISTINCT kind FROM departments")).scalars())
    assert before > 0
    assert kinds == {"government"}  # every existing department is the government's
    config = migrate.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0019")  # to the revision before 0020
    assert {"kind", "supervisor_id"}.isdisjoint(_columns(db))
    migrate.upgrade(db.engine)
    assert {"kind", "supervisor_id"} <= _columns(db)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM departments")).scalar_one() == before
    references = inspect(db.engine).get_foreign_keys("departments")
    assert [(r["constrained_columns"], r["referred_table"]) for r in references] == [(["supervisor_id"], "departments")]
    assert migrate.current_revision(db.engine) == migrate.head_revisions()[0]
