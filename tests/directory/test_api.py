"""Staff directory API: reads for any staff key, changes for admins only, clear 400/401/403/404."""

from __future__ import annotations

from typing import cast

from fastapi.testclient import TestClient

from citybrain.core.db import Database
from tests.conftest import make_key

READS = ["/api/v1/categories", "/api/v1/departments", "/api/v1/districts", "/api/v1/routing-rules",
         "/api/v1/sla-policies", "/api/v1/route?category=noise"]  # fmt: skip


class TestAuth:
    def test_every_read_needs_a_key(self, app_client: TestClient) -> None:
        for url in READS:
            response = app_client.get(url)
            assert response.status_code == 401, url
            assert response.json()["error"]["code"] == "unauthorized"

    def test_a_bad_key_is_refused(self, app_client: TestClient) -> None:
        assert app_client.get("/api/v1/departments", headers={"X-API-Key": "nonsense"}).status_code == 403

    def test_any_staff_role_may_read(self, app_client: TestClient, db: Database) -> None:
        for role in ("operator", "department", "supervisor"):
            department = "water" if role == "department" else None
            headers = {"X-API-Key": make_key(db, role, department)}
            for url in READS:
                assert app_client.get(url, headers=headers).status_code == 200, (role, url)

    def test_only_directory_managers_may_change(self, app_client: TestClient, operator_headers: dict[str, str]) -> None:
        rule = {"category_code": "noise", "district_code": None, "department_code": "water", "priority": 3}
        attempts = [
            app_client.post("/api/v1/routing-rules", json=rule, headers=operator_headers),
            app_client.delete("/api/v1/routing-rules/1", headers=operator_headers),
            app_client.put(
                "/api/v1/sla-policies/urgent", json={"accept_hours": 1, "resolve_hours": 3}, headers=operator_headers
            ),  # fmt: skip
            app_client.post("/api/v1/departments", json={"code": "x", "name_zh": "x"}, headers=operator_headers),
        ]
        for response in attempts:
            assert response.status_code == 403
            assert "manage_directory" in response.json()["error"]["message"]
        assert app_client.post("/api/v1/routing-rules", json=rule).status_code == 401


class TestCategories:
    def test_tree(self, app_client: TestClient, operator_headers: dict[str, str]) -> None:
        roots = app_client.get("/api/v1/categories", headers=operator_headers).json()
        noise = next(n for n in roots if n["code"] == "noise")
        assert noise["level"] == 1
        assert noise["name_en"] == "Noise"
        construction = next(n for n in noise["children"] if n["code"] == "noise.construction")
        night = next(n for n in construction["children"] if n["code"] == "noise.construction.night")
        assert night["name_zh"] == "夜间施工噪声"
        assert "night construction" in night["keywords"]
        assert night["effective_sla"] == "general"
        assert all(n["level"] == 1 for n in roots)

    def test_flat_level(self, app_client: TestClient, operator_headers: dict[str, str]) -> None:
        level3 = app_client.get("/api/v1/categories?level=3", headers=operator_headers).json()
        assert {n["code"] for n in level3} >= {"noise.construction.night", "utilities.gas.leak"}
        assert all(n["level"] == 3 and n["children"] == [] for n in level3)

    def test_bad_level_is_400(self, app_client: TestClient, operator_headers: dict[str, str]) -> None:
        response = app_client.get("/api/v1/categories?level=7", headers=operator_headers)
        assert response.status_code == 400
        assert "level must be 1, 2 or 3" in response.json()["error"]["message"]


