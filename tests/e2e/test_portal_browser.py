"""The citizens' portal as a citizen uses it: Debian's Chromium, headless, driven by Playwright.

Same set-up as test_browser.py (its ``browser`` fixture and screenshots: CITYBRAIN_SCREENSHOTS=DIR keeps
DIR/portal*.png, which are docs/img/portal*.png: zh, 1440 × 900 and, for the phone, 390 × 844).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from pydantic import SecretStr
from sqlalchemy import func, select

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Case, CaseContact, Department
from citybrain.simulate.load import load_city
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.e2e.test_browser import MOBILE, _shot, browser  # noqa: F401 - browser is the shared fixture
from tests.live_server import serve

NAME, PHONE = "李四光", "13712345678"


@pytest.fixture
def portal_url(db: Database, settings: Settings) -> Iterator[str]:
    """A live server with the portal's submitting identity (CITYBRAIN_PORTAL_API_KEY) configured."""
    configured = settings.model_copy(update={"portal_api_key": SecretStr(make_key(db, "app"))})
    with serve(create_app(configured, database=db)) as url:
        yield url


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:  # noqa: F811 - the imported fixture, requested by name
    tab = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    yield tab
    tab.close()


def case_count(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def fill_request(page: Any, *, description: str) -> None:
    page.select_option("#service_code", "noise.construction.night")
    page.wait_for_selector("#attribute-time_of_day")  # its questions come from services/{code}.json
    page.select_option("#attribute-time_of_day", "0-2")
    page.fill("#description", description)
    page.fill("#address_string", "岳麓区桃子湖路12号")
    page.fill("#name", NAME)
    page.fill("#phone", PHONE)


def test_submit_then_follow_in_a_browser(page: Any, portal_url: str, db: Database) -> None:
    with db.transaction() as session:  # a city with history, so the supervise tab has figures
        load_city(session, seed=3, days=20, cases_per_day=40, now=clock.utcnow() - timedelta(minutes=1))
    before = case_count(db)
    page.goto(portal_url + "/portal")
    assert "市民诉求门户" in page.title()
    fill_request(page, description="工地凌晨两点还在打桩，吵得睡不着")
    page.click("#submit-button")
    case_id = int(page.wait_for_selector("#result-id").inner_text())
    assert "已受理" in page.inner_text("#submit-result")
    assert "null" not in page.inner_text("#submit-result")  # no token (a realtime service): no line for it
    assert case_count(db) == before + 1
    with db.reading() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert case.attributes == {"time_of_day": "0-2"}
        assert session.scalars(select(CaseContact.phone).where(CaseContact.case_id == case_id)).one() == PHONE
    _shot(page, "portal")

    page.click("#result-follow")
    page.wait_for_selector("#follow-status")
    assert page.input_value("#follow-ref") == str(case_id)
    assert page.inner_text("#follow-id") == str(case_id)
    assert page.inner_text("#follow-status") == "已派单 / dispatched"
    assert page.inner_text("#follow-department")  # the department it was dispatched to (派单)
    assert "岳麓区桃子湖路**号" in page.inner_text("#follow-address")

    page.click("a[data-tab=supervise]")
    page.wait_for_selector("#rate-response", state="visible")
    assert page.is_hidden("#follow")
    assert page.locator("#latest tbody tr").count() == 10
    assert not MOBILE.search(page.inner_text("body"))
    _shot(page, "portal-supervise")
    page.click("a[data-tab=submit]")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing wider than the screen
    assert fits(page, 390)
    _shot(page, "portal-mobile")


def test_missing_description_shows_the_error_and_files_nothing(page: Any, portal_url: str, db: Database) -> None:
    page.goto(portal_url + "/portal")
    fill_request(page, description="")
    page.click("#submit-button")
    error = page.wait_for_selector("#submit-error:not([hidden])")
    assert "请描述您反映的问题" in error.inner_text()
    assert "Please describe the problem" in error.inner_text()
    assert page.get_attribute("#description", "aria-invalid") == "true"
    assert page.is_hidden("#submit-result")
    assert case_count(db) == 0


def test_a_missing_answer_is_named_by_its_question_in_both_languages(page: Any, portal_url: str, db: Database) -> None:
    page.goto(portal_url + "/portal")
    page.select_option("#service_code", "heating.no_heat")
    page.wait_for_selector("#attribute-indoor_temperature")
    page.fill("#description", "家里暖气不热")
    page.fill("#address_string", "岳麓区桃子湖路")
    page.click("#submit-button")
    error = page.wait_for_selector("#submit-error:not([hidden])").inner_text()
    assert error == "请回答“室内温度（°C）” / Please answer “Indoor temperature (°C)”."
    assert "attribute[" not in error
    assert case_count(db) == 0


def test_follow_view_never_shows_the_citizens_name_or_phone(page: Any, portal_url: str, db: Database) -> None:
    form = {
        "service_code": "noise.construction.night",
        "description": f"打桩太吵，请回电 {PHONE}",
        "address_string": "岳麓区桃子湖路12号3栋",
        "name": NAME,
        "phone": PHONE,
    }
    receipt = requests.post(portal_url + "/portal/requests", data=form, timeout=30).json()
    page.goto(f"{portal_url}/portal?follow={receipt['service_request_id']}")
    page.wait_for_selector("#follow-status")
    shown = page.inner_text("#follow")
    assert "137****5678" in shown  # the phone written into the text, masked
    html = page.content()
    for secret in (NAME, PHONE, "12号3栋"):
        assert secret not in shown
        assert secret not in html


def test_past_the_limit_the_message_shows_and_the_text_stays(page: Any, db: Database, settings: Settings) -> None:
    configured = settings.model_copy(
        update={"portal_api_key": SecretStr(make_key(db, "app")), "portal_submits_per_hour": 1}
    )
    with serve(create_app(configured, database=db)) as url:
        page.goto(url + "/portal")
        fill_request(page, description="第一条：工地凌晨打桩")
        page.click("#submit-button")
        page.wait_for_selector("#result-id")
        fill_request(page, description="第二条：路灯不亮")
        page.click("#submit-button")
        error = page.wait_for_selector("#submit-error:not([hidden])")
        assert "提交过于频繁，请 60 分钟后再试" in error.inner_text()
        assert "Too many submissions" in error.inner_text()
        assert page.input_value("#description") == "第二条：路灯不亮"  # nothing the citizen wrote is lost
        assert page.input_value("#address_string") == "岳麓区桃子湖路12号"
        assert page.is_hidden("#submit-result")
    assert case_count(db) == 1


def approve_all(url: str, key: str) -> int:
    """What a moderator does on /api/v1/portal/comments: approve every held comment."""
    staff = {"X-API-Key": key}
    held = requests.get(url + "/api/v1/portal/comments", headers=staff, timeout=30).json()["items"]
    for item in held:
        decided = requests.post(f"{url}/api/v1/portal/comments/{item['id']}/approve", headers=staff, timeout=30)
        assert decided.status_code == 200
    return len(held)


def reply_with_the_departments_number(url: str, key: str, db: Database, case_id: int) -> None:
    """The department signs for the case and replies, giving its own contact number (in the directory)."""
    with db.transaction() as session:
        case = session.get(Case, case_id)
        assert case is not None
        department = session.get(Department, case.department_id)
        assert department is not None
        department.phone = "0731-88886666"
    staff = {"X-API-Key": key}
    for action, body in (("accept", {"note": "内部：已签收"}), ("resolve", {"reply": REPLY, "note": "内部：办结"})):
        done = requests.post(f"{url}/api/v1/cases/{case_id}/{action}", json=body, headers=staff, timeout=30)
        assert done.status_code == 200, done.text


REPLY = "已责令工地停止夜间施工，并安排夜间巡查。如再发生请致电本局 0731-88886666。"


def fits(page: Any, width: int) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= width)


