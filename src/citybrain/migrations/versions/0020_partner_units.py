"""Partner units (社会协同单位): a department row gets a kind (government, or a unit outside government —
enterprise, property manager, utility, contractor, social organisation) and the government department that
supervises it (主管部门).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("departments", sa.Column("kind", sa.String(length=16), nullable=False, server_default="government"))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place (a batch copy of ``departments`` would trip the
        # foreign keys of every table pointing at it)
        op.execute("ALTER TABLE departments ADD COLUMN supervisor_id INTEGER REFERENCES departments (id)")
    else:
        op.add_column("departments", sa.Column("supervisor_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_departments_supervisor_id_departments"), "departments", "departments", ["supervisor_id"], ["id"]
        )
    op.create_index(op.f("ix_departments_supervisor_id"), "departments", ["supervisor_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_departments_supervisor_id"), table_name="departments")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("fk_departments_supervisor_id_departments"), "departments", type_="foreignkey")
    op.drop_column("departments", "supervisor_id")  # SQLite ≥ 3.35 drops a column in place
    op.drop_column("departments", "kind")
