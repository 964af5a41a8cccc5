"""GET /api/v1/geo/locate on both databases: districts from the table, Demo City cells once its cases are loaded."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.simulate.city import build_city
from citybrain.simulate.load import ensure_districts
from citybrain.triage.places import gazetteer_from_database
from citybrain.triage.places_api import forget_cached

URL = "/api/v1/geo/locate"


@pytest.fixture
def demo_districts(db: Database) -> None:
    with db.transaction() as session:
        ensure_districts(session, build_city(1))
    forget_cached()


@pytest.mark.usefixtures("demo_districts")
class TestLocate:
    def test_needs_a_key(self, app_client: TestClient) -> None:
        assert app_client.get(URL, params={"text": "中心区"}).status_code == 401

    def test_text_names_a_district(self, app_client: TestClient, operator_headers: dict[str, str]) -> None:
        r = app_client.get(URL, params={"text": "高新区麓谷大道工地夜间施工"}, headers=operator_headers)
        assert r.status_code == 200
        body = r.json()
        assert (body["district_code"], body["grid"], body["source"]) == ("D05", None, "text")
        assert body["confidence"] == 0.9
        assert body["matched"][0] == {"text": "高新区", "level": "district", "kind": "district", "codes": ["D05"],
                                      "how": "exact"}  # fmt: skip

    def test_coordinates_win(self, app_client: TestClient, operator_headers: dict[str, str]) -> None:
        params: dict[str, str | float] = {"text": "高新区", "lat": 28.2, "lon": 112.9}
        body = app_client.get(URL, params=params, headers=operator_headers).json()
        assert (body["district_code"], body["confidence"], body["source"]) == ("D01", 1.0, "coordinates")
        assert any("D05" in reason for reason in body["reasons"])

    def test_nothing_to_go_on_is_a_clear_answer(self, app_client: TestClient, operator_headers: dict[str, str]) -> None:
        body = app_client.get(URL, params={"text": "😀 <br> &nbsp;"}, headers=operator_headers).json()
        assert (body["district_code"], body["confidence"], body["source"]) == (None, 0.0, "none")
        assert body["reasons"] == ["the text names no place / 文本中没有地名"]

    @pytest.mark.parametrize(
        "params", [{"lat": 28.2}, {"lat": 91, "lon": 112.9}, {"lat": "nan", "lon": 1}, {"lat": "x", "lon": 1}]
    )
    def test_bad_coordinates_are_400(
        self, app_client: TestClient, operator_headers: dict[str, str], params: dict[str, object]
    ) -> None:
        r = app_client.get(URL, params=params, headers=operator_headers)
        assert r.status_code in (400, 422)
        assert r.json()["error"]["message"]

    def test_demo_cells_join_once_its_cases_are_loaded(
        self, app_client: TestClient, operator_headers: dict[str, str], db: Database
    ) -> None:
        text = "中心区人民路幸福社区3栋"
        assert app_client.get(URL, params={"text": text}, headers=operator_headers).json()["grid"] is None
        case = {"text": "x", "source": "simulate", "source_key": "s1-1"}  # how the simulator marks its cases
        assert app_client.post("/api/v1/cases", json=case, headers=operator_headers).status_code == 201
        with db.reading() as session:
            gazetteer = gazetteer_from_database(session)
        assert (len(gazetteer.districts), len(gazetteer.grids)) == (8, 324)
        cell = next(g for g in gazetteer.grids_of("D01"))
        forget_cached()
        place = f"中心区{cell.properties['road_zh']}{cell.properties['community_zh']}3栋"
        body = app_client.get(URL, params={"text": place}, headers=operator_headers).json()
        assert (body["district_code"], body["grid"], body["confidence"]) == ("D01", cell.code, 0.95)