SCRIPT = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


def test_timeline_me_too_and_a_moderated_comment(page: Any, portal_url: str, db: Database) -> None:
    with db.transaction() as session:  # a city with places, so the map has points
        load_city(session, seed=5, days=5, cases_per_day=40, now=clock.utcnow() - timedelta(minutes=1))
    problems: list[str] = []
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    def dialog(d: Any) -> None:  # an alert() would mean a citizen's text ran as script
        problems.append("dialog: " + d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(portal_url + "/portal")
    fill_request(page, description="工地凌晨两点还在打桩，吵得睡不着")
    page.click("#submit-button")
    case_id = page.wait_for_selector("#result-id").inner_text()
    page.click("#result-follow")
    page.wait_for_selector("#timeline li")
    steps = page.inner_text("#timeline")
    assert "已受理" in steps
    assert "received" in steps
    assert "已派单" in steps
    assert "dispatched" in steps

    page.click("#me-too")  # 我也遇到: the count rises once
    page.wait_for_function("() => document.getElementById('me-too-count').textContent === '1'")
    page.click("#me-too")  # a second press is refused politely and counts nothing
    page.wait_for_function("() => document.getElementById('voice-message').textContent.includes('您已经点过')")
    assert "already" in page.inner_text("#voice-message")
    assert page.inner_text("#me-too-count") == "1"

    page.fill("#comment-text", "我叫王小明，电话13912345678，我家也在旁边，凌晨也被吵醒")
    page.click("#comment-button")
    page.wait_for_function("() => document.getElementById('voice-message').textContent.includes('审核')")
    assert "暂无公开留言" in page.inner_text("#comments")  # held until a moderator approves it
    assert page.input_value("#comment-text") == ""
    page.fill("#comment-text", SCRIPT)
    page.click("#comment-button")
    page.wait_for_function("() => document.getElementById('comment-text').value === ''")
    operator = make_key(db, "operator")
    assert approve_all(portal_url, operator) == 2
    reply_with_the_departments_number(portal_url, operator, db, int(case_id))

    page.goto(f"{portal_url}/portal?follow={case_id}")
    page.wait_for_selector("#comments li p")
    shown = [p.inner_text() for p in page.query_selector_all("#comments li p")]
    assert shown == ["我叫王**，电话139****5678，我家也在旁边，凌晨也被吵醒", SCRIPT]  # masked; markup stays text
    assert page.evaluate("window.pwned") is None
    assert page.locator("#comments img, #comments script").count() == 0
    assert page.inner_text("#me-too-count") == "1"
    assert "13912345678" not in page.content()
    assert "0731-88886666" in page.inner_text("#follow-reply")  # the department's own number, readable
    steps = page.inner_text("#timeline")
    for words in ("已受理", "已派单", "已签收", "已答复", "replied"):
        assert words in steps
    assert "内部" not in page.inner_text("#follow")
    _shot(page, "portal-follow")
    page.set_viewport_size({"width": 390, "height": 844})
    assert fits(page, 390)
    _shot(page, "portal-follow-mobile")
    page.set_viewport_size({"width": 1440, "height": 900})

    page.click("a[data-tab=public]")
    page.wait_for_selector("#public-list li")
    page.wait_for_function("() => document.querySelectorAll('#public-map circle').length > 50")  # the map loads apart
    assert page.locator("#public-map polygon").count() >= 2
    first = page.inner_text("#public-list li:first-child")
    assert f"No. {case_id}" in first
    assert "我也遇到 me too 1" in first
    assert "留言 comments 2" in first
    assert not MOBILE.search(page.inner_text("#public"))
    _shot(page, "portal-public")
    district = page.locator("#filter-district option").nth(1).get_attribute("value")
    total = page.inner_text("#public-total")
    page.select_option("#filter-district", district)
    page.wait_for_function(f"() => document.getElementById('public-total').textContent !== {total!r}")
    page.set_viewport_size({"width": 390, "height": 844})
    assert fits(page, 390)
    _shot(page, "portal-public-mobile")
    # the one failed request is the refused second me-too (409), which the browser logs as a failed load
    assert failed == [f"409 {portal_url}/portal/requests/{case_id}/metoo"]
    assert [p for p in problems if not p.startswith("Failed to load resource")] == []
    assert len(problems) <= 1
