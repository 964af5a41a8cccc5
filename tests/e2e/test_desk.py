"""The case desk (受理派单工作台) as a person uses it: Debian's Chromium, headless, driven by Playwright.

Keys are made through the service layer as `citybrain apikey create` makes them. Outside CI the tests skip when
Chromium or Playwright is missing; in CI they must run. CITYBRAIN_SCREENSHOTS=DIR keeps the screenshots
(docs/img/desk.png is made this way).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from citybrain.alerts import service as alerts_service
from citybrain.alerts.signals import Signal
from citybrain.cases import service as cases_service
from citybrain.cases.schemas import ActionIn
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory import repository as directory_repo
from citybrain.models import Case
from citybrain.nlp import persistence
from citybrain.nlp.dataset import read_columns
from citybrain.nlp.model import TrainConfig, train
from citybrain.simulate.load import load_city
from citybrain.triage.model_cache import MODELS
from citybrain.web.app import create_app
from tests.conftest import make_key, make_user, shared_path
from tests.e2e.signin import sign_in_with_key
from tests.e2e.test_browser import MOBILE, _shot
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.live_server import serve

PHONE = "13812345678"
QUEUED = [
    ("反映情况", f"我想反映一个情况，希望领导重视。联系电话{PHONE}", "张三丰"),
    ("上学路上不安全", "孩子学校附近的路口没有红绿灯，上下学很危险。", "王五"),
    ("餐馆扰民", "楼下餐馆油烟很大，晚上还有噪音，希望有关部门管一管。", "李四"),
]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A small real classifier (900 labelled Teddy Cup messages, a few seconds) so intake reads and suggests."""
    cols = read_columns(shared_path("data", "teddy2020c", "messages_labelled.csv"), ["text", "label"])
    rows = random.Random(11).sample(list(zip(cols["text"], cols["label"], strict=True)), 900)
    model = train([r[0] for r in rows], [r[1] for r in rows], TrainConfig(calibration_folds=3))
    yield persistence.save(model, tmp_path_factory.mktemp("model") / "model.npz")
    MODELS.clear()


def _dispatch_first_queued(url: str, operator: str) -> int:
    """Queue cases, dispatch the first to urban_mgmt (as an operator would on the desk) and return its id."""
    (case_id, *_rest) = _queue_cases(url, operator)
    dispatched = httpx.post(
        f"{url}/api/v1/triage/queue/{case_id}/dispatch",
        json={"category_code": "roads.lighting", "department_code": "urban_mgmt"},
        headers={"X-API-Key": operator},
    )
    assert dispatched.status_code == 200, dispatched.text
    return int(case_id)


