"""GET /api/v1/cockpit/blind-zones: the latest stored run's recommended junctions as GeoJSON, for the map layer."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.scenarios.traffic_safety.blind_zones import BlindZoneParams
from citybrain.scenarios.traffic_safety.stored import analyse_stored, import_collision_file
from citybrain.scenarios.traffic_safety.synthetic import planted_city, write_canonical
from tests.conftest import make_key

URL = "/api/v1/cockpit/blind-zones"


def test_before_any_run_the_layer_is_empty(app_client: TestClient, operator_headers: dict[str, str]) -> None:
    answer = app_client.get(URL, headers=operator_headers)
    assert answer.status_code == 200
    assert answer.json() == {"type": "FeatureCollection", "features": [], "run": None, "unplaced": 0}


def test_the_latest_run_s_recommended_junctions_are_points(
    app_client: TestClient, db: Database, operator_headers: dict[str, str], tmp_path: Path
) -> None:
    city = planted_city(seed=6)
    import_collision_file(db, write_canonical(tmp_path / "c.csv", city.rows), "canonical")
    analyse_stored(db, BlindZoneParams(), source=None, near_side=None, store=True)
    _, run_id = analyse_stored(db, BlindZoneParams(min_blind_zone=1000), source=None, near_side=None, store=True)
    answer = app_client.get(URL, headers=operator_headers)
    assert answer.status_code == 200
    assert answer.json()["run"]["id"] == run_id
    assert answer.json()["features"] == []  # the newest run recommends nothing: the layer follows it
    _, run_id = analyse_stored(db, BlindZoneParams(), source=None, near_side=None, store=True)
    document = app_client.get(URL, headers=operator_headers).json()
    assert document["run"]["id"] == run_id
    assert {f["properties"]["name"] for f in document["features"]} == city.dangerous
    for feature in document["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 25.0 < lat < 25.07  # the synthetic city near Kunming
        assert 102.7 < lon < 102.74
        assert feature["properties"]["q_value"] <= 0.1
        assert feature["properties"]["blind_zone"] >= 2


def test_an_app_key_may_not_read_it(app_client: TestClient, db: Database) -> None:
    assert app_client.get(URL, headers={"X-API-Key": make_key(db, "app")}).status_code == 403
    assert app_client.get(URL).status_code == 401
