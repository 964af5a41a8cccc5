"""Working days (工作日) of the city: weekends off, China's public holidays off, make-up working days (调休) on.

Legal time limits of administrative approval are counted in working days (《行政许可法》第八十二条: 期限以工作日
计算，不含法定节假日). The national table (``core/data/holidays_cn.json``) carries the State Council's notices for
the years it lists, each date cited; a city adds its own days (a local holiday, a typhoon closure) in a file of the
same shape named by ``CITYBRAIN_HOLIDAYS_FILE`` — its entries win over the national ones for the same date.

A limit of *n* working days runs from the day after the start (期间开始之日不计算在期间内): :func:`add` gives the
last day of the limit, :func:`count_between` how many working days passed after one day up to another.
Outside the listed years only weekends are days off (:attr:`Calendar.years` says which years are known).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from citybrain.core.errors import InvalidInput

_SATURDAY = 5


@dataclass(frozen=True)
class Calendar:
    """Days off and make-up working days; the rest follows the week (Monday to Friday work)."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day in self.workdays or day.weekday() < _SATURDAY

    def add(self, start: date, n: int) -> date:
        """The *n*-th working day after ``start`` (``start`` itself not counted); ``n == 0`` gives ``start``."""
        if n < 0:
            raise ValueError("a time limit counts forward: n must be >= 0")
        day = start
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def count_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def merged(self, other: Calendar) -> Calendar:
        """This calendar with ``other``'s days on top (a city's file over the national table)."""
        holidays = (self.holidays - other.workdays) | other.holidays
        workdays = (self.workdays - other.holidays) | other.workdays
        return Calendar(frozenset(holidays), frozenset(workdays), self.years | other.years)


def _day(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def parse(data: Any, where: str = "calendar") -> Calendar:
    """A calendar from the JSON shape of ``holidays_cn.json``: ``holidays`` as from/to ranges, ``workdays`` as days."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: expected an object with holidays and workdays")
    holidays: set[date] = set()
    for i, item in enumerate(data.get("holidays", [])):
        first = _day(item.get("from"), f"{where} holidays[{i}].from")
        last = _day(item.get("to", item.get("from")), f"{where} holidays[{i}].to")
        if last < first:
            raise InvalidInput(f"{where} holidays[{i}]: 'to' is before 'from'")
        holidays.update(first + timedelta(days=k) for k in range((last - first).days + 1))
    workdays = {_day(item.get("on"), f"{where} workdays[{i}].on") for i, item in enumerate(data.get("workdays", []))}
    both = holidays & workdays
    if both:
        raise InvalidInput(f"{where}: {min(both)} is both a holiday and a working day")
    years = {int(y) for y in data.get("years", [])} or {d.year for d in holidays | workdays}
    return Calendar(frozenset(holidays), frozenset(workdays), frozenset(years))


@cache
def national() -> Calendar:
    """China's public holidays and make-up days, as the State Council announced them (see the file's source)."""
    text = resources.files("citybrain.core").joinpath("data/holidays_cn.json").read_text(encoding="utf-8")
    return parse(json.loads(text), "holidays_cn.json")


def load(city_file: Path | None) -> Calendar:
    """The national calendar with the city's own file (``CITYBRAIN_HOLIDAYS_FILE``) on top, if there is one."""
    if city_file is None or str(city_file) == "":
        return national()
    try:
        data = json.loads(Path(city_file).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"CITYBRAIN_HOLIDAYS_FILE {city_file}: cannot read it as JSON ({exc})") from None
    return national().merged(parse(data, str(city_file)))


def add(start: date, n: int, calendar: Calendar | None = None) -> date:
    """The *n*-th working day after ``start`` on ``calendar`` (default: the national one)."""
    return (calendar or national()).add(start, n)


def count_between(start: date, end: date, calendar: Calendar | None = None) -> int:
    """Working days after ``start`` up to and including ``end`` on ``calendar`` (default: the national one)."""
    return (calendar or national()).count_between(start, end)
