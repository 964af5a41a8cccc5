"""The portal's public side over HTTP: the masked list and map, the timeline, the city's phone in a reply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.privacy import coarsen_point
from citybrain.models import Case, Department
from citybrain.simulate.load import load_city
from tests.conftest import make_key
from tests.web.test_portal import GOOD, MOBILE, error, submit

EXACT = {"lat": "28.191234", "long": "112.945678"}


@pytest.fixture
def city(db: Database) -> Database:
    with db.transaction() as session:
        load_city(session, seed=4, days=5, cases_per_day=40, now=clock.utcnow() - timedelta(minutes=1))
    return db


class TestList:
    def test_the_list_is_masked_and_newest_first(self, portal: TestClient, city: Database) -> None:
        mine = submit(portal, **{**GOOD, "description": "我叫王小明，电话13912345678，工地夜里打桩"}, **EXACT)
        case_id = mine.json()["service_request_id"]
        response = portal.get("/portal/public/requests", params={"page_size": 100})
        assert response.status_code == 200
        body = response.json()
        assert body["total"] > 100  # the demo city's five days and the new one
        first = body["items"][0]
        assert first["id"] == case_id
        assert first["text"] == "我叫王**，电话139****5678，工地夜里打桩"
        assert (first["lat"], first["long"]) == (28.19125, 112.94583)  # its ~100 m cell, not the door
        assert first["status"]["zh"]
        assert first["category"]["en"]
        for text in ("13912345678", "王小明", "28.191234", "112.945678", "张三丰"):
            assert text not in response.text
        assert not MOBILE.search(response.text)

    def test_filters_by_district_status_and_category(self, portal: TestClient, city: Database) -> None:
        every = portal.get("/portal/public/requests", params={"page_size": 100}).json()["items"]
        district = next(item["district"] for item in every if item["district"])
        with city.reading() as session:
            code = session.scalars(select(Case.district_code).where(Case.district_code.is_not(None))).first()
            group = session.scalars(select(Case.category_code).where(Case.category_code.is_not(None))).first()
        assert code
        assert group
        assert district
        in_district = portal.get("/portal/public/requests", params={"district": code, "page_size": 100}).json()
        assert 0 < in_district["total"] < portal.get("/portal/public/requests").json()["total"]
        with city.reading() as session:
            public = Case.status.not_in(["merged", "invalid"])
            expected = session.scalars(select(Case.id).where(Case.district_code == code, public)).all()
        assert in_district["total"] == len(expected)
        closed = portal.get("/portal/public/requests", params={"status": "closed", "page_size": 100}).json()
        assert closed["items"]
        assert {i["status"]["code"] for i in closed["items"]} <= {"closed"}
        top = group.split(".")[0]
        by_group = portal.get("/portal/public/requests", params={"category": top, "page_size": 100}).json()
        assert by_group["total"] > 0
        assert all(i["category"] for i in by_group["items"])

    @pytest.mark.parametrize(
        ("params", "code"),
        [
            ({"status": "whatever"}, "invalid_filter"),
            ({"page": "0"}, "invalid_page"),
            ({"page_size": "500"}, "invalid_page"),
        ],
    )
    def test_bad_filters_are_refused_in_both_languages(
        self, portal: TestClient, params: dict[str, str], code: str
    ) -> None:
        response = portal.get("/portal/public/requests", params=params)
        assert response.status_code == 400
        found, message = error(response)
        assert found == code
        assert " / " in message
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message.split(" / ")[0])

    @pytest.mark.parametrize(
        ("method", "path"),
        [("GET", "/portal/public/requests?page=first"), ("POST", "/portal/requests/abc/metoo")],
    )
    def test_a_malformed_parameter_is_explained_in_both_languages(
        self, portal: TestClient, method: str, path: str
    ) -> None:
        response = portal.request(method, path)
        assert response.status_code == 422
        assert error(response)[1].startswith("请求内容有误，请检查后重试 / The request is not valid: ")


class TestMap:
    def test_the_map_has_district_outlines_and_only_public_points(self, portal: TestClient, city: Database) -> None:
        case_id = submit(portal, **GOOD, **EXACT).json()["service_request_id"]
        body = portal.get("/portal/public/map").json()
        assert len(body["districts"]) >= 2
        assert all(d["rings"] and d["zh"] and d["en"] for d in body["districts"])
        mine = next(p for p in body["points"] if p["id"] == case_id)
        assert (mine["lat"], mine["long"]) == (28.19125, 112.94583)
        with city.reading() as session:
            exact = {str(c.id): (c.lat, c.lon) for c in session.scalars(select(Case).where(Case.lat.is_not(None)))}
        assert len(body["points"]) > 100
        for point in body["points"]:  # each is its case's cell centre, never the stored point
            stored = exact[point["id"]]
            assert (point["lat"], point["long"]) == coarsen_point(*stored, 100.0)
            assert (point["lat"], point["long"]) != stored
        some = body["districts"][0]["code"]
        filtered = portal.get("/portal/public/map", params={"district": some}).json()
        assert len(filtered["points"]) < len(body["points"])


def _act(portal: TestClient, headers: dict[str, str], case_id: str, action: str, **body: object) -> None:
    response = portal.post(f"/api/v1/cases/{case_id}/{action}", json=body, headers=headers)
    assert response.status_code == 200, response.text


class TestTimeline:
    def test_the_timeline_shows_the_steps_not_the_staff(self, portal: TestClient, db: Database) -> None:
        case_id = submit(portal, **GOOD).json()["service_request_id"]
        staff = {"X-API-Key": make_key(db, "operator")}
        _act(portal, staff, case_id, "note", note="内部：该工地老板是区长亲戚")
        _act(portal, staff, case_id, "accept", note="内部签收备注")
        _act(portal, staff, case_id, "resolve", reply="已责令工地停止夜间施工。", note="内部办结备注")
        callback = portal.post(
            f"/api/v1/cases/{case_id}/callback", json={"resolved": True, "satisfaction": 5}, headers=staff
        )
        assert callback.status_code == 200, callback.text
        response = portal.get(f"/portal/requests/{case_id}")
        view = response.json()
        actions = [s["action"] for s in view["timeline"]]
        assert actions == ["receive", "dispatch", "accept", "resolve", "callback", "close"]
        labels = {s["action"]: (s["zh"], s["en"]) for s in view["timeline"]}
        assert labels["accept"] == ("已签收", "signed for")
        assert labels["resolve"] == ("已答复", "replied")
        assert view["timeline"][1]["department"]["zh"] == view["department"]["zh"]
        assert view["timeline"][4]["detail"]["en"] == "the citizen said it was resolved"
        assert all(s["at"] for s in view["timeline"])
        for secret in ("内部", "test operator", "portal:", "区长"):
            assert secret not in response.text


class TestCityPhones:
    """The department's own number in its reply is the city's, not a citizen's: readable. Others stay masked."""

    REPLY = "已处理。如有问题请致电本局 13900001111，或 0731-88881111；来电市民 13912345678 已回访。"

    def _replied(self, portal: TestClient, db: Database) -> str:
        """The reply as the portal's follow view shows it — checked equal to what Open311 GET shows."""
        case_id = submit(portal, **GOOD).json()["service_request_id"]
        staff = {"X-API-Key": make_key(db, "operator")}
        _act(portal, staff, case_id, "accept")
        _act(portal, staff, case_id, "resolve", reply=self.REPLY)
        reply = str(portal.get(f"/portal/requests/{case_id}").json()["reply"])
        for path in (f"/open311/v2/requests/{case_id}.json", f"/open311/v2/requests.json?service_request_id={case_id}"):
            assert portal.get(path).json()[0]["status_notes"] == reply  # an app shows the citizen the same
        return reply

    def test_the_departments_number_stays_readable(self, portal: TestClient, db: Database) -> None:
        with db.transaction() as session:
            for department in session.scalars(select(Department)):
                department.phone = "139-0000-1111"  # spelled differently from the reply: compared as digits
        reply = self._replied(portal, db)
        assert "13900001111" in reply
        assert "139****5678" in reply
        assert "13912345678" not in reply
        assert "0731-****1111" in reply  # not a directory number

    def test_without_the_directory_number_it_is_masked(self, portal: TestClient, db: Database) -> None:
        reply = self._replied(portal, db)
        assert "139****1111" in reply
        assert "13900001111" not in reply
        assert "139****5678" in reply
