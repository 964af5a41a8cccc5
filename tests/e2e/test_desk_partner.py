"""A partner unit (社会协同单位, here a property manager under urban_mgmt) on the desk, in headless Chromium: its own
queue only, the address to find the door but the citizen's name and phone masked, and 签收 → 办结 on its case.
CITYBRAIN_SCREENSHOTS=DIR keeps the screenshots (1440 px and 390 px wide)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key, make_unit
from tests.e2e.signin import sign_in_with_key
from tests.e2e.test_browser import MOBILE, _shot
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.live_server import serve

ADDRESS = "桃子湖路12号3栋"


def _case(url: str, operator: str, department: str, title: str) -> int:
    headers = {"X-API-Key": operator}
    body = {"channel": "hotline", "title": title, "text": "楼上漏水到我家天花板。", "address": ADDRESS,
            "contact": {"name": "张三", "phone": "13812345678"}}  # fmt: skip
    created = httpx.post(f"{url}/api/v1/cases", json=body, headers=headers, timeout=30).json()
    answer = httpx.post(f"{url}/api/v1/cases/{created['id']}/dispatch", json={"department_code": department},
                        headers=headers, timeout=30)  # fmt: skip
    assert answer.status_code == 200, answer.text
    return int(created["id"])


def test_a_partner_handles_its_own_queue_on_the_desk(
    browser: Any, db: Database, settings: Settings, tmp_path: Path
) -> None:
    make_unit(db, "lake_pm", "property", "urban_mgmt", "湖畔物业")
    make_unit(db, "hill_pm", "property", "urban_mgmt", "山景物业")
    operator, partner = make_key(db, "operator"), make_key(db, "partner", "lake_pm")
    app = create_app(settings.model_copy(update={"data_dir": tmp_path}), database=db)
    with serve(app) as url:
        mine = _case(url, operator, "lake_pm", "楼上漏水")
        theirs = _case(url, operator, "hill_pm", "电梯停运")
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        sign_in_with_key(page, url, partner)
        page.wait_for_selector("#who", state="visible")
        assert "社会协同单位" in page.inner_text("#who")
        assert not page.is_visible("#tab-queue")  # a partner does not dispatch
        page.wait_for_selector(f"#cases-table tr[data-case-id='{mine}']")
        assert page.locator(f"#cases-table tr[data-case-id='{theirs}']").count() == 0
        _shot(page, "desk-partner-1440")
        page.click(f"#cases-table tr[data-case-id='{mine}']")
        page.wait_for_selector(".action-accept")
        body = page.inner_text("#detail-body")
        assert ADDRESS in body  # the door to go to
        assert "张三" not in body
        assert not MOBILE.search(page.inner_text("body"))
        assert "改派" not in page.inner_text("#detail-actions")
        page.click(".action-accept button")
        page.wait_for_selector(".action-resolve")
        page.fill(".action-resolve textarea", "已修复楼上水管。The pipe is fixed.")
        page.click(".action-resolve button")
        page.wait_for_selector("#detail-title:has-text('已办结')")
        _shot(page, "desk-partner-case-1440")
        page.close()

        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        sign_in_with_key(phone, url, partner)
        phone.wait_for_selector(f"#cases-table tr[data-case-id='{mine}']")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(phone, "desk-partner-390")
        phone.close()


def test_a_supervising_department_opens_its_units_queue_and_reassigns_between_them(
    browser: Any, db: Database, settings: Settings, tmp_path: Path
) -> None:
    make_unit(db, "lake_pm", "property", "urban_mgmt", "湖畔物业")
    make_unit(db, "hill_pm", "property", "urban_mgmt", "山景物业")
    make_unit(db, "road_co", "contractor", "transport", "道路养护公司")
    operator, supervising = make_key(db, "operator"), make_key(db, "department", "urban_mgmt")
    app = create_app(settings.model_copy(update={"data_dir": tmp_path}), database=db)
    with serve(app) as url:
        unit_case = _case(url, operator, "lake_pm", "楼上漏水")
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        sign_in_with_key(page, url, supervising)
        page.wait_for_selector("#who", state="visible")
        page.wait_for_selector("#filter-department option[value=lake_pm]", state="attached")
        assert page.locator(f"#cases-table tr[data-case-id='{unit_case}']").count() == 0  # its own queue first
        options = page.locator("#filter-department option").evaluate_all("os => os.map((o) => o.value)")
        assert sorted(options) == ["", "hill_pm", "lake_pm", "urban_mgmt"]  # itself and its units
        page.select_option("#filter-department", "lake_pm")
        page.click("#case-filters button[type=submit]")
        page.click(f"#cases-table tr[data-case-id='{unit_case}']")
        page.wait_for_selector(".action-reassign")
        assert "签收" not in page.inner_text("#detail-actions")  # the unit signs for it, not its supervisor
        targets = page.locator(".action-reassign select option").evaluate_all("os => os.map((o) => o.value)")
        assert sorted(targets) == ["", "hill_pm", "lake_pm", "urban_mgmt"]  # not road_co, not another department
        page.select_option(".action-reassign select", "hill_pm")
        page.click(".action-reassign button")
        page.wait_for_selector("#detail-title:has-text('已派单')")
        page.wait_for_selector(".timeline:has-text('改派')")
        assert "无权" not in page.inner_text("#detail-joint")  # it reads its unit's case's parts too
        _shot(page, "desk-supervisor-units-1440")
        page.close()
    with db.reading() as session:
        from citybrain.models import Case, Department

        case = session.get(Case, unit_case)
        assert case is not None
        assert session.get(Department, case.department_id).code == "hill_pm"  # type: ignore[union-attr]
