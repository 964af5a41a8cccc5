"""Validated properties → column values (times parsed, a geometry's point, a result in the column that suits it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from citybrain.models.sensing import (
    RESULT_BOOLEAN,
    RESULT_INTEGER,
    RESULT_JSON,
    RESULT_NULL,
    RESULT_NUMBER,
    RESULT_STRING,
)
from citybrain.sensing import geo_sql
from citybrain.sensing.schemas import (
    GEOJSON_TYPES,
    DatastreamIn,
    FeatureOfInterestIn,
    HistoricalLocationIn,
    LocationIn,
    ObservationIn,
    ObservedPropertyIn,
    SensorIn,
    ThingIn,
    parse_interval,
    parse_time,
)

Values = dict[str, Any]


def result_columns(result: Any) -> Values:
    """Which column holds a result: numbers (and booleans as 0/1) in ``result_number``, text, or JSON."""
    empty: Values = {"result_number": None, "result_string": None, "result_json": None}
    if result is None:
        return empty | {"result_type": RESULT_NULL}
    if isinstance(result, bool):
        return empty | {"result_type": RESULT_BOOLEAN, "result_number": 1.0 if result else 0.0}
    if isinstance(result, int):
        return empty | {"result_type": RESULT_INTEGER, "result_number": float(result)}
    if isinstance(result, float):
        return empty | {"result_type": RESULT_NUMBER, "result_number": result}
    if isinstance(result, str):
        return empty | {"result_type": RESULT_STRING, "result_string": result}
    return empty | {"result_type": RESULT_JSON, "result_json": result}


def _interval(text: str | None, start: str, end: str) -> Values:
    if text is None:
        return {start: None, end: None}
    first, last = parse_interval(text)
    return {start: first, end: last}


def _point(encoding_type: str, geometry: dict[str, Any]) -> Values:
    if encoding_type not in GEOJSON_TYPES:
        return {"lat": None, "lon": None}
    lat, lon = geo_sql.point_of(geometry)
    return {"lat": lat, "lon": lon}


def _thing(m: ThingIn) -> Values:
    return {"name": m.name, "description": m.description, "properties": m.properties}


def _location(m: LocationIn) -> Values:
    values = {"name": m.name, "description": m.description, "encoding_type": m.encoding_type, "location": m.location}
    return values | {"properties": m.properties} | _point(m.encoding_type, m.location)


def _historical_location(m: HistoricalLocationIn) -> Values:
    return {"time": parse_time(m.time)}


def _sensor(m: SensorIn) -> Values:
    values = {"name": m.name, "description": m.description, "encoding_type": m.encoding_type}
    return values | {"sensor_metadata": m.metadata, "properties": m.properties}


def _observed_property(m: ObservedPropertyIn) -> Values:
    return {"name": m.name, "definition": m.definition, "description": m.description, "properties": m.properties}


def _datastream(m: DatastreamIn) -> Values:
    values = {
        "name": m.name,
        "description": m.description,
        "unit_of_measurement": m.unit_of_measurement.model_dump(),
        "observation_type": m.observation_type,
        "observed_area": m.observed_area,
        "properties": m.properties,
    }
    values |= _interval(m.phenomenon_time, "phenomenon_time_start", "phenomenon_time_end")
    return values | _interval(m.result_time, "result_time_start", "result_time_end")


def _feature(m: FeatureOfInterestIn) -> Values:
    values = {"name": m.name, "description": m.description, "encoding_type": m.encoding_type, "feature": m.feature}
    return values | {"properties": m.properties} | _point(m.encoding_type, m.feature)


def _observation(m: ObservationIn) -> Values:
    values: Values = {
        "result_time": parse_time(m.result_time) if m.result_time else None,
        "result_quality": m.result_quality,
        "parameters": m.parameters,
    }
    if m.phenomenon_time is not None:
        values |= _interval(m.phenomenon_time, "phenomenon_time_start", "phenomenon_time_end")
    values |= _interval(m.valid_time, "valid_time_start", "valid_time_end")
    return values | result_columns(m.result)


COLUMNS: dict[str, Callable[[Any], Values]] = {
    "Thing": _thing,
    "Location": _location,
    "HistoricalLocation": _historical_location,
    "Sensor": _sensor,
    "ObservedProperty": _observed_property,
    "Datastream": _datastream,
    "FeatureOfInterest": _feature,
    "Observation": _observation,
}
