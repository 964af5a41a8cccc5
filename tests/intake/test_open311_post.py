"""Open311 POST requests: a citizen's app files a request; every refusal has the spec's status and body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.auth import service as auth_service
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.models import ApiKey, Case, CaseContact, CaseEvent
from tests.conftest import make_key
from tests.intake.conftest import BASE, City, body, error_of, post_request

FORMATS = ["json", "xml"]
AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def pothole(city: City, **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "api_key": city.app_key,
        "service_code": "o311.pothole",
        "lat": "39.9042",
        "long": "116.4074",
        "attribute[SIZE]": "large",
        "attribute[SIDES][]": ["n", "e"],
        "attribute[DEPTH]": "12.5",
        "description": "长安街东口有个大坑",
        "media_url": "https://img.example.org/1.jpg",
        "first_name": "三",
        "last_name": "张",
        "phone": "13812345678",
        "email": "zhang.san@example.com",
        "account_id": "acct-7",
        "device_id": "dev-1",
    }
    fields.update(extra)
    return fields


def case_count(db: Database) -> int:
    with db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(Case)) or 0)


class TestCreate:
    def test_json_creates_a_routed_case_with_attributes(self, client: TestClient, city: City, db: Database) -> None:
        with clock.frozen(AT):
            response = post_request(client, "json", **pothole(city))
        assert response.status_code == 200, response.text
        (created,) = body(response, "json")
        assert set(created) == {"service_request_id", "service_notice", "account_id"}
        assert created["account_id"] == "acct-7"
        assert "测试市政局" in created["service_notice"]
        assert "2026-03-02 11:00" in created["service_notice"]  # urgent: 2 h, shown in Asia/Shanghai
        with db.transaction() as s:
            case = s.get(Case, int(created["service_request_id"]))
            assert case is not None
            contact = s.get(CaseContact, case.id)
            actions = list(s.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case.id)))
        assert case.channel == "open311"
        assert case.category_code == "o311.pothole"
        assert (case.lat, case.lon) == (39.9042, 116.4074)
        assert case.attributes == {"SIZE": "large", "SIDES": ["n", "e"], "DEPTH": 12.5}
        assert case.status == "dispatched"
        assert case.due_at == AT + timedelta(hours=2)
        assert case.text == "长安街东口有个大坑"
        assert case.media_url == "https://img.example.org/1.jpg"
        assert contact is not None
        assert (contact.name, contact.phone, contact.email) == ("张三", "13812345678", "zhang.san@example.com")
        assert (contact.account_id, contact.device_id) == ("acct-7", "dev-1")
        assert actions[:2] == ["receive", "dispatch"]

    def test_xml_response_and_address_only_location(self, client: TestClient, city: City, db: Database) -> None:
        fields = pothole(city, lat="", long="", address_string="朝阳区建国路88号", address_id="A-42")
        fields["attribute[SIDES]"] = fields.pop("attribute[SIDES][]")[0]  # a single value without []
        response = post_request(client, "xml", **fields)
        assert response.status_code == 200, response.text
        root = body(response, "xml")
        assert root.tag == "service_requests"
        request_id = root.findtext("request/service_request_id")
        assert request_id is not None
        assert root.find("request/token") is None
        assert root.findtext("request/account_id") == "acct-7"
        with db.transaction() as s:
            case = s.get(Case, int(request_id))
        assert case is not None
        assert case.address == "朝阳区建国路88号"
        assert case.lat is None
        assert case.attributes is not None
        assert case.attributes["SIDES"] == ["n"]
        assert case.attributes["@address_id"] == "A-42"

    def test_minimal_request_with_api_key_in_query_string(self, client: TestClient, city: City) -> None:
        """The old Python ``open311`` client sends api_key and jurisdiction_id in the query string."""
        response = client.post(
            f"{BASE}/requests.json?api_key={city.app_key}&jurisdiction_id=citybrain.local",
            data={"service_code": "o311.lamp", "address_id": "B-1"},
        )
        assert response.status_code == 200, response.text
        assert response.json()[0]["account_id"] is None

    def test_english_notice(self, client: TestClient, city: City) -> None:
        response = post_request(client, "json", **pothole(city, lang="en"))
        assert response.json()[0]["service_notice"].startswith("dispatched to Test Works Bureau; due by ")

    def test_batch_service_answers_with_a_token(self, client: TestClient, city: City) -> None:
        for fmt in FORMATS:
            response = post_request(client, fmt, api_key=city.app_key, service_code="o311.bulk", lat="30", long="120")
            assert response.status_code == 200, response.text
            if fmt == "json":
                (created,) = response.json()
                assert "service_request_id" not in created
                token = created["token"]
            else:
                root = body(response, "xml")
                assert root.find("request/service_request_id") is None
                token = root.findtext("request/token")
            lookup = client.get(f"{BASE}/tokens/{token}.{fmt}")
            assert lookup.status_code == 200
            if fmt == "json":
                (found,) = body(lookup, "json")
                assert found["token"] == token
                request_id = found["service_request_id"]
            else:
                request_id = body(lookup, "xml").findtext("request/service_request_id")
            detail = client.get(f"{BASE}/requests/{request_id}.json").json()
            assert detail[0]["service_code"] == "o311.bulk"

    def test_unknown_token_is_404(self, client: TestClient) -> None:
        for fmt in FORMATS:
            response = client.get(f"{BASE}/tokens/no-such-token.{fmt}")
            assert response.status_code == 404
            assert error_of(response, fmt)[0] == 404

    def test_matching_jurisdiction_is_accepted(self, client: TestClient, city: City) -> None:
        response = post_request(client, "json", **pothole(city, jurisdiction_id="citybrain.local"))
        assert response.status_code == 200


def _revoked_key(db: Database) -> str:
    plaintext = make_key(db, "app")
    with db.transaction() as s:
        key = s.scalars(select(ApiKey).order_by(ApiKey.id.desc())).first()
        assert key is not None
        auth_service.revoke(session=s, key_id=key.id)
    return plaintext


REFUSALS: list[tuple[str, dict[str, Any], int, str]] = [
    ("no api_key", {"api_key": ""}, 403, "api_key"),
    ("wrong api_key", {"api_key": "cb_not-a-key"}, 403, "invalid"),
    ("no service_code", {"service_code": ""}, 400, "service_code was not provided"),
    ("unknown service_code", {"service_code": "o311.nope"}, 404, "o311.nope"),
    ("retired service", {"service_code": "o311.retired"}, 404, "not found"),
    ("group, not a service", {"service_code": "o311"}, 400, "group"),
    ("foreign jurisdiction", {"jurisdiction_id": "elsewhere.gov"}, 404, "jurisdiction_id"),
    ("no location", {"lat": "", "long": ""}, 400, "location"),
    ("lat without long", {"long": ""}, 400, "together"),
    ("lat out of range", {"lat": "95"}, 400, "lat"),
    ("lat not a number", {"lat": "north"}, 400, "lat"),
    ("required attribute missing", {"attribute[SIZE]": ""}, 400, "attribute[SIZE] is required"),
    ("value not in the list", {"attribute[SIZE]": "huge"}, 400, "'huge'"),
    ("multi value not in the list", {"attribute[SIDES][]": ["n", "w"]}, 400, "'w'"),
    ("single value given twice", {"attribute[SIZE]": ["small", "large"]}, 400, "one value"),
    ("number that is not", {"attribute[DEPTH]": "deep"}, 400, "number"),
    ("unknown attribute", {"attribute[COLOUR]": "red"}, 400, "attribute[COLOUR]"),
    ("description too long", {"description": "坑" * 4001}, 400, "4000"),
    ("HTML in description", {"description": "看 <script>alert(1)</script>"}, 400, "HTML"),
    ("media_url not a URL", {"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ("email not an address", {"email": "zhang"}, 400, "email"),
]


class TestRefusals:
    @pytest.mark.parametrize(("label", "change", "status", "needle"), REFUSALS, ids=[r[0] for r in REFUSALS])
    def test_refused_in_both_formats_and_nothing_written(
        self, client: TestClient, city: City, db: Database, label: str, change: dict[str, Any], status: int, needle: str
    ) -> None:
        for fmt in FORMATS:
            response = post_request(client, fmt, **pothole(city, **change))
            assert response.status_code == status, f"{label}: {response.text}"
            code, description = error_of(response, fmt)
            assert code == status
            assert needle in description
        assert case_count(db) == 0

    def test_revoked_key_is_403(self, client: TestClient, city: City, db: Database) -> None:
        response = post_request(client, "xml", **pothole(city, api_key=_revoked_key(db)))
        assert response.status_code == 403
        assert error_of(response, "xml") == (403, "invalid or revoked API key")

    def test_key_without_submit_permission_is_403(self, client: TestClient, city: City, db: Database) -> None:
        response = post_request(client, "json", **pothole(city, api_key=make_key(db, "supervisor")))
        assert response.status_code == 403
        assert "may not submit" in error_of(response, "json")[1]
        assert case_count(db) == 0

    def test_staff_operator_key_may_submit(self, client: TestClient, city: City, db: Database) -> None:
        assert post_request(client, "json", **pothole(city, api_key=make_key(db, "operator"))).status_code == 200


class TestFormBody:
    """The url-encoded body is parsed by our own reader: the same fields, and bad bodies refused cleanly."""

    def test_multipart_form_is_accepted_too(self, client: TestClient, city: City, db: Database) -> None:
        fields = {k: v for k, v in pothole(city).items() if not isinstance(v, list)}
        response = client.post(f"{BASE}/requests.json", files={k: (None, str(v)) for k, v in fields.items()})
        assert response.status_code == 200, response.text
        assert case_count(db) == 1

    def test_a_body_that_is_not_utf8_is_a_400(self, client: TestClient, city: City, db: Database) -> None:
        raw = f"api_key={city.app_key}&service_code=o311.lamp&lat=39.9&long=116.4&description=".encode() + b"\xb4\xf3"
        response = client.post(
            f"{BASE}/requests.json", content=raw, headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert response.status_code == 400
        assert "UTF-8" in error_of(response, "json")[1]
        assert case_count(db) == 0

    def test_a_flood_of_fields_is_a_400(self, client: TestClient, city: City, db: Database) -> None:
        raw = "&".join(f"f{i}=x" for i in range(2000))
        response = client.post(
            f"{BASE}/requests.json", content=raw, headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert response.status_code == 400
        assert case_count(db) == 0
