"""Joint handling tables: a case's parts (主办/协办) and its whistles (吹哨报到) with their summons."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class CasePart(Base):
    """One department's share of a joint case (联合办理): the lead's (主办) or an assisting one's (协办).

    Each part has its own deadline, sign-for, progress and reply, and its own ``version`` (optimistic lock), so
    two departments working on their own parts never block each other, while two changes of one part do.
    """

    __tablename__ = "case_parts"
    __table_args__ = (
        UniqueConstraint("case_id", "department_id", name="uq_case_parts_case_department"),
        Index("ix_case_parts_department_state", "department_id", "state"),
        Index("ix_case_parts_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[str] = mapped_column(String(8))  # lead (主办) or assist (协办)
    state: Mapped[str] = mapped_column(String(16))
    task: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress: Mapped[str | None] = mapped_column(Text)
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Whistle(Base):
    """吹哨: a street office or the dispatcher summons named departments to a case, to report in by a deadline."""

    __tablename__ = "whistles"
    __table_args__ = (Index("ix_whistles_called_at", "called_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    called_by: Mapped[str] = mapped_column(String(128))
    caller_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    called_at: Mapped[datetime] = mapped_column(UTCDateTime)
    report_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class WhistleSummons(Base):
    """报到: one summoned department of a whistle, and when (if ever) it reported in."""

    __tablename__ = "whistle_summons"
    __table_args__ = (
        UniqueConstraint("whistle_id", "department_id", name="uq_whistle_summons_whistle_department"),
        Index("ix_whistle_summons_department", "department_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    whistle_id: Mapped[int] = mapped_column(ForeignKey("whistles.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_by: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
