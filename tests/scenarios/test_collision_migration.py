"""Migration 0014 (collision_records) goes down and up again on a fresh SQLite file and a fresh PostgreSQL schema."""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

from citybrain.core import migrate
from tests.conftest import downgrade


def test_0014_downgrades_and_upgrades(fresh_engine: Engine) -> None:
    engine = fresh_engine
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
    downgrade(engine, "0013")
    assert "collision_records" not in inspect(engine).get_table_names()
    assert migrate.current_revision(engine) == "0013"
    migrate.upgrade(engine, "0014")
    assert "collision_records" in inspect(engine).get_table_names()
