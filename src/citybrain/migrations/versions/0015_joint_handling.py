"""Joint handling (联合办理): a case's parts for its lead (主办) and assisting (协办) departments; whistles
(吹哨报到) that summon departments to a case, with who reported in and when.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, citybrain.core.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "case_parts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        _at("created_at", nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        _at("updated_at", nullable=False),
        _at("due_at"),
        _at("accepted_at"),
        sa.Column("progress", sa.Text(), nullable=True),
        _at("progress_at"),
        sa.Column("reply", sa.Text(), nullable=True),
        _at("replied_at"),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        _at("refused_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_parts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_case_parts_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_parts")),
        sa.UniqueConstraint("case_id", "department_id", name="uq_case_parts_case_department"),
    )
    op.create_index("ix_case_parts_case_id", "case_parts", ["case_id"], unique=False)
    op.create_index("ix_case_parts_department_state", "case_parts", ["department_id", "state"], unique=False)
    op.create_index("ix_case_parts_created_at", "case_parts", ["created_at"], unique=False)
    op.create_table(
        "whistles",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("called_by", sa.String(length=128), nullable=False),
        sa.Column("caller_department_id", sa.Integer(), nullable=True),
        _at("called_at", nullable=False),
        _at("report_due_at", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_whistles_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["caller_department_id"],
            ["departments.id"],
            name=op.f("fk_whistles_caller_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whistles")),
    )
    op.create_index("ix_whistles_case_id", "whistles", ["case_id"], unique=False)
    op.create_index("ix_whistles_called_at", "whistles", ["called_at"], unique=False)
    op.create_table(
        "whistle_summons",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("whistle_id", _ID, nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        _at("reported_at"),
        sa.Column("reported_by", sa.String(length=128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["whistle_id"], ["whistles.id"], name=op.f("fk_whistle_summons_whistle_id_whistles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_whistle_summons_department_id_departments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whistle_summons")),
        sa.UniqueConstraint("whistle_id", "department_id", name="uq_whistle_summons_whistle_department"),
    )
    op.create_index("ix_whistle_summons_whistle_id", "whistle_summons", ["whistle_id"], unique=False)
    op.create_index("ix_whistle_summons_department", "whistle_summons", ["department_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_whistle_summons_department", table_name="whistle_summons")
    op.drop_index("ix_whistle_summons_whistle_id", table_name="whistle_summons")
    op.drop_table("whistle_summons")
    op.drop_index("ix_whistles_called_at", table_name="whistles")
    op.drop_index("ix_whistles_case_id", table_name="whistles")
    op.drop_table("whistles")
    op.drop_index("ix_case_parts_created_at", table_name="case_parts")
    op.drop_index("ix_case_parts_department_state", table_name="case_parts")
    op.drop_index("ix_case_parts_case_id", table_name="case_parts")
    op.drop_table("case_parts")
