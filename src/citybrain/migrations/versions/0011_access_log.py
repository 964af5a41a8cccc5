"""The access log of personal data (PIPL): who read or exported a citizen's data unmasked; when a case's personal
data was purged after its retention period; a per-key rate limit on API keys.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pii_access_log",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pii_access_log")),
    )
    op.create_index("ix_pii_access_log_case_at", "pii_access_log", ["case_id", "at"], unique=False)
    op.create_index("ix_pii_access_log_at", "pii_access_log", ["at"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pii_purged_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_limit_per_minute", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("rate_limit_per_minute")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("pii_purged_at")
    op.drop_index("ix_pii_access_log_at", table_name="pii_access_log")
    op.drop_index("ix_pii_access_log_case_at", table_name="pii_access_log")
    op.drop_table("pii_access_log")
