"""我也遇到 and comments on the portal over HTTP: once per citizen, limited, moderated, masked, and counted as heat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import cast

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from citybrain.analytics.hot_issues import build_board
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight.hot_issues import board_record, load_messages
from citybrain.models import Case
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.web.test_portal import GOOD, error, submit

SECRET = "我叫王小明，电话13912345678，身份证110101199003077777，工地还在夜里打桩"
MASKED = "我叫王**，电话139****5678，身份证110101********7777，工地还在夜里打桩"


def me_too(client: TestClient, case_id: str) -> httpx.Response:
    return cast(httpx.Response, client.post(f"/portal/requests/{case_id}/metoo"))


def comment(client: TestClient, case_id: str, text: str) -> httpx.Response:
    return cast(httpx.Response, client.post(f"/portal/requests/{case_id}/comments", data={"text": text}))


def followed(client: TestClient, case_id: str) -> dict[str, object]:
    body: dict[str, object] = client.get(f"/portal/requests/{case_id}").json()
    return body


@pytest.fixture
def case_id(portal: TestClient) -> str:
    return str(submit(portal, **GOOD).json()["service_request_id"])


class TestMeToo:
    def test_counts_once_per_citizen_and_refuses_a_second_politely(
        self, portal: TestClient, db: Database, settings: Settings, portal_key: str, case_id: str
    ) -> None:
        assert followed(portal, case_id)["me_too"] == 0
        first = me_too(portal, case_id)
        assert first.status_code == 200
        assert first.json()["me_too"] == 1
        again = me_too(portal, case_id)
        assert again.status_code == 409
        code, message = error(again)
        assert code == "already_me_too"
        assert message.startswith("您已经点过“我也遇到”")
        assert "already" in message
        assert followed(portal, case_id)["me_too"] == 1
        configured = settings.model_copy(update={"portal_api_key": SecretStr(portal_key)})
        with TestClient(create_app(configured, database=db), client=("203.0.113.9", 5000)) as neighbour:
            assert me_too(neighbour, case_id).json()["me_too"] == 2  # another address is another citizen
        with db.reading() as session:
            case = session.get(Case, int(case_id))
            assert case is not None
            assert case.likes == 2

    def test_an_unknown_or_invalid_request_is_404(self, portal: TestClient, db: Database, case_id: str) -> None:
        assert error(me_too(portal, "987654"))[0] == "request_not_found"
        staff = {"X-API-Key": make_key(db, "operator")}
        invalid = portal.post(f"/api/v1/cases/{case_id}/invalidate", json={"reason": "spam"}, headers=staff)
        assert invalid.status_code == 200
        assert me_too(portal, case_id).status_code == 404
        assert comment(portal, case_id, "hello").status_code == 404


class TestComments:
    def test_held_until_approved_then_shown_masked(self, portal: TestClient, db: Database, case_id: str) -> None:
        sent = comment(portal, case_id, SECRET)
        assert sent.status_code == 202
        assert sent.json()["status"] == "held"
        assert "审核" in sent.json()["notice"]["zh"]
        assert followed(portal, case_id)["comments"] == []  # held: not public yet
        staff = {"X-API-Key": make_key(db, "operator")}
        queue = portal.get("/api/v1/portal/comments", headers=staff).json()
        assert queue["total"] == 1
        held = queue["items"][0]
        assert held["case_id"] == int(case_id)
        assert held["public_text"] == MASKED  # the moderator sees what the public would
        assert "13912345678" not in str(queue)
        approved = portal.post(f"/api/v1/portal/comments/{held['id']}/approve", headers=staff)
        assert approved.status_code == 200
        view = portal.get(f"/portal/requests/{case_id}")
        assert [c["text"] for c in view.json()["comments"]] == [MASKED]
        for secret in ("王小明", "13912345678", "110101199003077777", "test operator"):
            assert secret not in view.text
        listed = portal.get("/portal/public/requests").json()["items"][0]
        assert listed["comments"] == 1
        twice = portal.post(f"/api/v1/portal/comments/{held['id']}/approve", headers=staff)
        assert (twice.status_code, error(twice)[0]) == (409, "already_moderated")

    def test_a_rejected_comment_is_never_shown(self, portal: TestClient, db: Database, case_id: str) -> None:
        comment(portal, case_id, "广告：代开发票 请加微信")
        staff = {"X-API-Key": make_key(db, "admin")}
        held = portal.get("/api/v1/portal/comments", headers=staff).json()["items"][0]
        assert portal.post(f"/api/v1/portal/comments/{held['id']}/reject", headers=staff).status_code == 200
        assert followed(portal, case_id)["comments"] == []
        rejected = portal.get("/api/v1/portal/comments", params={"status": "rejected"}, headers=staff).json()
        assert [c["id"] for c in rejected["items"]] == [held["id"]]

    def test_markup_is_kept_as_text(self, portal: TestClient, db: Database, case_id: str) -> None:
        script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        comment(portal, case_id, script)
        staff = {"X-API-Key": make_key(db, "operator")}
        held = portal.get("/api/v1/portal/comments", headers=staff).json()["items"][0]
        portal.post(f"/api/v1/portal/comments/{held['id']}/approve", headers=staff)
        assert followed(portal, case_id)["comments"][0]["text"] == script  # type: ignore[index]

    @pytest.mark.parametrize(("text", "code"), [("   ", "missing_comment"), ("长" * 501, "invalid_comment")])
    def test_an_empty_or_long_comment_is_refused(
        self, portal: TestClient, db: Database, case_id: str, text: str, code: str
    ) -> None:
        response = comment(portal, case_id, text)
        assert (response.status_code, error(response)[0]) == (400, code)
        assert " / " in error(response)[1]

    @pytest.mark.parametrize(("role", "status"), [("department", 403), ("supervisor", 403), ("app", 403)])
    def test_only_moderators_decide(
        self, portal: TestClient, db: Database, case_id: str, role: str, status: int
    ) -> None:
        comment(portal, case_id, "同样的问题")
        staff = {"X-API-Key": make_key(db, "operator")}
        held = portal.get("/api/v1/portal/comments", headers=staff).json()["items"][0]
        other = {"X-API-Key": make_key(db, role, "urban_mgmt" if role == "department" else None)}
        assert portal.post(f"/api/v1/portal/comments/{held['id']}/approve", headers=other).status_code == status
        assert portal.post(f"/api/v1/portal/comments/{held['id']}/approve").status_code == 401
        assert followed(portal, case_id)["comments"] == []


class TestLimit:
    @pytest.fixture
    def limited(self, db: Database, settings: Settings, portal_key: str) -> Iterator[TestClient]:
        configured = settings.model_copy(update={"portal_api_key": SecretStr(portal_key), "portal_voices_per_hour": 2})
        with TestClient(create_app(configured, database=db)) as client:
            yield client

    def test_me_toos_and_comments_share_an_hourly_limit(self, limited: TestClient, case_id: str) -> None:
        assert me_too(limited, case_id).status_code == 200
        assert me_too(limited, case_id).status_code == 409  # refused: gives its place back
        assert comment(limited, case_id, "   ").status_code == 400  # refused too
        assert comment(limited, case_id, "我也是").status_code == 202
        third = comment(limited, case_id, "还有")
        assert third.status_code == 429
        assert int(third.headers["Retry-After"]) > 0
        code, message = error(third)
        assert code == "too_many_voices"
        assert message.startswith("操作过于频繁")
        assert "Too many" in message


class TestHotIssues:
    """A me-too is a like on the case; an approved comment is a further message on its case's issue."""

    def test_voices_make_the_issue_hotter(
        self, portal: TestClient, db: Database, settings: Settings, case_id: str
    ) -> None:
        def issue() -> dict[str, object]:
            messages, _ = load_messages(None, database=db, timezone=settings.timezone)
            board = build_board(messages, now=clock.utcnow().replace(tzinfo=None) + timedelta(minutes=1))
            found = next(i for i in board.issues if any(m.id.split("#")[0] == case_id for m in i.members))
            return {"heat": found.heat.heat, "count": found.count, "likes": found.heat.likes, "ids": found.members}

        before = issue()
        assert (before["count"], before["likes"]) == (1, 0)
        me_too(portal, case_id)
        liked = issue()
        assert liked["likes"] == 1
        assert float(liked["heat"]) > float(before["heat"])  # type: ignore[arg-type]
        comment(portal, case_id, "我家也在附近，凌晨打桩吵得睡不着")
        assert issue()["count"] == 1  # held: not counted
        staff = {"X-API-Key": make_key(db, "operator")}
        held = portal.get("/api/v1/portal/comments", headers=staff).json()["items"][0]
        portal.post(f"/api/v1/portal/comments/{held['id']}/approve", headers=staff)
        joined = issue()
        assert joined["count"] == 2
        assert float(joined["heat"]) > float(liked["heat"])  # type: ignore[arg-type]
        assert {m.id for m in joined["ids"]} == {case_id, f"{case_id}#{held['id']}"}  # type: ignore[attr-defined]
        messages, _ = load_messages(None, database=db, timezone=settings.timezone)
        stored = board_record(build_board(messages), source="database")
        issue_of_case = next(i for i in stored.items if int(case_id) in (i.case_ids or []))
        assert issue_of_case.case_ids == [int(case_id)]  # the comment's issue member is its case, listed once
