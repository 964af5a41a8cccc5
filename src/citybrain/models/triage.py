"""What intake's reading of a message suggests to a person: a likely duplicate, a category or place to confirm."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class CaseSuggestion(Base):
    """A suggestion about a case that a person accepts or dismisses — never applied silently.

    ``kind`` is ``duplicate`` (``target_case_id`` is the open case it likely repeats), ``category`` or ``place``.
    ``evidence`` says why: similarity, shared shingles, distance, time apart, the model's confidence.
    """

    __tablename__ = "case_suggestions"
    __table_args__ = (Index("ix_case_suggestions_case_kind", "case_id", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    target_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | accepted | dismissed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeskDecision(Base):
    """A dispatcher's category decision on a queued case (人工派单) — confirmed or changed — kept as a labelled
    example for ``citybrain classify retrain``.

    The message text is not copied here: retraining reads it from the case, so a purge of personal data reaches
    it. ``label`` is the category in the label space of the model that was running (``triage.queue.desk_label``).
    The decision stops teaching when it is reversed: a later decision on the same case, the case's category
    changed since, a 退单 since (``reject_count`` was lower), or the case found invalid.
    """

    __tablename__ = "desk_decisions"
    __table_args__ = (Index("ix_desk_decisions_case_id_id", "case_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    category_code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    suggested_label: Mapped[str | None] = mapped_column(String(200))
    confidence: Mapped[float | None] = mapped_column(Float)
    decided_by: Mapped[str] = mapped_column(String(128))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reject_count: Mapped[int] = mapped_column(Integer, default=0)
