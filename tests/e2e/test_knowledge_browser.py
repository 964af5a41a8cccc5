"""Smart answers in a browser (Debian's Chromium, headless, Playwright): the desk's suggested replies on a case,
and the portal's official answers under a citizen's question before it is filed (it can still be filed).

CITYBRAIN_SCREENSHOTS=DIR keeps DIR/knowledge-desk*.png and DIR/knowledge-portal*.png (zh, 1440 and 390 px).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.knowledge import service
from citybrain.knowledge.schemas import ItemIn
from citybrain.models import Case
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.e2e.signin import sign_in_with_key
from tests.e2e.test_browser import _shot
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.e2e.test_portal_browser import fill_request
from tests.e2e.test_portal_browser import portal_url as portal_url  # noqa: F401 - the portal's live server
from tests.live_server import serve

FUND = ItemIn(
    question="住房公积金怎么提取？需要什么材料？",
    answer="您好，提取住房公积金需携带本人身份证和银行卡到市住房公积金管理中心办理，也可在网上服务大厅申请。",
    policy_basis="《住房公积金管理条例》第二十四条",
    department="市住房公积金管理中心",
)


@pytest.fixture
def published(db: Database) -> int:
    """One published item: written by one editor, reviewed by another, then published."""
    from datetime import date

    with db.transaction() as session:
        item, _ = service.create(session=session, data=FUND, actor="editor-a")
        service.review(session=session, item_id=item.id, actor="editor-b")
        service.publish(session=session, item_id=item.id, actor="editor-a", today=date(2026, 1, 1))
        return item.id


def _cases(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


@pytest.mark.usefixtures("published")
def test_the_desk_shows_suggested_replies_with_reasons_on_a_case(
    browser: Any, db: Database, settings: Settings, tmp_path: Path
) -> None:
    operator = make_key(db, "operator")
    own = settings.model_copy(update={"data_dir": tmp_path, "classify_model_path": tmp_path / "none.npz"})
    with serve(create_app(own, database=db)) as url:
        body = {"channel": "hotline", "title": "公积金提取", "text": "市民来电咨询：住房公积金怎么提取，要带什么材料？"}
        made = httpx.post(f"{url}/api/v1/cases", json=body, headers={"X-API-Key": operator}, timeout=30)
        assert made.status_code == 201, made.text
        for width, height, name in ((1440, 900, "knowledge-desk"), (390, 844, "knowledge-desk-phone")):
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
            sign_in_with_key(page, url, operator)
            page.wait_for_selector("#who", state="visible")
            page.click("#tab-cases")
            page.click(f"#cases-table tr[data-case-id='{made.json()['id']}']")
            page.wait_for_selector("#detail-knowledge .kb-hit")
            card = page.inner_text("#detail-knowledge")
            assert "参考答复与政策依据" in card
            assert "网上服务大厅" in card  # the official answer
            assert "《住房公积金管理条例》第二十四条" in card  # its policy basis
            assert "匹配词 matched words" in card  # why it was found
            assert "公积金" in card
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            _shot(page, name)
            page.close()


@pytest.mark.usefixtures("published")
def test_a_citizen_sees_official_answers_before_filing_and_can_still_file(
    browser: Any,  # noqa: F811 - the imported fixture, requested by name
    portal_url: str,  # noqa: F811
    db: Database,
) -> None:
    for width, height, name in ((1440, 900, "knowledge-portal"), (390, 844, "knowledge-portal-phone")):
        page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
        page.goto(portal_url + "/portal")
        page.fill("#description", "请问住房公积金怎么提取？")
        page.wait_for_selector("#kb-answers li")
        shown = page.inner_text("#kb-answers")
        assert "相近问题的官方答复" in shown
        assert "网上服务大厅" in shown
        assert "仍可继续提交" in shown
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shot(page, name)
        page.close()

    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page.goto(portal_url + "/portal")
    page.check("#is-question")
    page.fill("#description", "动物园的大熊猫几点喂食")  # nothing close: said so, not a bad answer
    page.wait_for_selector("#kb-answers:has-text('暂无相近的官方答复')")
    assert page.locator("#kb-answers li").count() == 0
    before = _cases(db)
    fill_request(page, description="请问住房公积金怎么提取？我在岳麓区上班。")
    page.wait_for_selector("#kb-answers li")
    page.click("#submit-button")
    page.wait_for_selector("#result-id")
    assert _cases(db) == before + 1
    page.close()
