"""Online services (互联网+政务服务): the catalogue, applications with their audit, and attachments by content hash."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class OnlineService(Base):
    """One service of the catalogue (办事指南): who decides, in how many working days (法定时限), what to bring
    (申请材料), the form's fields and who is eligible (the JSON of ``services.catalogue.ServiceSpec``)."""

    __tablename__ = "online_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    legal_days: Mapped[int] = mapped_column(Integer)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServiceApplication(Base):
    """An application (申请) and where it stands: 受理 → 审查 → 决定 → 送达, its clock in working days.

    ``due_on`` is the last day of the legal limit, counted from ``accepted_on``; while the applicant supplies
    missing materials (补正, ``paused_on`` set) the clock stops, and the working days it stood are added to
    ``paused_days`` and to ``due_on`` when the materials arrive.
    """

    __tablename__ = "service_applications"
    __table_args__ = (
        Index("ix_service_applications_department_state", "department_id", "state"),
        Index("ix_service_applications_decided_on", "decided_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # the applicant's tracking number (办件编号)
    service_id: Mapped[int] = mapped_column(ForeignKey("online_services.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    state: Mapped[str] = mapped_column(String(24))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_phone: Mapped[str | None] = mapped_column(String(64))
    applicant_id_number: Mapped[str | None] = mapped_column(String(32))
    form: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    paused_on: Mapped[date | None] = mapped_column(Date)
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    supplement_request: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(16))  # approved (准予) or refused (不予)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    days_used: Mapped[int | None] = mapped_column(Integer)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_method: Mapped[str | None] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ServiceApplicationEvent(Base):
    """One step of an application's life: who, when, from which state to which, and why (the audit)."""

    __tablename__ = "service_application_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)


class ServiceAttachment(Base):
    """A stored file, once per content (sha256), under ``<data_dir>/attachments/``."""

    __tablename__ = "service_attachments"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ServiceApplicationMaterial(Base):
    """A material (申请材料) of an application: which of the service's materials, which file."""

    __tablename__ = "service_application_materials"
    __table_args__ = (
        UniqueConstraint("application_id", "material", "sha256", name="uq_service_application_materials_file"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id", ondelete="CASCADE"), index=True)
    material: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(ForeignKey("service_attachments.sha256"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
