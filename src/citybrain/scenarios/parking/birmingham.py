"""The Birmingham occupancy file (UCI "Parking Birmingham", ../shared/data/birmingham_parking) as a forecast grid
and as days for the gate-read generator. The file's times are the city's local clock, read as written."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from citybrain.core.errors import InvalidInput
from citybrain.scenarios.parking.forecast import Grid, to_grid
from citybrain.scenarios.parking.generator import Series
from citybrain.sensing.parking_files import CarParkReadings, read_parking_file


def grid(path: Path) -> Grid:
    parks = read_parking_file(path)
    return to_grid([p.code for p in parks], [p.times for p in parks], [p.occupancy for p in parks],
                   [float(np.max(p.capacity)) for p in parks])  # fmt: skip


def days(path: Path, first: date, count: int = 1, codes: list[str] | None = None) -> list[Series]:
    """Each car park's readings of ``count`` days from ``first`` (sorted, duplicates dropped), one Series a day."""
    parks = [p for p in read_parking_file(path) if codes is None or p.code in codes]
    if codes is not None and len(parks) != len(set(codes)):
        known = {p.code for p in read_parking_file(path)}
        raise InvalidInput(f"unknown car park(s) in {path}: {', '.join(sorted(set(codes) - known))}")
    found = []
    start = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
    for p in parks:
        for d in range(count):
            found += _series(p, start + d * 86_400)
    if not found:
        raise InvalidInput(f"no readings in {path} on the {count} day(s) from {first.isoformat()}")
    return found


def _series(p: CarParkReadings, day_start: int) -> list[Series]:
    keep = (p.times >= day_start) & (p.times < day_start + 86_400)
    if keep.sum() < 2:
        return []
    times, values = p.times[keep], p.occupancy[keep]
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    unique = np.concatenate([[True], np.diff(times) > 0])
    return [Series(p.code, times[unique], values[unique])]
