"""SQL for the NGSI-LD export: where each station stands, and the car parks' latest readings (dialect-neutral).

A car park is a Thing with a Datastream whose ObservedProperty is named ``occupancy`` (cars); its capacity is the
Datastream's ``properties.capacity``, else the Thing's (``citybrain import parking`` keeps it there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.models.sensing import Datastream, Location, Observation, ObservedProperty, Thing, ThingLocation

OCCUPANCY = "occupancy"


def thing_points(session: Session, thing_ids: Sequence[int]) -> dict[int, tuple[float, float]]:
    """(lon, lat) of each Thing's first Location that has a point."""
    stmt = (
        select(ThingLocation.thing_id, Location.lon, Location.lat)
        .join(Location, Location.id == ThingLocation.location_id)
        .where(ThingLocation.thing_id.in_(list(thing_ids)), Location.lon.is_not(None), Location.lat.is_not(None))
        .order_by(ThingLocation.thing_id, Location.id)
    )
    found: dict[int, tuple[float, float]] = {}
    for thing_id, lon, lat in session.execute(stmt):
        if lon is not None and lat is not None:
            found.setdefault(int(thing_id), (float(lon), float(lat)))
    return found


@dataclass(frozen=True)
class CarPark:
    datastream_id: int
    thing_id: int
    code: str
    name: str
    capacity: int | None


def car_parks(session: Session) -> list[CarPark]:
    stmt = (
        select(Datastream.id, Thing.id, Thing.name, Thing.description, Datastream.properties, Thing.properties)
        .join(Thing, Thing.id == Datastream.thing_id)
        .join(ObservedProperty, ObservedProperty.id == Datastream.observed_property_id)
        .where(ObservedProperty.name == OCCUPANCY)
        .order_by(Thing.name, Datastream.id)
    )
    parks = []
    for ds_id, thing_id, name, description, ds_props, thing_props in session.execute(stmt):
        capacity = (ds_props or {}).get("capacity") or (thing_props or {}).get("capacity")
        label = (thing_props or {}).get("name") or description or name
        parks.append(CarPark(int(ds_id), int(thing_id), str(name), str(label), int(capacity) if capacity else None))
    return parks


def latest_readings(
    session: Session, datastream_id: int, *, until: datetime | None, limit: int = 50
) -> list[tuple[datetime, float, Any]]:
    """The newest ``limit`` numeric readings at or before ``until``, newest first: (time, value, resultQuality)."""
    stmt = select(Observation.phenomenon_time_start, Observation.result_number, Observation.result_quality).where(
        Observation.datastream_id == datastream_id, Observation.result_number.is_not(None)
    )
    if until is not None:
        stmt = stmt.where(Observation.phenomenon_time_start <= until)
    stmt = stmt.order_by(Observation.phenomenon_time_start.desc(), Observation.id.desc()).limit(limit)
    return [(r[0], float(r[1]), r[2]) for r in session.execute(stmt)]
