"""Air quality for everyone: the HJ 633-2012 index of the stored stations (public, as China publishes AQI)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from citybrain.core import clock
from citybrain.core.http import DbDep
from citybrain.core.inputs import Day
from citybrain.sensing import air_service

router = APIRouter(tags=["air"])


@router.get("/air/aqi", summary="Air quality index (AQI, HJ 633-2012) of the stored stations, daily or hourly")
def aqi(
    db: DbDep,
    station: Annotated[str | None, Query(description="a station (the Thing's name); default: every station")] = None,
    period: Annotated[Literal["day", "hour"], Query(description="day: 日报; hour: 实时报")] = "day",
    first: Annotated[Day | None, Query(alias="from", description="first local day (default: 6 days ago)")] = None,
    last: Annotated[Day | None, Query(alias="to", description="last local day (default: today)")] = None,
) -> dict[str, Any]:
    """The records ``citybrain analyze aqi`` writes: station, date or time, aqi, level, category, primary, iaqi …

    Readings whose resultQuality is not *pass* are left out; a day (hour) short of valid data has no AQI and says
    why. At most 400 days (day) or 31 days (hour) per request."""
    timezone = db.settings.timezone
    default_first, default_last = air_service.default_span(clock.city_today(timezone), period)
    last = last or (default_last if first is None else max(first, default_last))
    first = first or min(default_first, last)
    air_service.check_span(period, first, last)
    with db.reading() as session:
        return air_service.aqi_report(
            session, timezone=timezone, period=period, station=station, first=first, last=last
        )
