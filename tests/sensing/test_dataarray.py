"""The DataArray extension (OGC 18-088 clause 14.3, Annex A.4): ``POST CreateObservations``."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.sensing.conftest import STA, create, get, station


def _datastream(client: TestClient, headers: dict[str, str]) -> int:
    thing = create(client, "Things", station(), headers)
    return int(get(client, f"Things({thing['@iot.id']})/Datastreams")["value"][0]["@iot.id"])


def _post(client: TestClient, body: Any, headers: dict[str, str]) -> Any:
    return client.post(f"{STA}/CreateObservations", json=body, headers=headers)


def test_rows_become_observations_and_the_answer_lists_their_self_links(
    app_client: TestClient, admin: dict[str, str]
) -> None:
    ds = _datastream(app_client, admin)
    feature = {"name": "f", "description": "", "encodingType": "application/geo+json"}
    feature["feature"] = {"type": "Point", "coordinates": [1, 2]}  # type: ignore[assignment]
    foi = create(app_client, "FeaturesOfInterest", feature, admin)["@iot.id"]
    body = [
        {
            "Datastream": {"@iot.id": ds},
            "components": ["phenomenonTime", "result", "resultTime", "FeatureOfInterest/id"],
            "dataArray@iot.count": 2,
            "dataArray": [
                ["2024-01-01T00:00:00Z", 20.5, "2024-01-01T00:05:00Z", foi],
                ["2024-01-01T01:00:00Z/2024-01-01T02:00:00Z", 30, None, foi],
            ],
        },
        {"Datastream": {"@iot.id": ds}, "components": ["result"], "dataArray": [[40.0]]},
    ]
    response = _post(app_client, body, admin)
    assert response.status_code == 201, response.text
    links = response.json()
    assert len(links) == 3
    assert all(link.startswith(f"http://testserver{STA}/Observations(") for link in links)
    first = app_client.get(links[0]).json()
    assert first["result"] == 20.5
    assert first["resultTime"] == "2024-01-01T00:05:00Z"
    assert app_client.get(links[1]).json()["phenomenonTime"] == "2024-01-01T01:00:00Z/2024-01-01T02:00:00Z"
    assert get(app_client, links[0].split("/v1.1/")[1] + "/FeatureOfInterest")["@iot.id"] == foi
    assert get(app_client, links[2].split("/v1.1/")[1] + "/FeatureOfInterest")["name"] == "Aotizhongxin site"
    datastream = get(app_client, f"Datastreams({ds})")
    assert datastream["phenomenonTime"].startswith("2024-01-01T00:00:00Z/")
    assert datastream["resultTime"] == "2024-01-01T00:05:00Z"


def test_one_bad_row_writes_nothing_and_names_the_row(app_client: TestClient, admin: dict[str, str]) -> None:
    ds = _datastream(app_client, admin)
    good = {"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"]}
    bad_rows = [
        ([["2024-01-01T00:00:00Z", 1.0], ["2024-01-01T01:00:00Z", "high"]], "group 0, row 1"),
        ([["2024-01-01T00:00:00Z", 1.0], ["2024-01-01T01:00:00Z"]], "expected 2 values"),
        ([["not a time", 1.0]], "ISO 8601"),
    ]
    for rows, named in bad_rows:
        response = _post(app_client, [good | {"dataArray": rows}], admin)
        assert response.status_code == 400
        assert named in response.json()["error"]["message"]
    for body, named in (
        ({"Datastream": {"@iot.id": ds}}, "array"),
        ([{"Datastream": {"@iot.id": 999999}, "components": ["result"], "dataArray": [[1.0]]}], "no Datastream"),
        ([good | {"components": ["colour", "result"], "dataArray": [["red", 1.0]]}], "colour"),
        ([good | {"components": ["phenomenonTime"], "dataArray": [["2024-01-01T00:00:00Z"]]}], "include result"),
        ([good | {"components": ["result", "FeatureOfInterest/id"], "dataArray": [[1.0, 999999]]}], "999999"),
    ):
        response = _post(app_client, body, admin)
        assert response.status_code == 400
        assert named in response.json()["error"]["message"]
    assert get(app_client, "Observations", **{"$count": "true"})["@iot.count"] == 0
