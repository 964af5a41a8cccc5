"""Every entity type on its own: create, read, PATCH, DELETE (OGC 18-088 Annex A.3: create-update-delete)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.sensing.conftest import OM, STA, UNIT, create, get, station

GEOJSON = "application/geo+json"


def _bodies(client: TestClient, headers: dict[str, str]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Per entity set: a body that creates one (linking what it needs) and a PATCH with its expected effect."""
    thing = create(client, "Things", station(), headers)["@iot.id"]
    ds = get(client, f"Things({thing})/Datastreams")["value"][0]
    sensor = get(client, f"Datastreams({ds['@iot.id']})/Sensor")["@iot.id"]
    prop = get(client, f"Datastreams({ds['@iot.id']})/ObservedProperty")["@iot.id"]
    point = {"type": "Point", "coordinates": [116.4, 39.9]}
    return {
        "Things": ({"name": "t", "description": "d", "properties": {"k": 1}}, {"properties": {"k": 2}}),
        "Locations": (
            {"name": "l", "description": "", "encodingType": GEOJSON, "location": point},
            {"location": {"type": "Point", "coordinates": [1.0, 2.0]}},
        ),
        "HistoricalLocations": (
            {"time": "2024-01-01T00:00:00Z", "Thing": {"@iot.id": thing}},
            {"time": "2024-02-01T00:00:00Z"},
        ),
        "Sensors": (
            {"name": "s", "description": "", "encodingType": "application/pdf", "metadata": "http://x/s.pdf"},
            {"metadata": {"model": "X1"}},
        ),
        "ObservedProperties": ({"name": "o", "definition": "http://x/o", "description": ""}, {"name": "NO2"}),
        "Datastreams": (
            {
                "name": "ds",
                "description": "",
                "unitOfMeasurement": UNIT,
                "observationType": OM + "OM_CountObservation",
                "Thing": {"@iot.id": thing},
                "Sensor": {"@iot.id": sensor},
                "ObservedProperty": {"@iot.id": prop},
            },
            {"observationType": OM + "OM_Measurement"},
        ),
        "FeaturesOfInterest": (
            {"name": "f", "description": "", "encodingType": GEOJSON, "feature": point},
            {"description": "a lake"},
        ),
        "Observations": (
            {"result": 3, "phenomenonTime": "2024-01-01T00:00:00Z", "Datastream": {"@iot.id": ds["@iot.id"]}},
            {
                "resultQuality": {"flag": "suspect"},
                "parameters": {"hz": 1},
                "validTime": "2024-01-01T00:00:00Z/2024-01-02T00:00:00Z",
            },
        ),
    }


@pytest.mark.parametrize(
    "entity_set",
    [
        "Things",
        "Locations",
        "HistoricalLocations",
        "Sensors",
        "ObservedProperties",
        "Datastreams",
        "FeaturesOfInterest",
        "Observations",
    ],
)
def test_create_read_patch_delete(app_client: TestClient, admin: dict[str, str], entity_set: str) -> None:
    body, change = _bodies(app_client, admin)[entity_set]
    made = create(app_client, entity_set, body, admin)
    path = f"{entity_set}({made['@iot.id']})"
    read = get(app_client, path)
    for key, value in body.items():
        if not isinstance(value, dict) or "@iot.id" not in value:
            assert read[key] == value, key
    patched = app_client.patch(f"{STA}/{path}", json=change, headers=admin)
    assert patched.status_code == 200, patched.text
    after = get(app_client, path)
    for key, value in change.items():
        assert after[key] == value, key
    assert app_client.delete(f"{STA}/{path}", headers=admin).status_code == 200
    assert app_client.get(f"{STA}/{path}").status_code == 404


def test_a_location_posted_with_its_thing_becomes_where_the_thing_is(
    app_client: TestClient, admin: dict[str, str]
) -> None:
    thing = create(app_client, "Things", station(), admin)["@iot.id"]
    body: dict[str, object] = {
        "name": "new",
        "description": "",
        "encodingType": GEOJSON,
        "Things": [{"@iot.id": thing}],
    }
    body["location"] = {"type": "Point", "coordinates": [1, 2]}
    location = create(app_client, "Locations", body, admin)["@iot.id"]
    assert [loc["@iot.id"] for loc in get(app_client, f"Things({thing})/Locations")["value"]] == [location]
    history = get(app_client, f"Locations({location})/HistoricalLocations", **{"$expand": "Thing"})["value"]
    assert [h["Thing"]["@iot.id"] for h in history] == [thing]
