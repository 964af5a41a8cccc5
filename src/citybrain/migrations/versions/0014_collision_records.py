"""Road traffic collision records for the traffic-safety scenario (right-turn blind zones).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "collision_records",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("collision_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("on_street", sa.String(length=200), nullable=False),
        sa.Column("cross_street", sa.String(length=200), nullable=False),
        sa.Column("at_junction", sa.Boolean(), nullable=False),
        sa.Column("vehicle_types", sa.String(length=500), nullable=False),
        sa.Column("manoeuvres", sa.String(length=500), nullable=False),
        sa.Column("vulnerable_hurt", sa.Boolean(), nullable=False),
        sa.Column("near_side", sa.String(length=5), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_collision_records_batch_id_import_batches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collision_records")),
        sa.UniqueConstraint("source", "collision_id", name="uq_collision_records_source_collision_id"),
    )  # fmt: skip
    op.create_index(
        "ix_collision_records_source_occurred", "collision_records", ["source", "occurred_on"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_collision_records_source_occurred", table_name="collision_records")
    op.drop_table("collision_records")
