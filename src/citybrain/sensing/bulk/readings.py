"""Plain readings — (station, lat, lon, quantity, unit, time, value) — into SensorThings, through the importers' fast
insert: what ``citybrain demo`` stores for the Demo City's air stations.

One Thing per station (found by name, else created) with a Location at its point; one Datastream per (station,
quantity) whose ObservedProperty is named by the quantity — the pollutant codes PM2.5, PM10, SO2, NO2, CO, O3, as the
AQI reader expects (``air_repository``) — and whose unit is the reading's (µg/m³; CO in mg/m³ or µg/m³). Quantities
other than the six pollutants are left out. Idempotent like the importers: a reading whose Datastream already holds
an Observation at the same phenomenonTime is skipped, so loading the same readings twice stores them once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.models import Observation
from citybrain.models.sensing import RESULT_NUMBER
from citybrain.sensing import repository as sta
from citybrain.sensing.air_repository import POLLUTANTS
from citybrain.sensing.bulk import repository
from citybrain.sensing.bulk.air import OM_MEASUREMENT, POLLUTANT_NAMES

#: (station, lat, lon, quantity, unit, time (aware datetime or ISO text with an offset), value)
Reading = tuple[str, float, float, str, str, datetime | str, float]
UNITS = {
    "µg/m³": {"name": "microgram per cubic metre", "symbol": "µg/m³",
              "definition": "http://qudt.org/vocab/unit/MicroGM-PER-M3"},
    "mg/m³": {"name": "milligram per cubic metre", "symbol": "mg/m³",
              "definition": "http://qudt.org/vocab/unit/MilliGM-PER-M3"},
}  # fmt: skip


@dataclass
class ReadingsSummary:
    """What one call stored: stations (Things) and Datastreams created, Observations stored and skipped."""

    stations: int = 0
    things_created: int = 0
    datastreams_created: int = 0
    imported: int = 0
    skipped: int = 0
    left_out: int = 0  # readings of a quantity that is not an air pollutant


@dataclass(frozen=True)
class _Place:
    lat: float
    lon: float


def store_readings(
    session: Session,
    readings: Iterable[Reading],
    *,
    sensor_name: str,
    station_properties: Mapping[str, dict[str, Any]] | None = None,
) -> ReadingsSummary:
    """Store the air readings (flushes, never commits); ``station_properties`` go on each new station's Thing."""
    summary = ReadingsSummary()
    places, series = _group(readings, summary)
    before = int(session.scalar(select(func.coalesce(func.max(Observation.id), 0))) or 0)
    now = clock.utcnow()
    with repository.sqlite_cache(session):
        for name in sorted(places):
            extra = (station_properties or {}).get(name, {})
            streams = {key: points for key, points in series.items() if key[0] == name}
            _station(session, name, places[name], extra, streams, sensor_name, before, now, summary)
    summary.stations = len(places)
    session.flush()
    return summary


def _group(
    readings: Iterable[Reading], summary: ReadingsSummary
) -> tuple[dict[str, _Place], dict[tuple[str, str, str], dict[datetime, float]]]:
    """Stations' places, and each (station, pollutant, unit)'s readings by time (a later one of a time wins)."""
    places: dict[str, _Place] = {}
    series: dict[tuple[str, str, str], dict[datetime, float]] = defaultdict(dict)
    for station, lat, lon, quantity, unit, when, value in readings:
        if quantity not in POLLUTANTS:
            summary.left_out += 1
            continue
        places.setdefault(station, _Place(lat, lon))
        moment = datetime.fromisoformat(when) if isinstance(when, str) else when
        series[(station, quantity, unit)][clock.as_utc(moment)] = float(value)
    return places, series


def _station(
    session: Session,
    name: str,
    place: _Place,
    extra: dict[str, Any],
    streams: Mapping[tuple[str, str, str], dict[datetime, float]],
    sensor_name: str,
    before: int,
    now: datetime,
    summary: ReadingsSummary,
) -> None:
    properties = {"kind": "air_quality_station"} | extra
    thing, created = repository.thing(session, name, f"air-quality monitoring station {name}", properties)
    summary.things_created += created
    thing_id = int(thing.id)
    repository.place(session, thing_id, name, place.lon, place.lat, now)
    feature_id = repository.feature(session, thing_id, name)
    sensor = repository.sensor(session, sensor_name, f"air-quality readings of {sensor_name}", "")
    for (_, pollutant, unit), points in streams.items():
        datastream_id = _datastream(session, thing_id, int(sensor.id), name, pollutant, unit, summary)
        _write(session, datastream_id, feature_id, points, before, summary)


def _datastream(
    session: Session, thing_id: int, sensor_id: int, station: str, pollutant: str, unit: str, summary: ReadingsSummary
) -> int:
    description = POLLUTANT_NAMES[pollutant]
    prop = repository.observed_property(session, pollutant, f"urn:citybrain:observed-property:{pollutant}", description)
    values = {
        "name": f"{pollutant} at {station}",
        "description": f"hourly {description} at {station}",
        "unit_of_measurement": UNITS.get(unit, {"name": unit, "symbol": unit, "definition": ""}),
        "observation_type": OM_MEASUREMENT,
        "properties": {"pollutant": pollutant, "station": station},
        "thing_id": thing_id,
        "sensor_id": sensor_id,
        "observed_property_id": prop.id,
    }
    datastream, made = repository.datastream(session, values)
    summary.datastreams_created += made
    return int(datastream.id)


def _write(
    session: Session,
    datastream_id: int,
    feature_id: int,
    points: dict[datetime, float],
    before: int,
    summary: ReadingsSummary,
) -> None:
    """The Datastream's readings at times it did not hold before this call."""
    if not points:
        return
    first, last = min(points), max(points)
    stored = repository.stored_times(session, datastream_id, first, last, before)
    rows = [
        (datastream_id, feature_id, when, RESULT_NUMBER, value, None)
        for when, value in points.items()
        if int(when.timestamp()) not in stored
    ]
    summary.skipped += len(points) - len(rows)
    repository.insert_observations(session, rows)
    summary.imported += len(rows)
    if rows:
        sta.widen_datastream_times(session, datastream_id, (first, last), (None, None))
