"""The process's gazetteer for triage (districts and grid cells), and the locator triage asks.

The gazetteer is built from the database (:func:`gazetteer_from_database`) and re-read at most every
:data:`REFRESH_SECONDS`, so a district added by staff reaches intake within a minute without a query per case.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput
from citybrain.directory import repository as directory_repo
from citybrain.geo.gazetteer import Gazetteer, district_feature
from citybrain.geo.service import locate
from citybrain.simulate.city import build_city
from citybrain.simulate.load import loaded_seed
from citybrain.simulate.places import grid_features
from citybrain.triage.ports import Locator, Place

log = logging.getLogger(__name__)

REFRESH_SECONDS = 60.0
#: Below this confidence the place is not set on the case (it is kept in the reasons for a person to see).
MIN_CONFIDENCE = 0.5


def city_features(session: Session) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
    """GeoJSON features of the database's districts, plus the Demo City's grid cells when its cases are loaded
    (derived from its seed), and the city's names when it is the Demo City (the cockpit's map draws these too)."""
    features = [
        district_feature(d.code, d.name_zh, d.name_en, d.center_lat, d.center_lon, d.geometry)
        for d in directory_repo.districts(session)
    ]
    seed = loaded_seed(session)
    city_names: tuple[str, ...] = ()
    if seed is not None:
        city = build_city(seed)
        present = {f["properties"]["code"] for f in features}
        features += [f for f in grid_features(city) if f["properties"]["district"] in present]
        city_names = (city.name_zh, city.name_en)
    return features, city_names


def gazetteer_from_database(session: Session) -> Gazetteer:
    """The districts of the database, plus the Demo City's grid cells when its cases are loaded."""
    features, city_names = city_features(session)
    return Gazetteer.from_features(features, city_names=city_names)


class GazetteerCache:
    def __init__(self, db: Database, max_age: float = REFRESH_SECONDS) -> None:
        self._db = db
        self._max_age = max_age
        self._lock = threading.Lock()
        self._loaded: tuple[float, Gazetteer] | None = None

    def current(self) -> Gazetteer:
        with self._lock:
            now = time.monotonic()
            if self._loaded is None or now - self._loaded[0] >= self._max_age:
                with self._db.reading() as session:
                    self._loaded = (now, gazetteer_from_database(session))
            return self._loaded[1]

    def locator(self) -> Locator | None:
        """A locator over the current gazetteer; None when the city has no districts yet."""
        gazetteer = self.current()
        if not gazetteer.districts:
            return None

        def find(text: str, lat: float | None, lon: float | None) -> Place | None:
            point = _in_district(gazetteer, lat, lon)
            if point is not None:  # the usual Open311 case: no need to read the text for places
                return point
            try:
                found = locate(text, lat, lon, gazetteer=gazetteer)
            except InvalidInput:
                return None
            except Exception:  # noqa: BLE001 - a failing gazetteer must not stop intake
                log.exception("locating a new case failed; it is routed without a place")
                return None
            evidence = {"reasons": list(found.reasons), "matched": [m.text for m in found.matched]}
            if found.district_code is None or found.confidence < MIN_CONFIDENCE:
                return Place(None, None, None, None, found.confidence, found.source, evidence)
            return Place(
                found.district_code, found.grid, found.lat, found.lon, found.confidence, found.source, evidence
            )

        return find


def _in_district(gazetteer: Gazetteer, lat: float | None, lon: float | None) -> Place | None:
    """A point inside a district: district and grid cell by point-in-polygon, certain (as ``geo.locate`` says)."""
    if lat is None or lon is None:
        return None
    district = gazetteer.district_at(lat, lon)
    if district is None:
        return None
    grid = gazetteer.grid_at(lat, lon)
    cell = grid.code if grid is not None and grid.district_code == district.code else None
    return Place(district.code, cell, lat, lon, 1.0, "coordinates", {"reasons": [f"the point lies in {district.code}"]})
