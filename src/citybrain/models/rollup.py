"""The cases' daily roll-up (日汇总): the KPI counters of each local receipt day, per value of one dimension.

Kept by :mod:`citybrain.cases.rollup_repository` (recomputed for the days whose cases changed, before it is read)
so that the cockpit's trends and ranking sum a few thousand rows instead of a window's cases (migration 0008).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class CaseRollup(Base):
    """One local day's counters (kpis.Tally's) for the cases whose ``dim`` column holds ``value``: ``dim`` is
    ``""`` (every case of the day, ``value`` empty), ``department`` (the department's id as text), ``district``,
    ``category`` (the case's own code), ``channel`` or ``request_type``; a NULL ``value`` counts the cases without
    one."""

    __tablename__ = "case_rollup"
    __table_args__ = (Index("ix_case_rollup_dim_day", "dim", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    dim: Mapped[str] = mapped_column(String(16))
    value: Mapped[str | None] = mapped_column(String(64))
    received: Mapped[int] = mapped_column(BigInteger)
    dispatched: Mapped[int] = mapped_column(BigInteger)
    response_due: Mapped[int] = mapped_column(BigInteger)
    accepted_on_time: Mapped[int] = mapped_column(BigInteger)
    resolved: Mapped[int] = mapped_column(BigInteger)
    closed: Mapped[int] = mapped_column(BigInteger)
    callbacks: Mapped[int] = mapped_column(BigInteger)
    resolution_answers: Mapped[int] = mapped_column(BigInteger)
    resolved_yes: Mapped[int] = mapped_column(BigInteger)
    scored: Mapped[int] = mapped_column(BigInteger)
    score_sum: Mapped[int] = mapped_column(BigInteger)
    satisfied: Mapped[int] = mapped_column(BigInteger)
    overdue: Mapped[int] = mapped_column(BigInteger)
    overdue_open: Mapped[int] = mapped_column(BigInteger)
    rejected: Mapped[int] = mapped_column(BigInteger)
    reopened: Mapped[int] = mapped_column(BigInteger)
    #: The medians' durations (whole microseconds, comma-separated, in no order) of 签收 and 办结, on the rows of
    #: ``dim`` "" and ``department`` only: a median is not a sum, so every duration is kept, per day.
    accept_us: Mapped[str | None] = mapped_column(Text)
    resolve_us: Mapped[str | None] = mapped_column(Text)


class CaseRollupState(Base):
    """Where the roll-up stands (one row): the UTC offset its days are local to, the time its deadline-dependent
    counters are judged at (``as_of``), the wall-clock time of its last refresh and the highest case id seen."""

    __tablename__ = "case_rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset_minutes: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_case_id: Mapped[int] = mapped_column(BigInteger)
