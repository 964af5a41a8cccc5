"""Migration 0015 (joint handling) goes up and down and up again on a fresh database of each backend."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, inspect, text

from citybrain.core import migrate
from tests.conftest import POSTGRES_URL, _postgres_available

TABLES = {"case_parts", "whistles", "whistle_summons"}


@pytest.fixture
def fresh(backend: str, tmp_path: Path) -> Iterator[Engine]:
    if backend == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield engine
        engine.dispose()
        return
    problem = _postgres_available()
    if problem:
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    schema = f"cbmig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _downgrade(engine: Engine, revision: str) -> None:
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_0015_is_reversible(fresh: Engine) -> None:
    migrate.upgrade(fresh, "0015")
    assert TABLES <= set(inspect(fresh).get_table_names())
    assert {"uq_case_parts_case_department"} <= {u["name"] for u in inspect(fresh).get_unique_constraints("case_parts")}
    _downgrade(fresh, "0014")
    assert migrate.current_revision(fresh) == "0014"
    assert not TABLES & set(inspect(fresh).get_table_names())
    migrate.upgrade(fresh, "0015")
    assert TABLES <= set(inspect(fresh).get_table_names())
