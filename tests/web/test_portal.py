"""The citizens' portal over HTTP: the page and its files, submitting through intake, following, the public figures."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citybrain.auth import service as auth_service
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import ApiKey, Case, CaseContact, Category
from citybrain.simulate.load import load_city
from citybrain.web.app import create_app
from tests.web.conftest import portal_settings
from tests.web.scripts import served_modules

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
NOISE = "noise.construction.night"  # in the default taxonomy, routed to a department
GOOD = {
    "service_code": NOISE,
    "description": "工地凌晨两点还在打桩，吵得睡不着",
    "address_string": "岳麓区桃子湖路12号3栋502",
    "name": "张三丰",
    "phone": "13912345678",
}


def submit(client: TestClient, **fields: Any) -> httpx.Response:
    return cast(httpx.Response, client.post("/portal/requests", data=fields))


def case_count(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def error(response: httpx.Response) -> tuple[str, str]:
    problem = response.json()["error"]
    return problem["code"], problem["message"]


class TestPage:
    def test_page_script_and_stylesheet_are_served(self, portal: TestClient, portal_key: str) -> None:
        page = portal.get("/portal")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        for words in ("市民诉求门户", "Citizens' portal", "我要反映", "进度查询", "公开监督", "响应率", "Response"):
            assert words in page.text
        assert f'value="{NOISE}"' in page.text  # the service list is the Open311 catalogue
        assert '<script type="module" src="/static/portal/main.js">' in page.text
        assert 'href="/static/portal.css"' in page.text
        scripts = served_modules(portal, "portal/main.js")
        assert {"portal/main.js", "portal/submit.js", "portal/follow.js", "lib/dom.js", "lib/api.js"} <= set(scripts)
        script = "\n".join(scripts.values())
        assert "/portal/requests" in script
        assert "innerHTML" not in script  # what the server sends is set as text, never as markup
        style = portal.get("/static/portal.css")
        assert style.status_code == 200
        assert style.headers["content-type"].startswith("text/css")
        for text in (page.text, script, style.text):
            assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?(https?:)?//""", text), "loads something external"
            assert portal_key not in text, "the portal's API key reached the browser"

    def test_landing_page_links_to_the_portal(self, portal: TestClient) -> None:
        assert 'href="/portal"' in portal.get("/").text

    def test_without_a_portal_key_the_form_is_closed(self, app_client: TestClient, db: Database) -> None:
        page = app_client.get("/portal")
        assert page.status_code == 200
        assert 'id="submit-form"' not in page.text
        assert "请拨打 12345" in page.text
        response = submit(app_client, **GOOD)
        assert response.status_code == 503
        assert error(response)[0] == "portal_closed"
        assert case_count(db) == 0

    def test_supervise_shows_the_citys_figures_masked(self, portal: TestClient, db: Database) -> None:
        with db.transaction() as session:
            load_city(session, seed=2, days=5, cases_per_day=40, now=clock.utcnow() - timedelta(minutes=1))
        page = portal.get("/portal")
        assert re.search(r'id="rate-response">(\d+\.\d%|—)<', page.text)
        assert int(re.search(r'id="cases-month">(\d+)<', page.text).group(1)) > 0  # type: ignore[union-attr]
        assert page.text.count('href="/portal?follow=') == 10  # the latest requests, each followable
        assert not MOBILE.search(page.text)


class TestSubmit:
    def test_a_request_becomes_a_case_through_intake(self, portal: TestClient, db: Database) -> None:
        response = submit(portal, **GOOD, attribute_ignored="x", api_key="not-used", account_id="ignored")
        assert response.status_code == 201
        receipt = response.json()
        case_id = int(receipt["service_request_id"])
        assert receipt["follow_url"] == f"/portal?follow={case_id}"
        assert receipt["notice"]["zh"].startswith("已派单至")  # routed and dispatched (派单) as Open311 would
        assert receipt["notice"]["en"].startswith("dispatched to")
        with db.reading() as session:
            case = session.get(Case, case_id)
            assert case is not None
            assert (case.channel, case.source, case.category_code) == ("web", "portal", NOISE)
            assert case.department_id is not None
            contact = session.scalars(select(CaseContact).where(CaseContact.case_id == case_id)).one()
            assert (contact.name, contact.phone, contact.account_id) == ("张三丰", "13912345678", None)
        public = portal.get(f"/open311/v2/requests/{case_id}.json").json()[0]  # and Open311 sees it like any other
        assert public["service_code"] == NOISE

    @pytest.mark.parametrize(
        ("missing", "code", "words"),
        [
            ("description", "missing_description", "请描述您反映的问题"),
            ("service_code", "missing_service_code", "请选择诉求类别"),
            ("address_string", "missing_location", "请填写地点"),
        ],
    )
    def test_a_missing_field_is_named_and_nothing_is_written(
        self, portal: TestClient, db: Database, missing: str, code: str, words: str
    ) -> None:
        fields = {**GOOD, missing: "  "}
        response = submit(portal, **fields)
        assert response.status_code == 400
        assert error(response)[0] == code
        assert words in error(response)[1]
        assert case_count(db) == 0

    def test_an_unknown_service_is_explained(self, portal: TestClient, db: Database) -> None:
        response = submit(portal, **{**GOOD, "service_code": "no.such.thing"})
        assert response.status_code == 404
        code, message = error(response)
        assert code == "unknown_service"
        assert "所选类别不存在" in message
        assert "no.such.thing" in message
        assert case_count(db) == 0

    def test_a_missing_required_attribute_is_explained(self, portal: TestClient, db: Database) -> None:
        response = submit(portal, **{**GOOD, "service_code": "heating.no_heat"})
        assert response.status_code == 400
        code, message = error(response)
        assert code == "invalid_attribute"
        # the question as the form asks it, in both languages — not Open311's attribute[indoor_temperature]
        assert message == "请回答“室内温度（°C）” / Please answer “Indoor temperature (°C)”."
        number = submit(portal, **{**GOOD, "service_code": "heating.no_heat", "attribute[indoor_temperature]": "冷"})
        assert error(number) == (
            "invalid_attribute",
            "“室内温度（°C）”请填写数字 / “Indoor temperature (°C)” takes a number.",
        )
        answered = submit(portal, **{**GOOD, "service_code": "heating.no_heat", "attribute[indoor_temperature]": "14"})
        assert answered.status_code == 201
        assert case_count(db) == 1

    def test_bad_coordinates_are_refused(self, portal: TestClient, db: Database) -> None:
        half = submit(portal, **{**GOOD, "lat": "28.2"})
        assert (half.status_code, error(half)[0]) == (400, "invalid_location")
        far = submit(portal, **{**GOOD, "lat": "128", "long": "112.9"})
        assert far.status_code == 400
        assert "lat must be between" in error(far)[1]
        assert case_count(db) == 0

    def test_a_revoked_portal_key_closes_submission(self, portal: TestClient, db: Database, portal_key: str) -> None:
        with db.transaction() as session:
            key_id = session.scalars(select(ApiKey.id).where(ApiKey.role == "app")).one()
            auth_service.revoke(session=session, key_id=key_id)
        response = submit(portal, **GOOD)
        assert response.status_code == 503
        assert error(response)[0] == "portal_closed"
        assert case_count(db) == 0


