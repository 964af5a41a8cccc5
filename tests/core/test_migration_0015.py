"""Migration 0015 (joint handling) goes up and down and up again on a fresh database of each backend."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from citybrain.core import migrate
from tests.conftest import downgrade

TABLES = {"case_parts", "whistles", "whistle_summons"}


def test_0015_is_reversible(fresh_engine: Engine) -> None:
    fresh = fresh_engine
    migrate.upgrade(fresh, "0015")
    assert TABLES <= set(inspect(fresh).get_table_names())
    assert {"uq_case_parts_case_department"} <= {u["name"] for u in inspect(fresh).get_unique_constraints("case_parts")}
    downgrade(fresh, "0014")
    assert migrate.current_revision(fresh) == "0014"
    assert not TABLES & set(inspect(fresh).get_table_names())
    migrate.upgrade(fresh, "0015")
    assert TABLES <= set(inspect(fresh).get_table_names())
