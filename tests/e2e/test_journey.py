"""One request's whole journey across the three audiences, in Debian's Chromium driven by Playwright.

A citizen submits on the portal, not sure of the category → intake's classifier reads it and the case is routed
and appears, with its category, in the right department's list on the desk → the department signs for it (签收)
and resolves it with a reply (办结答复) → the citizen's follow view shows the reply and the timeline → the citizen
rates it (满意度评价, with the receipt's follow code) → the figures move by exactly this case: GET /api/v1/kpis and
the landing page's 满意率 / 解决率 and the cockpit's (GET /api/v1/cockpit/trends, once its kept answer is refreshed:
it keeps each answer CITYBRAIN_COCKPIT_CACHE_SECONDS, here 2 s, so this test waits a little for it).

No console error, no failed request, no request to another host. CITYBRAIN_SCREENSHOTS=DIR keeps
DIR/portal-rate.png (1440 × 900), portal-rate-phone.png (390 × 844), portal-rate-receipt.png and portal-rated.png:
docs/img/ is made this way.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.i18n import percent
from citybrain.core.settings import Settings
from citybrain.models import Case, Category, Department
from citybrain.simulate.load import load_city
from citybrain.web.app import create_app
from citybrain.web.overview import rate_window
from tests.conftest import make_key
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.e2e.test_desk import _own, _sign_in
from tests.e2e.test_desk import model_file as model_file  # noqa: F401 - the small real classifier
from tests.e2e.test_desk_day import PHONE_SCREEN, WAGES, WIDE, _screen, _watch
from tests.live_server import serve

REPLY = "已约谈该建筑公司，责令十日内结清拖欠的工资，劳动监察大队跟进。"
COMMENT = "工资已经发下来了，谢谢"


@pytest.fixture
def city(db: Database) -> Database:
    """A small Demo City (its directory and two days of cases), so one rating visibly moves the rates."""
    with db.transaction() as session:
        load_city(session, seed=5, days=2, cases_per_day=12, now=clock.utcnow() - timedelta(minutes=1))
    return db


#: How long this test's cockpit keeps an answer (the default is 30 s; the wait below is bounded by it).
CACHE_SECONDS = 2.0


@pytest.fixture
def live(city: Database, settings: Settings, model_file: Path, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    """The server with the small classifier installed and the portal's submitting identity configured."""
    own = _own(settings, tmp_path, model_file, 0.5)
    configured = own.model_copy(
        update={"portal_api_key": SecretStr(make_key(city, "app")), "cockpit_cache_seconds": CACHE_SECONDS}
    )
    with serve(create_app(configured, database=city)) as url:
        yield url


def _guard(page: Any, url: str) -> list[str]:
    """Console errors, failed responses, and any request that leaves the server."""
    problems = _watch(page)
    page.on("request", lambda r: None if r.url.startswith(url) else problems.append(f"other host: {r.url}"))
    return problems


def _kpis(url: str, key: str) -> dict[str, Any]:
    """The KPI totals over the landing page's window (the last 30 local days)."""
    start, end = rate_window(clock.city_today(clock.city_zone("Asia/Shanghai")))
    params = {"from": start.isoformat(), "to": end.isoformat()}
    answer = httpx.get(f"{url}/api/v1/kpis", params=params, headers={"X-API-Key": key}, timeout=30)
    assert answer.status_code == 200, answer.text
    total: dict[str, Any] = answer.json()["total"]
    return total


def _cockpit(url: str, key: str) -> dict[str, Any]:
    """The cockpit's headline figures (its default window: the last 30 local days, as the landing page's)."""
    answer = httpx.get(f"{url}/api/v1/cockpit/trends", headers={"X-API-Key": key}, timeout=30)
    assert answer.status_code == 200, answer.text
    figures: dict[str, Any] = answer.json()["kpis"]
    return figures


