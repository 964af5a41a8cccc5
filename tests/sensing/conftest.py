"""SensorThings fixtures: keys of the roles that write, and a station made by deep insert."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.sensing.mqtt_helpers import broker_settings

STA = "/sta/v1.1"
OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
UNIT = {
    "name": "microgram per cubic metre",
    "symbol": "µg/m³",
    "definition": "http://qudt.org/vocab/unit/MicroGM-PER-M3",
}


@pytest.fixture
def admin(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "admin")}


@pytest.fixture
def sensor(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "sensor")}


def station(
    name: str = "Aotizhongxin", lon: float = 116.397, lat: float = 39.982, kind: str = "OM_Measurement"
) -> dict[str, Any]:
    """A Thing with its Location and one Datastream (inline Sensor and ObservedProperty): the deep insert of A.2."""
    return {
        "name": name,
        "description": f"air quality station {name}",
        "properties": {"district": "Chaoyang", "owner": "EPB"},
        "Locations": [
            {
                "name": f"{name} site",
                "description": "roof",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [lon, lat]},
            }
        ],
        "Datastreams": [
            {
                "name": f"PM2.5 at {name}",
                "description": "hourly PM2.5",
                "unitOfMeasurement": UNIT,
                "observationType": OM + kind,
                "Sensor": {
                    "name": "BAM-1020",
                    "description": "beta attenuation",
                    "encodingType": "application/pdf",
                    "metadata": "http://example.org/bam.pdf",
                },
                "ObservedProperty": {
                    "name": "PM2.5",
                    "definition": "http://example.org/pm25",
                    "description": "fine particles",
                },
            }
        ],
    }


def create(client: TestClient, path: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post(f"{STA}/{path}", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{STA}/{path}", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def observations(
    client: TestClient, datastream_id: int, values: list[Any], headers: dict[str, str], day: int = 1
) -> None:
    """Hourly Observations from 2024-01-<day> 00:00 UTC on, through the DataArray extension."""
    rows = [[f"2024-01-{day:02d}T{hour:02d}:00:00Z", value] for hour, value in enumerate(values)]
    body = [{"Datastream": {"@iot.id": datastream_id}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
    response = client.post(f"{STA}/CreateObservations", json=body, headers=headers)
    assert response.status_code == 201, response.text


@pytest.fixture
def city(app_client: TestClient, admin: dict[str, str]) -> dict[str, int]:
    """Three stations: two in Beijing (PM2.5 series), one in Shanghai; ids by short name."""
    ids: dict[str, int] = {}
    for short, name, lon, lat in (
        ("a", "Aotizhongxin", 116.397, 39.982),
        ("d", "Dongsi", 116.417, 39.929),
        ("s", "Shanghai Jingan", 121.448, 31.229),
    ):
        thing = create(app_client, "Things", station(name, lon, lat), admin)
        ids[short] = thing["@iot.id"]
        ids[f"{short}_ds"] = get(app_client, f"Things({thing['@iot.id']})/Datastreams")["value"][0]["@iot.id"]
    observations(app_client, ids["a_ds"], [10.0, 35.5, 80.0, 120.0], admin)
    observations(app_client, ids["d_ds"], [5.0, 15.0], admin)
    observations(app_client, ids["s_ds"], [50.0], admin, day=2)
    return ids


# ---- MQTT with the real broker (tests/sensing/test_mqtt*.py) ------------------------------------------------------


@pytest.fixture
def mqtt_settings(settings: Settings) -> Settings:
    return broker_settings(settings, sta_public_url="http://city.example/sta/v1.1")


@pytest.fixture
def mqtt_app(db: Database, mqtt_settings: Settings) -> Iterator[TestClient]:
    """The web app with the test's MQTT settings (its publisher connected to the real broker)."""
    with TestClient(create_app(mqtt_settings, database=db)) as client:
        yield client


@pytest.fixture
def datastream(mqtt_app: TestClient, admin: dict[str, str]) -> int:
    thing = create(mqtt_app, "Things", station("Dongsi"), admin)
    return int(get(mqtt_app, f"Things({thing['@iot.id']})/Datastreams")["value"][0]["@iot.id"])
