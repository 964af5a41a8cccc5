"""The cases' daily roll-up (日汇总) for the cockpit, and the indexes that keep it and the ranking quick.

``case_rollup`` holds the KPI counters per local receipt day and value of one dimension (all cases, department,
district, category, channel, request type) and, for all cases and per department, the medians' durations;
``case_rollup_state`` where it stands. The indexes find what changed since the last
refresh (``updated_at``; sign-for deadlines passed, ``accept_due_at``) and answer the ranking's median time to
resolve from the index alone (``created_at, department_id, resolved_at``). The roll-up is filled on its first
read (cases/rollup_repository.py), not here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
COUNTERS = (
    "received", "dispatched", "response_due", "accepted_on_time", "resolved", "closed", "callbacks",
    "resolution_answers", "resolved_yes", "scored", "score_sum", "satisfied", "overdue", "overdue_open",
    "rejected", "reopened",
)  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "case_rollup",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dim", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=True),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in COUNTERS),
        sa.Column("accept_us", sa.Text(), nullable=True),
        sa.Column("resolve_us", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_rollup")),
    )
    op.create_index("ix_case_rollup_dim_day", "case_rollup", ["dim", "day"], unique=False)
    op.create_table(
        "case_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("as_of", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("max_case_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_rollup_state")),
    )
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"], unique=False)
    op.create_index("ix_cases_accept_due_at", "cases", ["accept_due_at"], unique=False)
    op.create_index("ix_cases_resolve", "cases", ["created_at", "department_id", "resolved_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_resolve", table_name="cases")
    op.drop_index("ix_cases_accept_due_at", table_name="cases")
    op.drop_index("ix_cases_updated_at", table_name="cases")
    op.drop_table("case_rollup_state")
    op.drop_index("ix_case_rollup_dim_day", table_name="case_rollup")
    op.drop_table("case_rollup")
