"""Bad input gets a clear 400 (or 404) and writes nothing: unknown Datastream, wrong result type, incomplete unit."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.sensing.conftest import OM, STA, UNIT, create, get, station


def _count(client: TestClient, entity: str) -> int:
    return int(get(client, entity, **{"$count": "true", "$top": 0})["@iot.count"])


def _datastream(client: TestClient, headers: dict[str, str], kind: str) -> int:
    thing = create(client, "Things", station(kind=kind), headers)
    return int(get(client, f"Things({thing['@iot.id']})/Datastreams")["value"][0]["@iot.id"])


def test_an_observation_for_a_datastream_that_does_not_exist(app_client: TestClient, admin: dict[str, str]) -> None:
    response = app_client.post(
        f"{STA}/Observations", json={"result": 1, "Datastream": {"@iot.id": 424242}}, headers=admin
    )
    assert response.status_code == 400
    assert "no Datastream with @iot.id 424242" in response.json()["error"]["message"]
    response = app_client.post(f"{STA}/Datastreams(424242)/Observations", json={"result": 1}, headers=admin)
    assert response.status_code == 404
    response = app_client.post(f"{STA}/Observations", json={"result": 1}, headers=admin)
    assert response.status_code == 400
    assert "needs its Datastream" in response.json()["error"]["message"]
    assert _count(app_client, "Observations") == 0


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("OM_Measurement", [1, 2.5, -3], ["1", True, None, {"v": 1}]),
        ("OM_CountObservation", [0, 7], [1.5, "7", False]),
        ("OM_TruthObservation", [True, False], [1, "true", 0.0]),
        ("OM_CategoryObservation", ["good"], [3, True]),
        ("OM_Observation", [1, "x", True, {"a": [1, 2]}, [1, 2], None], []),
    ],
)
def test_results_must_suit_the_observation_type(
    app_client: TestClient, admin: dict[str, str], kind: str, good: list[Any], bad: list[Any]
) -> None:
    ds = _datastream(app_client, admin, kind)
    for value in good:
        made = create(app_client, f"Datastreams({ds})/Observations", {"result": value}, admin)
        assert get(app_client, f"Observations({made['@iot.id']})")["result"] == value
    for value in bad:
        response = app_client.post(f"{STA}/Datastreams({ds})/Observations", json={"result": value}, headers=admin)
        assert response.status_code == 400, value
        assert kind in response.json()["error"]["message"]
    assert _count(app_client, "Observations") == len(good)


def test_a_patch_to_a_wrong_result_type_is_refused(app_client: TestClient, admin: dict[str, str]) -> None:
    ds = _datastream(app_client, admin, "OM_Measurement")
    made = create(app_client, f"Datastreams({ds})/Observations", {"result": 1.5}, admin)
    response = app_client.patch(f"{STA}/Observations({made['@iot.id']})", json={"result": "high"}, headers=admin)
    assert response.status_code == 400
    assert get(app_client, f"Observations({made['@iot.id']})")["result"] == 1.5


@pytest.mark.parametrize("missing", ["name", "symbol", "definition"])
def test_a_unit_of_measurement_needs_name_symbol_and_definition(
    app_client: TestClient, admin: dict[str, str], missing: str
) -> None:
    body = station()
    body["Datastreams"][0]["unitOfMeasurement"] = {k: v for k, v in UNIT.items() if k != missing}
    response = app_client.post(f"{STA}/Things", json=body, headers=admin)
    assert response.status_code == 400
    assert f"unitOfMeasurement.{missing}" in response.json()["error"]["message"]
    assert _count(app_client, "Things") == 0  # the deep insert is all or nothing
    assert _count(app_client, "Locations") == 0


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"observationType": OM + "OM_Bogus"}, "unknown observationType"),
        ({"colour": "red"}, "colour"),
        ({"name": 5}, "name"),
        ({"Sensor": {"@iot.id": 999999}}, "no Sensor with @iot.id 999999"),
        ({"Sensor": {"@iot.id": "one"}}, "whole number"),
        ({"Sensor": None}, "needs its Sensor"),
        ({"id": 5}, "do not send 'id'"),
    ],
)
def test_bad_datastreams_are_400_naming_the_problem(
    app_client: TestClient, admin: dict[str, str], change: dict[str, Any], named: str
) -> None:
    body = station()
    datastream = body["Datastreams"][0] | change
    body["Datastreams"] = [{k: v for k, v in datastream.items() if v is not None}]
    response = app_client.post(f"{STA}/Things", json=body, headers=admin)
    assert response.status_code == 400, response.text
    assert named in response.json()["error"]["message"]
    assert _count(app_client, "Things") == 0


def test_other_bad_bodies(app_client: TestClient, admin: dict[str, str]) -> None:
    thing_id = create(app_client, "Things", {"name": "t", "description": ""}, admin)["@iot.id"]
    cases = [
        ("Things", [], "JSON object"),
        ("Things", {"description": "no name"}, "name"),
        ("Locations", {"name": "x", "encodingType": "application/geo+json", "location": {"type": "Blob"}}, "GeoJSON"),
        (f"Things({thing_id})", {"name": "x"}, "not to one entity"),
    ]
    for path, body, named in cases:
        response = app_client.post(f"{STA}/{path}", json=body, headers=admin)
        assert response.status_code == 400, (path, response.text)
        assert named in response.json()["error"]["message"]
    response = app_client.post(f"{STA}/Things({thing_id})/Datastreams", json={"name": "x"}, headers=admin)
    assert response.status_code == 400
    response = app_client.post(f"{STA}/Observations", json={"result": 1, "phenomenonTime": "yesterday"}, headers=admin)
    assert response.status_code == 400
    assert "ISO 8601" in response.json()["error"]["message"]
    response = app_client.patch(f"{STA}/Things", json={"name": "x"}, headers=admin)
    assert response.status_code == 400


def test_a_body_that_is_not_json_is_400(app_client: TestClient, admin: dict[str, str]) -> None:
    headers = admin | {"Content-Type": "application/json"}
    response = app_client.post(f"{STA}/Things", content=b"{not json", headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert _count(app_client, "Things") == 0
