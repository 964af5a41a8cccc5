"""Portal voices: 我也遇到 (me too) and moderated comments on public requests; district indexes for the public list

The single-column ``ix_cases_district_code`` gives way to (district, status, created_at) — counting a district's
cases by status from the index — and (district, created_at) — a district's newest cases without sorting them all;
both start with the district, so every query by district alone still has its index.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_district_code"))
        batch_op.create_index("ix_cases_district_status_created", ["district_code", "status", "created_at"])
        batch_op.create_index("ix_cases_district_created", ["district_code", "created_at"])
    op.create_table(
        "case_me_toos",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("voter", sa.String(length=32), nullable=False),
        sa.Column("at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_me_toos_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_me_toos")),
        sa.UniqueConstraint("case_id", "voter", name="uq_case_me_toos_case_voter"),
    )
    op.create_table(
        "case_comments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("at", citybrain.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("moderated_at", citybrain.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("moderator", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_comments_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_comments")),
    )
    with op.batch_alter_table("case_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_comments_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_case_comments_status_at", ["status", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_case_comments_status_at")
        batch_op.drop_index(batch_op.f("ix_case_comments_case_id"))
    op.drop_table("case_comments")
    op.drop_table("case_me_toos")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_district_created")
        batch_op.drop_index("ix_cases_district_status_created")
        batch_op.create_index(batch_op.f("ix_cases_district_code"), ["district_code"], unique=False)
