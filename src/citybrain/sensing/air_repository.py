"""SQL for stored air readings: the pollutant Datastreams of the stations and their hourly Observations.

Naming convention (shared with ``citybrain import air``): a station is a Thing named as the Beijing files' ``station``
column; each pollutant is a Datastream of that Thing whose ObservedProperty ``name`` is the pollutant code as the files
spell it (PM2.5, PM10, SO2, NO2, CO, O3); its ``unitOfMeasurement.symbol`` says what was measured (µg/m³, or mg/m³ —
CO in either). Dialect-neutral: a plain join, filtered on indexed columns; the quality filter runs in Python.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.models.sensing import (
    RESULT_INTEGER,
    RESULT_NUMBER,
    Datastream,
    Location,
    Observation,
    ObservedProperty,
    Thing,
    ThingLocation,
)

POLLUTANTS: tuple[str, ...] = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3")


@dataclass(frozen=True)
class AirStream:
    """One pollutant Datastream of one station."""

    datastream_id: int
    station: str
    pollutant: str
    unit: str
    thing_id: int
    thing_properties: dict[str, Any]


def air_streams(session: Session, *, station: str | None = None) -> list[AirStream]:
    """Every pollutant Datastream (optionally of one station, by Thing name), ordered by station and pollutant."""
    stmt = (
        select(Datastream.id, Thing.name, ObservedProperty.name, Datastream.unit_of_measurement, Thing.id,
               Thing.properties)
        .join(Thing, Thing.id == Datastream.thing_id)
        .join(ObservedProperty, ObservedProperty.id == Datastream.observed_property_id)
        .where(ObservedProperty.name.in_(POLLUTANTS))
    )  # fmt: skip
    if station is not None:
        stmt = stmt.where(Thing.name == station)
    rows = session.execute(stmt.order_by(Thing.name, ObservedProperty.name, Datastream.id)).all()
    return [
        AirStream(int(r[0]), str(r[1]), str(r[2]), str((r[3] or {}).get("symbol", "")), int(r[4]), dict(r[5] or {}))
        for r in rows
    ]


def readings(
    session: Session, datastream_ids: Sequence[int], *, start: datetime | None, end: datetime | None
) -> Iterator[tuple[int, datetime, float, Any]]:
    """(datastream id, phenomenon time, numeric result, resultQuality) in ``[start, end)``, in insertion order
    (a later reading of the same hour wins)."""
    for chunk in range(0, len(datastream_ids), 500):
        ids = list(datastream_ids[chunk : chunk + 500])
        stmt = select(
            Observation.datastream_id,
            Observation.phenomenon_time_start,
            Observation.result_number,
            Observation.result_quality,
        ).where(
            Observation.datastream_id.in_(ids),
            Observation.result_type.in_((RESULT_NUMBER, RESULT_INTEGER)),
            Observation.result_number.is_not(None),
        )
        if start is not None:
            stmt = stmt.where(Observation.phenomenon_time_start >= start)
        if end is not None:
            stmt = stmt.where(Observation.phenomenon_time_start < end)
        for row in session.execute(stmt.order_by(Observation.id)):
            yield int(row[0]), row[1], float(row[2]), row[3]


def station_points(session: Session) -> dict[str, tuple[float, float]]:
    """Each Thing's name → its Location's point (lat, lon), for Things that have a located Location."""
    stmt = (
        select(Thing.name, Location.lat, Location.lon)
        .join(ThingLocation, ThingLocation.thing_id == Thing.id)
        .join(Location, Location.id == ThingLocation.location_id)
        .where(Location.lat.is_not(None), Location.lon.is_not(None))
    )
    return {
        str(r[0]): (float(r[1]), float(r[2])) for r in session.execute(stmt) if r[1] is not None and r[2] is not None
    }
