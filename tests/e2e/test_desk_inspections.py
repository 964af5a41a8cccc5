"""网格巡查 on the desk, in headless Chromium: an operator sees what grid workers filed — the on-the-spot record, the
month's 未诉先办 and the week's coverage — filters by cell and opens an inspection's case; the tab fits a 390 px phone.
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
from tests.e2e.test_browser import _shot
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.grid.conftest import Grid, inside
from tests.grid.conftest import grid as grid  # noqa: F401 - four cells and two workers with keys
from tests.live_server import serve


def _file(url: str, headers: dict[str, str], cell: str, text: str, **extra: str) -> dict[str, Any]:
    lat, lon = inside(cell)
    body = {"category_code": "sanitation.garbage", "lat": lat, "lon": lon, "description": text} | extra
    answer = httpx.post(f"{url}/api/v1/inspections", json=body, headers=headers, timeout=30)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_inspections_on_the_desk(browser: Any, grid: Grid, db: Database, settings: Settings, tmp_path: Path) -> None:
    operator = make_key(db, "operator")
    app = create_app(settings.model_copy(update={"data_dir": tmp_path}), database=db)
    with serve(app) as url:
        spot = _file(url, grid.w1, "G1", "人民路垃圾桶满溢，周边散落垃圾。", on_spot_record="已联系保洁员现场清理。")
        other = _file(url, grid.w2, "G4", "解放路人行道垃圾堆放。")
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        sign_in_with_key(page, url, operator)
        page.wait_for_selector("#tab-inspections", state="visible")
        page.click("#tab-inspections")
        page.wait_for_selector(f".inspection[data-inspection-id='{spot['id']}']")
        card = page.inner_text(f".inspection[data-inspection-id='{spot['id']}']")
        assert "就地解决" in card
        assert "已联系保洁员现场清理" in card
        assert "网格员 worker W1" in card
        page.wait_for_selector("#grid-figures .kpi-line")
        figures = page.inner_text("#grid-figures")
        assert "未诉先办" in figures
        assert "100.0%" in figures  # both were found before any complaint
        assert "2/4" in figures  # two of the four cells visited this week
        _shot(page, "desk-inspections-operator-1440")
        page.fill("#inspection-cell", "G4")
        page.click("#inspection-filters button[type=submit]")
        page.wait_for_function("() => document.querySelectorAll('#inspections-list .inspection').length === 1")
        assert page.inner_text("#inspections-list").count("G4") == 1
        page.click(f".inspection[data-inspection-id='{other['id']}'] button.link")
        page.wait_for_selector("#panel-detail", state="visible")
        page.close()

        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        sign_in_with_key(phone, url, operator)
        phone.wait_for_selector("#tab-inspections", state="visible")
        phone.click("#tab-inspections")
        phone.wait_for_selector(".inspection")
        phone.wait_for_selector("#grid-figures .kpi-line")
        _no_sideways_scroll(phone)
        _shot(phone, "desk-inspections-operator-390")
        phone.close()
