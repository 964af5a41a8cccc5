"""Migration 0018 (grid management) goes up and down and up again on a fresh database of each backend."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from citybrain.core import migrate
from tests.conftest import downgrade

TABLES = {"grid_cells", "grid_workers", "grid_assignments", "inspections", "patrol_plans", "patrol_visits"}


def test_0018_is_reversible(fresh_engine: Engine) -> None:
    fresh = fresh_engine
    migrate.upgrade(fresh, "0018")
    assert TABLES <= set(inspect(fresh).get_table_names())
    assert {"uq_patrol_plans_worker_cell_day"} <= {
        u["name"] for u in inspect(fresh).get_unique_constraints("patrol_plans")
    }
    downgrade(fresh, "-1")
    assert migrate.current_revision(fresh) not in (None, "0018")
    assert not TABLES & set(inspect(fresh).get_table_names())
    migrate.upgrade(fresh, "0018")
    assert TABLES <= set(inspect(fresh).get_table_names())
