"""The time axis of a batch of series: a regular grid of days or hours, and the terms the models need from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from citybrain.analytics.detectors.signals import FloatArray, IntArray
from citybrain.core.errors import InvalidInput

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Calendar:
    """Step timestamps (datetime64[s]) at a constant spacing of ``step_seconds``."""

    stamps: np.ndarray[Any, np.dtype[np.datetime64]]
    step_seconds: int

    def __len__(self) -> int:
        return int(self.stamps.size)

    def head(self, count: int) -> Calendar:
        return Calendar(self.stamps[:count], self.step_seconds)

    @property
    def steps_per_day(self) -> float:
        return SECONDS_PER_DAY / self.step_seconds

    def weekday(self) -> IntArray:
        """Monday = 0 … Sunday = 6 for every step (1970-01-01 was a Thursday)."""
        days = self.stamps.astype("datetime64[D]").astype(np.int64)
        return ((days + 3) % 7).astype(np.int64)

    def day_of_year_angle(self) -> FloatArray:
        """2π × (fraction of a 365.25-day year) for every step: the argument of the seasonal harmonics."""
        seconds = self.stamps.astype(np.int64).astype(np.float64)
        return 2.0 * np.pi * (seconds / SECONDS_PER_DAY) / 365.25

    def index_of(self, moment: date | datetime) -> int:
        """The last step at or before ``moment``; InvalidInput when the grid does not reach it."""
        stamp = _as_stamp(moment)
        position = int(np.searchsorted(self.stamps, stamp, side="right")) - 1
        if position < 0:
            raise InvalidInput(f"as_of {moment} is before the first date {self.datetime_at(0)}")
        if stamp >= self.stamps[-1] + np.timedelta64(self.step_seconds, "s"):
            raise InvalidInput(f"as_of {moment} is after the last date {self.datetime_at(len(self) - 1)}")
        return position

    def datetime_at(self, index: int) -> datetime:
        value = self.stamps[index].astype("datetime64[s]").item()
        return value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())


def calendar_for(dates: Sequence[date | datetime] | np.ndarray[Any, Any]) -> Calendar:
    """A Calendar from dates or datetimes; InvalidInput unless ascending at one constant step (no holes)."""
    try:
        stamps = np.array([_as_stamp(d) for d in dates], dtype="datetime64[s]")
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"dates must be dates or datetimes: {exc}") from exc
    if stamps.size == 0:
        raise InvalidInput("no dates")
    if stamps.size == 1:
        return Calendar(stamps, SECONDS_PER_DAY)
    gaps = np.diff(stamps).astype(np.int64)
    if (gaps <= 0).any():
        raise InvalidInput("dates must be strictly ascending (one column per day or hour, no duplicates)")
    if (gaps != gaps[0]).any():
        at = int(np.nonzero(gaps != gaps[0])[0][0])
        raise InvalidInput(
            f"dates must be evenly spaced; the step changes after {stamps[at]} — fill missing days with 0 "
            "(cases) or NaN (sensor readings)"
        )
    return Calendar(stamps, int(gaps[0]))


def _as_stamp(moment: Any) -> Any:
    """A datetime64[s] from a date, a naive or aware datetime (its wall-clock time is kept) or a datetime64."""
    if isinstance(moment, datetime):
        moment = moment.replace(tzinfo=None)
    elif isinstance(moment, date):
        moment = datetime.combine(moment, datetime.min.time())
    return np.datetime64(moment, "s")
