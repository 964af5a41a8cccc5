"""The availability forecast of barrier-free car parks without sensors: their occupancy counted from the gates'
sessions at every half-hour of the last six weeks (:func:`forecast.occupancy_at`), forecast as sensor readings are.

A stay counts from its entry to its exit; a stay still open counts until now. Missed exits (漏识别出场), orphan
exits and void sessions do not count: when a missed-exit vehicle left is unknown, and an orphan exit has no entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.scenarios.parking import repository
from citybrain.scenarios.parking.forecast import SLOT_SECONDS, Grid, occupancy_at, to_grid
from citybrain.scenarios.parking.sensor_forecast import HISTORY_DAYS, SensorForecast, forecast_items

STILL_INSIDE = np.iinfo(np.int64).max


def slot_times(first: datetime, last: datetime, zone: str) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The half-hours from ``first`` to ``last`` (UTC seconds) and the same instants on ``zone``'s wall clock
    (seconds as if UTC, what :func:`forecast.to_grid` takes)."""
    start = -(-int(first.timestamp()) // SLOT_SECONDS) * SLOT_SECONDS
    utc = np.arange(start, int(last.timestamp()) + 1, SLOT_SECONDS, dtype=np.int64)
    tz = clock.city_zone(zone)
    offsets = {}  # one offset per hour is enough for every zone on whole or half hours
    local = np.empty_like(utc)
    for i, t in enumerate(utc.tolist()):
        hour = t // 3600
        if hour not in offsets:
            offset = datetime.fromtimestamp(t, UTC).astimezone(tz).utcoffset() or timedelta(0)
            offsets[hour] = int(offset.total_seconds())
        local[i] = t + offsets[hour]
    return utc, local


def session_grid(session: Session, *, first: datetime, last: datetime, timezone: str,
                 skip: Collection[str] = ()) -> Grid | None:  # fmt: skip
    """Every car park (with a capacity, not in ``skip``) with stays in [first, last], counted at each half-hour."""
    stays: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for park_id, entered, exited in repository.stays_overlapping(session, first, last):
        out = int(clock.as_utc(exited).timestamp()) if exited is not None else STILL_INSIDE
        stays[park_id].append((int(clock.as_utc(entered).timestamp()), out))
    parks = [p for p in repository.car_parks(session) if p.id in stays and p.capacity and p.code not in skip]
    if not parks:
        return None
    times, counts = [], []
    for park in parks:
        utc, local = slot_times(first, last, park.timezone or timezone)
        both = np.asarray(stays[park.id], dtype=np.int64)
        times.append(local)
        counts.append(occupancy_at(both[:, 0], both[:, 1], utc))
    return to_grid([p.code for p in parks], times, counts, [float(p.capacity) for p in parks])


def session_forecasts(session: Session, *, timezone: str, skip: Collection[str] = ()) -> list[SensorForecast]:
    """From the half-hour of the newest gate read (or now, if later reads would be in the future), fitted on the six
    weeks before it, as :func:`sensor_forecast.sensor_forecasts`."""
    newest = repository.last_read_at(session)
    if newest is None:
        return []
    last = min(clock.as_utc(newest), clock.utcnow())
    grid = session_grid(session, first=last - timedelta(days=HISTORY_DAYS), last=last, timezone=timezone, skip=skip)
    return forecast_items(grid, source="sessions") if grid is not None else []