def _queue_cases(url: str, key: str) -> list[int]:
    """Staff intake of requests that name no category: unsure or without a classifier, intake holds them."""
    ids = []
    for title, text, name in QUEUED:
        response = httpx.post(
            f"{url}/api/v1/cases",
            json={"channel": "hotline", "title": title, "text": text, "contact": {"name": name, "phone": PHONE}},
            headers={"X-API-Key": key},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        assert response.json()["needs_review"] is True
        ids.append(response.json()["id"])
    return ids


def _sign_in(page: Any, url: str, key: str) -> None:
    """Sign in on /signin as a staff account of the key's role and department, and wait for the desk."""
    sign_in_with_key(page, url, key)
    page.wait_for_selector("#who", state="visible")


def _department_id(db: Database, code: str) -> int:
    with db.reading() as session:
        found = directory_repo.department_by_code(session, code)
        assert found is not None
        return found.id


def _own(settings: Settings, data_dir: Path, model: Path | None = None, threshold: float = 0.0) -> Settings:
    """This test's settings: its own data directory and classifier."""
    return settings.model_copy(
        update={
            "data_dir": data_dir,
            "classify_model_path": model or data_dir / "no-model-here.npz",
            "triage_confidence_threshold": threshold,
        }
    )


def test_an_operator_dispatches_queued_cases_and_they_leave_the_queue(
    browser: Any, db: Database, settings: Settings, model_file: Path, tmp_path: Path
) -> None:
    with db.transaction() as session:
        load_city(session, seed=1, days=10, cases_per_day=40, now=clock.utcnow() - timedelta(minutes=1))
    key = make_key(db, "operator")
    with serve(create_app(_own(settings, tmp_path, model_file, 0.8), database=db)) as url:
        queued = _queue_cases(url, key)
        suggested = httpx.get(f"{url}/api/v1/cases/{queued[1]}", headers={"X-API-Key": key}).json()["triage"]
        code = suggested["category"]["code"]
        route = httpx.get(f"{url}/api/v1/route?category={code}", headers={"X-API-Key": key}).json()
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        _sign_in(page, url, key)
        assert page.inner_text("#who-name").startswith("test operator (key-")
        assert "话务/派单员" in page.inner_text("#who-role")
        page.wait_for_selector(f"#queue-table tr[data-case-id='{queued[0]}']")
        assert page.inner_text("#queue-count") == "3"
        row = page.locator(f"#queue-table tr[data-case-id='{queued[1]}']")
        reading = row.inner_text()
        assert f"模型 model: {suggested['category']['label']}" in reading
        assert "建议 suggested" in reading
        assert row.locator("select[name=category]").input_value() == code  # the model's guess, ready to accept
        by_rule = route["department"]["name_zh"]  # routing's department is named before the operator decides
        page.wait_for_selector(f"tr[data-case-id='{queued[1]}'] .route-hint:has-text('{by_rule}')")
        assert PHONE not in page.inner_text("#queue-table")  # the queue masks numbers written in the text
        _shot(page, "desk")

        row.locator("button[type=submit]").click()  # accept the suggestion; routing names the department
        page.wait_for_selector(f"#queue-table tr[data-case-id='{queued[1]}']", state="detached")
        assert page.inner_text("#queue-count") == "2"
        last = page.locator(f"#queue-table tr[data-case-id='{queued[2]}']")  # overrule: own category and department
        last.locator("select[name=category]").select_option("environment")
        last.locator("select[name=department]").select_option("urban_mgmt")
        last.locator("button[type=submit]").click()
        page.wait_for_selector(f"#queue-table tr[data-case-id='{queued[2]}']", state="detached")
        assert page.inner_text("#queue-count") == "1"
        assert f"#{queued[2]}" in page.inner_text("#message")
        with db.reading() as session:
            accepted, overruled = session.get(Case, queued[1]), session.get(Case, queued[2])
            assert accepted is not None
            assert overruled is not None
            assert (accepted.status, accepted.category_code, accepted.needs_review) == ("dispatched", code, False)
            assert accepted.department_id == route["department"]["id"]
            assert (overruled.status, overruled.category_code) == ("dispatched", "environment")
            assert overruled.department_id == _department_id(db, "urban_mgmt")

        page.click("#tab-cases")
        page.click(f"#cases-table tr[data-case-id='{queued[2]}']")
        page.wait_for_selector("#detail-title")
        timeline = page.inner_text("ol.timeline")
        assert "派单" in timeline
        assert "受理" in timeline
        assert "人工决定 Decided: 生态环境" in page.inner_text("#detail-body")  # the operator's decision, on record
        assert PHONE in page.inner_text(".contact")  # operators may see personal data
        _shot(page, "desk-case")

        page.click("#detail-back")  # the whole list pages by 20
        page.wait_for_selector("#cases-table tbody tr")
        assert page.locator("#cases-table tbody tr").count() == 20
        page.click("#cases-pager button:last-child")
        page.wait_for_selector("#cases-pager .range:has-text('第 21–40 条')")  # the page's CSP forbids eval

        def total(query: str) -> int:
            found = httpx.get(f"{url}/api/v1/cases?{query}&limit=1", headers={"X-API-Key": key}, timeout=30)
            return int(found.json()["total"])

        page.check("#filter-overdue")  # overdue only (of the open cases): every row is marked, as the API counts
        page.click("#case-filters button[type=submit]")
        overdue = total("overdue=true&open=true")
        assert overdue > 0
        page.wait_for_selector(f"#cases-pager .range:has-text('共 {overdue} 条')")
        rows = page.locator("#cases-table tbody tr")
        assert rows.count() == min(overdue, 20)
        assert page.locator("#cases-table tbody tr.overdue").count() == rows.count()
        assert "超期" in rows.first.inner_text()
        _shot(page, "desk-cases")
        page.select_option("#filter-department", "urban_mgmt")
        page.select_option("#filter-status", "dispatched")
        page.click("#case-filters button[type=submit]")
        narrowed = total("overdue=true&department=urban_mgmt&status=dispatched")
        page.wait_for_selector(f"#cases-pager .range:has-text('共 {narrowed} 条')")
        assert narrowed < overdue

        page.click("#sign-out")
        page.wait_for_selector("#signin-form")  # signed out on the server: back at /signin
        assert page.evaluate("sessionStorage.length") == 0
        page.goto(url + "/desk")
        page.wait_for_selector("#signin-form")  # the ended session opens nothing
        page.close()


def test_a_department_signs_for_and_answers_and_sees_a_stale_change_as_a_conflict(
    browser: Any, db: Database, settings: Settings, tmp_path: Path
) -> None:
    operator, handler = make_key(db, "operator"), make_key(db, "department", "urban_mgmt")
    with serve(create_app(_own(settings, tmp_path), database=db)) as url:
        case_id = _dispatch_first_queued(url, operator)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        _sign_in(page, url, handler)
        assert not page.is_visible("#tab-queue")  # departments do not dispatch
        page.click(f"#cases-table tr[data-case-id='{case_id}']")
        actions = page.inner_text("#detail-actions")
        assert "签收" in actions
        assert "Sign for" in actions
        assert "改派" not in actions  # reassigning is the centre's

        with db.transaction() as session:  # the centre urges it on meanwhile: the page's version is stale
            case = cases_service.get_case(session=session, case_id=case_id)
            cases_service.apply(session=session, case=case, action="remind", actor="centre", body=ActionIn())
        page.click(".action-accept button")
        page.wait_for_selector("#detail-error", state="visible")
        assert "409" in page.inner_text("#detail-error")
        assert "冲突" in page.inner_text("#detail-error")

        page.click("#detail-back")
        page.click(f"#cases-table tr[data-case-id='{case_id}']")
        page.wait_for_selector(".action-accept")
        page.click(".action-accept button")
        page.wait_for_selector(".action-resolve")
        assert "已签收" in page.inner_text("#detail-title")
        page.fill(".action-resolve textarea", "路灯已修复。The light is fixed.")
        page.click(".action-resolve button")
        page.wait_for_selector("#detail-title:has-text('已办结')")
        assert "路灯已修复" in page.inner_text("#detail-body")
        page.close()


def _alert(db: Database) -> int:
    signal = Signal(
        kind="temporal",
        detector="ears_c2",
        series="category=noise",
        on=clock.city_today("Asia/Shanghai") - timedelta(days=1),
        observed=42,
        expected=12.5,
        p_value=0.001,
        title="噪音投诉激增 Noise complaints surge",
    )
    with db.transaction() as session:
        return alerts_service.record(session=session, signal=signal).alert.id


def test_a_supervisor_sees_masked_personal_data_and_handles_an_alert(
    browser: Any, db: Database, settings: Settings, tmp_path: Path
) -> None:
    operator, supervisor = make_key(db, "operator"), make_key(db, "supervisor")
    alert_id = _alert(db)
    with serve(create_app(_own(settings, tmp_path), database=db)) as url:
        (case_id, *_rest) = _queue_cases(url, operator)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        _sign_in(page, url, supervisor)
        assert "督查/领导" in page.inner_text("#who-role")
        assert page.is_visible("#masked-note")
        assert not page.is_visible("#tab-queue")
        assert not page.is_visible("#tab-new")  # supervisors do not take in cases
        assert not page.is_visible("#search-phone-label")  # nor look callers up by phone: they see phones masked
        page.click(f"#cases-table tr[data-case-id='{case_id}']")
        page.wait_for_selector(".contact")
        contact = page.inner_text(".contact")
        assert "138****5678" in contact
        assert "张**" in contact
        assert "张三丰" not in page.inner_text("body")
        assert not MOBILE.search(page.inner_text("body")), "an unmasked phone number is visible to a supervisor"
        assert "已脱敏" in contact
        assert "无可执行操作" in page.inner_text("#detail-actions")
        _shot(page, "desk-masked")

        page.click("#tab-alerts")
        card = page.locator(f"[data-alert-id='{alert_id}']")
        card.wait_for()
        assert "噪音投诉激增" in card.inner_text()
        _shot(page, "desk-alerts")
        card.locator(".action-acknowledge button").click()
        page.wait_for_selector(f"[data-alert-id='{alert_id}']", state="detached")  # the list shows open alerts
        assert f"#{alert_id}" in page.inner_text("#message")
        page.close()


def test_a_wrong_password_is_refused_with_a_clear_message(
    browser: Any, db: Database, settings: Settings, tmp_path: Path
) -> None:
    make_user(db, "operator")
    with serve(create_app(_own(settings, tmp_path), database=db)) as url:
        page = browser.new_page(locale="zh-CN")
        page.goto(url + "/desk")
        page.fill("#username", "test-operator")
        page.fill("#password", "not the password")
        page.click("#sign-in")
        page.wait_for_selector("#signin-error", state="visible")
        error = page.inner_text("#signin-error")
        assert "用户名或密码错误" in error
        assert "wrong user name or password" in error
        assert "/signin" in page.url
        page.close()


def test_dates_are_shown_on_the_citys_clock_whatever_the_browsers_zone(
    browser: Any, db: Database, settings: Settings, tmp_path: Path
) -> None:
    """A laptop set to UTC shows the deadlines of the city (Asia/Shanghai, UTC+8), as every report prints them."""
    city = _own(settings, tmp_path).model_copy(update={"timezone": "Asia/Shanghai"})
    zone = ZoneInfo("Asia/Shanghai")
    operator = make_key(db, "operator")
    alert_id = _alert(db)
    with serve(create_app(city, database=db)) as url:
        case_id = _dispatch_first_queued(url, operator)
        case = httpx.get(f"{url}/api/v1/cases/{case_id}", headers={"X-API-Key": operator}).json()
        due = datetime.fromisoformat(case["due_at"])
        on_city_clock = due.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        assert on_city_clock != due.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="UTC")
        page = context.new_page()
        assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "UTC"  # the browser's zone
        _sign_in(page, url, operator)
        page.click("#tab-cases")
        row = page.locator(f"#cases-table tr[data-case-id='{case_id}']")
        row.wait_for()
        assert on_city_clock in row.inner_text()
        row.click()
        page.wait_for_selector("#detail-title")
        assert page.inner_text("#detail-body dt:has-text('办结时限') + dd") == on_city_clock

        page.click("#tab-alerts")  # snoozing offers the city's tomorrow
        page.locator(f"[data-alert-id='{alert_id}']").wait_for()
        tomorrow = (clock.utcnow().astimezone(zone) + timedelta(days=1)).date().isoformat()
        assert page.input_value(f"[data-alert-id='{alert_id}'] input[name=until]") == tomorrow
        context.close()


