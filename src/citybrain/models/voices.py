"""What the public adds to a published request on the portal: 我也遇到 (me too) and comments (留言), kept apart
from the case so that the case's own record (events, contact) is never written by an anonymous caller."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class CaseMeToo(Base):
    """One 我也遇到 on a case; ``voter`` is a SHA-256 prefix of the client address, never the address itself."""

    __tablename__ = "case_me_toos"
    __table_args__ = (UniqueConstraint("case_id", "voter", name="uq_case_me_toos_case_voter"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    voter: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseComment(Base):
    """A citizen's comment on a public request, held (``held``) until a moderator approves or rejects it.

    ``text`` is kept as written for the moderator; the public sees it masked. ``author`` is a SHA-256 prefix of
    the client address (it tells citizens apart for the hot-issue count), ``moderator`` the staff key's name.
    """

    __tablename__ = "case_comments"
    __table_args__ = (Index("ix_case_comments_status_at", "status", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    author: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="held")
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderator: Mapped[str | None] = mapped_column(String(128))