class TestRoutingRules:
    def test_add_route_and_delete(
        self, app_client: TestClient, admin_headers: dict[str, str], districts: tuple[str, str]
    ) -> None:
        before = app_client.get("/api/v1/route?category=noise.residential&district=A1", headers=admin_headers).json()
        assert before["department"]["code"] == "public_security"
        rule = {"category_code": "noise", "district_code": "A1", "department_code": "urban_mgmt"}
        created = app_client.post("/api/v1/routing-rules", json=rule, headers=admin_headers)
        assert created.status_code == 201
        body = created.json()
        assert body["department_code"] == "urban_mgmt"
        assert body["district_code"] == "A1"
        listed = app_client.get("/api/v1/routing-rules", headers=admin_headers).json()
        assert body in listed
        after = app_client.get("/api/v1/route?category=noise.residential&district=A1", headers=admin_headers).json()
        assert after["department"]["code"] == "urban_mgmt"
        assert after["rule"]["id"] == body["id"]
        assert f"rule #{body['id']}" in after["reason"]
        assert after["sla"]["code"] == "general"
        elsewhere = app_client.get("/api/v1/route?category=noise.residential&district=A2", headers=admin_headers)
        assert elsewhere.json()["department"]["code"] == "public_security"
        assert app_client.delete(f"/api/v1/routing-rules/{body['id']}", headers=admin_headers).status_code == 204
        again = app_client.delete(f"/api/v1/routing-rules/{body['id']}", headers=admin_headers)
        assert again.status_code == 404

    def test_bad_rules(self, app_client: TestClient, admin_headers: dict[str, str]) -> None:
        def post(rule: dict[str, object]) -> int:
            return cast(int, app_client.post("/api/v1/routing-rules", json=rule, headers=admin_headers).status_code)

        assert post({"category_code": "noise", "department_code": "nobody"}) == 404
        assert post({"category_code": "nothing.here", "department_code": "water"}) == 404
        assert post({"category_code": "noise", "district_code": "ZZ", "department_code": "water"}) == 404
        assert post({"category_code": "noise", "department_code": "water"}) == 409  # same as the default rule
        assert post({"category_code": "noise"}) == 422  # department missing: schema validation

    def test_route_without_rule_and_unknown_names(
        self, app_client: TestClient, operator_headers: dict[str, str]
    ) -> None:
        none = app_client.get("/api/v1/route?category=consultation.policy", headers=operator_headers).json()
        assert none["department"] is None
        assert none["rule"] is None
        assert "manual dispatch" in none["reason"]
        assert app_client.get("/api/v1/route?category=no.such", headers=operator_headers).status_code == 404
        unknown_district = app_client.get("/api/v1/route?category=noise&district=ZZ", headers=operator_headers)
        assert unknown_district.status_code == 404


class TestSlaAndDepartments:
    def test_list_and_update_sla(self, app_client: TestClient, admin_headers: dict[str, str]) -> None:
        policies = app_client.get("/api/v1/sla-policies", headers=admin_headers).json()
        hours = {p["code"]: (p["accept_hours"], p["resolve_hours"]) for p in policies}
        assert hours == {"urgent": (0.5, 2), "utilities": (1, 24), "general": (2, 168), "complex": (2, 360)}
        response = app_client.put(
            "/api/v1/sla-policies/general", json={"accept_hours": 1, "resolve_hours": 120}, headers=admin_headers
        )
        assert response.status_code == 200
        assert response.json()["resolve_hours"] == 120
        again = app_client.get("/api/v1/sla-policies", headers=admin_headers).json()
        assert next(p for p in again if p["code"] == "general")["resolve_hours"] == 120

    def test_bad_sla_updates(self, app_client: TestClient, admin_headers: dict[str, str]) -> None:
        swapped = app_client.put(
            "/api/v1/sla-policies/general", json={"accept_hours": 10, "resolve_hours": 5}, headers=admin_headers
        )
        assert swapped.status_code == 400
        assert "must not exceed" in swapped.json()["error"]["message"]
        missing = app_client.put(
            "/api/v1/sla-policies/nope", json={"accept_hours": 1, "resolve_hours": 5}, headers=admin_headers
        )
        assert missing.status_code == 404

    def test_departments(self, app_client: TestClient, admin_headers: dict[str, str]) -> None:
        created = app_client.post(
            "/api/v1/departments",
            json={"code": "a1_urban", "name_zh": "A1区城管", "name_en": "A1"},
            headers=admin_headers,
        )
        assert created.status_code == 201
        listed = app_client.get("/api/v1/departments", headers=admin_headers).json()
        assert len(listed) == 18
        assert {"code": "gas", "name_zh": "燃气集团"}.items() <= next(d for d in listed if d["code"] == "gas").items()
        duplicate = app_client.post("/api/v1/departments", json={"code": "gas", "name_zh": "x"}, headers=admin_headers)
        assert duplicate.status_code == 409

    def test_districts(
        self, app_client: TestClient, operator_headers: dict[str, str], districts: tuple[str, str]
    ) -> None:
        listed = app_client.get("/api/v1/districts", headers=operator_headers).json()
        assert [d["code"] for d in listed] == ["A1", "A2"]
        assert "geometry" not in listed[0]