class TestFollow:
    def test_follow_shows_status_and_department_but_not_the_citizen(self, portal: TestClient) -> None:
        fields = {**GOOD, "description": "打桩太吵，我的电话13912345678，身份证110101199003077777"}
        case_id = submit(portal, **fields).json()["service_request_id"]
        response = portal.get(f"/portal/requests/{case_id}")
        assert response.status_code == 200
        view = response.json()
        assert view["status"] == {"code": "dispatched", "open311": "open", "zh": "已派单", "en": "dispatched"}
        assert view["department"]["zh"]
        assert view["requested"]
        assert view["expected"]
        assert view["address"] == "岳麓区桃子湖路**号*栋***"
        assert "139****5678" in view["description"]
        for secret in ("张三丰", "13912345678", "110101199003077777", "12号"):
            assert secret not in response.text

    def test_follow_by_token(self, portal: TestClient, db: Database) -> None:
        with db.transaction() as session:
            session.add(Category(code="portalbatch", level=1, name_zh="批量", name_en="Batch", service_type="batch"))
        receipt = submit(portal, **{**GOOD, "service_code": "portalbatch"}).json()
        assert receipt["token"]
        view = portal.get(f"/portal/requests/{receipt['token']}").json()
        assert view["service_request_id"] == receipt["service_request_id"]

    @pytest.mark.parametrize("ref", ["999999", "no-such-token", "1" * 30, "a/b"])
    def test_an_unknown_request_is_a_clear_404(self, portal: TestClient, ref: str) -> None:
        response = portal.get(f"/portal/requests/{ref}")
        assert response.status_code == 404
        code, message = error(response)
        assert code == "request_not_found"
        assert "没有找到" in message
        assert "No request" in message


class TestLocation:
    """A point given in the portal is often the citizen's door: stored exact, published on a ~100 m grid."""

    EXACT = {"lat": "28.191234", "long": "112.945678"}

    def test_a_precise_point_is_never_shown_exact(self, portal: TestClient, db: Database) -> None:
        case_id = submit(portal, **GOOD, **self.EXACT).json()["service_request_id"]
        with db.reading() as session:
            case = session.get(Case, int(case_id))
            assert case is not None
            assert (case.lat, case.lon) == (28.191234, 112.945678)  # staff and dispatch keep the exact point
        shown = [portal.get(f"/portal/requests/{case_id}").text, portal.get("/portal").text]
        shown += [portal.get(f"/open311/v2/requests/{case_id}.{fmt}").text for fmt in ("json", "xml")]
        for text in shown:
            assert case_id in text
            assert "28.191234" not in text
            assert "112.945678" not in text
        public = portal.get(f"/open311/v2/requests/{case_id}.json").json()[0]
        assert (public["lat"], public["long"]) == (28.19125, 112.94583)  # the centre of its ~100 m cell

    def test_zero_publishes_the_point_as_given(self, db: Database, settings: Settings, portal_key: str) -> None:
        exact = portal_settings(settings, portal_key).model_copy(update={"public_location_m": 0.0})
        with TestClient(create_app(exact, database=db)) as client:
            case_id = submit(client, **GOOD, **self.EXACT).json()["service_request_id"]
            public = client.get(f"/open311/v2/requests/{case_id}.json").json()[0]
        assert (public["lat"], public["long"]) == (28.191234, 112.945678)


class TestIdempotencyKey:
    """A citizen's browser that resubmits (a double click, a reload after a timeout) with the same key."""

    def test_the_same_key_gets_the_same_receipt_and_one_case(self, portal: TestClient, db: Database) -> None:
        headers = {"Idempotency-Key": "form-7f3c"}
        first = portal.post("/portal/requests", data=GOOD, headers=headers)
        assert first.status_code == 201, first.text
        again = portal.post("/portal/requests", data=GOOD, headers=headers)
        assert again.status_code == 201
        assert again.json() == first.json()  # the same number and follow code
        assert again.headers["idempotent-replayed"] == "true"
        assert case_count(db) == 1
