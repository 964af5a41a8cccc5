"""Create, read, update, delete of every entity type, deep insert and navigation (OGC 18-088 Annex A: A.1 entity
sets and resource paths, A.3 create-update-delete), on both databases."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.sensing.conftest import OM, STA, UNIT, create, get, station


def test_the_service_root_lists_every_entity_set_with_its_url(app_client: TestClient) -> None:
    root = get(app_client, "")
    names = [s["name"] for s in root["value"]]
    assert names == [
        "Things",
        "Locations",
        "HistoricalLocations",
        "Sensors",
        "ObservedProperties",
        "Datastreams",
        "FeaturesOfInterest",
        "Observations",
    ]
    assert all(s["url"] == f"http://testserver{STA}/{s['name']}" for s in root["value"])
    assert (
        "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete" in root["serverSettings"]["conformance"]
    )
    assert app_client.get(STA).json() == root


def test_deep_insert_creates_the_thing_its_location_history_and_datastream(
    app_client: TestClient, admin: dict[str, str]
) -> None:
    response = app_client.post(f"{STA}/Things", json=station(), headers=admin)
    assert response.status_code == 201
    thing = response.json()
    assert response.headers["location"] == thing["@iot.selfLink"]
    assert thing["@iot.selfLink"] == f"http://testserver{STA}/Things({thing['@iot.id']})"
    assert thing["Datastreams@iot.navigationLink"] == thing["@iot.selfLink"] + "/Datastreams"
    tid = thing["@iot.id"]
    locations = get(app_client, f"Things({tid})/Locations")["value"]
    assert [loc["location"]["coordinates"] for loc in locations] == [[116.397, 39.982]]
    history = get(app_client, f"Things({tid})/HistoricalLocations", **{"$expand": "Locations"})["value"]
    assert len(history) == 1
    assert history[0]["Locations"][0]["@iot.id"] == locations[0]["@iot.id"]
    datastream = get(app_client, f"Things({tid})/Datastreams", **{"$expand": "Sensor,ObservedProperty"})["value"][0]
    assert datastream["unitOfMeasurement"] == UNIT
    assert datastream["Sensor"]["name"] == "BAM-1020"
    assert datastream["ObservedProperty"]["definition"] == "http://example.org/pm25"
    assert get(app_client, f"Datastreams({datastream['@iot.id']})/Thing")["@iot.id"] == tid


def test_a_datastream_links_existing_entities_by_iot_id(app_client: TestClient, admin: dict[str, str]) -> None:
    thing = create(app_client, "Things", {"name": "gateway", "description": "bare"}, admin)
    sensor = create(
        app_client, "Sensors", {"name": "s", "description": "", "encodingType": "text/html", "metadata": "x"}, admin
    )
    prop = create(
        app_client, "ObservedProperties", {"name": "NO2", "definition": "http://x/no2", "description": ""}, admin
    )
    body = {
        "name": "NO2",
        "description": "",
        "unitOfMeasurement": UNIT,
        "observationType": OM + "OM_Measurement",
        "Thing": {"@iot.id": thing["@iot.id"]},
        "Sensor": {"@iot.id": sensor["@iot.id"]},
        "ObservedProperty": {"@iot.id": prop["@iot.id"]},
    }
    datastream = create(app_client, "Datastreams", body, admin)
    assert get(app_client, f"Datastreams({datastream['@iot.id']})/Sensor")["@iot.id"] == sensor["@iot.id"]
    assert get(app_client, f"Sensors({sensor['@iot.id']})/Datastreams")["value"][0]["name"] == "NO2"
    assert (
        get(app_client, f"ObservedProperties({prop['@iot.id']})/Datastreams")["value"][0]["@iot.id"]
        == datastream["@iot.id"]
    )


def test_an_observation_without_a_feature_gets_one_from_the_location_and_reuses_it(
    app_client: TestClient, admin: dict[str, str]
) -> None:
    thing = create(app_client, "Things", station(), admin)
    ds = get(app_client, f"Things({thing['@iot.id']})/Datastreams")["value"][0]["@iot.id"]
    first = create(app_client, f"Datastreams({ds})/Observations", {"result": 12.5}, admin)
    second = create(
        app_client,
        "Observations",
        {"result": 13, "phenomenonTime": "2024-01-01T00:00:00Z", "Datastream": {"@iot.id": ds}},
        admin,
    )
    foi_1 = get(app_client, f"Observations({first['@iot.id']})/FeatureOfInterest")
    foi_2 = get(app_client, f"Observations({second['@iot.id']})/FeatureOfInterest")
    assert foi_1["@iot.id"] == foi_2["@iot.id"]
    assert foi_1["feature"] == {"type": "Point", "coordinates": [116.397, 39.982]}
    assert len(get(app_client, "FeaturesOfInterest")["value"]) == 1
    assert first["phenomenonTime"].endswith("Z")
    assert first["resultTime"] is None
    assert get(app_client, f"Observations({second['@iot.id']})")["result"] == 13


def test_an_observation_with_an_inline_feature_uses_it(app_client: TestClient, admin: dict[str, str]) -> None:
    thing = create(app_client, "Things", station(), admin)
    ds = get(app_client, f"Things({thing['@iot.id']})/Datastreams")["value"][0]["@iot.id"]
    feature = {"name": "river", "description": "", "encodingType": "application/geo+json"}
    feature["feature"] = {"type": "Point", "coordinates": [1.0, 2.0]}  # type: ignore[assignment]
    body = {"result": 1.5, "phenomenonTime": "2024-01-01T00:00:00Z/2024-01-01T01:00:00Z", "FeatureOfInterest": feature}
    made = create(app_client, f"Datastreams({ds})/Observations", body, admin)
    assert made["phenomenonTime"] == "2024-01-01T00:00:00Z/2024-01-01T01:00:00Z"
    assert get(app_client, f"Observations({made['@iot.id']})/FeatureOfInterest")["name"] == "river"


def _patch(client: TestClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = client.patch(f"{STA}/{path}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_patch_changes_only_what_is_sent(app_client: TestClient, admin: dict[str, str]) -> None:
    thing = create(app_client, "Things", station(), admin)
    tid = thing["@iot.id"]
    changed = _patch(app_client, f"Things({tid})", {"description": "moved to the roof"}, admin)
    assert changed["description"] == "moved to the roof"
    assert changed["name"] == "Aotizhongxin"
    assert get(app_client, f"Things({tid})")["properties"] == {"district": "Chaoyang", "owner": "EPB"}
    ds = get(app_client, f"Things({tid})/Datastreams")["value"][0]["@iot.id"]
    unit = UNIT | {"name": "milligram per cubic metre", "symbol": "mg/m³"}
    assert _patch(app_client, f"Datastreams({ds})", {"unitOfMeasurement": unit}, admin)["unitOfMeasurement"] == unit
    obs = create(app_client, f"Datastreams({ds})/Observations", {"result": 1.0}, admin)
    assert _patch(app_client, f"Observations({obs['@iot.id']})", {"result": 2.5}, admin)["result"] == 2.5


def test_patching_a_things_locations_writes_a_new_historical_location(
    app_client: TestClient, admin: dict[str, str]
) -> None:
    thing = create(app_client, "Things", station(), admin)
    tid = thing["@iot.id"]
    new = {"name": "new site", "description": "", "encodingType": "application/geo+json"}
    new["location"] = {"type": "Point", "coordinates": [116.5, 40.0]}  # type: ignore[assignment]
    _patch(app_client, f"Things({tid})", {"Locations": [new]}, admin)
    assert [loc["name"] for loc in get(app_client, f"Things({tid})/Locations")["value"]] == ["new site"]
    assert get(app_client, f"Things({tid})/HistoricalLocations", **{"$count": "true"})["@iot.count"] == 2
    location = create(app_client, f"Things({tid})/Locations", new | {"name": "third site"}, admin)
    assert [loc["@iot.id"] for loc in get(app_client, f"Things({tid})/Locations")["value"]] == [location["@iot.id"]]
    assert get(app_client, f"Locations({location['@iot.id']})/Things")["value"][0]["@iot.id"] == tid


def test_delete_removes_the_entity_and_what_depends_on_it(app_client: TestClient, admin: dict[str, str]) -> None:
    thing = create(app_client, "Things", station(), admin)
    tid = thing["@iot.id"]
    ds = get(app_client, f"Things({tid})/Datastreams")["value"][0]["@iot.id"]
    obs = create(app_client, f"Datastreams({ds})/Observations", {"result": 1.0}, admin)
    assert app_client.delete(f"{STA}/Observations({obs['@iot.id']})", headers=admin).status_code == 200
    assert app_client.get(f"{STA}/Observations({obs['@iot.id']})").status_code == 404
    create(app_client, f"Datastreams({ds})/Observations", {"result": 2.0}, admin)
    assert app_client.delete(f"{STA}/Things({tid})", headers=admin).status_code == 200
    for path in (f"Things({tid})", f"Datastreams({ds})"):
        assert app_client.get(f"{STA}/{path}").status_code == 404
    assert get(app_client, "Observations")["value"] == []
    assert get(app_client, "HistoricalLocations")["value"] == []
    assert len(get(app_client, "Sensors")["value"]) == 1  # a Sensor outlives the Thing that used it


def test_properties_and_value_of_one_entity(app_client: TestClient, admin: dict[str, str]) -> None:
    thing = create(app_client, "Things", station(), admin)
    assert get(app_client, f"Things({thing['@iot.id']})/name") == {"name": "Aotizhongxin"}
    raw = app_client.get(f"{STA}/Things({thing['@iot.id']})/name/$value")
    assert raw.status_code == 200
    assert raw.text == "Aotizhongxin"


def test_unknown_entities_sets_ids_and_links_are_404(app_client: TestClient, admin: dict[str, str]) -> None:
    thing = create(app_client, "Things", station(), admin)
    tid = thing["@iot.id"]
    for path in ("Thingz", f"Things({tid + 99})", f"Things({tid})/Sensors", f"Things({tid})/Datastreams(999999)"):
        response = app_client.get(f"{STA}/{path}")
        assert response.status_code == 404, path
        assert response.json()["error"]["message"]
    assert app_client.patch(f"{STA}/Things({tid + 99})", json={"name": "x"}, headers=admin).status_code == 404
    assert app_client.delete(f"{STA}/Things({tid + 99})", headers=admin).status_code == 404
    assert app_client.get(f"{STA}/Things(abc)").status_code == 400


def test_a_datastreams_times_span_its_observations(app_client: TestClient, admin: dict[str, str]) -> None:
    thing = create(app_client, "Things", station(), admin)
    ds = get(app_client, f"Things({thing['@iot.id']})/Datastreams")["value"][0]["@iot.id"]
    assert "phenomenonTime" not in get(app_client, f"Datastreams({ds})")
    path = f"Datastreams({ds})/Observations"
    create(app_client, path, {"result": 1.0, "phenomenonTime": "2024-01-01T02:00:00Z"}, admin)
    create(
        app_client,
        path,
        {"result": 2.0, "phenomenonTime": "2024-01-01T00:00:00Z", "resultTime": "2024-01-01T03:00:00Z"},
        admin,
    )
    late = create(
        app_client, path, {"result": 3.0, "phenomenonTime": "2024-01-01T05:00:00Z/2024-01-01T06:00:00Z"}, admin
    )
    datastream = get(app_client, f"Datastreams({ds})")
    assert datastream["phenomenonTime"] == "2024-01-01T00:00:00Z/2024-01-01T06:00:00Z"
    assert datastream["resultTime"] == "2024-01-01T03:00:00Z"
    assert app_client.delete(f"{STA}/Observations({late['@iot.id']})", headers=admin).status_code == 200
    assert get(app_client, f"Datastreams({ds})")["phenomenonTime"] == "2024-01-01T00:00:00Z/2024-01-01T02:00:00Z"
