"""Observations as FIWARE Smart Data Models in NGSI-LD JSON-LD (ETSI GS CIM 009): AirQualityObserved and
OffStreetParking, normalized (every attribute a ``Property``/``GeoProperty`` object) or keyValues (plain values).

Pure: plain values in, JSON-ready dicts out. The ``@context`` is the model's published context, named by its URL
and never fetched (as the examples in ../shared/data/smart_data_models_parking/ carry it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

PARKING_CONTEXT = "https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld"
ENVIRONMENT_CONTEXT = "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld"
CONTEXTS = {"AirQualityObserved": ENVIRONMENT_CONTEXT, "OffStreetParking": PARKING_CONTEXT}
TYPES = tuple(CONTEXTS)
#: UN/CEFACT common codes of the units we store (NGSI-LD ``unitCode``).
UNIT_CODES = {"µg/m³": "GQ", "mg/m³": "GP"}
#: Pollutant code (as stored) → AirQualityObserved attribute.
AIR_ATTRIBUTES = {"PM2.5": "pm25", "PM10": "pm10", "SO2": "so2", "NO2": "no2", "CO": "co", "O3": "o3"}


def urn(entity_type: str, *parts: str) -> str:
    """``urn:ngsi-ld:<Type>:<part>:<part>`` with each part percent-encoded (spaces, not colons)."""
    return ":".join(["urn:ngsi-ld", entity_type, *(quote(p, safe="-_.~:") for p in parts)])


def utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Attribute:
    """One attribute before it is written: its value, and for a measurement when and in what unit."""

    value: Any
    observed_at: datetime | None = None
    unit: str | None = None
    geo: bool = False


def entity(
    entity_type: str, entity_id: str, attributes: Mapping[str, Attribute], *, key_values: bool
) -> dict[str, Any]:
    """One entity in the chosen form, ``@context`` last as in the Smart Data Models examples."""
    body: dict[str, Any] = {"id": entity_id, "type": entity_type}
    for name, attr in attributes.items():
        if attr.value is None:
            continue
        body[name] = attr.value if key_values else _normalized(attr)
    body["@context"] = [CONTEXTS[entity_type]]
    return body


def _normalized(attr: Attribute) -> dict[str, Any]:
    if attr.geo:
        return {"type": "GeoProperty", "value": attr.value}
    out: dict[str, Any] = {"type": "Property", "value": attr.value}
    if attr.observed_at is not None:
        out["observedAt"] = utc_iso(attr.observed_at)
    if attr.unit is not None and attr.unit in UNIT_CODES:
        out["unitCode"] = UNIT_CODES[attr.unit]
    return out


def point(lon: float | None, lat: float | None) -> dict[str, Any] | None:
    return None if lon is None or lat is None else {"type": "Point", "coordinates": [lon, lat]}


def air_quality_observed(
    station: str,
    at: datetime,
    location: dict[str, Any] | None,
    readings: Mapping[str, tuple[float, str]],
    aqi: tuple[int, str] | None,
    *,
    key_values: bool,
) -> dict[str, Any]:
    """One station's hour: ``readings[code] = (value, unit)``, ``aqi`` = (hourly AQI, category) when it has one."""
    attributes: dict[str, Attribute] = {
        "dateObserved": Attribute(utc_iso(at)),
        "location": Attribute(location, geo=True),
        "name": Attribute(station),
        "typeofLocation": Attribute("outdoor"),
    }
    for code, (value, unit) in readings.items():
        attributes[AIR_ATTRIBUTES[code]] = Attribute(round(value, 6), at, unit)
    if aqi is not None:
        attributes["airQualityIndex"] = Attribute(aqi[0], at)
        attributes["airQualityLevel"] = Attribute(aqi[1], at)
    return entity("AirQualityObserved", urn("AirQualityObserved", station, utc_iso(at)), attributes,
                  key_values=key_values)  # fmt: skip


def off_street_parking(
    code: str,
    name: str,
    location: dict[str, Any] | None,
    capacity: int,
    occupied: float,
    at: datetime,
    *,
    key_values: bool,
) -> dict[str, Any]:
    """One car park's state at its last good reading (a count above capacity is read as full)."""
    taken = int(min(max(occupied, 0), capacity))
    attributes = {
        "name": Attribute(name),
        "location": Attribute(location, geo=True),
        "totalSpotNumber": Attribute(capacity),
        "occupiedSpotNumber": Attribute(taken, at),
        "availableSpotNumber": Attribute(capacity - taken, at),
        "occupancy": Attribute(round(taken / capacity, 4), at),
        "status": Attribute(["full" if taken >= capacity else "spacesAvailable"], at),
        "observationDateTime": Attribute(utc_iso(at)),
        "category": Attribute(["offStreet"]),
    }
    return entity("OffStreetParking", urn("OffStreetParking", code), attributes, key_values=key_values)
