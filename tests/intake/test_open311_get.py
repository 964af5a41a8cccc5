"""Open311 GET requests and requests/{id}: filters, paging, and no personal data in what the public sees."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.earth import METRES_PER_DEGREE
from citybrain.core.settings import Settings
from citybrain.models import Case
from citybrain.web.app import create_app
from tests.intake.conftest import BASE, City, body, error_of, post_request

FORMATS = ["json", "xml"]
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


def file_request(client: TestClient, city: City, at: datetime, code: str = "o311.lamp", **extra: Any) -> str:
    fields = {"api_key": city.app_key, "service_code": code, "lat": "31.2", "long": "121.5", **extra}
    with clock.frozen(at):
        response = post_request(client, "json", **fields)
    assert response.status_code == 200, response.text
    return str(response.json()[0]["service_request_id"])


def close(db: Database, request_id: str, notes: str, at: datetime) -> None:
    """The department's side of the story, written as staff would leave it."""
    with db.transaction() as s:
        case = s.get(Case, int(request_id))
        assert case is not None
        case.status, case.status_notes, case.closed_at, case.updated_at = "closed", notes, at, at


def ids_of(client: TestClient, query: str = "") -> list[str]:
    with clock.frozen(NOW):
        response = client.get(f"{BASE}/requests.json{query}")
    assert response.status_code == 200, response.text
    return [r["service_request_id"] for r in response.json()]


@pytest.fixture
def three(client: TestClient, city: City, db: Database) -> list[str]:
    """Three requests: a lamp 40 days ago (closed), a pothole 5 days ago, a lamp 1 hour ago."""
    old = file_request(client, city, NOW - timedelta(days=40))
    mid = file_request(client, city, NOW - timedelta(days=5), code="o311.pothole", **{"attribute[SIZE]": "small"})
    new = file_request(client, city, NOW - timedelta(hours=1))
    close(db, old, "已修复", NOW - timedelta(days=39))
    return [old, mid, new]


class TestFilters:
    def test_default_is_newest_first_in_the_window(self, client: TestClient, three: list[str]) -> None:
        old, mid, new = three
        assert ids_of(client) == [new, mid, old]

    def test_ids_override_every_other_filter(self, client: TestClient, three: list[str]) -> None:
        old, _mid, new = three
        assert ids_of(client, f"?service_request_id={new},{old},999999&status=open&service_code=o311.pothole") == [
            old,
            new,
        ]

    def test_service_code_list(self, client: TestClient, three: list[str]) -> None:
        old, mid, new = three
        assert ids_of(client, "?service_code=o311.pothole") == [mid]
        assert ids_of(client, "?service_code=o311.pothole,o311.lamp") == [new, mid, old]

    def test_status(self, client: TestClient, three: list[str]) -> None:
        old, mid, new = three
        assert ids_of(client, "?status=closed") == [old]
        assert ids_of(client, "?status=open") == [new, mid]
        assert ids_of(client, "?status=open,closed") == [new, mid, old]

    def test_dates(self, client: TestClient, three: list[str]) -> None:
        old, mid, new = three
        assert ids_of(client, "?start_date=2026-03-01T00:00:00Z") == [new, mid]
        assert ids_of(client, "?end_date=2026-03-09T00:00:00%2B08:00") == [mid, old]
        assert ids_of(client, "?start_date=2026-03-01T00:00:00Z&end_date=2026-03-06T00:00:00Z") == [mid]
        assert ids_of(client, "?start_date=2026-03-01") == [new, mid]  # a bare date, in the city's zone

    def test_default_window_is_configurable(self, db: Database, settings: Settings, three: list[str]) -> None:
        _old, mid, new = three
        narrow = settings.model_copy(update={"open311_default_days": 30})
        with TestClient(create_app(narrow, database=db)) as other:
            assert ids_of(other) == [new, mid]

    def test_empty_parameters_count_as_missing(self, client: TestClient, three: list[str]) -> None:
        old, mid, new = three
        assert ids_of(client, "?service_request_id=&service_code=&status=&start_date=&page=") == [new, mid, old]

    def test_paging(self, client: TestClient, three: list[str]) -> None:
        old, mid, new = three
        assert ids_of(client, "?page_size=2") == [new, mid]
        assert ids_of(client, "?page_size=2&page=2") == [old]
        assert ids_of(client, "?page_size=2&page=3") == []

    def test_page_size_limit_follows_settings(self, db: Database, settings: Settings, three: list[str]) -> None:
        small = settings.model_copy(update={"open311_max_page_size": 2})
        with TestClient(create_app(small, database=db)) as other:
            assert len(ids_of(other)) == 2  # the default page is never larger than the maximum
            response = other.get(f"{BASE}/requests.xml?page_size=3")
            assert response.status_code == 400
            assert "page_size" in error_of(response, "xml")[1]

    @pytest.mark.parametrize(
        ("query", "needle"),
        [
            ("start_date=yesterday", "start_date"),
            ("end_date=2026-13-01T00:00:00Z", "end_date"),
            ("start_date=2026-03-05T00:00:00Z&end_date=2026-03-01T00:00:00Z", "after"),
            ("status=pending", "status"),
            ("service_request_id=1,abc", "service_request_id"),
            ("page=0", "page"),
            ("page_size=lots", "page_size"),
        ],
    )
    def test_bad_parameters_are_400(self, client: TestClient, query: str, needle: str) -> None:
        for fmt in FORMATS:
            response = client.get(f"{BASE}/requests.{fmt}?{query}")
            assert response.status_code == 400
            code, description = error_of(response, fmt)
            assert code == 400
            assert needle in description

    def test_foreign_jurisdiction_is_404(self, client: TestClient) -> None:
        for fmt in FORMATS:
            response = client.get(f"{BASE}/requests.{fmt}?jurisdiction_id=elsewhere.gov")
            assert response.status_code == 404
            assert error_of(response, fmt)[0] == 404


