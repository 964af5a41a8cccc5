"""Index the cockpit's counts: cases by receipt time with the columns it groups by (a covering index).

The cockpit (城市运行驾驶舱) counts the cases of a window per category, district, channel, request type, department
and ~550 m bin; with these columns in the index both databases answer from the index alone, without reading the
case rows (bench/cockpit.py, 1,000,000 cases).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = ["created_at", "category_code", "district_code", "channel", "request_type", "department_id", "lat", "lon"]


def upgrade() -> None:
    op.create_index("ix_cases_cockpit", "cases", COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_cockpit", table_name="cases")
