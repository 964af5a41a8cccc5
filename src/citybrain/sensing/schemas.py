"""The properties of each entity as a client sends them (Pydantic), and the rules on their values.

Links and inline entities (deep insert) are split off by ``sensing/create.py`` before these models see a body; what
is left must be exactly the entity's own properties (an unknown key is a 400, as is a missing mandatory one).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from citybrain.core.errors import InvalidInput

OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
OBSERVATION_TYPES = {
    OM + "OM_Measurement": "a number",
    OM + "OM_CountObservation": "an integer",
    OM + "OM_TruthObservation": "true or false",
    OM + "OM_CategoryObservation": "a string (a category or its URI)",
    OM + "OM_Observation": "any JSON value",
}
GEOJSON_TYPES = ("application/geo+json", "application/vnd.geo+json")


def parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_interval(text: str) -> tuple[datetime, datetime | None]:
    """An instant, or ``start/end`` (end not before start)."""
    start, slash, end = text.partition("/")
    first = parse_time(start)
    if not slash:
        return first, None
    last = parse_time(end)
    if last < first:
        raise ValueError(f"the interval {text!r} ends before it starts")
    return first, last


class _Props(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ThingIn(_Props):
    name: str = Field(min_length=1, max_length=500)
    description: str = ""
    properties: dict[str, Any] | None = None


class LocationIn(_Props):
    name: str = Field(min_length=1, max_length=500)
    description: str = ""
    encoding_type: str = Field(alias="encodingType", max_length=100)
    location: dict[str, Any]
    properties: dict[str, Any] | None = None


class HistoricalLocationIn(_Props):
    time: str

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        parse_time(value)
        return value


class SensorIn(_Props):
    name: str = Field(min_length=1, max_length=500)
    description: str = ""
    encoding_type: str = Field(alias="encodingType", max_length=100)
    metadata: Any
    properties: dict[str, Any] | None = None


class ObservedPropertyIn(_Props):
    name: str = Field(min_length=1, max_length=500)
    definition: str = Field(max_length=1000)
    description: str = ""
    properties: dict[str, Any] | None = None


class UnitOfMeasurement(BaseModel):
    """name, symbol and definition are all required (an empty symbol is allowed for unitless counts)."""

    model_config = ConfigDict(extra="allow")
    name: str
    symbol: str
    definition: str


class DatastreamIn(_Props):
    name: str = Field(min_length=1, max_length=500)
    description: str = ""
    unit_of_measurement: UnitOfMeasurement = Field(alias="unitOfMeasurement")
    observation_type: str = Field(alias="observationType")
    observed_area: dict[str, Any] | None = Field(default=None, alias="observedArea")
    phenomenon_time: str | None = Field(default=None, alias="phenomenonTime")
    result_time: str | None = Field(default=None, alias="resultTime")
    properties: dict[str, Any] | None = None

    @field_validator("observation_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in OBSERVATION_TYPES:
            known = ", ".join(t.removeprefix(OM) for t in OBSERVATION_TYPES)
            raise ValueError(f"unknown observationType {value!r}; known: {OM}{{{known}}}")
        return value


class FeatureOfInterestIn(_Props):
    name: str = Field(min_length=1, max_length=500)
    description: str = ""
    encoding_type: str = Field(alias="encodingType", max_length=100)
    feature: dict[str, Any]
    properties: dict[str, Any] | None = None


class ObservationIn(_Props):
    phenomenon_time: str | None = Field(default=None, alias="phenomenonTime")
    result_time: str | None = Field(default=None, alias="resultTime")
    result: Any = Field()
    result_quality: Any = Field(default=None, alias="resultQuality")
    valid_time: str | None = Field(default=None, alias="validTime")
    parameters: dict[str, Any] | None = None

    @field_validator("phenomenon_time", "valid_time")
    @classmethod
    def _interval(cls, value: str | None) -> str | None:
        if value is not None:
            parse_interval(value)
        return value

    @field_validator("result_time")
    @classmethod
    def _instant(cls, value: str | None) -> str | None:
        if value is not None:
            parse_time(value)
        return value


SCHEMAS: dict[str, type[_Props]] = {
    "Thing": ThingIn,
    "Location": LocationIn,
    "HistoricalLocation": HistoricalLocationIn,
    "Sensor": SensorIn,
    "ObservedProperty": ObservedPropertyIn,
    "Datastream": DatastreamIn,
    "FeatureOfInterest": FeatureOfInterestIn,
    "Observation": ObservationIn,
}


def validate(entity_name: str, props: dict[str, Any]) -> Any:
    """The properties as the entity's model; 400 naming each problem."""
    try:
        return SCHEMAS[entity_name].model_validate(props)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise InvalidInput(f"{entity_name}: {problems}") from None


_RESULT_FITS: dict[str, Callable[[Any], bool]] = {
    "OM_Measurement": lambda r: isinstance(r, int | float) and not isinstance(r, bool),
    "OM_CountObservation": lambda r: isinstance(r, int) and not isinstance(r, bool),
    "OM_TruthObservation": lambda r: isinstance(r, bool),
    "OM_CategoryObservation": lambda r: isinstance(r, str),
}  # any other type (OM_Observation) takes any result


def check_result(observation_type: str, result: Any) -> None:
    """A result must suit its Datastream's observationType (OM_Measurement wants a number …)."""
    name = observation_type.removeprefix(OM)
    fits = _RESULT_FITS.get(name)
    if fits is not None and not fits(result):
        raise InvalidInput(
            f"result {result!r} does not suit the Datastream's observationType {name}: it must be "
            f"{OBSERVATION_TYPES[observation_type]}"
        )
