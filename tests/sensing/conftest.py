"""SensorThings fixtures: keys of the roles that write, and a station made by deep insert."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from tests.conftest import make_key

STA = "/sta/v1.1"
OM = "http://www.opengis.net/def/observationType/OGC-OM/2.0/"
UNIT = {"name": "microgram per cubic metre", "symbol": "µg/m³", "definition": "http://qudt.org/vocab/unit/MicroGM-PER-M3"}


@pytest.fixture
def admin(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "admin")}


@pytest.fixture
def sensor(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "sensor")}


def station(name: str = "Aotizhongxin", lon: float = 116.397, lat: float = 39.982, kind: str = "OM_Measurement") -> dict[str, Any]:
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
                "Sensor": {"name": "BAM-1020", "description": "beta attenuation", "encodingType": "application/pdf", "metadata": "http://example.org/bam.pdf"},
                "ObservedProperty": {"name": "PM2.5", "definition": "http://example.org/pm25", "description": "fine particles"},
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
