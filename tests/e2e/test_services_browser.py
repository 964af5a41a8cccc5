"""Online services in headless Chromium: an applicant applies on the portal with files and follows the number; the
clerk accepts it and asks for materials on the desk's 网上办事 tab; the page fits a 390 px phone and 1440 px.
CITYBRAIN_SCREENSHOTS=DIR keeps the screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.e2e.signin import sign_in_with_key
from tests.e2e.test_browser import MOBILE, _shot
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.live_server import serve
from tests.services.factories import ID_NUMBER, PDF, PNG, catalogue

FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def _apply(page: Any, url: str) -> str:
    page.goto(f"{url}/portal/services")
    page.click("text=户外招牌设置审批")
    page.wait_for_selector("#apply-form")
    page.fill("#applicant_name", "王小明")
    page.fill("#applicant_phone", "13812345678")
    page.fill("#applicant_id_number", ID_NUMBER)
    for key, value in (("shop", "老王面馆"), ("width_m", "3.5"), ("storeys", "1"), ("contact", "13812345678")):
        page.fill(f"#f_{key}", value)
    page.select_option("#f_lit", "否")
    page.set_input_files("#file_licence", {"name": "执照.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.set_input_files("#file_drawing", {"name": "图.png", "mimeType": "image/png", "buffer": PNG})
    page.click("#apply-button")
    page.wait_for_selector("#state")
    return str(page.url.rsplit("/", 1)[1])


def test_apply_on_the_portal_and_handle_on_the_desk(
    browser: Any, db: Database, settings: Settings, tmp_path: Path
) -> None:
    with db.transaction() as s:
        catalogue(s)
    operator = make_key(db, "operator")
    app = create_app(settings.model_copy(update={"data_dir": tmp_path}), database=db)
    with serve(app) as url:
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        code = _apply(page, url)
        assert "已提交" in page.inner_text("#state")
        assert not MOBILE.search(page.content())  # the follow page shows no phone number
        _shot(page, "services_follow_1440")
        refused = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        refused.goto(f"{url}/portal/services/shop-sign")
        assert refused.evaluate(FITS)
        _shot(refused, "services_apply_390")
        refused.fill("#applicant_name", "李四")
        refused.click("#apply-button")
        refused.wait_for_selector("#error")
        assert "required" in refused.inner_text("#error")
        assert refused.evaluate(FITS)

        desk = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        sign_in_with_key(desk, url, operator)
        desk.wait_for_selector("#who", state="visible")
        desk.click("#tab-applications")
        card = f"[data-application='{code}']"
        desk.wait_for_selector(card)
        desk.click(f"{card} .app-accept button")
        desk.wait_for_selector(f"{card}[data-state='accepted']")
        assert "剩余 5 个工作日" in desk.inner_text(card)  # add(today, 5) counted back from today
        _shot(desk, "services_desk_1440")
        desk.fill(f"{card} .app-supplement textarea", "请补交业主同意书")
        desk.click(f"{card} .app-supplement button")
        desk.wait_for_selector(f"{card}[data-state='awaiting_materials']")
        assert "暂停计时" in desk.inner_text(card)

        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        phone.goto(f"{url}/portal/applications/{code}")
        assert "请补交业主同意书" in phone.inner_text("#supplement")
        assert phone.evaluate(FITS)
        _shot(phone, "services_follow_390")
        sign_in_with_key(phone, url, operator)
        phone.wait_for_selector("#who", state="visible")
        phone.click("#tab-applications")
        phone.wait_for_selector(card)
        assert phone.evaluate(FITS)
        _shot(phone, "services_desk_390")
