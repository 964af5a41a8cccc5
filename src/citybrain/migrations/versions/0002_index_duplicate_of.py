"""Index cases.duplicate_of: merged-case look-ups, and deleting cases without a scan per row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_duplicate_of", "cases", ["duplicate_of"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_duplicate_of", table_name="cases")
