"""The NGSI-LD export of stored observations (``citybrain sensing export``): air stations hour by hour as
AirQualityObserved, car parks at their latest good reading as OffStreetParking."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core import clock
from citybrain.core.errors import InvalidInput
from citybrain.sensing import export_repository, ngsi_ld
from citybrain.sensing.air_grid import INDEX_UNITS
from citybrain.sensing.air_report import hourly_index
from citybrain.sensing.air_store import passed, stored_series
from citybrain.sensing.aqi import category_of

MAX_AIR_DAYS = 31


def air_entities(session: Session, *, timezone: str, first: date, last: date, key_values: bool) -> list[dict[str, Any]]:
    """One AirQualityObserved per station and local hour with a reading (pass only), with its hourly AQI."""
    if last < first or (last - first).days + 1 > MAX_AIR_DAYS:
        raise InvalidInput(f"AirQualityObserved: --from … --to must be 1 to {MAX_AIR_DAYS} days in order")
    stored = stored_series(session, timezone=timezone, first=first, last=last, lead_days=1)
    if stored is None:
        return []
    series, zone = stored.series, clock.city_zone(timezone)
    points = export_repository.thing_points(session, sorted({s.thing_id for s in stored.streams}))
    where = {s.station: ngsi_ld.point(*points.get(s.thing_id, (None, None))) for s in stored.streams}
    grid = hourly_index(series)
    midnight = datetime.combine(series.start, datetime.min.time())
    out = []
    for s, station in enumerate(series.stations):
        for h in range(int(series.first_day[s]) * 24, series.days * 24):
            readings = {p: (float(v[s, h]), INDEX_UNITS[p]) for p, v in series.values.items() if v[s, h] == v[s, h]}
            if not readings:
                continue
            aqi = grid.aqi[s, h]
            index = None if aqi != aqi else (int(aqi), category_of(int(aqi)).en)
            at = (midnight + timedelta(hours=h)).replace(tzinfo=zone)
            out.append(ngsi_ld.air_quality_observed(station, at, where[station], readings, index,
                                                    key_values=key_values))  # fmt: skip
    return out


def parking_entities(session: Session, *, until: datetime | None, key_values: bool) -> list[dict[str, Any]]:
    """One OffStreetParking per car park with a capacity and a good reading at or before ``until``."""
    parks = export_repository.car_parks(session)
    points = export_repository.thing_points(session, [p.thing_id for p in parks])
    out = []
    for park in parks:
        if not park.capacity:
            continue
        good = [r for r in export_repository.latest_readings(session, park.datastream_id, until=until) if passed(r[2])]
        good = [r for r in good if 0 <= r[1] <= park.capacity]
        if not good:
            continue
        at, occupied, _ = good[0]
        location = ngsi_ld.point(*points.get(park.thing_id, (None, None)))
        out.append(ngsi_ld.off_street_parking(park.code, park.name, location, park.capacity, occupied,
                                              clock.as_utc(at), key_values=key_values))  # fmt: skip
    return out
