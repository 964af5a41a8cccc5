"""Case tables: the case itself, its citizen contact (PII kept apart), its events and callbacks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class Case(Base):
    """A citizen's request (诉求) from any channel, followed from receipt to close.

    ``version`` is the optimistic lock: every state change bumps it, and a change made against a stale
    version fails with 409 instead of overwriting someone else's.
    """

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("source", "source_key", name="uq_cases_source_key"),
        Index("ix_cases_created_at", "created_at"),
        Index("ix_cases_status_due", "status", "due_at"),
        # a district's cases, newest first, and counted by status (the portal's public list and map)
        Index("ix_cases_district_status_created", "district_code", "status", "created_at"),
        Index("ix_cases_district_created", "district_code", "created_at"),
        # the cockpit's counts of a window, answered from the index alone (migration 0007)
        Index(
            "ix_cases_cockpit",
            "created_at",
            "category_code",
            "district_code",
            "channel",
            "request_type",
            "department_id",
            "lat",
            "lon",
        ),  # fmt: skip
        # the daily roll-up's refresh: cases changed since, deadlines passed since (migration 0008)
        Index("ix_cases_updated_at", "updated_at"),
        Index("ix_cases_accept_due_at", "accept_due_at"),
        # the ranking's median time to resolve per department, answered from the index alone (migration 0008)
        Index("ix_cases_resolve", "created_at", "department_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32), default="api")
    source_key: Mapped[str | None] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    request_type: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"), index=True)
    source_category: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    zipcode: Mapped[str | None] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(32))
    grid: Mapped[str | None] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    sla_code: Mapped[str | None] = mapped_column(ForeignKey("sla_policies.code"))
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accept_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    status_notes: Mapped[str | None] = mapped_column(Text)
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    dislikes: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    reject_count: Mapped[int] = mapped_column(Integer, default=0)
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    media_url: Mapped[str | None] = mapped_column(String(1000))
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    # Intake's reading of the message (nlp): category with confidence, place, repeats, routing — the reasons.
    triage: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # True while the case waits in the human dispatch queue (the reading was not sure enough to dispatch).
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    # When `citybrain privacy purge` removed the citizen's personal data (retention, PIPL 存储期限); None: kept.
    pii_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class CaseContact(Base):
    """The citizen's personal data for one case, stored once and shown masked outside staff roles."""

    __tablename__ = "case_contacts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    id_number: Mapped[str | None] = mapped_column(String(32))
    account_id: Mapped[str | None] = mapped_column(String(128))
    device_id: Mapped[str | None] = mapped_column(String(128))


class CaseEvent(Base):
    """One change in a case's life: who, when, from which state to which, and why."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Callback(Base):
    """A check-back with the citizen (回访): was it resolved, how satisfied (1–5)."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    resolved: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(Text)
