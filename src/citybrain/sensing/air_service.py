"""The air quality index (HJ 633-2012) of stored readings: what ``GET /api/v1/air/aqi`` and ``citybrain analyze aqi``
without ``--input`` answer, in the records the file path writes (``air_report.records``)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core.errors import InvalidInput
from citybrain.sensing import air_repository
from citybrain.sensing.air_grid import INDEX_UNITS
from citybrain.sensing.air_report import DailyRules, daily_index, hourly_index, records
from citybrain.sensing.air_store import stored_series

PERIODS = ("day", "hour")
#: The longest span one request may ask for (records: 12 stations × 400 days, or × 31 × 24 hours).
MAX_DAYS = {"day": 400, "hour": 31}
#: Days read before ``from`` so the hourly report's 24-h moving means and O3's 8-h means have their history.
LEAD_DAYS = 1


def check_span(period: str, first: date, last: date) -> None:
    if period not in PERIODS:
        raise InvalidInput(f"period takes day or hour, not {period!r}")
    if last < first:
        raise InvalidInput(f"'to' ({last.isoformat()}) is before 'from' ({first.isoformat()})")
    if (last - first).days + 1 > MAX_DAYS[period]:
        raise InvalidInput(f"at most {MAX_DAYS[period]} days at a time for period={period}")


def aqi_report(
    session: Session,
    *,
    timezone: str,
    period: str,
    station: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> dict[str, Any]:
    """``{standard, period, rules, units, measured_units, stations, left_out, records}`` of the stored stations
    (or one, by Thing name) over the local days ``first`` … ``last`` (None: everything stored)."""
    if period not in PERIODS:
        raise InvalidInput(f"period takes day or hour, not {period!r}")
    lead = LEAD_DAYS if first is not None else 0
    stored = stored_series(session, timezone=timezone, station=station, first=first, last=last, lead_days=lead)
    head: dict[str, Any] = {
        "standard": "HJ 633-2012",
        "period": period,
        "source": "datastreams",
        "rules": asdict(DailyRules()) if period == "day" else {"min_hours_24h": 20, "min_hours_8h": 6},
        "units": dict(INDEX_UNITS),
        "from": first.isoformat() if first else None,
        "to": last.isoformat() if last else None,
    }
    if stored is None:
        return head | {"measured_units": {}, "stations": [], "left_out": 0, "records": []}
    series = stored.series
    grid = daily_index(series) if period == "day" else hourly_index(series)
    head |= {"measured_units": series.measured_units, "stations": list(series.stations), "left_out": stored.left_out}
    return head | {"records": records(grid)}


def default_span(today: date, period: str) -> tuple[date, date]:
    """Without ``from``/``to``: the last 7 days up to today (day), or today (hour)."""
    return (today - timedelta(days=6) if period == "day" else today), today


def station_points(session: Session) -> dict[str, tuple[float, float]]:
    """Each air station's point (its Location's lat, lon) by its name (where the cockpit's map draws it)."""
    return air_repository.station_points(session)


def station_properties(session: Session) -> dict[str, dict[str, Any]]:
    """Each air station's Thing properties by its name (where a page finds a station's district)."""
    return {s.station: s.thing_properties for s in air_repository.air_streams(session)}
