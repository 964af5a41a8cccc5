"""MQTT receipts: the content keys of messages the sensing worker stored (dedupe of redelivered messages)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sta_mqtt_receipts",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("observation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("received_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sta_mqtt_receipts")),
    )
    with op.batch_alter_table("sta_mqtt_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sta_mqtt_receipts_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sta_mqtt_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sta_mqtt_receipts_received_at"))

    op.drop_table("sta_mqtt_receipts")
