"""``citybrain demo``'s air stations and car parks: the simulated readings up to now, stored once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from citybrain.cli.demo import load_air_stations, load_car_parks
from citybrain.core import clock
from citybrain.core.settings import Settings
from citybrain.models.sensing import Datastream, Observation, Thing
from citybrain.sensing import air_service, parking_repository


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


def test_the_demo_stores_its_car_parks_once_with_capacity_and_quality_marks(
    session: Session, settings: Settings
) -> None:
    now = clock.utcnow()
    start = clock.city_today(settings.timezone, now) - timedelta(days=2)
    first = load_car_parks(session, seed=1, start=start, days=3, now=now, timezone=settings.timezone)
    again = load_car_parks(session, seed=1, start=start, days=3, now=now, timezone=settings.timezone)
    assert (first.car_parks, first.things_created, first.datastreams_created) == (3, 3, 3)
    assert first.imported > 3 * 2 * 48  # two whole days, today up to now
    assert (again.imported, again.skipped, again.things_created, again.datastreams_created) == (
        0, first.imported, 0, 0
    )  # fmt: skip
    streams = parking_repository.car_park_streams(session)
    assert [(s.code, s.capacity) for s in streams] == [("CP-01", 450), ("CP-02", 600), ("CP-03", 750)]
    assert all(s.thing_properties["district"] and s.thing_properties["name_zh"] for s in streams)
    marks = session.execute(
        select(Thing.name, Observation.result_quality)
        .join(Datastream, Datastream.id == Observation.datastream_id)
        .join(Thing, Thing.id == Datastream.thing_id)
    ).all()
    assert len(marks) == first.imported
    flagged = Counter((name, q["fault"]) for name, q in marks if q["flag"] != "pass")
    # the planted faults, every reading of each: a count over capacity (2 h) and, yesterday, a stuck count (4 h)
    assert flagged == {("CP-02", "over_capacity"): 4, ("CP-03", "stuck"): 8}
