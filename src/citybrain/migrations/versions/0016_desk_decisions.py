"""Desk decisions: a dispatcher's category decision on a queued case, kept as a labelled example for retraining.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "desk_decisions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("category_code", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("suggested_label", sa.String(length=200), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=False),
        sa.Column("decided_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reject_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_desk_decisions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_decisions")),
    )
    op.create_index("ix_desk_decisions_case_id_id", "desk_decisions", ["case_id", "id"], unique=False)
    op.create_index(op.f("ix_desk_decisions_decided_at"), "desk_decisions", ["decided_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_desk_decisions_decided_at"), table_name="desk_decisions")
    op.drop_index("ix_desk_decisions_case_id_id", table_name="desk_decisions")
    op.drop_table("desk_decisions")
