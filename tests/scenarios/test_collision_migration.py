"""Migration 0014 (collision_records) goes down and up again on a fresh SQLite file and a fresh PostgreSQL schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from citybrain.core import migrate
from tests.conftest import BACKENDS, POSTGRES_URL, _postgres_available


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    problem = _postgres_available()
    if problem:
        pytest.skip(f"PostgreSQL not reachable ({problem})")
    schema = f"cbmig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_0014_downgrades_and_upgrades(fresh_url: str) -> None:
    engine = create_engine(fresh_url)
    try:
        migrate.upgrade(engine, "0014")
        assert "collision_records" in inspect(engine).get_table_names()
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO collision_records (source, collision_id, on_street, cross_street, at_junction, "
                    "vehicle_types, manoeuvres, vulnerable_hurt, near_side, imported_at) VALUES ('nyc', '1', '', '', "
                    "true, 'Bus', '', true, 'right', CURRENT_TIMESTAMP)"
                )
            )
        config = migrate.alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "-1")
        assert "collision_records" not in inspect(engine).get_table_names()
        assert migrate.current_revision(engine) != "0014"
        migrate.upgrade(engine, "0014")
        assert "collision_records" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
