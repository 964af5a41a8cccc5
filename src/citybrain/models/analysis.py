"""Stored results of the insight plane: one run of an analysis and its ranked results.

Associations, hot issues, warnings and reports all write here, so the dashboard and the API show a result with its
parameters and member cases long after the run that computed it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class AnalysisRun(Base):
    """One execution of an analysis (``kind``: associations, hot_issues, warnings, replies, report …)."""

    __tablename__ = "analysis_runs"
    __table_args__ = (Index("ix_analysis_runs_kind_started", "kind", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(500), default="database")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class AnalysisResult(Base):
    """One ranked item of a run: a rule, a hot issue, a cluster, a report row — with its evidence."""

    __tablename__ = "analysis_results"
    __table_args__ = (Index("ix_analysis_results_run_rank", "run_id", "rank"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(300))
    score: Mapped[float | None] = mapped_column(Float)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    case_ids: Mapped[list[Any] | None] = mapped_column(JSON)
