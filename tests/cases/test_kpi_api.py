"""GET /api/v1/kpis and /kpis/definitions: values, the JSON shape, bad input and who may read them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from citybrain.cases.kpis import KPIS
from citybrain.core.db import Database
from tests.cases.kpi_factories import scenario
from tests.conftest import make_key

WINDOW = {"from": "2026-01-01", "to": "2026-02-28", "as_of": "2026-03-01T00:00:00Z"}


@pytest.fixture
def city(db: Database) -> Database:
    with db.transaction() as session:
        scenario(session)
    return db


def headers(db: Database, role: str, department: str | None = None) -> dict[str, str]:
    return {"X-API-Key": make_key(db, role, department)}


class TestKpis:
    def test_grouped_report_as_json(self, city: Database, app_client: TestClient) -> None:
        params = WINDOW | {"by": "department", "period": "month"}
        response = app_client.get("/api/v1/kpis", params=params, headers=headers(city, "supervisor"))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["params"]["by"] == ["department"]
        assert body["params"]["timezone"] == "Asia/Shanghai"
        power = {r["period"]: r for r in body["rows"] if r["department"] == "power"}
        assert power["2026-01"]["received"] == 0
        assert power["2026-01"]["response_rate"] is None
        assert (power["2026-02"]["received"], power["2026-02"]["overdue"]) == (3, 1)
        assert body["total"]["response_rate"] == 0.5
        assert body["total"]["median_hours_to_resolve"] == 48.0

    def test_repeated_by_combines_dimensions(self, city: Database, app_client: TestClient) -> None:
        params = list(WINDOW.items()) + [("by", "channel"), ("by", "district")]
        response = app_client.get("/api/v1/kpis", params=params, headers=headers(city, "operator"))
        assert response.status_code == 200, response.text
        rows = {(r["channel"], r["district"]): r["received"] for r in response.json()["rows"]}
        assert rows[("web", "kd1")] == 3

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"by": "mayor"}, "cannot group by mayor"),
            ({"from": "2026-02-31"}, "from must be a date"),
            ({"period": "fortnight"}, "unknown period"),
            ({"category_level": "two"}, "category_level must be"),
            ({"department": "nope"}, "no department"),
        ],
    )
    def test_bad_input_is_400(
        self, city: Database, app_client: TestClient, params: dict[str, str], message: str
    ) -> None:
        response = app_client.get("/api/v1/kpis", params=params, headers=headers(city, "supervisor"))
        assert response.status_code == 400
        assert message in response.json()["error"]["message"]

    def test_needs_a_key(self, city: Database, app_client: TestClient) -> None:
        assert app_client.get("/api/v1/kpis").status_code == 401

    def test_open311_app_keys_may_not_read_kpis(self, city: Database, app_client: TestClient) -> None:
        assert app_client.get("/api/v1/kpis", headers=headers(city, "app")).status_code == 403
        assert app_client.get("/api/v1/kpis", headers={"X-API-Key": "not-a-key"}).status_code == 403

    def test_a_department_sees_only_its_own(self, city: Database, app_client: TestClient) -> None:
        power = headers(city, "department", "power")
        response = app_client.get("/api/v1/kpis", params=WINDOW | {"by": "department"}, headers=power)
        assert response.status_code == 200, response.text
        assert [r["department"] for r in response.json()["rows"]] == ["power"]
        assert response.json()["total"]["received"] == 3
        other = app_client.get("/api/v1/kpis", params={"department": "water"}, headers=power)
        assert other.status_code == 403


class TestDefinitions:
    def test_lists_every_kpi_with_both_names(self, city: Database, app_client: TestClient) -> None:
        response = app_client.get("/api/v1/kpis/definitions", headers=headers(city, "supervisor"))
        assert response.status_code == 200
        body = response.json()
        assert [k["name"] for k in body["kpis"]] == [k.name for k in KPIS]
        assert all(k["name_zh"] and k["definition"] and k["formula"] for k in body["kpis"])
        assert [d["name"] for d in body["dimensions"]] == ["department", "district", "category", "channel"]

    def test_needs_read_kpis(self, city: Database, app_client: TestClient) -> None:
        assert app_client.get("/api/v1/kpis/definitions").status_code == 401
        assert app_client.get("/api/v1/kpis/definitions", headers=headers(city, "app")).status_code == 403
