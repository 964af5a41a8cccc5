"""Online services (互联网+政务服务): the catalogue, applications with their events (audit) and materials, and
attachments stored by content hash.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import citybrain.core.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, citybrain.core.types.UTCDateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{target.split('.')[0]}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "online_services",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("legal_days", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _at("updated_at", nullable=False),
        _fk("online_services", "department_id", "departments.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_online_services")),
        sa.UniqueConstraint("code", name=op.f("uq_online_services_code")),
    )
    op.create_index("ix_online_services_department_id", "online_services", ["department_id"])
    op.create_table(
        "service_applications",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_phone", sa.String(length=64), nullable=True),
        sa.Column("applicant_id_number", sa.String(length=32), nullable=True),
        sa.Column("form", sa.JSON(), nullable=False),
        _at("submitted_at", nullable=False),
        _at("updated_at", nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("paused_on", sa.Date(), nullable=True),
        sa.Column("paused_days", sa.Integer(), nullable=False),
        sa.Column("supplement_request", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("days_used", sa.Integer(), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        _at("delivered_at"),
        sa.Column("delivery_method", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("service_applications", "service_id", "online_services.id"),
        _fk("service_applications", "department_id", "departments.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_applications")),
        sa.UniqueConstraint("code", name=op.f("uq_service_applications_code")),
    )
    op.create_index("ix_service_applications_service_id", "service_applications", ["service_id"])
    op.create_index("ix_service_applications_department_state", "service_applications", ["department_id", "state"])
    op.create_index("ix_service_applications_decided_on", "service_applications", ["decided_on"])
    op.create_table(
        "service_application_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("application_id", _ID, nullable=False),
        _at("at", nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=True),
        sa.Column("to_state", sa.String(length=24), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _fk("service_application_events", "application_id", "service_applications.id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_application_events")),
    )
    op.create_index("ix_service_application_events_application_id", "service_application_events", ["application_id"])
    op.create_table(
        "service_attachments",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        _at("created_at", nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_service_attachments")),
    )
    op.create_table(
        "service_application_materials",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("application_id", _ID, nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        _at("added_at", nullable=False),
        _fk("service_application_materials", "application_id", "service_applications.id", "CASCADE"),
        _fk("service_application_materials", "sha256", "service_attachments.sha256"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_application_materials")),
        sa.UniqueConstraint("application_id", "material", "sha256", name="uq_service_application_materials_file"),
    )
    op.create_index(
        "ix_service_application_materials_application_id", "service_application_materials", ["application_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_service_application_materials_application_id", table_name="service_application_materials")
    op.drop_table("service_application_materials")
    op.drop_table("service_attachments")
    op.drop_index("ix_service_application_events_application_id", table_name="service_application_events")
    op.drop_table("service_application_events")
    op.drop_index("ix_service_applications_decided_on", table_name="service_applications")
    op.drop_index("ix_service_applications_department_state", table_name="service_applications")
    op.drop_index("ix_service_applications_service_id", table_name="service_applications")
    op.drop_table("service_applications")
    op.drop_index("ix_online_services_department_id", table_name="online_services")
    op.drop_table("online_services")
