"""The ``sensor`` role (传感器/网关) and who may read or write SensorThings; see the notes of docs/access.md."""

from __future__ import annotations

from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.sensing.conftest import STA, create, get, station
from tests.web.test_access import _request, concrete, matrix


def test_a_sensor_key_gets_what_the_public_gets_and_nothing_of_the_staff_api(
    app_client: TestClient, sensor: dict[str, str]
) -> None:
    """Every route outside /sta/: where the public is allowed, so is a sensor key; where a permission is needed, 403."""
    wrong = []
    for (method, path), cells in matrix().items():
        if path.startswith("/sta/"):
            continue
        status = app_client.request(method, concrete(path), **_request(method, path, sensor)).status_code
        expected_open = cells["public"] == "✓" or (cells["public"] == "401" and cells["app"] == "✓")
        if (status in (401, 403)) == expected_open:
            wrong.append(f"{method} {path}: {status}")
    assert wrong == []


def test_a_sensor_writes_to_its_own_things_only(
    app_client: TestClient, db: Database, sensor: dict[str, str], admin: dict[str, str]
) -> None:
    mine = create(app_client, "Things", station("mine"), sensor)["@iot.id"]
    theirs = create(app_client, "Things", station("theirs"), admin)["@iot.id"]
    my_ds = get(app_client, f"Things({mine})/Datastreams")["value"][0]["@iot.id"]
    their_ds = get(app_client, f"Things({theirs})/Datastreams")["value"][0]["@iot.id"]
    obs = create(app_client, f"Datastreams({my_ds})/Observations", {"result": 1.0}, sensor)
    assert app_client.patch(f"{STA}/Things({mine})", json={"description": "x"}, headers=sensor).status_code == 200
    assert (
        app_client.patch(f"{STA}/Observations({obs['@iot.id']})", json={"result": 2.0}, headers=sensor).status_code
        == 200
    )
    refused = [
        app_client.post(f"{STA}/Datastreams({their_ds})/Observations", json={"result": 1.0}, headers=sensor),
        app_client.patch(f"{STA}/Things({theirs})", json={"description": "x"}, headers=sensor),
        app_client.delete(f"{STA}/Things({theirs})", headers=sensor),
        app_client.post(
            f"{STA}/CreateObservations",
            json=[{"Datastream": {"@iot.id": their_ds}, "components": ["result"], "dataArray": [[1.0]]}],
            headers=sensor,
        ),
        app_client.patch(
            f"{STA}/Sensors({get(app_client, 'Sensors')['value'][0]['@iot.id']})", json={"name": "x"}, headers=sensor
        ),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert "not one it created" in refused[0].json()["error"]["message"]
    other_sensor = {"X-API-Key": make_key(db, "sensor")}
    assert app_client.delete(f"{STA}/Things({mine})", headers=other_sensor).status_code == 403
    assert app_client.delete(f"{STA}/Things({mine})", headers=sensor).status_code == 200
    assert get(app_client, f"Datastreams({their_ds})/Observations")["value"] == []


def test_writes_need_a_sensor_or_admin_key(app_client: TestClient, db: Database) -> None:
    assert app_client.post(f"{STA}/Things", json=station()).status_code == 401
    for role in ("operator", "app", "supervisor"):
        headers = {"X-API-Key": make_key(db, role)}
        response = app_client.post(f"{STA}/Things", json=station(), headers=headers)
        assert response.status_code == 403
        assert "write_sensors" in response.json()["error"]["message"]
    assert get(app_client, "Things")["value"] == []


def test_reads_can_require_a_key(db: Database, settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"sta_read_requires_key": True}), database=db)
    with TestClient(app) as client:
        assert client.get(f"{STA}/Things").status_code == 401
        assert client.get(STA).status_code == 401
        assert client.get(f"{STA}/Things", headers={"X-API-Key": "not a key"}).status_code == 403
        assert client.get(f"{STA}/Things", headers={"X-API-Key": make_key(db, "app")}).status_code == 200
