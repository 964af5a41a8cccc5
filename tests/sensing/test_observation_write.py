"""Writing one Observation (``POST Datastreams(n)/Observations``): the FeatureOfInterest made from the Thing's
Location is looked up afresh each time, the Datastream's times move only when an Observation lies outside them, and
the 201 answer (built from what was written, not read back) is the Observation as stored. On both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.sensing.conftest import STA, create, get, station


@pytest.fixture
def other_worker(db: Database, settings: Settings) -> Iterator[TestClient]:
    """A second server process's app: its own engine and connection pool on the same database."""
    database = Database(settings)
    try:
        with TestClient(create_app(settings, database=database)) as client:
            yield client
    finally:
        database.dispose()


def _datastream(client: TestClient, headers: dict[str, str], name: str = "Dongsi") -> tuple[int, int]:
    thing = create(client, "Things", station(name), headers)["@iot.id"]
    return thing, get(client, f"Things({thing})/Datastreams")["value"][0]["@iot.id"]


def _feature_of(client: TestClient, observation: dict[str, Any]) -> dict[str, Any]:
    return get(client, f"Observations({observation['@iot.id']})/FeatureOfInterest")


def test_an_observation_after_the_thing_moved_gets_the_new_locations_feature(
    app_client: TestClient, other_worker: TestClient, admin: dict[str, str]
) -> None:
    thing, ds = _datastream(app_client, admin)
    path = f"Datastreams({ds})/Observations"
    before = create(app_client, path, {"result": 1.0}, admin)
    moved = {"name": "new site", "description": "", "encodingType": "application/geo+json"}
    moved["location"] = {"type": "Point", "coordinates": [116.5, 40.0]}  # type: ignore[assignment]
    response = other_worker.patch(f"{STA}/Things({thing})", json={"Locations": [moved]}, headers=admin)
    assert response.status_code == 200, response.text
    after = create(app_client, path, {"result": 2.0}, admin)
    again = create(app_client, path, {"result": 3.0}, admin)
    assert _feature_of(app_client, before)["feature"] == {"type": "Point", "coordinates": [116.397, 39.982]}
    assert _feature_of(app_client, after)["feature"] == {"type": "Point", "coordinates": [116.5, 40.0]}
    assert _feature_of(app_client, again)["@iot.id"] == _feature_of(app_client, after)["@iot.id"]
    assert len(get(app_client, "FeaturesOfInterest")["value"]) == 2


def test_a_deleted_feature_is_made_again_not_pointed_at(
    app_client: TestClient, other_worker: TestClient, admin: dict[str, str]
) -> None:
    _thing, ds = _datastream(app_client, admin)
    path = f"Datastreams({ds})/Observations"
    first = _feature_of(app_client, create(app_client, path, {"result": 1.0}, admin))
    assert other_worker.delete(f"{STA}/FeaturesOfInterest({first['@iot.id']})", headers=admin).status_code == 200
    later = create(app_client, path, {"result": 2.0}, admin)
    feature = _feature_of(app_client, later)  # a 404 if it pointed at the deleted one (SQLite may reuse its id)
    assert feature["feature"] == first["feature"]
    assert [f["@iot.id"] for f in get(app_client, "FeaturesOfInterest")["value"]] == [feature["@iot.id"]]
    observations = get(app_client, f"FeaturesOfInterest({feature['@iot.id']})/Observations")["value"]
    assert [o["@iot.id"] for o in observations] == [later["@iot.id"]]  # the first went with its feature


def test_a_thing_without_a_location_needs_a_feature_in_the_observation(
    app_client: TestClient, admin: dict[str, str]
) -> None:
    body = station()
    del body["Locations"]
    thing = create(app_client, "Things", body, admin)["@iot.id"]
    ds = get(app_client, f"Things({thing})/Datastreams")["value"][0]["@iot.id"]
    response = app_client.post(f"{STA}/Datastreams({ds})/Observations", json={"result": 1.0}, headers=admin)
    assert response.status_code == 400
    assert "no Location" in response.json()["error"]["message"]
    assert get(app_client, f"Datastreams({ds})/Observations")["value"] == []
    assert "phenomenonTime" not in get(app_client, f"Datastreams({ds})")


def test_the_datastreams_times_move_only_for_an_observation_outside_them(
    app_client: TestClient, other_worker: TestClient, admin: dict[str, str]
) -> None:
    _thing, ds = _datastream(app_client, admin)
    path = f"Datastreams({ds})/Observations"
    create(app_client, path, {"result": 1.0, "phenomenonTime": "2024-01-01T00:00:00Z/2024-01-01T06:00:00Z"}, admin)
    create(other_worker, path, {"result": 2.0, "phenomenonTime": "2024-01-01T03:00:00Z"}, admin)
    assert get(app_client, f"Datastreams({ds})")["phenomenonTime"] == "2024-01-01T00:00:00Z/2024-01-01T06:00:00Z"
    inside = {"result": 3.0, "phenomenonTime": "2024-01-01T04:00:00Z", "resultTime": "2024-01-01T04:00:00Z"}
    create(app_client, path, inside, admin)
    datastream = get(app_client, f"Datastreams({ds})")
    assert datastream["phenomenonTime"] == "2024-01-01T00:00:00Z/2024-01-01T06:00:00Z"
    assert datastream["resultTime"] == "2024-01-01T04:00:00Z"
    create(other_worker, path, {"result": 4.0, "phenomenonTime": "2023-12-31T23:00:00Z"}, admin)
    create(app_client, path, {"result": 5.0, "phenomenonTime": "2024-01-01T08:00:00+08:00"}, admin)
    assert get(app_client, f"Datastreams({ds})")["phenomenonTime"] == "2023-12-31T23:00:00Z/2024-01-01T06:00:00Z"


@pytest.mark.parametrize(
    "body",
    [
        {"result": 12.5},
        {"result": 7, "phenomenonTime": "2024-03-01T08:30:00.250+08:00", "resultTime": "2024-03-01T00:31:00Z"},
        {
            "result": {"pm25": 35.5, "flags": ["calibrated", "中"], "nested": {"n": None}},
            "phenomenonTime": "2024-03-01T00:00:00Z/2024-03-01T01:00:00Z",
            "validTime": "2024-03-01T00:00:00Z/2024-03-02T00:00:00Z",
            "parameters": {"z": 1, "a": [1.5, "二"]},
            "resultQuality": {"uncertainty": 0.1},
        },
        {"result": "offline", "phenomenonTime": "2024-03-01T00:00:00.000001Z"},
        {"result": True},
        {"result": None},
    ],
)
def test_the_201_answer_is_the_observation_as_stored(
    app_client: TestClient, admin: dict[str, str], body: dict[str, Any]
) -> None:
    _thing, ds = _datastream(app_client, admin)
    datastream = {"observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Observation"}
    assert app_client.patch(f"{STA}/Datastreams({ds})", json=datastream, headers=admin).status_code == 200
    response = app_client.post(f"{STA}/Datastreams({ds})/Observations", json=body, headers=admin)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert response.headers["Location"] == answer["@iot.selfLink"]
    assert answer == get(app_client, f"Observations({answer['@iot.id']})")
    assert answer["result"] == body["result"]
