"""Staff API: where is it (在哪里) — locate a message by its coordinates or the places it names."""

from __future__ import annotations

import time
import weakref

from fastapi import APIRouter, Query

from citybrain.auth.deps import PrincipalDep
from citybrain.core.db import Database
from citybrain.core.http import DbDep
from citybrain.geo.gazetteer import Gazetteer
from citybrain.geo.schemas import LocationOut
from citybrain.geo.service import locate
from citybrain.triage.places import gazetteer_from_database

router = APIRouter(tags=["geo"])

#: Seconds a gazetteer built from the database is reused (district changes show up within this time).
REFRESH_SECONDS = 60.0
_cache: weakref.WeakKeyDictionary[Database, tuple[float, Gazetteer]] = weakref.WeakKeyDictionary()


@router.get("/geo/locate", response_model=LocationOut)
def locate_route(
    db: DbDep,
    principal: PrincipalDep,
    text: str | None = Query(None, description="The message (Chinese or English)."),
    lat: float | None = Query(None, description="Latitude, when the request has one (with lon)."),
    lon: float | None = Query(None, description="Longitude."),
) -> LocationOut:
    """District (区), grid cell (网格), centre, confidence and reasons; coordinates win over the text."""
    result = locate(text, lat, lon, gazetteer=_gazetteer(db))
    return LocationOut.model_validate(result.to_dict())


def _gazetteer(db: Database) -> Gazetteer:
    cached = _cache.get(db)
    now = time.monotonic()
    if cached is not None and now - cached[0] < REFRESH_SECONDS:
        return cached[1]
    with db.reading() as session:
        gazetteer = gazetteer_from_database(session)
    _cache[db] = (now, gazetteer)
    return gazetteer


def forget_cached() -> None:
    """Drop every cached gazetteer, so the next request reads the districts and cells afresh (tests, a reload)."""
    _cache.clear()
