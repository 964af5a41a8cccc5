"""SQL for stored car parks: their ``occupancy`` Datastreams (both importers name it so, with the capacity in its
properties) and each one's latest Observation. Dialect-neutral; readings themselves come through
``air_repository.readings`` (any numeric Observation of the given Datastreams)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.models.sensing import RESULT_INTEGER, RESULT_NUMBER, Datastream, Observation, ObservedProperty, Thing

OCCUPANCY = "occupancy"


@dataclass(frozen=True)
class CarParkStream:
    """One car park's occupancy Datastream, its Thing's name and properties, its capacity (None: not given)."""

    datastream_id: int
    code: str
    capacity: int | None
    thing_properties: dict[str, Any]


@dataclass(frozen=True)
class LatestReading:
    time: datetime
    occupancy: float
    quality: Any


def car_park_streams(session: Session) -> list[CarParkStream]:
    """Every Datastream whose ObservedProperty is ``occupancy``, ordered by car park."""
    stmt = (
        select(Datastream.id, Thing.name, Datastream.properties, Thing.properties)
        .join(Thing, Thing.id == Datastream.thing_id)
        .join(ObservedProperty, ObservedProperty.id == Datastream.observed_property_id)
        .where(ObservedProperty.name == OCCUPANCY)
        .order_by(Thing.name, Datastream.id)
    )
    found = []
    for stream_id, name, stream_props, thing_props in session.execute(stmt):
        capacity = (stream_props or {}).get("capacity")
        found.append(
            CarParkStream(int(stream_id), str(name), int(capacity) if capacity is not None else None,
                          dict(thing_props or {}))
        )  # fmt: skip
    return found


def latest_reading(session: Session, datastream_id: int) -> LatestReading | None:
    """The Datastream's newest numeric Observation (by phenomenonTime; the later stored on a tie)."""
    stmt = (
        select(Observation.phenomenon_time_start, Observation.result_number, Observation.result_quality)
        .where(
            Observation.datastream_id == datastream_id,
            Observation.result_type.in_((RESULT_NUMBER, RESULT_INTEGER)),
            Observation.result_number.is_not(None),
        )
        .order_by(Observation.phenomenon_time_start.desc(), Observation.id.desc())
        .limit(1)
    )
    row = session.execute(stmt).first()
    return None if row is None else LatestReading(row[0], float(row[1]), row[2])