def _cockpit_catches_up(url: str, key: str, wanted: float) -> dict[str, Any]:
    """The cockpit keeps each answer CACHE_SECONDS and then refreshes it in the background: ask until the new
    figure shows, within that time and a margin (never longer)."""
    deadline = time.monotonic() + CACHE_SECONDS + 30
    figures = _cockpit(url, key)
    while figures["satisfaction_rate"] != wanted and time.monotonic() < deadline:
        time.sleep(1)
        figures = _cockpit(url, key)
    return figures


def _scores(db: Database) -> tuple[int, int, int, int]:
    """(satisfied, scored, resolved yes, resolution answers) over every case: the small city is all in the window."""
    with db.reading() as session:

        def count(*where: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(Case).where(*where)) or 0)

        return (
            count(Case.satisfaction >= 4),
            count(Case.satisfaction.is_not(None)),
            count(Case.resolved.is_(True)),
            count(Case.resolved.is_not(None)),
        )


def _landing_rates(page: Any, url: str) -> dict[str, str]:
    """The landing page's three rate tiles, by their Chinese label."""
    page.goto(url + "/")
    tiles = page.locator("section.tiles .tile").all_inner_texts()
    rates = {}
    for tile in tiles:
        number, _sep, label = tile.partition("\n")
        for name in ("响应率", "解决率", "满意率"):
            if label.startswith(name):
                rates[name] = number.strip()
    assert set(rates) == {"响应率", "解决率", "满意率"}, tiles
    return rates


def _submit(page: Any, url: str) -> tuple[int, str]:
    page.goto(url + "/portal")
    page.select_option("#service_code", "auto")  # 不确定，请帮我分类: intake's classifier reads it
    page.fill("#description", WAGES)
    page.fill("#address_string", "岳麓区桃子湖路12号")
    page.fill("#name", "李四光")
    page.fill("#phone", "13712345678")
    page.click("#submit-button")
    case_id = int(page.wait_for_selector("#result-id").inner_text())
    code = page.inner_text("#result-code")
    assert "仅显示这一次" in page.inner_text("#submit-result")
    page.evaluate("document.getElementById('submit-result').scrollIntoView()")
    _screen(page, "portal-rate-receipt")
    return case_id, code


def _routed(db: Database, case_id: int) -> tuple[str, str, str]:
    """(department code, category code, category's Chinese name) of the case as intake left it."""
    with db.reading() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert (case.status, case.channel, case.source) == ("dispatched", "web", "portal")
        assert case.triage is not None  # the classifier's reading, with its reasons
        assert case.triage["category"]["code"] == case.category_code
        department = session.get(Department, case.department_id)
        category = session.get(Category, case.category_code)
        assert department is not None
        assert category is not None
        return department.code, category.code, category.name_zh


def _department_answers(page: Any, url: str, key: str, case_id: int, category_zh: str) -> None:
    _sign_in(page, url, key)
    row = page.wait_for_selector(f"#cases-table tr[data-case-id='{case_id}']")
    assert category_zh in row.inner_text()  # in the department's own list, classified
    row.click()
    page.click(".action-accept button")  # 签收
    page.wait_for_selector(".action-resolve")
    assert "已签收" in page.inner_text("#detail-title")
    page.fill(".action-resolve textarea", REPLY)
    page.click(".action-resolve button")  # 办结答复
    page.wait_for_selector("#detail-title:has-text('已办结')")


def _follow(page: Any, url: str, case_id: int) -> None:
    page.goto(f"{url}/portal?follow={case_id}")
    page.wait_for_selector("#follow-reply")
    assert page.inner_text("#follow-reply") == REPLY
    assert "已办结" in page.inner_text("#follow-status")
    steps = page.locator("#timeline li strong").all_inner_texts()
    assert [s.strip() for s in steps] == ["已受理", "已派单", "已签收", "已答复"]
    page.wait_for_selector("#rating-form", state="visible")


def _fill_rating(page: Any, code: str | None, top: str) -> None:
    """Answer the rating form; the screen then starts at ``top`` (the screenshot of the rating step)."""
    page.check("#rating-yes")
    page.check("#rating-5")
    page.fill("#rating-comment", COMMENT)
    if code is not None:
        page.fill("#rating-code", code)
    page.evaluate(f"document.getElementById('{top}').scrollIntoView()")


