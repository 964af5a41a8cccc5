"""Road traffic collision records (交通事故记录), as imported from police files, for traffic-safety scenarios."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class CollisionRecord(Base):
    """One collision: where, which vehicles doing what (``|``-separated, aligned), whether a pedestrian, cyclist or
    motorcyclist was hurt. ``source`` is the file format (nyc, stats19, canonical); ``collision_id`` the source's
    own reference, unique within the source, so importing a file twice adds nothing."""

    __tablename__ = "collision_records"
    __table_args__ = (
        UniqueConstraint("source", "collision_id", name="uq_collision_records_source_collision_id"),
        Index("ix_collision_records_source_occurred", "source", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(16))
    collision_id: Mapped[str] = mapped_column(String(64))
    occurred_on: Mapped[date | None] = mapped_column(Date)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    on_street: Mapped[str] = mapped_column(String(200), default="")
    cross_street: Mapped[str] = mapped_column(String(200), default="")
    at_junction: Mapped[bool] = mapped_column(Boolean, default=False)
    vehicle_types: Mapped[str] = mapped_column(String(500), default="")
    manoeuvres: Mapped[str] = mapped_column(String(500), default="")
    vulnerable_hurt: Mapped[bool] = mapped_column(Boolean, default=False)
    near_side: Mapped[str] = mapped_column(String(5))
    batch_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("import_batches.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
