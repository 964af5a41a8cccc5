"""OIDC sign-in (统一身份认证): a staff account's work e-mail, the provider's person linked to an account, and the
sign-ins under way (state, nonce, PKCE verifier kept server-side for a few minutes, used once).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_AT = citybrain.core.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_staff_users_email"), ["email"])
    op.create_table(
        "oidc_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("linked_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_users.id"], name=op.f("fk_oidc_links_user_id_staff_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_links")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_oidc_links_issuer")),
        sa.UniqueConstraint("user_id", "issuer", name=op.f("uq_oidc_links_user_id")),
    )
    op.create_table(
        "oidc_flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("next_url", sa.String(length=2000), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_flows")),
        sa.UniqueConstraint("state_hash", name=op.f("uq_oidc_flows_state_hash")),
    )
    op.create_index(op.f("ix_oidc_flows_created_at"), "oidc_flows", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_oidc_flows_created_at"), table_name="oidc_flows")
    op.drop_table("oidc_flows")
    op.drop_table("oidc_links")
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_staff_users_email"), type_="unique")
        batch_op.drop_column("email")
