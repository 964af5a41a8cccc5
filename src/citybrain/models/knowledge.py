"""The hotline knowledge base (政府热线知识库): items, each a chain of versions that pass review before publication."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class KnowledgeItem(Base):
    """One question and its official answer over time; its content lives in :class:`KnowledgeVersion` rows.

    ``source_kind`` says where the first draft came from — ``manual``, ``reply`` (an official reply in a file such as
    Teddy Cup 附件4, ``source_ref`` its 留言编号), ``case`` (a resolved case, ``source_ref`` its id) or ``document``
    — so seeding the same source twice adds nothing.
    """

    __tablename__ = "knowledge_items"
    __table_args__ = (UniqueConstraint("source_kind", "source_ref", name="uq_knowledge_items_source"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_kind: Mapped[str] = mapped_column(String(16), default="manual")
    source_ref: Mapped[str | None] = mapped_column(String(128))
    source_name: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KnowledgeVersion(Base):
    """One version of an item. ``status``: ``draft`` → ``reviewed`` → ``published`` → ``expired``; a published
    version that a newer one replaced is ``superseded`` (kept, readable: the item's history).

    The reviewer (审核人) is never the author; who reviewed and who published are recorded with the time.
    ``updated_at`` drives the search index's incremental refresh.
    """

    __tablename__ = "knowledge_versions"
    __table_args__ = (
        UniqueConstraint("item_id", "version", name="uq_knowledge_versions_item_version"),
        Index("ix_knowledge_versions_status_valid_to", "status", "valid_to"),
        Index("ix_knowledge_versions_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("knowledge_items.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    policy_basis: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(String(200))
    category_code: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(64))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(128))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(128))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # expired or superseded
