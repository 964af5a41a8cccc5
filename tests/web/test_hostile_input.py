"""Hostile input (issue 15): what an attacker or a careless client sends is refused with a clear 4xx, never a
500, never stored half-read — on SQLite and PostgreSQL (docs/security.md, "Hostile input")."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Case, ServiceAttribute
from citybrain.web.app import create_app
from tests.cases.kpi_factories import scenario
from tests.conftest import make_key
from tests.intake.conftest import BASE, City, error_of
from tests.intake.conftest import city as city  # noqa: F401 - the Open311 fixtures, shared
from tests.intake.conftest import client as client  # noqa: F401
from tests.live_server import serve

BEYOND_INT64 = str(2**63)


def _pothole(city: City, **extra: Any) -> dict[str, Any]:
    return {
        "api_key": city.app_key,
        "service_code": "o311.pothole",
        "lat": "39.9042",
        "long": "116.4074",
        "attribute[SIZE]": "large",
        "description": "长安街东口有个大坑",
    } | extra


def _cases(db: Database) -> list[Case]:
    with db.reading() as session:
        return list(session.scalars(select(Case)))


class TestBodyLimit:
    def test_a_declared_oversized_body_is_413_before_it_is_read(self, app_client: TestClient) -> None:
        headers = {"content-type": "application/x-www-form-urlencoded", "content-length": str(32 * 2**20)}
        response = app_client.post(f"{BASE}/requests.json", content=b"x" * 100, headers=headers)
        assert response.status_code == 413
        assert response.json() == [
            {"code": 413, "description": "请求内容过大，上限 1048576 字节 / The request body is larger than the "
             "limit of 1048576 bytes."}
        ]  # fmt: skip

    def test_a_streamed_oversized_body_is_cut_off(self, portal: TestClient, db: Database) -> None:
        def chunks() -> Iterator[bytes]:
            yield b"description="
            for _ in range(40):
                yield "大坑".encode() * 20_000  # 40 × 120 kB, no Content-Length (chunked)

        response = portal.post(
            "/portal/requests", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        assert "请求内容过大" in response.json()["error"]["message"]
        assert _cases(db) == []

    def test_staff_json_over_the_limit_is_413_not_a_parse_error(self, app_client: TestClient, db: Database) -> None:
        body = json.dumps({"text": "噪音" * 400_000}).encode()
        headers = {"X-API-Key": make_key(db, "operator"), "content-type": "application/json"}
        response = app_client.post("/api/v1/cases", content=iter([body]), headers=headers)
        assert response.status_code == 413, response.text

    def test_the_limit_is_a_setting_and_sensorthings_has_its_own(self, db: Database, settings: Settings) -> None:
        small = settings.model_copy(update={"max_body_bytes": 2048, "max_body_bytes_sensing": 4096})
        with TestClient(create_app(small, database=db)) as client:
            big = json.dumps({"name": "x" * 3000})
            staff = client.post("/api/v1/departments", content=big, headers={"content-type": "application/json"})
            sensing = client.post("/sta/v1.1/Things", content=big, headers={"content-type": "application/json"})
        assert staff.status_code == 413
        assert sensing.status_code == 401  # under its own, larger limit: the key is checked


class TestUrls:
    @pytest.mark.parametrize(
        "url",
        [
            f"{BASE}/requests.json?service_code=o311%00x",
            f"{BASE}/requests.json?status=%FF%FE",
            f"{BASE}/requests/1%00.json",
            "/api/v1/cases?q=%00",
            "/portal/public/requests?district=%C3",
        ],
    )
    def test_nul_and_invalid_utf8_in_the_url_are_400(self, app_client: TestClient, url: str) -> None:
        response = app_client.get(url)
        assert response.status_code == 400, response.text
        text = response.text
        assert "NUL" in text or "UTF-8" in text

    def test_open311_refusals_keep_the_spec_body(self, app_client: TestClient) -> None:
        response = app_client.get(f"{BASE}/requests.xml?service_code=%00")
        assert response.status_code == 400
        assert error_of(response, "xml")[0] == 400


class TestOpen311:
    @pytest.mark.parametrize(
        "query",
        ["end_date=0001-01-01", "start_date=9999-12-31", "start_date=0001-01-01T00:00:00%2B14:00", "page=%C2%B2",
         "page_size=%D9%A3", "service_request_id=%C2%B2"],
    )  # fmt: skip
    def test_out_of_range_dates_and_unicode_digits_are_400(self, client: TestClient, query: str) -> None:
        response = client.get(f"{BASE}/requests.json?{query}")
        assert response.status_code == 400, response.text
        assert response.json()[0]["code"] == 400

    def test_a_unicode_digit_request_number_is_404(self, client: TestClient) -> None:
        response = client.get(f"{BASE}/requests/%C2%B2.json")
        assert response.status_code == 404
        assert response.json()[0]["code"] == 404

    @pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "1e999"])
    def test_non_finite_numbers_are_400(self, client: TestClient, city: City, db: Database, value: str) -> None:
        response = client.post(f"{BASE}/requests.json", data=_pothole(city, **{"attribute[DEPTH]": value}))
        assert response.status_code == 400, response.text
        assert "finite" in response.json()[0]["description"]
        assert _cases(db) == []

    def test_a_datetime_attribute_out_of_range_is_400(self, client: TestClient, city: City, db: Database) -> None:
        with db.transaction() as session:
            session.add(
                ServiceAttribute(
                    category_code="o311.lamp",
                    code="since",
                    datatype="datetime",
                    required=False,
                    order=1,
                    description="从何时起",
                    values=[],
                )  # fmt: skip
            )
        form = _pothole(city, service_code="o311.lamp", **{"attribute[since]": "0001-01-01"})
        del form["attribute[SIZE]"]
        response = client.post(f"{BASE}/requests.json", data=form)
        assert response.status_code == 400, response.text
        assert "attribute[since] must be between 1900-01-01" in response.json()[0]["description"]

    @pytest.mark.parametrize(
        "field", ["description", "address_string", "first_name", "attribute[SIZE]", "attribute[DEPTH]", "media_url"]
    )
    def test_a_nul_byte_in_any_field_is_400(self, client: TestClient, city: City, db: Database, field: str) -> None:
        response = client.post(f"{BASE}/requests.json", data=_pothole(city, **{field: "a\x00b"}))
        assert response.status_code == 400, response.text
        assert "NUL" in response.json()[0]["description"]
        assert _cases(db) == []

    def test_percent_encoded_invalid_utf8_is_refused_not_stored(
        self, client: TestClient, city: City, db: Database
    ) -> None:
        form = "&".join(f"{k}={v}" for k, v in _pothole(city, description="%E5%A4%A7%FF%FE").items())
        headers = {"content-type": "application/x-www-form-urlencoded"}
        response = client.post(f"{BASE}/requests.json", content=form.encode(), headers=headers)
        assert response.status_code == 400, response.text
        assert "UTF-8" in response.json()[0]["description"]
        assert _cases(db) == []

    @pytest.mark.parametrize(("value", "message"), [(b"\xff\xfe", "not UTF-8"), (b"a\x00b", "NUL")])
    def test_multipart_forms_are_held_to_the_same_text_rules(
        self, client: TestClient, city: City, db: Database, value: bytes, message: str
    ) -> None:
        fields = _pothole(city)
        parts = [
            f'--XX\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
        ]
        parts.append(
            b'--XX\r\nContent-Disposition: form-data; name="address_string"\r\n\r\n' + value + b"\r\n--XX--\r\n"
        )
        headers = {"content-type": "multipart/form-data; boundary=XX"}
        response = client.post(f"{BASE}/requests.json", content=b"".join(parts), headers=headers)
        assert response.status_code == 400, response.text
        assert message in response.json()[0]["description"]
        assert _cases(db) == []

    def test_malformed_xml_is_a_clean_400(self, client: TestClient, city: City, db: Database) -> None:
        body = b"<?xml version='1.0'?><service_request><description>&bomb;<unclosed></service_request"
        response = client.post(f"{BASE}/requests.xml", content=body, headers={"content-type": "text/xml"})
        assert response.status_code == 400
        assert error_of(response, "xml")[0] == 400
        assert _cases(db) == []


class TestStaffApi:
    @pytest.mark.parametrize(
        ("method", "url"),
        [
            ("GET", f"/api/v1/cases/{BEYOND_INT64}"),
            ("GET", f"/api/v1/cases?offset={BEYOND_INT64}"),
            ("GET", f"/api/v1/alerts/{BEYOND_INT64}"),
            ("GET", f"/api/v1/insight/runs/{BEYOND_INT64}"),
            ("GET", f"/api/v1/replies/quality?case_id=-{BEYOND_INT64}"),
            ("DELETE", f"/api/v1/routing-rules/{2**31}"),
            ("POST", f"/api/v1/suggestions/{BEYOND_INT64}/dismiss"),
            ("GET", "/api/v1/cases?created_from=0001-01-01T00:00:00%2B14:00"),
            ("GET", "/api/v1/kpis?from=0001-01-01"),
            ("GET", "/api/v1/kpis?category_level=%C2%B2"),
            ("GET", "/api/v1/air/aqi?from=0001-01-01"),
        ],
    )
    def test_numbers_and_dates_beyond_the_columns_are_4xx(
        self, app_client: TestClient, db: Database, method: str, url: str
    ) -> None:
        response = app_client.request(method, url, headers={"X-API-Key": make_key(db, "admin")})
        assert response.status_code in (400, 422), response.text
        assert "error" in response.json()

    def test_a_routing_rule_priority_beyond_32_bits_is_422(self, app_client: TestClient, db: Database) -> None:
        rule = {"category_code": None, "district_code": None, "department_code": "water", "priority": 2**31}
        response = app_client.post("/api/v1/routing-rules", json=rule, headers={"X-API-Key": make_key(db, "admin")})
        assert response.status_code == 422, response.text
        assert "priority" in response.json()["error"]["message"]

    @pytest.mark.parametrize(
        "body",
        [
            {"channel": "web", "text": "噪音\x00扰民"},
            {"channel": "web", "text": "噪音", "address": "\ud800"},
            {"channel": "web", "text": "噪音", "contact": {"name": "张\x00"}},
            {"channel": "web", "text": "噪音", "lat": float("nan"), "lon": 116.4},
        ],
    )
    def test_nul_lone_surrogates_and_nan_in_a_body_are_422(
        self, app_client: TestClient, db: Database, body: dict[str, Any]
    ) -> None:
        content = json.dumps(body, ensure_ascii=True)  # json.dumps writes NaN, as a careless client would
        headers = {"X-API-Key": make_key(db, "operator"), "content-type": "application/json"}
        response = app_client.post("/api/v1/cases", content=content, headers=headers)
        assert response.status_code == 422, response.text
        assert _cases(db) == []

    def test_an_empty_source_key_sent_twice_is_409_not_500(self, app_client: TestClient, db: Database) -> None:
        headers = {"X-API-Key": make_key(db, "operator")}
        case = {"channel": "web", "text": "路灯不亮", "source_key": ""}  # found by schemathesis on PostgreSQL
        assert app_client.post("/api/v1/cases", json=case, headers=headers).status_code == 201
        again = app_client.post("/api/v1/cases", json=case, headers=headers)
        assert again.status_code == 409, again.text

    def test_a_nul_in_a_note_is_422(self, app_client: TestClient, db: Database) -> None:
        headers = {"X-API-Key": make_key(db, "operator")}
        created = app_client.post("/api/v1/cases", json={"channel": "web", "text": "路灯不亮"}, headers=headers)
        assert created.status_code == 201, created.text
        case_id = created.json()["id"]
        response = app_client.post(f"/api/v1/cases/{case_id}/note", json={"note": "看\x00看"}, headers=headers)
        assert response.status_code == 422, response.text
        assert "NUL" in response.json()["error"]["message"]

    def test_deep_json_is_refused_cleanly(self, app_client: TestClient, db: Database) -> None:
        deep = '{"text": "x", "channel": "web", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
        headers = {"X-API-Key": make_key(db, "operator"), "content-type": "application/json"}
        response = app_client.post("/api/v1/cases", content=deep, headers=headers)
        assert response.status_code in (400, 422), response.text
        nested = '{"text": "x", "channel": "web", "extra": ' + "[" * 40 + "]" * 40 + "}"
        response = app_client.post("/api/v1/cases", content=nested, headers=headers)
        assert response.status_code == 422, response.text
        assert "nested deeper" in response.json()["error"]["message"]


class TestPortal:
    def test_a_nul_in_a_comment_is_400(self, app_client: TestClient, db: Database) -> None:
        response = app_client.post("/portal/requests/1/comments", data={"text": "好\x00"})
        assert response.status_code == 400
        assert "NUL" in response.json()["error"]["message"]

    def test_a_page_beyond_the_list_is_400(self, app_client: TestClient) -> None:
        response = app_client.get(f"/portal/public/requests?page={2**62}")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_page"


class TestKpiCardinality:
    def test_too_many_groups_is_422_saying_how_to_narrow(self, db: Database, settings: Settings) -> None:
        with db.transaction() as session:
            scenario(session)  # a few cases on every axis, so that the product of the axes is not empty
        capped = settings.model_copy(update={"kpi_max_cells": 500})
        params = "by=department,district,category,channel&period=day&from=2026-01-01&to=2026-03-31"
        with TestClient(create_app(capped, database=db)) as client:
            response = client.get(f"/api/v1/kpis?{params}", headers={"X-API-Key": make_key(db, "supervisor")})
            small = client.get("/api/v1/kpis?by=department", headers={"X-API-Key": make_key(db, "supervisor")})
        assert response.status_code == 422, response.text[:300]
        error = response.json()["error"]
        assert error["code"] == "too_many_groups"
        assert "more than the 500" in error["message"]
        assert "a coarser period" in error["message"]
        assert small.status_code == 200


def _with_boom(app: FastAPI) -> FastAPI:
    """A route that fails like a bug would (an exception no handler knows), first in the routing table."""

    def boom() -> None:
        raise RuntimeError("a bug")

    for path in ("/boom", f"{BASE}/boom.json"):
        app.router.routes.insert(0, APIRoute(path, boom, methods=["GET"]))
    return app


class TestErrors:
    def test_a_500_is_our_json_body(self, db: Database, settings: Settings) -> None:
        with TestClient(_with_boom(create_app(settings, database=db)), raise_server_exceptions=False) as client:
            staff, open311 = client.get("/boom"), client.get(f"{BASE}/boom.json")
        assert staff.status_code == 500
        assert staff.json()["error"]["code"] == "internal_error"
        assert open311.status_code == 500
        assert open311.json() == [{"code": 500, "description": "服务器内部错误，已记录 / Internal server error; "
                                   "it has been logged."}]  # fmt: skip

    def test_a_500_keeps_the_connection_usable(self, db: Database, settings: Settings) -> None:
        app = _with_boom(create_app(settings, database=db))
        with serve(app) as base:
            conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=10)
            statuses = []
            for path in ("/boom", "/open311/v2/discovery.json", "/boom", "/open311/v2/services.json"):
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                statuses.append(response.status)
                assert not response.will_close, path  # the server kept the connection open
            conn.close()
        assert statuses == [500, 200, 500, 200]

    @pytest.mark.parametrize("method", ["PUT", "DELETE"])
    def test_a_wrong_method_gets_our_body_and_allow(self, app_client: TestClient, method: str) -> None:
        response = app_client.request(method, "/api/v1/cases")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
        assert response.json()["error"]["code"] == "method_not_allowed"

    def test_an_unknown_path_gets_our_body(self, app_client: TestClient) -> None:
        response = app_client.get("/no/such/page")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


PAGES = ["/", "/desk", "/cockpit", "/portal", "/docs", "/redoc", "/api/v1/cases", f"{BASE}/discovery.json"]


class TestSecurityHeaders:
    @pytest.mark.parametrize("path", PAGES)
    def test_every_response_carries_them(self, app_client: TestClient, path: str) -> None:
        headers = app_client.get(path).headers
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert "script-src 'self'" in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] in ("strict-origin-when-cross-origin", "no-referrer")  # the desk: none
        assert "strict-transport-security" not in headers  # plain http

    def test_hsts_only_over_tls(self, db: Database, settings: Settings) -> None:
        trusting = settings.model_copy(update={"trusted_proxies": "testclient"})
        with TestClient(create_app(trusting, database=db), base_url="https://testserver") as client:
            assert "max-age=" in client.get("/").headers["strict-transport-security"]
        with TestClient(create_app(trusting, database=db)) as client:
            proxied = client.get("/", headers={"X-Forwarded-Proto": "https"})
            assert "strict-transport-security" in proxied.headers
        with TestClient(create_app(settings, database=db)) as client:
            untrusted = client.get("/", headers={"X-Forwarded-Proto": "https"})
            assert "strict-transport-security" not in untrusted.headers

    @pytest.mark.parametrize("path", ["/", "/desk", "/cockpit", "/portal", "/docs", "/redoc"])
    def test_pages_have_no_inline_script_handler_or_style(self, app_client: TestClient, path: str) -> None:
        html = app_client.get(path).text
        assert " style=" not in html
        assert "<style" not in html
        for tag in html.split("<script")[1:]:
            opening, _, rest = tag.partition(">")
            assert "src=" in opening or 'type="application/json"' in opening, opening
            if "src=" in opening:
                assert rest.startswith("</script>"), rest[:80]
        for handler in (" onload=", " onclick=", " onerror=", " onsubmit=", " onchange="):
            assert handler not in html, handler


def test_script_payloads_are_stored_inertly_and_escaped(client: TestClient, city: City, db: Database) -> None:
    """Open311 refuses markup in the description; where markup is stored (a staff case), the public pages serve
    it as JSON text (rendered with textContent by the page scripts), never as HTML."""
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    refused = client.post(f"{BASE}/requests.json", data=_pothole(city, description=script))
    assert refused.status_code == 400
    headers = {"X-API-Key": make_key(db, "operator")}
    created = client.post("/api/v1/cases", json={"channel": "web", "text": script, "title": script}, headers=headers)
    assert created.status_code == 201, created.text
    with db.reading() as session:
        assert session.scalars(select(Case.text)).one() == script  # stored as given: inert text
    read = client.get(f"/api/v1/cases/{created.json()['id']}", headers=headers)
    assert read.headers["content-type"].startswith("application/json")
    assert read.json()["text"] == script
