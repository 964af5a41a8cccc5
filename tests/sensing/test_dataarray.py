"""The DataArray extension (OGC 18-088 clause 14.3, Annex A.4): ``POST CreateObservations``."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.models import Observation
from tests.sensing.conftest import STA, create, get, station
from tests.web.idempotent import another_body_is_422, retried


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


def test_a_bad_row_deep_in_a_large_request_writes_nothing(app_client: TestClient, admin: dict[str, str]) -> None:
    """All or nothing across groups: a first group of 5,000 good rows, a second whose last row is bad."""
    ds = _datastream(app_client, admin)
    components = ["phenomenonTime", "result"]
    good = [[f"2024-01-{1 + i // 1440:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00Z", i / 2] for i in range(5000)]
    for bad, named in (
        ([5, 1.0], "group 1, row 4999: Observation: phenomenonTime"),  # not a string
        (["2024-01-01T00:00:00Z", "high"], "group 1, row 4999: result 'high'"),
        (["2024-01-02T00:00:00Z/2024-01-01T00:00:00Z", 1.0], "ends before it starts"),
    ):
        body = [
            {"Datastream": {"@iot.id": ds}, "components": components, "dataArray": good},
            {"Datastream": {"@iot.id": ds}, "components": components, "dataArray": good[:4999] + [bad]},
        ]
        response = _post(app_client, body, admin)
        assert response.status_code == 400
        assert named in response.json()["error"]["message"]
    assert get(app_client, "Observations", **{"$count": "true", "$top": 1})["@iot.count"] == 0


def test_rows_read_back_as_the_same_observation_posted_alone(app_client: TestClient, admin: dict[str, str]) -> None:
    """The quick path for plain rows and the full validation store the same values."""
    ds = _datastream(app_client, admin)
    props = {"phenomenonTime": "2024-03-01T08:00:00+08:00", "resultTime": "2024-03-01T00:10:00Z", "result": 7}
    alone = create(app_client, f"Datastreams({ds})/Observations", props, admin)
    components = list(props)
    body = [{"Datastream": {"@iot.id": ds}, "components": components, "dataArray": [list(props.values())]}]
    link = _post(app_client, body, admin).json()[0]
    bulk = app_client.get(link).json()
    skip = {"@iot.id", "@iot.selfLink", "Datastream@iot.navigationLink", "FeatureOfInterest@iot.navigationLink"}
    assert {k: v for k, v in bulk.items() if k not in skip} == {k: v for k, v in alone.items() if k not in skip}
    assert bulk["phenomenonTime"] == "2024-03-01T00:00:00Z"
    same_time = get(app_client, "Observations", **{"$filter": "phenomenonTime eq 2024-03-01T00:00:00Z"})
    assert len(same_time["value"]) == 2  # both stored in the one form that SQL compares


def test_a_retried_batch_is_stored_once(app_client: TestClient, admin: dict[str, str], db: Database) -> None:
    """The retry with the same ``Idempotency-Key`` gets the first answer, the same selfLinks, and stores nothing."""
    ds = _datastream(app_client, admin)
    rows = [["2024-01-01T00:00:00Z", 1.5], ["2024-01-01T01:00:00Z", 2.5]]
    body = [{"Datastream": {"@iot.id": ds}, "components": ["phenomenonTime", "result"], "dataArray": rows}]
    first = retried(app_client, f"{STA}/CreateObservations", "batch-1", admin, json=body)
    assert first.status_code == 201
    assert len(first.json()) == 2
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == 2
    another_body_is_422(app_client, f"{STA}/CreateObservations", "batch-1", admin, json=body[:1] * 2)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == 2