def test_a_request_from_the_portal_to_the_department_and_back_to_the_citizens_rating_and_the_figures(
    browser: Any, city: Database, live: str
) -> None:
    url = live
    operator = make_key(city, "operator")
    citizen = browser.new_page(viewport=WIDE, locale="zh-CN")
    problems = _guard(citizen, url)

    case_id, code = _submit(citizen, url)
    department, category, category_zh = _routed(city, case_id)
    assert category == "labor"  # the small model's reading of an unpaid-wages request
    route = httpx.get(f"{url}/api/v1/route", params={"category": category}, headers={"X-API-Key": operator}).json()
    assert department == route["department"]["code"]  # routing's department, not just any

    desk = browser.new_page(viewport=WIDE, locale="zh-CN")
    problems += _guard(desk, url)
    _department_answers(desk, url, make_key(city, "department", department), case_id, category_zh)
    desk.close()

    landing = browser.new_page(viewport=WIDE, locale="zh-CN")
    problems += _guard(landing, url)
    rates_before = _landing_rates(landing, url)
    kpis_before = _kpis(url, operator)
    cockpit_before = _cockpit(url, operator)
    for name in ("received", "resolution_rate", "satisfaction_rate"):
        assert cockpit_before[name] == kpis_before[name], name
    satisfied, scored, solved, answers = _scores(city)
    assert kpis_before["satisfaction_rate"] == (round(satisfied / scored, 4) if scored else None)

    phone = browser.new_page(viewport=PHONE_SCREEN, locale="zh-CN", is_mobile=True)  # another tab: no code kept
    problems += _guard(phone, url)
    _follow(phone, url, case_id)
    assert phone.input_value("#rating-code") == ""
    _fill_rating(phone, code.lower(), "rating")  # typed as read out: case does not matter
    _screen(phone, "portal-rate-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]
    phone.close()

    _follow(citizen, url, case_id)
    assert citizen.input_value("#rating-code") == code  # the tab that submitted remembers its code
    _fill_rating(citizen, None, "timeline")
    _screen(citizen, "portal-rate")
    citizen.click("#rating-button")
    citizen.wait_for_selector("#rating-done:has-text('谢谢您的评价')")
    assert "5/5" in citizen.inner_text("#rating-done")
    assert citizen.is_hidden("#rating-form")
    citizen.wait_for_selector("#follow-status:has-text('已结案')")
    steps = [s.strip() for s in citizen.locator("#timeline li strong").all_inner_texts()]
    assert steps[-2:] == ["已回访", "已结案"]
    assert "市民表示已解决" in citizen.inner_text("#timeline")
    citizen.evaluate("document.getElementById('timeline').scrollIntoView()")
    _screen(citizen, "portal-rated")

    kpis_after = _kpis(url, operator)
    assert kpis_after["callbacks"] == kpis_before["callbacks"] + 1
    assert kpis_after["closed"] == kpis_before["closed"] + 1
    assert kpis_after["satisfaction_rate"] == round((satisfied + 1) / (scored + 1), 4)
    assert kpis_after["resolution_rate"] == round((solved + 1) / (answers + 1), 4)
    rates_after = _landing_rates(landing, url)
    assert rates_after["满意率"] == percent(kpis_after["satisfaction_rate"])
    assert rates_after["解决率"] == percent(kpis_after["resolution_rate"])
    assert rates_after["满意率"] != rates_before["满意率"]
    assert rates_after["响应率"] == rates_before["响应率"]
    cockpit_after = _cockpit_catches_up(url, operator, kpis_after["satisfaction_rate"])
    assert cockpit_after["satisfaction_rate"] == kpis_after["satisfaction_rate"] != cockpit_before["satisfaction_rate"]
    assert cockpit_after["resolution_rate"] == kpis_after["resolution_rate"]
    assert cockpit_after["received"] == cockpit_before["received"]  # the same cases: one of them was rated
    landing.close()
    citizen.close()
    assert problems == []
