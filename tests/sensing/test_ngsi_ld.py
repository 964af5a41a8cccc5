"""``citybrain sensing export``: stored observations as Smart Data Models in NGSI-LD JSON-LD, checked against the
OffStreetParking schema and examples in ../shared/data/smart_data_models_parking/."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
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
from tests.conftest import shared_path
from tests.sensing.air_store_factory import clean_hours, store_station

MODELS = shared_path("data", "smart_data_models_parking")
DAY = date(2017, 4, 28)


@pytest.fixture
def cli(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


def _car_park(db: Database, code: str, capacity: int, readings: list[tuple[int, float, Any]]) -> None:
    """A car park Thing at Birmingham with an ``occupancy`` Datastream: (minutes after 08:00, count, quality)."""
    start = clock.local_midnight_utc(DAY, db.settings.timezone) + timedelta(hours=8)
    with db.transaction() as session:
        thing = Thing(name=code, description=f"car park {code}", properties={"capacity": capacity})
        point = {"type": "Point", "coordinates": [-1.8957, 52.4741]}
        place = Location(
            name=code, description="", encoding_type="application/geo+json", location=point, lon=-1.8957, lat=52.4741
        )
        sensor = Sensor(name="counter", description="", encoding_type="text/plain", sensor_metadata="")
        prop = ObservedProperty(name="occupancy", definition="urn:occupancy", description="")
        feature = FeatureOfInterest(name=code, description="", encoding_type="application/geo+json", feature=None)
        session.add_all([thing, place, sensor, prop, feature])
        session.flush()
        session.add(ThingLocation(thing_id=thing.id, location_id=place.id))
        stream = Datastream(
            name=f"occupancy {code}", description="", unit_of_measurement={"name": "car", "symbol": "car",
            "definition": ""}, observation_type="OM_CountObservation", thing_id=thing.id, sensor_id=sensor.id,
            observed_property_id=prop.id,
        )  # fmt: skip
        session.add(stream)
        session.flush()
        session.add_all(
            Observation(
                datastream_id=stream.id,
                feature_of_interest_id=feature.id,
                phenomenon_time_start=start + timedelta(minutes=m),
                result_type=2,
                result_number=v,
                result_quality=q,
            )  # fmt: skip
            for m, v, q in readings
        )


def _export(tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    out = tmp_path / "out.jsonld"
    result = CliRunner().invoke(app, ["sensing", "export", "--format", "ngsi-ld", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return list(json.loads(out.read_text(encoding="utf-8")))


def _schema() -> dict[str, Any]:
    schema = json.loads((MODELS / "OffStreetParking" / "schema.json").read_text(encoding="utf-8"))
    properties: dict[str, Any] = {}
    for part in schema.get("allOf", [schema]):
        properties |= part.get("properties", {})
    return {"required": schema["required"], "properties": properties}


def _check_parking(entity: dict[str, Any], *, normalized: bool) -> None:
    schema = _schema()

    def value(name: str) -> Any:
        return entity[name]["value"] if normalized else entity[name]

    for name in schema["required"]:
        assert name in entity, name
    for name in ("totalSpotNumber", "availableSpotNumber", "occupiedSpotNumber", "occupancy"):
        rule = schema["properties"][name]
        assert rule["type"] in {"integer", "number"}
        assert value(name) >= rule.get("minimum", 0)
        assert value(name) <= rule.get("maximum", value(name))
    assert value("availableSpotNumber") <= value("totalSpotNumber")
    assert value("occupiedSpotNumber") + value("availableSpotNumber") == value("totalSpotNumber")
    assert set(value("status")) <= set(schema["properties"]["status"]["items"]["enum"])
    example = json.loads((MODELS / "OffStreetParking" / "example-normalized.jsonld").read_text(encoding="utf-8"))
    assert entity["@context"] == example["@context"]
    assert entity["id"].startswith("urn:ngsi-ld:OffStreetParking:")
    assert entity["type"] == "OffStreetParking"


def test_car_parks_export_normalized_at_their_latest_good_reading(cli: Database, tmp_path: Path) -> None:
    bad = {"qartod": 3, "flag": "suspect", "fault": "over_capacity"}
    _car_park(cli, "BHMBCCMKT01", 577, [(0, 100, None), (30, 113, None), (60, 600, bad)])
    _car_park(cli, "BHMNCPNST01", 200, [(0, 10, None)])
    _car_park(cli, "BROKEN", 50, [(0, 90, None)])  # only an impossible count: no state to tell
    entities = _export(tmp_path, "--type", "OffStreetParking", "--to", DAY.isoformat())
    assert [e["id"] for e in entities] == [
        "urn:ngsi-ld:OffStreetParking:BHMBCCMKT01",
        "urn:ngsi-ld:OffStreetParking:BHMNCPNST01",
    ]
    market = entities[0]
    _check_parking(market, normalized=True)
    point = {"type": "Point", "coordinates": [-1.8957, 52.4741]}
    assert market["location"] == {"type": "GeoProperty", "value": point}
    assert market["occupiedSpotNumber"]["value"] == 113
    assert market["availableSpotNumber"]["value"] == 464
    assert market["occupancy"]["value"] == round(113 / 577, 4)
    assert market["occupancy"]["type"] == "Property"
    assert market["occupancy"]["observedAt"] == "2017-04-28T00:30:00Z"  # 08:30 in the city's zone
    for entity in entities:
        _check_parking(entity, normalized=True)


def test_car_parks_export_as_key_values(cli: Database, tmp_path: Path) -> None:
    _car_park(cli, "BHMBCCMKT01", 577, [(0, 577, None)])
    (entity,) = _export(tmp_path, "--type", "OffStreetParking", "--key-values", "--to", DAY.isoformat())
    _check_parking(entity, normalized=False)
    assert entity["location"] == {"type": "Point", "coordinates": [-1.8957, 52.4741]}
    assert (entity["occupancy"], entity["status"]) == (1.0, ["full"])


def test_air_stations_export_hour_by_hour_with_units_and_the_index(cli: Database, tmp_path: Path) -> None:
    store_station(cli, "Aotizhongxin", date(2017, 1, 1), clean_hours(2))
    entities = _export(tmp_path, "--type", "AirQualityObserved", "--from", "2017-01-02", "--to", "2017-01-02")
    assert len(entities) == 24
    first = entities[0]
    assert first["id"] == "urn:ngsi-ld:AirQualityObserved:Aotizhongxin:2017-01-01T16:00:00Z"  # 00:00 in Beijing
    assert first["type"] == "AirQualityObserved"
    assert first["dateObserved"] == {"type": "Property", "value": "2017-01-01T16:00:00Z"}
    assert first["location"]["type"] == "GeoProperty"
    assert first["pm25"]["unitCode"] == "GQ"
    assert first["co"]["unitCode"] == "GP"
    assert first["co"]["value"] == pytest.approx(float(clean_hours(2)["CO"][24] or 0) / 1000)
    assert first["pm25"]["observedAt"] == "2017-01-01T16:00:00Z"
    assert isinstance(first["airQualityIndex"]["value"], int)
    assert first["@context"] == [
        "https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld"
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--type", "WeatherObserved"], "--type takes"),
        (["--type", "OffStreetParking", "--format", "ngsi-v2"], "--format takes ngsi-ld"),
        (["--type", "AirQualityObserved", "--from", "2017-01-01", "--to", "2017-03-01"], "31 days"),
    ],
)
def test_bad_options_are_refused(cli: Database, tmp_path: Path, args: list[str], says: str) -> None:
    result = CliRunner().invoke(app, ["sensing", "export", *args, "--out", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert says in result.output
    assert not (tmp_path / "x.json").exists()
