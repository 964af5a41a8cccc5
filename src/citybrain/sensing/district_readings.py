"""Stored readings by district: every numeric Datastream of a Thing whose properties name its ``district`` (the Demo
City's air stations and car parks; any station an importer or a person tagged so), as the rows a sensor file holds —
what ``citybrain analyze sensors-vs-cases`` counts per district and day when no ``--sensors`` file is given.

The quantity is the Datastream's ObservedProperty name (PM2.5, PM10 …, occupancy). Readings whose ``resultQuality``
is not *pass* (a fault the importer marked) are left out and counted, as every aggregate over stored readings does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.models.sensing import Datastream, ObservedProperty, Thing
from citybrain.sensing import air_repository
from citybrain.sensing.air_store import passed

SCHEMA = pa.schema(
    [("station", pa.string()), ("district", pa.string()), ("quantity", pa.string()),
     ("time", pa.timestamp("us", tz="UTC")), ("value", pa.float64())]
)  # fmt: skip


@dataclass(frozen=True)
class DistrictReadings:
    """The rows (``SCHEMA``), the Datastreams they came from, and the readings left out for their quality mark."""

    table: pa.Table
    datastreams: int
    left_out: int


def district_streams(session: Session) -> dict[int, tuple[str, str, str]]:
    """Datastream id → (station, district, quantity) for every Datastream whose Thing names its district."""
    stmt = (
        select(Datastream.id, Thing.name, Thing.properties, ObservedProperty.name)
        .join(Thing, Thing.id == Datastream.thing_id)
        .join(ObservedProperty, ObservedProperty.id == Datastream.observed_property_id)
        .order_by(Datastream.id)
    )
    found = {}
    for stream_id, station, properties, quantity in session.execute(stmt):
        district = (properties or {}).get("district")
        if isinstance(district, str) and district.strip():
            found[int(stream_id)] = (str(station), district.strip(), str(quantity))
    return found


def district_readings(session: Session, *, start: datetime | None, end: datetime | None) -> DistrictReadings:
    """The readings in ``[start, end)`` (None: unbounded) of every Datastream with a district, marked pass."""
    streams = district_streams(session)
    columns: dict[str, list[object]] = {name: [] for name in SCHEMA.names}
    left_out = 0
    for stream_id, at, value, quality in air_repository.readings(session, list(streams), start=start, end=end):
        if not passed(quality):
            left_out += 1
            continue
        station, district, quantity = streams[stream_id]
        for name, item in zip(SCHEMA.names, (station, district, quantity, clock.as_utc(at), value), strict=True):
            columns[name].append(item)
    return DistrictReadings(pa.table(columns, schema=SCHEMA), len(streams), left_out)
