"""The SensorThings data model, declared once: each entity type, its properties and its navigation links.

The URL parser, the serialiser, ``$select``/``$orderby``/``$filter``/``$expand`` and the writers all read this
table, so a property or link exists everywhere or nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from citybrain.core.errors import InvalidInput, NotFound
from citybrain.models import (
    Datastream,
    FeatureOfInterest,
    HistoricalLocation,
    HistoricalLocationLocation,
    Location,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
    ThingLocation,
)
from citybrain.models.base import Base

#: Property kinds: ``id``; ``text``; ``json`` (any JSON, paths into it allowed); ``geo`` (GeoJSON with a lat/lon
#: point beside it); ``time`` (an instant); ``interval`` (an instant or ``start/end``); ``result``.
PropKind = str


@dataclass(frozen=True)
class Prop:
    name: str  # the standard's JSON name
    attr: str  # ORM attribute (an interval's start)
    kind: PropKind
    end: str | None = None  # an interval's end attribute
    required: bool = False


@dataclass(frozen=True)
class Nav:
    """A navigation property. To-one: ``fk`` is the source's column holding the target's id. To-many: ``fk`` is the
    target's column holding the source's id, or ``link`` is a table of (``link_source``, ``link_target``) ids."""

    name: str
    target: str  # entity type name
    many: bool
    fk: str | None = None
    link: type[Base] | None = None
    link_source: str = ""
    link_target: str = ""
    inverse: str = ""  # the target's navigation property pointing back here


@dataclass(frozen=True)
class EntityType:
    name: str  # Thing
    plural: str  # Things (the entity set's name and URL segment)
    model: type[Base]
    props: tuple[Prop, ...]
    navs: tuple[Nav, ...]

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)

    def nav(self, name: str) -> Nav | None:
        return next((n for n in self.navs if n.name == name), None)

    def column(self, attr: str) -> Any:
        return getattr(self.model, attr)


_ID = Prop("id", "id", "id")
_NAME = Prop("name", "name", "text", required=True)
_DESCRIPTION = Prop("description", "description", "text", required=True)
_PROPERTIES = Prop("properties", "properties", "json")
_ENCODING = Prop("encodingType", "encoding_type", "text", required=True)

ENTITY_TYPES: tuple[EntityType, ...] = (
    EntityType(
        "Thing",
        "Things",
        Thing,
        (_ID, _NAME, _DESCRIPTION, _PROPERTIES),
        (
            Nav("Locations", "Location", True, None, ThingLocation, "thing_id", "location_id", "Things"),
            Nav("HistoricalLocations", "HistoricalLocation", True, "thing_id", inverse="Thing"),
            Nav("Datastreams", "Datastream", True, "thing_id", inverse="Thing"),
        ),
    ),
    EntityType(
        "Location",
        "Locations",
        Location,
        (_ID, _NAME, _DESCRIPTION, _ENCODING, Prop("location", "location", "geo", required=True), _PROPERTIES),
        (
            Nav("Things", "Thing", True, None, ThingLocation, "location_id", "thing_id", "Locations"),
            Nav(
                "HistoricalLocations",
                "HistoricalLocation",
                True,
                None,
                HistoricalLocationLocation,
                "location_id",
                "historical_location_id",
                "Locations",
            ),
        ),
    ),
    EntityType(
        "HistoricalLocation",
        "HistoricalLocations",
        HistoricalLocation,
        (_ID, Prop("time", "time", "time", required=True)),
        (
            Nav("Thing", "Thing", False, "thing_id", inverse="HistoricalLocations"),
            Nav(
                "Locations",
                "Location",
                True,
                None,
                HistoricalLocationLocation,
                "historical_location_id",
                "location_id",
                "HistoricalLocations",
            ),
        ),
    ),
    EntityType(
        "Sensor",
        "Sensors",
        Sensor,
        (_ID, _NAME, _DESCRIPTION, _ENCODING, Prop("metadata", "sensor_metadata", "json", required=True), _PROPERTIES),
        (Nav("Datastreams", "Datastream", True, "sensor_id", inverse="Sensor"),),
    ),
    EntityType(
        "ObservedProperty",
        "ObservedProperties",
        ObservedProperty,
        (_ID, _NAME, Prop("definition", "definition", "text", required=True), _DESCRIPTION, _PROPERTIES),
        (Nav("Datastreams", "Datastream", True, "observed_property_id", inverse="ObservedProperty"),),
    ),
    EntityType(
        "Datastream",
        "Datastreams",
        Datastream,
        (
            _ID,
            _NAME,
            _DESCRIPTION,
            Prop("unitOfMeasurement", "unit_of_measurement", "json", required=True),
            Prop("observationType", "observation_type", "text", required=True),
            Prop("observedArea", "observed_area", "json"),
            Prop("phenomenonTime", "phenomenon_time_start", "interval", "phenomenon_time_end"),
            Prop("resultTime", "result_time_start", "interval", "result_time_end"),
            _PROPERTIES,
        ),
        (
            Nav("Thing", "Thing", False, "thing_id", inverse="Datastreams"),
            Nav("Sensor", "Sensor", False, "sensor_id", inverse="Datastreams"),
            Nav("ObservedProperty", "ObservedProperty", False, "observed_property_id", inverse="Datastreams"),
            Nav("Observations", "Observation", True, "datastream_id", inverse="Datastream"),
        ),
    ),
    EntityType(
        "FeatureOfInterest",
        "FeaturesOfInterest",
        FeatureOfInterest,
        (_ID, _NAME, _DESCRIPTION, _ENCODING, Prop("feature", "feature", "geo", required=True), _PROPERTIES),
        (Nav("Observations", "Observation", True, "feature_of_interest_id", inverse="FeatureOfInterest"),),
    ),
    EntityType(
        "Observation",
        "Observations",
        Observation,
        (
            _ID,
            Prop("phenomenonTime", "phenomenon_time_start", "interval", "phenomenon_time_end"),
            Prop("resultTime", "result_time", "time"),
            Prop("result", "result_number", "result", required=True),
            Prop("resultQuality", "result_quality", "json"),
            Prop("validTime", "valid_time_start", "interval", "valid_time_end"),
            Prop("parameters", "parameters", "json"),
        ),
        (
            Nav("Datastream", "Datastream", False, "datastream_id", inverse="Observations"),
            Nav("FeatureOfInterest", "FeatureOfInterest", False, "feature_of_interest_id", inverse="Observations"),
        ),
    ),
)

BY_NAME: dict[str, EntityType] = {e.name: e for e in ENTITY_TYPES}
BY_PLURAL: dict[str, EntityType] = {e.plural: e for e in ENTITY_TYPES}


def entity_set(plural: str) -> EntityType:
    found = BY_PLURAL.get(plural)
    if found is None:
        raise NotFound(f"no entity set {plural!r}; the sets are {', '.join(BY_PLURAL)}")
    return found


def target(nav: Nav) -> EntityType:
    return BY_NAME[nav.target]


def navigation(entity: EntityType, name: str) -> Nav:
    found = entity.nav(name)
    if found is None:
        raise InvalidInput(
            f"{entity.name} has no navigation property {name!r}; it has {', '.join(n.name for n in entity.navs)}"
        )
    return found
