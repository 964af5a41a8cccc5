"""Grid management tables (网格化管理): cells, grid workers (网格员) and their cells, inspections, patrols."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class GridCell(Base):
    """A grid cell (网格): a polygon of the city with its community (社区); the bounding box lets SQL narrow a
    point's search before shapely decides."""

    __tablename__ = "grid_cells"
    __table_args__ = (Index("ix_grid_cells_bbox", "min_lat", "max_lat", "min_lon", "max_lon"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    district_code: Mapped[str | None] = mapped_column(ForeignKey("districts.code"))
    community: Mapped[str | None] = mapped_column(String(200))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    min_lon: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GridWorker(Base):
    """A grid worker (网格员); ``api_key_id`` is the key the worker files with (one key, one worker)."""

    __tablename__ = "grid_workers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GridAssignment(Base):
    """A cell a worker is responsible for (责任网格); a cell may have several workers."""

    __tablename__ = "grid_assignments"

    worker_id: Mapped[int] = mapped_column(ForeignKey("grid_workers.id", ondelete="CASCADE"), primary_key=True)
    cell_code: Mapped[str] = mapped_column(ForeignKey("grid_cells.code", ondelete="CASCADE"), primary_key=True)


class Inspection(Base):
    """A problem a worker found on patrol (巡查发现): the case it became, where, and — when the worker fixed it
    there and then — the on-the-spot record (就地解决)."""

    __tablename__ = "inspections"
    __table_args__ = (
        Index("ix_inspections_cell_found", "cell_code", "found_at"),
        Index("ix_inspections_worker_found", "worker_id", "found_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("grid_workers.id"))
    cell_code: Mapped[str] = mapped_column(ForeignKey("grid_cells.code"))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    photo_ref: Mapped[str | None] = mapped_column(String(1000))
    on_spot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_spot_record: Mapped[str | None] = mapped_column(Text)
    on_spot_photo_ref: Mapped[str | None] = mapped_column(String(1000))


class PatrolPlan(Base):
    """巡查计划: a worker is to walk a cell on a day."""

    __tablename__ = "patrol_plans"
    __table_args__ = (
        UniqueConstraint("worker_id", "cell_code", "day", name="uq_patrol_plans_worker_cell_day"),
        Index("ix_patrol_plans_day", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("grid_workers.id", ondelete="CASCADE"))
    cell_code: Mapped[str] = mapped_column(ForeignKey("grid_cells.code", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(128))


class PatrolVisit(Base):
    """巡查打卡: a worker was in a cell at a moment (a check-in, or an inspection filed there)."""

    __tablename__ = "patrol_visits"
    __table_args__ = (
        Index("ix_patrol_visits_cell_at", "cell_code", "at"),
        Index("ix_patrol_visits_worker_at", "worker_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("grid_workers.id", ondelete="CASCADE"))
    cell_code: Mapped[str] = mapped_column(ForeignKey("grid_cells.code", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