def test_on_a_phone_nothing_is_wider_than_the_screen(
    browser: Any, db: Database, settings: Settings, tmp_path: Path
) -> None:
    """390 px wide: the queue's rows become cards, so the page never scrolls sideways (it did: 792 px)."""
    operator = make_key(db, "operator")
    with serve(create_app(_own(settings, tmp_path), database=db)) as url:
        _queue_cases(url, operator)
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        _sign_in(page, url, operator)
        page.wait_for_selector("#queue-table tbody tr")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.is_visible("#queue-table tbody tr .dispatch-form button")
        page.close()


def test_an_operator_gives_a_reason_to_read_a_citizens_data_and_it_is_logged(
    browser: Any, db: Database, settings: Settings, tmp_path: Path
) -> None:
    """Where the city requires a reason (CITYBRAIN_PII_REASON_REQUIRED), the desk shows the contact masked until
    the operator writes why; the case is read again with it, and the access log keeps it."""
    operator, admin = make_key(db, "operator"), make_key(db, "admin")
    own = _own(settings, tmp_path).model_copy(update={"pii_reason_required": True})
    with serve(create_app(own, database=db)) as url:
        (case_id, *_rest) = _queue_cases(url, operator)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        _sign_in(page, url, operator)
        page.click("#tab-cases")
        page.click(f"#cases-table tr[data-case-id='{case_id}']")
        page.wait_for_selector(".contact")
        assert "138****5678" in page.inner_text(".contact")
        page.fill("#access-reason", "回访核实 callback")
        page.click(".access-reason button")
        page.wait_for_selector(".contact .badge.masked", state="detached")
        assert PHONE in page.inner_text(".contact")
        _shot(page, "desk-access-reason")
        page.close()
        log = httpx.get(f"{url}/api/v1/admin/access-log", params={"case_id": case_id}, headers={"X-API-Key": admin})
        assert [(e["action"], e["reason"], e["role"]) for e in log.json()["items"]] == [
            ("read", "回访核实 callback", "operator")
        ]
