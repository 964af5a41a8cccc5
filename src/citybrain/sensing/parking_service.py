"""Stored car parks as the fault detectors and the landing page read them: each car park's readings of some days in
the order they arrived (every reading, whatever its quality — what ``detect_counter`` must see), and each one's
latest reading with its quality mark."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.sensing import air_repository, parking_repository
from citybrain.sensing.parking_repository import CarParkStream, LatestReading


@dataclass(frozen=True)
class CarParkWindow:
    """One car park's readings in arrival order: ``utc`` seconds since 1970, ``local`` the same on the car park's
    own clock (its Thing's ``properties.timezone``, else the city's), ``occupancy`` vehicles."""

    stream: CarParkStream
    utc: npt.NDArray[np.int64]
    local: npt.NDArray[np.int64]
    occupancy: npt.NDArray[np.float64]


def occupancy_windows(session: Session, *, timezone: str, first: date, last: date) -> list[CarParkWindow]:
    """Every car park with a reading in the city's days ``first`` … ``last``, its readings of those days."""
    streams = parking_repository.car_park_streams(session)
    if not streams:
        return []
    start = clock.local_midnight_utc(first, timezone)
    end = clock.local_midnight_utc(last + timedelta(days=1), timezone)
    rows: dict[int, list[tuple[int, float]]] = {s.datastream_id: [] for s in streams}
    for stream_id, at, value, _ in air_repository.readings(session, list(rows), start=start, end=end):
        rows[stream_id].append((int(clock.as_utc(at).timestamp()), value))
    found = []
    for stream in streams:
        readings = rows[stream.datastream_id]
        if not readings:
            continue
        zone = clock.city_zone(str(stream.thing_properties.get("timezone") or timezone))
        utc = np.array([t for t, _ in readings], dtype=np.int64)
        local = utc + np.array([_offset(int(t), zone) for t in utc.tolist()], dtype=np.int64)
        found.append(CarParkWindow(stream, utc, local, np.array([v for _, v in readings], dtype=np.float64)))
    return found


def _offset(seconds: int, zone: tzinfo) -> int:
    offset = datetime.fromtimestamp(seconds, UTC).astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def latest_readings(session: Session) -> list[tuple[CarParkStream, LatestReading | None]]:
    """Every stored car park with its newest reading (None: none yet)."""
    return [(s, parking_repository.latest_reading(session, s.datastream_id))
            for s in parking_repository.car_park_streams(session)]  # fmt: skip
