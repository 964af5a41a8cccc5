"""Stored air readings as the station × hour grid the HJ 633 index reads (``air_grid.AirSeries``).

The same arrays a Beijing file gives (``air_files.read_air_series``), from the pollutant Datastreams of the stations
(the naming convention is in ``air_repository``): each reading lands on its hour in the city's local clock, in the
index's units (CO in mg/m³ whether it was measured in µg/m³ or mg/m³). Readings whose ``resultQuality`` is not
*pass* are left out of the index (an importer marks faults there; no ``resultQuality`` at all counts as pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.sensing import air_repository
from citybrain.sensing.air_grid import INDEX_UNITS, POLLUTANT_COLUMNS, TO_INDEX_UNIT, AirSeries
from citybrain.sensing.air_repository import AirStream

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class StoredAir:
    """The grid, and the Datastreams it was read from (who maintains each station is in their Thing's properties)."""

    series: AirSeries
    streams: tuple[AirStream, ...]
    left_out: int  # readings not marked pass


def passed(quality: Any) -> bool:
    """Whether a reading's ``resultQuality`` lets it into an aggregate: none given, ``"pass"``, or an object whose
    ``flag`` is ``pass`` / ``qartod`` is 1 (the fault detectors' form, ``Fault.result_quality``)."""
    if quality is None:
        return True
    if isinstance(quality, str):
        return quality.strip().lower() == "pass"
    if isinstance(quality, dict):
        if "flag" in quality:
            return str(quality["flag"]).lower() == "pass"
        if "qartod" in quality:
            return bool(quality["qartod"] == 1)
        return True
    return False


def _factor(stream: AirStream) -> float:
    factor = TO_INDEX_UNIT.get((stream.unit, INDEX_UNITS[stream.pollutant]))
    if factor is None:
        raise InvalidInput(
            f"Datastream {stream.datastream_id} ({stream.station} {stream.pollutant}): unit {stream.unit!r} "
            f"cannot be converted to {INDEX_UNITS[stream.pollutant]}"
        )
    return factor


def stored_series(
    session: Session,
    *,
    timezone: str,
    station: str | None = None,
    first: date | None = None,
    last: date | None = None,
    lead_days: int = 0,
    as_measured: bool = False,
) -> StoredAir | None:
    """The stations' hourly readings of days ``first`` … ``last`` (local; None: all there is), plus ``lead_days``
    before ``first`` that moving means and baselines may use but records do not start on. None: no reading.

    ``as_measured``: every reading, whatever its quality, negatives kept (what the fault detectors must see);
    otherwise only readings marked pass, and a negative concentration counts as missing (as from a file)."""
    streams = air_repository.air_streams(session, station=station)
    if not streams:
        return None
    by_id = {s.datastream_id: (s, _factor(s)) for s in streams}
    zone = clock.city_zone(timezone)
    start = None if first is None else clock.local_midnight_utc(first - timedelta(days=lead_days), zone)
    end = None if last is None else clock.local_midnight_utc(last + timedelta(days=1), zone)
    local: dict[int, datetime] = {}
    rows: list[tuple[str, str, int, float]] = []  # station, pollutant, local hour number, value in index units
    left_out = 0
    for stream_id, at, value, quality in air_repository.readings(session, list(by_id), start=start, end=end):
        if not as_measured and not passed(quality):
            left_out += 1
            continue
        hour_key = int(clock.as_utc(at).timestamp()) // 3600
        when = local.get(hour_key)
        if when is None:
            when = local[hour_key] = datetime.fromtimestamp(hour_key * 3600, zone).replace(tzinfo=None)
        stream, factor = by_id[stream_id]
        hour_no = (when.date() - EPOCH).days * 24 + when.hour
        rows.append(
            (stream.station, stream.pollutant, hour_no, value * factor if value >= 0 or as_measured else float("nan"))
        )
    if not rows:
        return None
    first_no = (first - timedelta(days=lead_days) - EPOCH).days if first else min(r[2] for r in rows) // 24
    last_no = (last - EPOCH).days if last else max(r[2] for r in rows) // 24
    series = _grid(rows, streams, first_no, last_no, lead_days if first else 0)
    return StoredAir(series, tuple(streams), left_out)


def _grid(
    rows: list[tuple[str, str, int, float]], streams: list[AirStream], first_no: int, last_no: int, lead: int
) -> AirSeries:
    stations = tuple(sorted({r[0] for r in rows}))
    index = {name: i for i, name in enumerate(stations)}
    days = last_no - first_no + 1
    values = {p: np.full((len(stations), days * 24), np.nan) for p in POLLUTANT_COLUMNS}
    negatives = dict.fromkeys(POLLUTANT_COLUMNS, 0)
    for station, pollutant, hour_no, value in rows:
        h = hour_no - first_no * 24
        if value != value:
            negatives[pollutant] += 1
        values[pollutant][index[station], h] = value
    units: dict[str, set[str]] = {p: set() for p in POLLUTANT_COLUMNS}
    for s in streams:
        units[s.pollutant].add(s.unit)
    measured = {p: ", ".join(sorted(u)) or INDEX_UNITS[p] for p, u in units.items()}
    first_day = np.full(len(stations), lead, dtype=np.int64)
    last_day = np.full(len(stations), days - 1, dtype=np.int64)
    start = EPOCH + timedelta(days=first_no)
    return AirSeries(stations, start, days, values, first_day, last_day, measured, negatives)
