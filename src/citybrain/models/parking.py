"""Barrier-free car parks (无杆停车): car parks with their tariffs, gate keys, gate reads, sessions, bills, passes.

Money is integer fen (分) everywhere. A read is never deleted: its outcome (open, close, duplicate, orphan_exit)
and the rule that decided it stay on the row, and a staff correction is added to the session's ``history``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class CarPark(Base):
    """A car park (停车场): its place, capacity, clock and tariff (the JSON of ``scenarios.parking.tariff.Tariff``)."""

    __tablename__ = "parking_car_parks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    capacity: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str | None] = mapped_column(String(64))  # None: the city's
    tariff: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GateKey(Base):
    """An API key of role ``gate`` and the one car park whose reads it may post (道闸密钥)."""

    __tablename__ = "parking_gate_keys"

    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True)
    car_park_id: Mapped[int] = mapped_column(ForeignKey("parking_car_parks.id", ondelete="CASCADE"), index=True)


class ParkingSession(Base):
    """One stay (停车记录): an entry and, once seen, its exit. ``status`` open | closed | missed_exit (the plate came
    in again before an exit was seen) | orphan_exit (an exit with no entry) | void (undone by staff)."""

    __tablename__ = "parking_sessions"
    __table_args__ = (Index("ix_parking_sessions_key_status", "plate_key", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    plate: Mapped[str] = mapped_column(String(16))
    plate_key: Mapped[str] = mapped_column(String(16))
    car_park_id: Mapped[int] = mapped_column(ForeignKey("parking_car_parks.id"), index=True)
    exit_car_park_id: Mapped[int | None] = mapped_column(ForeignKey("parking_car_parks.id"))
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exit_plate: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    match_rule: Mapped[str | None] = mapped_column(String(32))
    match_confidence: Mapped[float | None] = mapped_column(Float)
    review: Mapped[bool] = mapped_column(Boolean, default=False)
    overstay: Mapped[bool] = mapped_column(Boolean, default=False)
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)


class GateEvent(Base):
    """One read at a gate as it came, and what the pairing made of it."""

    __tablename__ = "parking_events"
    __table_args__ = (Index("ix_parking_events_park_at", "car_park_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    car_park_id: Mapped[int] = mapped_column(ForeignKey("parking_car_parks.id"))
    gate: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    plate: Mapped[str] = mapped_column(String(16))
    plate_read: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    confidence: Mapped[float] = mapped_column(Float)
    image_ref: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    session_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # open | close | duplicate | orphan_exit
    rule: Mapped[str] = mapped_column(String(32))
    explanation: Mapped[str] = mapped_column(String(500))


class ParkingBill(Base):
    """The bill of one closed session, to the plate's account (先离场后付费). ``status`` unpaid | paid | void."""

    __tablename__ = "parking_bills"
    __table_args__ = (Index("ix_parking_bills_plate_status", "plate", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    plate: Mapped[str] = mapped_column(String(16))
    car_park_id: Mapped[int] = mapped_column(ForeignKey("parking_car_parks.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ParkingPass(Base):
    """A monthly pass (月卡) for one car park or every one (``car_park_id`` None), or an exempt vehicle (免费车辆)."""

    __tablename__ = "parking_passes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), index=True)
    car_park_id: Mapped[int | None] = mapped_column(ForeignKey("parking_car_parks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # monthly | exempt
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
