"""The knowledge base over HTTP: the review workflow with two people, versions, answer search (staff and public)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citybrain.core.clock import city_today
from citybrain.core.db import Database
from tests.conftest import make_key

FUND = {
    "question": "住房公积金怎么提取？需要什么材料？",
    "answer": "您好，提取住房公积金需携带本人身份证和银行卡到公积金管理中心办理，咨询电话0731-12345678。",
    "policy_basis": "《住房公积金管理条例》第二十四条",
    "department": "市住房公积金管理中心",
    "category_code": "housing",
}


@pytest.fixture
def editors(db: Database) -> tuple[dict[str, str], dict[str, str]]:
    return {"X-API-Key": make_key(db, "operator")}, {"X-API-Key": make_key(db, "admin")}


def publish(client: TestClient, author: dict[str, str], reviewer: dict[str, str], body: dict[str, Any]) -> int:
    made = client.post("/api/v1/knowledge/items", json=body, headers=author)
    assert made.status_code == 201, made.text
    item_id: int = made.json()["id"]
    assert client.post(f"/api/v1/knowledge/items/{item_id}/review", headers=reviewer).status_code == 200
    assert client.post(f"/api/v1/knowledge/items/{item_id}/publish", headers=author).status_code == 200
    return item_id


def test_a_draft_is_reviewed_by_another_person_then_published(
    app_client: TestClient, editors: tuple[dict[str, str], dict[str, str]]
) -> None:
    author, reviewer = editors
    made = app_client.post("/api/v1/knowledge/items", json=FUND, headers=author).json()
    item_id = made["id"]
    assert made["latest"]["status"] == "draft"
    assert made["latest"]["author"] == "test operator"
    assert app_client.get("/api/v1/knowledge/answers", params={"q": "公积金提取"}).json()["hits"] == []
    too_early = app_client.post(f"/api/v1/knowledge/items/{item_id}/publish", headers=author)
    assert too_early.status_code == 409
    own = app_client.post(f"/api/v1/knowledge/items/{item_id}/review", headers=author)
    assert own.status_code == 403
    assert "审核人不能是作者" in own.text
    reviewed = app_client.post(f"/api/v1/knowledge/items/{item_id}/review", headers=reviewer).json()
    assert (reviewed["latest"]["status"], reviewed["latest"]["reviewed_by"]) == ("reviewed", "test admin")
    published = app_client.post(f"/api/v1/knowledge/items/{item_id}/publish", headers=author).json()
    assert (published["latest"]["status"], published["published_version"]) == ("published", 1)
    answers = app_client.get("/api/v1/knowledge/answers", params={"q": "怎么提取住房公积金"}).json()
    assert answers["answered"] is True
    assert answers["hits"][0]["item_id"] == item_id
    assert "公积金" in answers["hits"][0]["matched"]
    assert any("市住房公积金管理中心" in r for r in answers["hits"][0]["reasons"])


def test_editing_a_published_item_makes_a_new_version_and_keeps_history(
    app_client: TestClient, editors: tuple[dict[str, str], dict[str, str]]
) -> None:
    author, reviewer = editors
    item_id = publish(app_client, author, reviewer, FUND)
    changed = FUND | {"answer": "您好，现可在线提取住房公积金：登录公积金网上服务大厅办理，无需到柜台。"}
    edited = app_client.put(f"/api/v1/knowledge/items/{item_id}", json=changed, headers=reviewer).json()
    assert [(v["version"], v["status"]) for v in edited["versions"]] == [(1, "published"), (2, "draft")]
    public = app_client.get("/api/v1/knowledge/answers", params={"q": "公积金提取"}).json()["hits"][0]
    assert public["version"] == 1  # the reviewed text stays public until the new one is published
    app_client.post(f"/api/v1/knowledge/items/{item_id}/review", headers=author)
    app_client.post(f"/api/v1/knowledge/items/{item_id}/publish", headers=author)
    history = app_client.get(f"/api/v1/knowledge/items/{item_id}", headers=author).json()
    assert [(v["version"], v["status"]) for v in history["versions"]] == [(1, "superseded"), (2, "published")]
    public = app_client.get("/api/v1/knowledge/answers", params={"q": "公积金提取"}).json()["hits"]
    assert [(h["item_id"], h["version"]) for h in public] == [(item_id, 2)]
    assert "网上服务大厅" in public[0]["answer"]


def test_public_answers_mask_personal_data_and_skip_items_past_their_validity(
    app_client: TestClient, editors: tuple[dict[str, str], dict[str, str]], db: Database
) -> None:
    author, reviewer = editors
    today = city_today("Asia/Shanghai")
    body = {
        "question": "网友“关关”反映小区路灯不亮，我叫张三，电话13812345678",
        "answer": "经核实，小区路灯线路老化，已于本周修复。",
        "valid_to": (today + timedelta(days=5)).isoformat(),
    }
    item_id = publish(app_client, author, reviewer, body)
    hit = app_client.get("/api/v1/knowledge/answers", params={"q": "小区路灯不亮"}).json()["hits"][0]
    assert "13812345678" not in hit["question"]
    assert "关关" not in hit["question"]
    assert "张三" not in hit["question"]
    expiring = app_client.get("/api/v1/knowledge/expiring", params={"days": 7}, headers=author).json()
    assert [v["item_id"] for v in expiring["items"]] == [item_id]
    assert app_client.get("/api/v1/knowledge/expiring", params={"days": 3}, headers=author).json()["items"] == []
    from citybrain.core import clock

    with clock.frozen(clock.local_midnight_utc(today + timedelta(days=6), "Asia/Shanghai") + timedelta(hours=3)):
        late = app_client.get("/api/v1/knowledge/answers", params={"q": "小区路灯不亮"}).json()
        assert late["hits"] == []
        assert late["answered"] is False


def test_unrelated_empty_huge_and_english_questions_get_clear_answers(
    app_client: TestClient, editors: tuple[dict[str, str], dict[str, str]]
) -> None:
    publish(app_client, *editors, FUND)
    none = app_client.get("/api/v1/knowledge/answers", params={"q": "动物园大熊猫几点喂食"}).json()
    assert none["answered"] is False
    assert none["hits"] == []
    assert any("没有足够接近的答案" in n for n in none["notes"])
    empty = app_client.get("/api/v1/knowledge/answers", params={"q": "   "})
    assert empty.status_code == 400
    assert "question is empty" in empty.text
    huge = app_client.get("/api/v1/knowledge/answers", params={"q": "公积金提取" * 1000})
    assert huge.status_code == 200
    assert any("first 2000 characters" in n for n in huge.json()["notes"])
    english = app_client.get("/api/v1/knowledge/answers", params={"q": "how do I withdraw my housing fund"})
    assert english.status_code == 200
    assert any("ask in Chinese" in n for n in english.json()["notes"])
    staff = app_client.get("/api/v1/knowledge/search", params={"q": "公积金提取材料"}, headers=editors[0]).json()
    assert staff["hits"][0]["policy_basis"] == "《住房公积金管理条例》第二十四条"


def test_roles_and_bad_bodies(app_client: TestClient, db: Database) -> None:
    supervisor = {"X-API-Key": make_key(db, "supervisor")}
    refused = app_client.post("/api/v1/knowledge/items", json=FUND, headers=supervisor)
    assert refused.status_code == 403
    assert app_client.get("/api/v1/knowledge/items", headers=supervisor).status_code == 200
    operator = {"X-API-Key": make_key(db, "operator")}
    blank = app_client.post("/api/v1/knowledge/items", json=FUND | {"answer": "  "}, headers=operator)
    assert blank.status_code == 422
    backwards = FUND | {"valid_from": date(2026, 5, 1).isoformat(), "valid_to": date(2026, 4, 1).isoformat()}
    assert app_client.post("/api/v1/knowledge/items", json=backwards, headers=operator).status_code == 422
    assert app_client.get("/api/v1/knowledge/items/123456", headers=operator).status_code == 404
    assert app_client.get("/api/v1/knowledge/items", headers=operator).json() == []
