"""Stored air stations for tests: a Thing per station, one Datastream per pollutant (ObservedProperty named by the
pollutant code, unit as measured), hourly Observations at the city's local hours — written straight to the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.models.sensing import (
    Datastream,
    FeatureOfInterest,
    Location,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
    ThingLocation,
)

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
UG, MG = "µg/m³", "mg/m³"
#: Typical hourly levels (µg/m³; CO in µg/m³ as the Beijing files measure it).
BASE = {"PM2.5": 40.0, "PM10": 70.0, "SO2": 12.0, "NO2": 45.0, "CO": 800.0, "O3": 60.0}


def clean_hours(days: int, *, seed: int = 0) -> dict[str, list[float | None]]:
    """``days`` × 24 ordinary hours of every pollutant: a daily rhythm and a little noise (never the same twice)."""
    rng = np.random.default_rng(seed)
    hours = np.arange(days * 24)
    rhythm = 1 + 0.25 * np.sin(2 * np.pi * (hours % 24) / 24)
    return {
        p: np.round(base * rhythm * (1 + 0.08 * rng.standard_normal(hours.size)), 1).tolist()
        for p, base in BASE.items()
    }


def store_station(
    db: Database,
    name: str,
    first: date,
    hours: Mapping[str, Sequence[float | None]],
    *,
    units: Mapping[str, str] | None = None,
    quality: Mapping[tuple[str, int], Any] | None = None,
    properties: dict[str, Any] | None = None,
    where: tuple[float, float] = (116.397, 39.982),
) -> int:
    """Store a station's readings from local midnight of ``first``; ``quality[(pollutant, hour)]`` marks one reading.
    Returns the Thing's id."""
    units = {p: UG for p in BASE} | dict(units or {})
    start = clock.local_midnight_utc(first, db.settings.timezone)
    with db.transaction() as session:
        thing = Thing(name=name, description="air station", properties=properties or {"district": "D01"})
        sensor = Sensor(name="analyser", description="", encoding_type="text/plain", sensor_metadata="")
        feature = FeatureOfInterest(name=name, description="", encoding_type="application/geo+json", feature=None)
        point = {"type": "Point", "coordinates": list(where)}
        place = Location(name=name, description="", encoding_type="application/geo+json", location=point,
                         lon=where[0], lat=where[1])  # fmt: skip
        session.add_all([thing, sensor, feature, place])
        session.flush()
        session.add(ThingLocation(thing_id=thing.id, location_id=place.id))
        for pollutant, values in hours.items():
            prop = ObservedProperty(name=pollutant, definition=f"urn:pollutant:{pollutant}", description="")
            session.add(prop)
            session.flush()
            unit = {"name": units[pollutant], "symbol": units[pollutant], "definition": ""}
            stream = Datastream(
                name=f"{pollutant} at {name}", description="", unit_of_measurement=unit, observation_type=OM,
                thing_id=thing.id, sensor_id=sensor.id, observed_property_id=prop.id,
            )  # fmt: skip
            session.add(stream)
            session.flush()
            session.add_all(
                Observation(
                    datastream_id=stream.id,
                    feature_of_interest_id=feature.id,
                    phenomenon_time_start=start + timedelta(hours=h),
                    result_type=1,
                    result_number=v,
                    result_quality=(quality or {}).get((pollutant, h)),
                )  # fmt: skip
                for h, v in enumerate(values)
                if v is not None
            )
        return int(thing.id)
