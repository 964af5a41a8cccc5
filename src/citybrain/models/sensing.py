"""SensorThings (OGC 18-088, Sensing part) entities: what the city senses, where, with what, and every reading.

Table and column names are ours; the JSON names of the standard (``unitOfMeasurement``, ``phenomenonTime`` …) are
given in ``sensing/entities.py``. Times are intervals where the standard allows one (``*_start``/``*_end``; an
instant has no end). A Location's or Feature's GeoJSON is kept whole, and its point (a polygon's centroid) also in
``lat``/``lon`` so that ``geo.distance`` and ``st_within`` run in plain SQL on both databases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from citybrain.core.types import UTCDateTime
from citybrain.models.base import Base, BigId


class Thing(Base):
    """A station, gateway or device (一个监测站/网关). ``owner_key_id``: the ``sensor`` key that created it."""

    __tablename__ = "sta_things"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    owner_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"), index=True)


class Location(Base):
    __tablename__ = "sta_locations"
    __table_args__ = (Index("ix_sta_locations_lat_lon", "lat", "lon"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    encoding_type: Mapped[str] = mapped_column(String(100))
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ThingLocation(Base):
    """A Thing's current Location(s)."""

    __tablename__ = "sta_thing_locations"

    thing_id: Mapped[int] = mapped_column(ForeignKey("sta_things.id", ondelete="CASCADE"), primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("sta_locations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class HistoricalLocation(Base):
    """Where a Thing was from ``time`` on: written whenever its Locations are set."""

    __tablename__ = "sta_historical_locations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    thing_id: Mapped[int] = mapped_column(ForeignKey("sta_things.id", ondelete="CASCADE"), index=True)
    time: Mapped[datetime] = mapped_column(UTCDateTime)


class HistoricalLocationLocation(Base):
    __tablename__ = "sta_historical_location_locations"

    historical_location_id: Mapped[int] = mapped_column(
        ForeignKey("sta_historical_locations.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(
        ForeignKey("sta_locations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Sensor(Base):
    __tablename__ = "sta_sensors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    encoding_type: Mapped[str] = mapped_column(String(100))
    sensor_metadata: Mapped[Any] = mapped_column("metadata", JSON, nullable=True)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ObservedProperty(Base):
    __tablename__ = "sta_observed_properties"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(500))
    definition: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Datastream(Base):
    """A series of Observations of one ObservedProperty by one Sensor on one Thing, in one unit."""

    __tablename__ = "sta_datastreams"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    unit_of_measurement: Mapped[dict[str, Any]] = mapped_column(JSON)
    observation_type: Mapped[str] = mapped_column(String(200))
    observed_area: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    phenomenon_time_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    phenomenon_time_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_time_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_time_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    thing_id: Mapped[int] = mapped_column(ForeignKey("sta_things.id", ondelete="CASCADE"), index=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sta_sensors.id", ondelete="CASCADE"), index=True)
    observed_property_id: Mapped[int] = mapped_column(
        ForeignKey("sta_observed_properties.id", ondelete="CASCADE"), index=True
    )


class FeatureOfInterest(Base):
    """What an Observation is about; made from the Thing's Location when a reading names none (and reused)."""

    __tablename__ = "sta_features_of_interest"
    __table_args__ = (Index("ix_sta_features_of_interest_lat_lon", "lat", "lon"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    encoding_type: Mapped[str] = mapped_column(String(100))
    feature: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("sta_locations.id", ondelete="SET NULL"), index=True)


#: ``Observation.result_type``: which column holds the result.
RESULT_NULL, RESULT_NUMBER, RESULT_INTEGER, RESULT_BOOLEAN, RESULT_STRING, RESULT_JSON = 0, 1, 2, 3, 4, 5


class Observation(Base):
    """One reading. A numeric (or boolean, as 0/1) result is in ``result_number`` so SQL can compare and add it;
    a string in ``result_string``; anything else in ``result_json``; ``result_type`` says which."""

    __tablename__ = "sta_observations"
    __table_args__ = (Index("ix_sta_observations_datastream_time", "datastream_id", "phenomenon_time_start", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    datastream_id: Mapped[int] = mapped_column(ForeignKey("sta_datastreams.id", ondelete="CASCADE"))
    feature_of_interest_id: Mapped[int] = mapped_column(
        ForeignKey("sta_features_of_interest.id", ondelete="CASCADE"), index=True
    )
    phenomenon_time_start: Mapped[datetime] = mapped_column(UTCDateTime)
    phenomenon_time_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_type: Mapped[int] = mapped_column(SmallInteger, default=RESULT_NUMBER)
    result_number: Mapped[float | None] = mapped_column(Float)
    result_string: Mapped[str | None] = mapped_column(Text)
    result_json: Mapped[Any] = mapped_column(JSON, nullable=True)
    result_quality: Mapped[Any] = mapped_column(JSON, nullable=True)
    valid_time_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_time_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class MqttReceipt(Base):
    """A message the MQTT worker turned into an Observation, by its content key (sha256 of the Datastream id and
    the payload's canonical JSON): a redelivered message finds its key here and is not stored twice. Kept for
    ``mqtt_dedupe_hours``."""

    __tablename__ = "sta_mqtt_receipts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    observation_id: Mapped[int | None] = mapped_column(BigId)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


__all__ = [
    "Datastream",
    "FeatureOfInterest",
    "HistoricalLocation",
    "HistoricalLocationLocation",
    "Location",
    "MqttReceipt",
    "Observation",
    "ObservedProperty",
    "Sensor",
    "Thing",
    "ThingLocation",
]
