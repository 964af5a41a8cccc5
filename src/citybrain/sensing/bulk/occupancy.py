"""Car-park occupancy (停车场占用) into SensorThings, each reading marked with its quality — the shape
``citybrain import parking`` gives a Birmingham file, for readings that come as series rather than a file (the Demo
City's car parks, ``citybrain demo``).

One Thing per car park (found by name, else created) with a Location at its point; one Datastream ``occupancy``
(OM_CountObservation, unit vehicle, the capacity in its properties); one Observation per reading. Each car park's
readings go through the fault detector (``analytics.sensor_faults.detect_counter``) on the car park's own local
clock, and each Observation's ``resultQuality`` is the worst fault that concerns it (:func:`quality_marks`), or
``{"qartod": 1, "flag": "pass"}``. Idempotent: a reading whose Datastream already holds an Observation at the same
phenomenonTime is skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citybrain.analytics.sensor_faults import FaultReport, detect_counter
from citybrain.core import clock
from citybrain.models import Observation
from citybrain.models.sensing import RESULT_INTEGER
from citybrain.sensing import repository as sta
from citybrain.sensing.bulk import repository

OM_COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
UNIT_VEHICLE = {"name": "vehicle", "symbol": "vehicle", "definition": "urn:citybrain:unit:vehicle"}
PASS = {"qartod": 1, "flag": "pass"}
OCCUPANCY = "occupancy"


def quality_marks(report: FaultReport, readings: int, flags: Counter[str]) -> list[dict[str, Any]]:
    """Each reading's ``resultQuality``: the worst fault that concerns it (on a tie, the later one), with every kind
    that concerns it listed under ``faults``; ``pass`` when none does. ``flags`` counts the readings per kind."""
    quality: list[dict[str, Any]] = [PASS] * readings
    kinds: dict[int, list[str]] = {}
    for fault in sorted(report.faults, key=lambda f: f.quality):
        for i in range(fault.first, fault.stop):
            quality[i] = fault.result_quality() | {"faults": kinds.setdefault(i, [])}
            kinds[i].append(fault.kind)
            flags[fault.kind] += 1
    return quality


def occupancy_values(thing_id: int, sensor_id: int, observed_property_id: int, *, code: str, name: str,
                     capacity: int) -> dict[str, Any]:  # fmt: skip
    """The ``occupancy`` Datastream of a car park, as both importers make it."""
    return {
        "name": OCCUPANCY,
        "description": f"vehicles parked in {name}, about every 30 min",
        "unit_of_measurement": UNIT_VEHICLE,
        "observation_type": OM_COUNT,
        "properties": {"capacity": capacity, "code": code},
        "thing_id": thing_id,
        "sensor_id": sensor_id,
        "observed_property_id": observed_property_id,
    }


def occupancy_property(session: Session) -> int:
    prop = repository.observed_property(
        session, OCCUPANCY, "urn:citybrain:observed-property:occupancy", "vehicles parked in the car park"
    )
    return int(prop.id)


@dataclass(frozen=True)
class CarParkSeries:
    """One car park's readings in the order they arrived: aware times, vehicles parked."""

    code: str
    name: str
    lat: float
    lon: float
    capacity: int
    timezone: str  # the car park's local clock: the detector's active hours are read on it
    times: Sequence[datetime]
    occupancy: Sequence[float]
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class OccupancySummary:
    car_parks: int = 0
    things_created: int = 0
    datastreams_created: int = 0
    imported: int = 0
    skipped: int = 0
    flags: Counter[str] = field(default_factory=Counter)


def store_occupancy(session: Session, parks: Iterable[CarParkSeries], *, sensor_name: str) -> OccupancySummary:
    """Store every car park's readings, marked (flushes, never commits)."""
    summary = OccupancySummary()
    before = int(session.scalar(select(func.coalesce(func.max(Observation.id), 0))) or 0)
    now = clock.utcnow()
    sensor = repository.sensor(session, sensor_name, f"entry/exit counter of {sensor_name}", "")
    prop_id = occupancy_property(session)
    with repository.sqlite_cache(session):
        for park in parks:
            _car_park(session, park, int(sensor.id), prop_id, before, now, summary)
            summary.car_parks += 1
    session.flush()
    return summary


def _car_park(
    session: Session, park: CarParkSeries, sensor_id: int, prop_id: int, before: int, now: datetime,
    summary: OccupancySummary,
) -> None:  # fmt: skip
    properties = {"kind": "car_park", "code": park.code, "name": park.name, "timezone": park.timezone}
    thing, created = repository.thing(session, park.code, f"car park {park.name}", properties | park.properties)
    summary.things_created += created
    thing_id = int(thing.id)
    repository.place(session, thing_id, park.name, park.lon, park.lat, now)
    feature_id = repository.feature(session, thing_id, park.code)
    values = occupancy_values(thing_id, sensor_id, prop_id, code=park.code, name=park.name, capacity=park.capacity)
    datastream, made = repository.datastream(session, values)
    summary.datastreams_created += made
    if not park.times:
        return
    zone = clock.city_zone(park.timezone)
    local = np.array([int(t.astimezone(zone).replace(tzinfo=UTC).timestamp()) for t in park.times], dtype=np.int64)
    readings = np.asarray(park.occupancy, dtype=np.float64)
    quality = quality_marks(detect_counter(local, readings, park.capacity), readings.size, summary.flags)
    _write(session, int(datastream.id), feature_id, park, quality, before, summary)


def _write(
    session: Session, datastream_id: int, feature_id: int, park: CarParkSeries, quality: list[dict[str, Any]],
    before: int, summary: OccupancySummary,
) -> None:  # fmt: skip
    times = [clock.as_utc(t) for t in park.times]
    first, last = min(times), max(times)
    stored = repository.stored_times(session, datastream_id, first, last, before)
    rows = [
        (datastream_id, feature_id, when, RESULT_INTEGER, float(value), quality[i])
        for i, (when, value) in enumerate(zip(times, park.occupancy, strict=True))
        if int(when.timestamp()) not in stored
    ]
    summary.skipped += len(times) - len(rows)
    repository.insert_observations(session, rows)
    summary.imported += len(rows)
    if rows:
        sta.widen_datastream_times(session, datastream_id, (first, last), (None, None))
