"""Barrier-free car parks (无杆停车): car parks and tariffs, gate keys, gate reads, sessions, bills, passes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parking_car_parks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("tariff", sa.JSON(), nullable=False),
        sa.Column("created_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_car_parks")),
        sa.UniqueConstraint("code", name=op.f("uq_parking_car_parks_code")),
    )
    op.create_table(
        "parking_bills",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("car_park_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paid_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("last_reminded_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["car_park_id"], ["parking_car_parks.id"], name=op.f("fk_parking_bills_car_park_id_parking_car_parks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_bills")),
        sa.UniqueConstraint("session_id", name=op.f("uq_parking_bills_session_id")),
    )
    with op.batch_alter_table("parking_bills", schema=None) as batch_op:
        batch_op.create_index("ix_parking_bills_plate_status", ["plate", "status"], unique=False)

    op.create_table(
        "parking_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("car_park_id", sa.Integer(), nullable=False),
        sa.Column("gate", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("plate_read", sa.String(length=32), nullable=False),
        sa.Column("at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("image_ref", sa.String(length=500), nullable=True),
        sa.Column("received_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("session_id", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("explanation", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["car_park_id"], ["parking_car_parks.id"], name=op.f("fk_parking_events_car_park_id_parking_car_parks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_events")),
    )
    with op.batch_alter_table("parking_events", schema=None) as batch_op:
        batch_op.create_index("ix_parking_events_park_at", ["car_park_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_parking_events_session_id"), ["session_id"], unique=False)

    op.create_table(
        "parking_passes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("car_park_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("valid_from", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["car_park_id"],
            ["parking_car_parks.id"],
            name=op.f("fk_parking_passes_car_park_id_parking_car_parks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_passes")),
    )
    with op.batch_alter_table("parking_passes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parking_passes_plate"), ["plate"], unique=False)

    op.create_table(
        "parking_sessions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("plate_key", sa.String(length=16), nullable=False),
        sa.Column("car_park_id", sa.Integer(), nullable=False),
        sa.Column("exit_car_park_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("exited_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("exit_plate", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("match_rule", sa.String(length=32), nullable=True),
        sa.Column("match_confidence", sa.Float(), nullable=True),
        sa.Column("review", sa.Boolean(), nullable=False),
        sa.Column("overstay", sa.Boolean(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["car_park_id"], ["parking_car_parks.id"], name=op.f("fk_parking_sessions_car_park_id_parking_car_parks")
        ),
        sa.ForeignKeyConstraint(
            ["exit_car_park_id"],
            ["parking_car_parks.id"],
            name=op.f("fk_parking_sessions_exit_car_park_id_parking_car_parks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parking_sessions")),
    )
    with op.batch_alter_table("parking_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parking_sessions_car_park_id"), ["car_park_id"], unique=False)
        batch_op.create_index("ix_parking_sessions_key_status", ["plate_key", "status"], unique=False)

    op.create_table(
        "parking_gate_keys",
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("car_park_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_parking_gate_keys_api_key_id_api_keys"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["car_park_id"],
            ["parking_car_parks.id"],
            name=op.f("fk_parking_gate_keys_car_park_id_parking_car_parks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("api_key_id", name=op.f("pk_parking_gate_keys")),
    )
    with op.batch_alter_table("parking_gate_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parking_gate_keys_car_park_id"), ["car_park_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("parking_gate_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parking_gate_keys_car_park_id"))

    op.drop_table("parking_gate_keys")
    with op.batch_alter_table("parking_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_parking_sessions_key_status")
        batch_op.drop_index(batch_op.f("ix_parking_sessions_car_park_id"))

    op.drop_table("parking_sessions")
    with op.batch_alter_table("parking_passes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parking_passes_plate"))

    op.drop_table("parking_passes")
    with op.batch_alter_table("parking_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parking_events_session_id"))
        batch_op.drop_index("ix_parking_events_park_at")

    op.drop_table("parking_events")
    with op.batch_alter_table("parking_bills", schema=None) as batch_op:
        batch_op.drop_index("ix_parking_bills_plate_status")

    op.drop_table("parking_bills")
    op.drop_table("parking_car_parks")
