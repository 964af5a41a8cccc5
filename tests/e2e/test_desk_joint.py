"""Joint handling (联合办理) and whistles (吹哨报到) on the desk, in headless Chromium: the dispatcher adds an
assisting part and blows the whistle from the case; the assisting department, which may not open the case,
signs for and answers its part and reports in from the 协办与吹哨 tab; the lead sees the assembled reply.
CITYBRAIN_SCREENSHOTS=DIR keeps the screenshots (1440 px and 390 px wide)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.e2e.signin import sign_in_with_key
from tests.e2e.test_browser import MOBILE, _shot
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.live_server import serve


def _dispatched_case(url: str, operator: str) -> int:
    headers = {"X-API-Key": operator}
    body = {"channel": "hotline", "title": "路口积水又有树枝挡路", "text": "路口积水很深，倒伏的树枝挡住了人行道。",
            "contact": {"name": "张三", "phone": "13812345678"}}  # fmt: skip
    created = httpx.post(f"{url}/api/v1/cases", json=body, headers=headers, timeout=30).json()
    answer = httpx.post(f"{url}/api/v1/cases/{created['id']}/dispatch", json={"department_code": "urban_mgmt"},
                        headers=headers, timeout=30)  # fmt: skip
    assert answer.status_code == 200, answer.text
    return int(created["id"])


def _sign_in(page: Any, url: str, key: str) -> None:
    sign_in_with_key(page, url, key)
    page.wait_for_selector("#who", state="visible")


def _open_case_as_operator(page: Any, url: str, operator: str, case_id: int) -> None:
    _sign_in(page, url, operator)
    page.click("#tab-cases")
    page.click(f"#cases-table tr[data-case-id='{case_id}']")
    page.wait_for_selector("#detail-joint h3")


def test_a_joint_case_on_the_desk(browser: Any, db: Database, settings: Settings, tmp_path: Path) -> None:
    operator = make_key(db, "operator")
    lead, assist = make_key(db, "department", "urban_mgmt"), make_key(db, "department", "landscaping")
    app = create_app(settings.model_copy(update={"data_dir": tmp_path}), database=db)
    with serve(app) as url:
        case_id = _dispatched_case(url, operator)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        _open_case_as_operator(page, url, operator, case_id)
        assert "本工单无协办部分" in page.inner_text("#detail-joint")
        page.select_option(".add-part select[name=department_code]", "landscaping")
        page.fill(".add-part input[name=task]", "清理倒伏树枝")
        page.click(".add-part button")
        page.wait_for_selector("#detail-joint .part")
        assert "协办" in page.inner_text("#detail-joint .part")
        page.select_option(".whistle-form select", ["landscaping", "water"])
        page.fill(".whistle-form input[name=note]", "现场会商积水")
        page.click(".whistle-form button")
        page.wait_for_selector("#detail-joint .whistle")
        assert "待报到" in page.inner_text("#detail-joint .whistle")
        timeline = page.inner_text(".timeline")
        assert "分派协办" in timeline
        assert "吹哨" in timeline
        _shot(page, "desk-joint-operator-1440")
        page.close()

        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        _sign_in(phone, url, assist)
        phone.click("#tab-joint")
        phone.wait_for_selector("#joint-parts .part")
        phone.click("#joint-parts .part-accept button")
        phone.wait_for_selector("#joint-parts .part-reply")
        phone.fill("#joint-parts .part-reply textarea", "树枝已清理。")
        phone.click("#joint-parts .part-reply button")
        phone.wait_for_selector("#joint-parts .part[data-state='replied']")
        phone.click("#joint-whistles .report-form button")
        phone.wait_for_selector("#joint-whistles li[data-summons='landscaping']:has-text('按时报到')")
        assert not MOBILE.search(phone.inner_text("body")), "the caller's phone number is on an assisting page"
        _shot(phone, "desk-joint-assist-390")
        phone.close()

        led = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        _sign_in(led, url, lead)
        led.click(f"#cases-table tr[data-case-id='{case_id}']")
        led.wait_for_selector("#detail-joint .part[data-state='replied']")
        assert "树枝已清理" in led.inner_text("#detail-joint")
        assert "汇总答复" in led.inner_text("#detail-joint")
        _shot(led, "desk-joint-lead-1440")
        led.close()
