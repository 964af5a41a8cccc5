"""Tariffs (收费标准) and the charge of one stay, in integer fen (分) — pure, no floats.

The rules a city writes into a car park's tariff:

- ``free_minutes`` (免费时长): a stay of at most this long is free; a longer one is charged from the entry.
- ``unit_minutes``: 60 charges per started hour, 30 per started half-hour (不足半小时按半小时计). Units run from
  the entry; each is charged at the rate of the moment it starts — ``day_rate_fen`` from ``day_starts`` (minutes
  after local midnight) to ``night_starts``, ``night_rate_fen`` otherwise.
- ``daily_cap_fen`` (每日封顶): the units that start on one calendar day (the car park's local clock) cost at most
  this much together; a stay across midnight is capped per day, not per 24 hours.
- passes (月卡): units that start while a pass of the plate covers the car park are free; exempt plates
  (警 and the city's list) pay nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from citybrain.core.errors import InvalidInput


@dataclass(frozen=True)
class Tariff:
    free_minutes: int = 15
    unit_minutes: int = 60
    day_rate_fen: int = 600
    night_rate_fen: int = 200
    day_starts: int = 7 * 60
    night_starts: int = 19 * 60
    daily_cap_fen: int | None = 6000

    def __post_init__(self) -> None:
        if self.unit_minutes not in (30, 60):
            raise InvalidInput("unit_minutes is 60 (per started hour) or 30 (per started half-hour)")
        if min(self.free_minutes, self.day_rate_fen, self.night_rate_fen) < 0 or (self.daily_cap_fen or 0) < 0:
            raise InvalidInput("free minutes, rates and the daily cap are whole numbers ≥ 0 (rates in fen)")
        if not 0 <= self.day_starts < self.night_starts <= 24 * 60:
            raise InvalidInput("day_starts < night_starts, both minutes after midnight (0 … 1440)")

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Tariff:
        if not data:
            return cls()
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidInput(f"unknown tariff field(s): {', '.join(sorted(unknown))}")
        for name, value in data.items():
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise InvalidInput(f"tariff field {name} must be a whole number (money in fen), got {value!r}")
        return cls(**data)

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def rate_at(self, local: datetime) -> int:
        minute = local.hour * 60 + local.minute
        return self.day_rate_fen if self.day_starts <= minute < self.night_starts else self.night_rate_fen


@dataclass(frozen=True)
class Cover:
    """A pass's validity in local time (月卡): units starting in [start, end) are free."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Charge:
    amount_fen: int
    units: int
    free_units: int
    reason: str
    per_day: tuple[tuple[date, int], ...] = ()


def charge(tariff: Tariff, entered: datetime, exited: datetime, *, exempt: bool = False,
           passes: Sequence[Cover] = ()) -> Charge:  # fmt: skip
    """What a stay from ``entered`` to ``exited`` (both local, aware or naive alike) costs."""
    if exited < entered:
        raise InvalidInput(f"exit {exited.isoformat()} is before entry {entered.isoformat()}")
    if exempt:
        return Charge(0, 0, 0, "exempt vehicle 免费车辆")
    stay = exited - entered
    if stay <= timedelta(minutes=tariff.free_minutes):
        return Charge(0, 0, 0, f"within the {tariff.free_minutes} free minutes 免费时长内")
    unit = timedelta(minutes=tariff.unit_minutes)
    units = -(-stay // unit)  # started units count whole
    days: dict[date, int] = defaultdict(int)
    free = 0
    for i in range(units):
        start = entered + i * unit
        if any(p.start <= start < p.end for p in passes):
            free += 1
            continue
        days[start.date()] += tariff.rate_at(start)
    capped = {d: min(v, tariff.daily_cap_fen) if tariff.daily_cap_fen is not None else v for d, v in days.items()}
    total = sum(capped.values())
    reason = f"{units} unit(s) of {tariff.unit_minutes} min"
    if free:
        reason += f", {free} under a pass 月卡"
    if capped != days:
        reason += ", daily cap 每日封顶"
    return Charge(total, units, free, reason, tuple(sorted(capped.items())))
