"""The citizens' portal as a citizen uses it: Debian's Chromium, headless, driven by Playwright.

Same set-up as test_browser.py (its ``browser`` fixture and screenshots: CITYBRAIN_SCREENSHOTS=DIR keeps
DIR/portal.png, which is docs/img/portal.png).
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
from citybrain.models import Case, CaseContact
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
    tab = browser.new_page(viewport={"width": 1100, "height": 900}, locale="zh-CN")
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
    _shot(page, "portal-follow")

    page.click("a[data-tab=supervise]")
    page.wait_for_selector("#rate-response", state="visible")
    assert page.is_hidden("#follow")
    assert page.locator("#latest tbody tr").count() == 10
    assert not MOBILE.search(page.inner_text("body"))
    _shot(page, "portal-supervise")


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
