"""``citybrain demo``'s air stations: the simulated stations' readings up to now, stored once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from citybrain.cli.demo import load_air_stations
from citybrain.core import clock
from citybrain.core.settings import Settings
from citybrain.sensing import air_service


def test_the_demo_stores_its_air_stations_once(session: Session, settings: Settings) -> None:
    now = clock.utcnow()
    start = clock.city_today(settings.timezone, now) - timedelta(days=1)
    first = load_air_stations(session, seed=1, start=start, days=2, now=now, timezone=settings.timezone)
    again = load_air_stations(session, seed=1, start=start, days=2, now=now, timezone=settings.timezone)
    assert (first.stations, first.things_created, first.datastreams_created) == (9, 9, 54)
    assert first.imported > 9 * 6 * 24  # yesterday whole, today up to now
    assert (again.imported, again.skipped, again.things_created) == (0, first.imported, 0)
    stations = air_service.station_properties(session)
    assert len(stations) == 9
    assert all(p["district_zh"] and p["district_en"] for p in stations.values())
    report = air_service.aqi_report(session, timezone=settings.timezone, period="day", first=start, last=start)
    assert sorted(report["stations"]) == sorted(stations)
    assert all(r["aqi"] is not None for r in report["records"])  # yesterday: a complete day at every station