class TestOneRequest:
    def test_json_is_an_array_of_one_with_every_field(self, client: TestClient, city: City) -> None:
        at = NOW - timedelta(days=1)
        request_id = file_request(
            client,
            city,
            at,
            code="o311.pothole",
            address_string="建国路88号",
            address_id="A-42",
            media_url="https://img.example.org/2.jpg",
            description="路面塌陷",
            **{"attribute[SIZE]": "large"},
        )
        response = client.get(f"{BASE}/requests/{request_id}.json")
        assert response.status_code == 200
        (request,) = body(response, "json")
        assert request == {
            "service_request_id": request_id,
            "status": "open",
            "status_notes": None,
            "service_name": "道路坑洼",
            "service_code": "o311.pothole",
            "description": "路面塌陷",
            "agency_responsible": "测试市政局",
            "service_notice": "已派单至测试市政局，办结时限 2026-03-09 14:00",
            "requested_datetime": "2026-03-09T04:00:00Z",
            "updated_datetime": "2026-03-09T04:00:00Z",
            "expected_datetime": "2026-03-09T06:00:00Z",
            "address": "建国路**号",  # the house number is masked in public
            "address_id": "A-42",
            "zipcode": None,
            "lat": 31.19969,  # 31.2, 121.5 as filed: the public sees the centre of its ~100 m cell
            "long": 121.49985,
            "media_url": "https://img.example.org/2.jpg",
        }

    def test_xml_and_english(self, client: TestClient, city: City, db: Database) -> None:
        request_id = file_request(client, city, NOW - timedelta(days=2))
        close(db, request_id, "Lamp replaced", NOW - timedelta(days=1))
        root = body(client.get(f"{BASE}/requests/{request_id}.xml?lang=en"), "xml")
        assert root.tag == "service_requests"
        (request,) = root.findall("request")
        assert request.findtext("status") == "closed"
        assert request.findtext("status_notes") == "Lamp replaced"
        assert request.findtext("service_name") == "Street light out"
        assert request.findtext("agency_responsible") == "Test Works Bureau"
        assert request.findtext("updated_datetime") == "2026-03-09T04:00:00Z"  # the closing time
        assert request.findtext("long") == "121.49985"

    @pytest.mark.parametrize(
        ("status", "expected"),
        [("received", "已受理，等待派单"), ("resolved", "已办结答复，等待回访"), ("invalid", "已结案")],
    )
    def test_notice_follows_the_case(
        self, client: TestClient, city: City, db: Database, status: str, expected: str
    ) -> None:
        request_id = file_request(client, city, NOW)
        with db.transaction() as s:
            case = s.get(Case, int(request_id))
            assert case is not None
            case.status = status
        (request,) = client.get(f"{BASE}/requests/{request_id}.json").json()
        assert request["service_notice"] == expected
        assert request["status"] == ("closed" if status == "invalid" else "open")

    def test_v21_draft_spelling_answers_too(self, client: TestClient, city: City) -> None:
        request_id = file_request(client, city, NOW)
        assert client.get(f"{BASE}/request/{request_id}.json").json()[0]["service_request_id"] == request_id

    @pytest.mark.parametrize("name", ["999999", "abc"])
    def test_unknown_is_404(self, client: TestClient, name: str) -> None:
        for fmt in FORMATS:
            response = client.get(f"{BASE}/requests/{name}.{fmt}")
            assert response.status_code == 404
            assert error_of(response, fmt)[0] == 404


