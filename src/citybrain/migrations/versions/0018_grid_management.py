"""Grid management (网格化管理): grid cells, grid workers (网格员) and their cells, inspections (巡查发现) with the
on-the-spot record (就地解决), patrol plans and visits.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, citybrain.core.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{target.split('.')[0]}"), ondelete=ondelete
    )


def upgrade() -> None:
    _cells_and_workers()
    _inspections_and_patrols()


def _cells_and_workers() -> None:
    op.create_table(
        "grid_cells",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("district_code", sa.String(length=32), nullable=True),
        sa.Column("community", sa.String(length=200), nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        _at("updated_at", nullable=False),
        _fk("grid_cells", "district_code", "districts.code"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_grid_cells")),
    )
    op.create_index("ix_grid_cells_bbox", "grid_cells", ["min_lat", "max_lat", "min_lon", "max_lon"], unique=False)
    op.create_table(
        "grid_workers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _at("created_at", nullable=False),
        _fk("grid_workers", "api_key_id", "api_keys.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_workers")),
        sa.UniqueConstraint("code", name=op.f("uq_grid_workers_code")),
        sa.UniqueConstraint("api_key_id", name=op.f("uq_grid_workers_api_key_id")),
    )
    op.create_table(
        "grid_assignments",
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("cell_code", sa.String(length=32), nullable=False),
        _fk("grid_assignments", "worker_id", "grid_workers.id", "CASCADE"),
        _fk("grid_assignments", "cell_code", "grid_cells.code", "CASCADE"),
        sa.PrimaryKeyConstraint("worker_id", "cell_code", name=op.f("pk_grid_assignments")),
    )


def _inspections_and_patrols() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("cell_code", sa.String(length=32), nullable=False),
        _at("found_at", nullable=False),
        sa.Column("photo_ref", sa.String(length=1000), nullable=True),
        _at("on_spot_at"),
        sa.Column("on_spot_record", sa.Text(), nullable=True),
        sa.Column("on_spot_photo_ref", sa.String(length=1000), nullable=True),
        _fk("inspections", "case_id", "cases.id", "CASCADE"),
        _fk("inspections", "worker_id", "grid_workers.id"),
        _fk("inspections", "cell_code", "grid_cells.code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
        sa.UniqueConstraint("case_id", name=op.f("uq_inspections_case_id")),
    )
    op.create_index("ix_inspections_cell_found", "inspections", ["cell_code", "found_at"], unique=False)
    op.create_index("ix_inspections_worker_found", "inspections", ["worker_id", "found_at"], unique=False)
    op.create_table(
        "patrol_plans",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("cell_code", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        _fk("patrol_plans", "worker_id", "grid_workers.id", "CASCADE"),
        _fk("patrol_plans", "cell_code", "grid_cells.code", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_plans")),
        sa.UniqueConstraint("worker_id", "cell_code", "day", name="uq_patrol_plans_worker_cell_day"),
    )
    op.create_index("ix_patrol_plans_day", "patrol_plans", ["day"], unique=False)
    op.create_table(
        "patrol_visits",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("cell_code", sa.String(length=32), nullable=False),
        _at("at", nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        _fk("patrol_visits", "worker_id", "grid_workers.id", "CASCADE"),
        _fk("patrol_visits", "cell_code", "grid_cells.code", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_visits")),
    )
    op.create_index("ix_patrol_visits_cell_at", "patrol_visits", ["cell_code", "at"], unique=False)
    op.create_index("ix_patrol_visits_worker_at", "patrol_visits", ["worker_id", "at"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("patrol_visits", ("ix_patrol_visits_worker_at", "ix_patrol_visits_cell_at")),
        ("patrol_plans", ("ix_patrol_plans_day",)),
        ("inspections", ("ix_inspections_worker_found", "ix_inspections_cell_found")),
        ("grid_assignments", ()),
        ("grid_workers", ()),
        ("grid_cells", ("ix_grid_cells_bbox",)),
    ):
        for index in indexes:
            op.drop_index(index, table_name=table)
        op.drop_table(table)
