"""Migration 0020 (partner units: a department's kind and supervising department) goes down and up again.

On a database of the test's own (``fresh_engine``), not the session's shared one: a round trip there depended on
what earlier tests of the same worker had left in it (seen once in CI: the supervising department's foreign key
missing after the round trip on SQLite), and a failure would leave every later test of the worker on an old schema.
"""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from citybrain.core import migrate
from citybrain.directory.defaults import load_defaults
from tests.conftest import downgrade


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("departments")}


def test_0020_is_reversible_and_keeps_the_departments(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    with Session(fresh_engine) as session:
        load_defaults(session)
        session.commit()
    with fresh_engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM departments")).scalar_one()
        kinds = set(conn.execute(text("SELECT DISTINCT kind FROM departments")).scalars())
    assert before > 0
    assert kinds == {"government"}  # every existing department is the government's
    downgrade(fresh_engine, "0019")  # to the revision before 0020
    assert {"kind", "supervisor_id"}.isdisjoint(_columns(fresh_engine))
    migrate.upgrade(fresh_engine)
    assert {"kind", "supervisor_id"} <= _columns(fresh_engine)
    with fresh_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM departments")).scalar_one() == before
    references = inspect(fresh_engine).get_foreign_keys("departments")
    assert [(r["constrained_columns"], r["referred_table"]) for r in references] == [(["supervisor_id"], "departments")]
    assert migrate.current_revision(fresh_engine) == migrate.head_revisions()[0]
