"""Hotline knowledge base (政府热线知识库): items and their reviewed, published and expired versions.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = citybrain.core.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "knowledge_items",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=128), nullable=True),
        sa.Column("source_name", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_items")),
        sa.UniqueConstraint("source_kind", "source_ref", name="uq_knowledge_items_source"),
    )
    op.create_table(
        "knowledge_versions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("item_id", _ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("policy_basis", sa.Text(), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("category_code", sa.String(length=64), nullable=True),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("reviewed_by", sa.String(length=128), nullable=True),
        sa.Column("reviewed_at", _AT, nullable=True),
        sa.Column("published_by", sa.String(length=128), nullable=True),
        sa.Column("published_at", _AT, nullable=True),
        sa.Column("ended_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["knowledge_items.id"],
            name=op.f("fk_knowledge_versions_item_id_knowledge_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_versions")),
        sa.UniqueConstraint("item_id", "version", name="uq_knowledge_versions_item_version"),
    )
    op.create_index("ix_knowledge_versions_status_valid_to", "knowledge_versions", ["status", "valid_to"])
    op.create_index("ix_knowledge_versions_updated_at", "knowledge_versions", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_knowledge_versions_updated_at", table_name="knowledge_versions")
    op.drop_index("ix_knowledge_versions_status_valid_to", table_name="knowledge_versions")
    op.drop_table("knowledge_versions")
    op.drop_table("knowledge_items")
