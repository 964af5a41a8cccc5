"""The access log of personal data (个人信息访问记录, PIPL): who saw a citizen's data unmasked, when and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class AccessLogEntry(Base):
    """One unmasked read (``read``) or export (``export``) of one case's personal data by one caller.

    ``case_id`` carries no foreign key: the record of who saw a citizen's data outlives what is done to the case.
    ``principal`` is the key's (or user's) name as it was then; ``reason`` what the caller gave (``?reason=`` or
    ``X-Access-Reason``), ``route`` the method and path template that served it.
    """

    __tablename__ = "pii_access_log"
    __table_args__ = (
        Index("ix_pii_access_log_case_at", "case_id", "at"),
        Index("ix_pii_access_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    case_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    principal: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    route: Mapped[str] = mapped_column(String(200))