class TestPrivacy:
    SECRET_TEXT = "我叫张三，电话13812345678，身份证110101199003077777，邮件 zhang.san@example.com，楼下路灯坏了"

    def test_public_view_never_shows_the_submitter(self, client: TestClient, city: City, db: Database) -> None:
        request_id = file_request(
            client,
            city,
            NOW - timedelta(hours=2),
            first_name="三",
            last_name="张",
            phone="13987654321",
            email="someone@example.org",
            account_id="acct-9",
            device_id="dev-9",
            description=self.SECRET_TEXT,
        )
        close(db, request_id, "已联系 13812345678 的市民，路灯已修复", NOW - timedelta(hours=1))
        with clock.frozen(NOW):
            raw = [client.get(f"{BASE}/requests.{fmt}").text for fmt in FORMATS]
        raw += [client.get(f"{BASE}/requests/{request_id}.{fmt}").text for fmt in FORMATS]
        assert all(request_id in text for text in raw)
        for text in raw:
            for secret in ("13987654321", "someone@example.org", "13812345678", "110101199003077777", "zhang.san@"):
                assert secret not in text
            for field in ("first_name", "last_name", "phone", "email", "account_id", "device_id"):
                assert field not in text
            assert "138****5678" in text
            assert "z***@example.com" in text
        (request,) = client.get(f"{BASE}/requests/{request_id}.json").json()
        assert request["description"] == (
            "我叫张*，电话138****5678，身份证110101********7777，邮件 z***@example.com，楼下路灯坏了"
        )
        assert request["status_notes"] == "已联系 138****5678 的市民，路灯已修复"


class TestPublicLocation:
    """The exact point is often the citizen's door: the public sees the centre of its ~100 m cell, staff the point."""

    EXACT = (28.191234, 112.945678)

    def _file_exact(self, client: TestClient, city: City) -> str:
        lat, lon = self.EXACT
        return file_request(client, city, NOW - timedelta(hours=1), lat=str(lat), long=str(lon))

    def _public_points(self, client: TestClient, request_id: str) -> list[tuple[float, float]]:
        """The point as GET requests and GET requests/{id} show it, in JSON and XML."""
        points = []
        with clock.frozen(NOW):
            for path in ("requests", f"requests/{request_id}"):
                (one,) = [r for r in client.get(f"{BASE}/{path}.json").json() if r["service_request_id"] == request_id]
                points.append((float(one["lat"]), float(one["long"])))
                root = body(client.get(f"{BASE}/{path}.xml"), "xml")
                (xml,) = [r for r in root.findall("request") if r.findtext("service_request_id") == request_id]
                points.append((float(xml.findtext("lat") or "nan"), float(xml.findtext("long") or "nan")))
        return points

    def _metres_from_exact(self, point: tuple[float, float]) -> float:
        dy = (point[0] - self.EXACT[0]) * METRES_PER_DEGREE
        dx = (point[1] - self.EXACT[1]) * METRES_PER_DEGREE * math.cos(math.radians(self.EXACT[0]))
        return math.hypot(dx, dy)

    def test_public_point_is_coarsened_by_default(
        self, client: TestClient, city: City, operator_headers: dict[str, str]
    ) -> None:
        request_id = self._file_exact(client, city)
        points = self._public_points(client, request_id)
        assert len(set(points)) == 1, points  # list and single, JSON and XML: one public point
        (point,) = set(points)
        assert point != self.EXACT
        assert 0 < self._metres_from_exact(point) <= 100 * math.sqrt(2) / 2 * 1.02
        with clock.frozen(NOW):
            raw = [client.get(f"{BASE}/{p}.{f}").text for p in ("requests", f"requests/{request_id}") for f in FORMATS]
        for text in raw:
            assert "28.191234" not in text
            assert "112.945678" not in text
        staff = client.get(f"/api/v1/cases/{request_id}", headers=operator_headers)  # dispatch needs the door
        assert staff.status_code == 200, staff.text
        assert (staff.json()["lat"], staff.json()["lon"]) == self.EXACT

    @pytest.mark.parametrize("metres", [0.0, 1000.0])
    def test_the_cell_size_is_a_setting(self, db: Database, settings: Settings, city: City, metres: float) -> None:
        configured = settings.model_copy(update={"public_location_m": metres})
        with TestClient(create_app(configured, database=db)) as other:
            request_id = self._file_exact(other, city)
            (point,) = set(self._public_points(other, request_id))
        if metres == 0:
            assert point == self.EXACT  # CITYBRAIN_PUBLIC_LOCATION_M=0: published as filed
        else:
            assert 100 < self._metres_from_exact(point) <= metres * math.sqrt(2) / 2 * 1.02
