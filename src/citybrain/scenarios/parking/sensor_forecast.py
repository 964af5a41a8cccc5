"""The availability forecast of car parks that have occupancy sensors (stored in SensorThings, e.g. the Birmingham
import): their last weeks of readings on the forecast grid, and every one's next 1–4 hours from the latest slot."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.scenarios.parking.forecast import HORIZONS, SLOT_SECONDS, Grid, forecast_latest, to_grid
from citybrain.sensing import parking_service

HISTORY_DAYS = 42  # the 4-week profile and the 14 fitting days need 6 weeks


@dataclass(frozen=True)
class Ahead:
    hours: float
    occupied: int | None
    free: int | None


@dataclass(frozen=True)
class SensorForecast:
    code: str
    capacity: int
    as_of: datetime  # the slot forecast from, on the car park's local clock
    ahead: list[Ahead]
    source: str = "sensors"  # sensors: occupancy readings; sessions: counted from the gates' sessions


def sensor_forecasts(session: Session, *, timezone: str) -> list[SensorForecast]:
    """Every sensor car park with a capacity and readings in the six weeks before the newest reading."""
    latest = [r for _, r in parking_service.latest_readings(session) if r is not None]
    if not latest:
        return []
    last = max(clock.as_utc(r.time) for r in latest).astimezone(clock.city_zone(timezone)).date()
    windows = [w for w in parking_service.occupancy_windows(session, timezone=timezone,
                                                            first=last - timedelta(days=HISTORY_DAYS), last=last)
               if w.stream.capacity]  # fmt: skip
    if not windows:
        return []
    grid = to_grid([w.stream.code for w in windows], [w.local for w in windows], [w.occupancy for w in windows],
                   [float(w.stream.capacity or 0) for w in windows])  # fmt: skip
    return forecast_items(grid, source="sensors")


def forecast_items(grid: Grid, *, source: str) -> list[SensorForecast]:
    """Every car park of the grid forecast from the grid's newest slot (:func:`forecast_latest`)."""
    found = forecast_latest(grid)
    first = datetime(grid.first_day.year, grid.first_day.month, grid.first_day.day, tzinfo=UTC)
    as_of = first + timedelta(days=found.day, seconds=(grid.first_slot + found.slot) * SLOT_SECONDS)
    items = []
    for p, code in enumerate(grid.codes):
        ahead = []
        for j, k in enumerate(HORIZONS):
            value = float(found.values[p, j])
            ok = not math.isnan(value)
            ahead.append(Ahead(k * SLOT_SECONDS / 3600, int(np.rint(value)) if ok else None,
                               int(found.free[p, j]) if ok else None))  # fmt: skip
        items.append(SensorForecast(code, int(grid.capacity[p]), as_of.replace(tzinfo=None), ahead, source))
    return items
