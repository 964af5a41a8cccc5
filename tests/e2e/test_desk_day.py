"""A call-taker's day at the case desk (受理派单工作台), in Debian's Chromium driven by Playwright.

A phone call is recorded with the new-case form (intake's suggested category shown, dispatched in one go), found
again by number, words and phone; the list follows filters named in the URL (the cockpit's drill-down links);
selected cases are dispatched and reminded in bulk with a result per case; keyboard shortcuts; saved views; a
citizen's markup stays text; on a phone nothing is wider than the screen. CITYBRAIN_SCREENSHOTS=DIR keeps the
screenshots (docs/img/desk-*.png are made this way).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from citybrain.cases import service as cases_service
from citybrain.cases.lifecycle import FINAL_STATES, Status
from citybrain.cases.schemas import ActionIn
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Case, CaseContact
from citybrain.simulate.load import load_city
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.e2e.signin import sign_in_with_key
from tests.e2e.test_browser import _shot
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.e2e.test_desk import _own, _queue_cases, _sign_in
from tests.e2e.test_desk import model_file as model_file  # noqa: F401 - the small real classifier
from tests.live_server import serve

WIDE = {"width": 1440, "height": 900}
PHONE_SCREEN = {"width": 390, "height": 844}
CALLER = "13987654321"
WAGES = "某建筑公司拖欠我们农民工工资已经半年，多次讨薪无果，请劳动监察部门帮忙追讨工资。"
MARKUP = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">工地扰民'


@pytest.fixture
def city(db: Database) -> Database:
    """Demo City with ten days of synthetic cases (every district, channel and status)."""
    with db.transaction() as session:
        load_city(session, seed=3, days=10, cases_per_day=30, now=clock.utcnow() - timedelta(minutes=1))
    return db


def _watch(page: Any) -> list[str]:
    """The page's console errors and uncaught exceptions, as they happen."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    return problems


def _screen(page: Any, name: str) -> None:
    """A screenshot of what the screen shows (a phone's long list would be metres of full page)."""
    folder = os.environ.get("CITYBRAIN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def _total(url: str, key: str, query: str) -> int:
    found = httpx.get(f"{url}/api/v1/cases?{query}&limit=1", headers={"X-API-Key": key}, timeout=30)
    assert found.status_code == 200, found.text
    return int(found.json()["total"])


def _open_and_closed(url: str, key: str, window: str) -> tuple[str, str]:
    """A district and channel with both open and closed cases in the window (which ones depends on the hour the
    demo city was made), so that the open-only filter has something to leave out."""
    found = httpx.get(f"{url}/api/v1/cases?{window}&limit=200", headers={"X-API-Key": key}, timeout=30)
    assert found.status_code == 200, found.text
    open_by_pair: dict[tuple[str, str], set[bool]] = {}
    for case in found.json()["items"]:
        pair = (case["district_code"], case["channel"])
        open_by_pair.setdefault(pair, set()).add(Status(case["status"]) not in FINAL_STATES)
    return next(pair for pair, states in sorted(open_by_pair.items()) if states == {True, False})


def _search(page: Any, words: str) -> None:
    page.fill("#search-q", words)
    page.click("#case-filters button[type=submit]")


def _rows(page: Any) -> list[int]:
    ids = page.eval_on_selector_all("#cases-table tbody tr", "rows => rows.map(r => Number(r.dataset.caseId))")
    return [int(i) for i in ids]


def _rows_become(page: Any, wanted: list[int]) -> None:
    """Wait for the list to show exactly these cases (the page's CSP forbids wait_for_function's eval)."""
    for _ in range(100):
        if _rows(page) == wanted:
            return
        page.wait_for_timeout(100)
    assert _rows(page) == wanted


@pytest.fixture
def bare(city: Database, settings: Settings, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The server without a classifier: cases that name no category wait in the queue."""
    key = make_key(city, "operator")
    with serve(create_app(_own(settings, tmp_path), database=city)) as url:
        yield url, key


@pytest.fixture
def live(city: Database, settings: Settings, model_file: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:  # noqa: F811
    """The server with the small classifier (threshold 0.5) and an operator's key."""
    key = make_key(city, "operator")
    with serve(create_app(_own(settings, tmp_path, model_file, 0.5), database=city)) as url:
        yield url, key


def test_a_call_taker_records_a_phone_call_dispatched_in_one_go_and_finds_it_again(
    browser: Any, city: Database, live: tuple[str, str]
) -> None:
    url, key = live
    page = browser.new_page(viewport=WIDE, locale="zh-CN")
    problems = _watch(page)
    _sign_in(page, url, key)
    page.keyboard.press("n")  # the shortcut opens the form with the cursor on the caller's phone
    page.wait_for_selector("#panel-new", state="visible")
    assert page.evaluate("document.activeElement.id") == "new-phone"
    assert page.input_value("#new-channel") == "hotline"
    page.fill("#new-phone", CALLER)
    page.press("#new-phone", "Enter")  # Enter in a field records nothing: only the buttons do
    page.fill("#new-name", "赵六")
    page.select_option("#new-request-type", "求助")
    page.fill("#new-title", "讨薪")
    page.fill("#new-text", WAGES)
    chip = page.wait_for_selector("#new-suggest .chip[data-code='labor']")
    assert _total(url, key, f"phone={CALLER}") == 0
    assert "%" in chip.inner_text()  # the suggestion comes with its confidence
    assert page.input_value("#new-category") == "labor"  # and is ready to take
    page.wait_for_selector("#new-route:has-text('规则派往')")
    _shot(page, "desk-new")
    page.click("#new-dispatch")
    page.wait_for_selector("#message:has-text('已受理并派单')")
    page.wait_for_selector("#panel-cases", state="visible")
    with city.reading() as session:
        case = session.query(Case).order_by(Case.id.desc()).first()
        assert case is not None
        contact = session.get(CaseContact, case.id)
        assert (case.channel, case.request_type, case.category_code, case.status) == (
            "hotline",
            "求助",
            "labor",
            "dispatched",
        )
        assert contact is not None
        assert (contact.name, contact.phone) == ("赵六", CALLER)
        case_id = case.id
    page.wait_for_selector(f"#cases-table tr[data-case-id='{case_id}']")
    assert _rows(page)[0] == case_id  # the new case tops the open cases
    assert f"#{case_id}" in page.inner_text("#message")

    page.keyboard.press("/")  # find it again: by number, by words, by the caller's phone
    assert page.evaluate("document.activeElement.id") == "search-q"
    _search(page, str(case_id))
    _rows_become(page, [case_id])
    assert f"q={case_id}" in page.url  # the search is in the address, to share or reload
    _search(page, "农民工工资")
    page.wait_for_selector(f"#cases-table tr[data-case-id='{case_id}']")
    assert case_id in _rows(page)
    _search(page, "")
    page.fill("#search-phone", CALLER)
    page.click("#case-filters button[type=submit]")
    _rows_become(page, [case_id])
    assert CALLER not in page.url  # a phone number is never written into the address
    _shot(page, "desk-search")
    page.click(f"#cases-table tr[data-case-id='{case_id}']")
    page.wait_for_selector("#detail-title")
    assert CALLER in page.inner_text(".contact")
    assert "求助" in page.inner_text("#detail-body")
    assert problems == []
    page.close()


def test_a_citizens_markup_stays_text(browser: Any, city: Database, live: tuple[str, str]) -> None:
    url, key = live
    page = browser.new_page(viewport=WIDE, locale="zh-CN")
    problems = _watch(page)
    _sign_in(page, url, key)
    page.click("#tab-new")
    page.fill("#new-title", "<b>扰民</b>")
    page.fill("#new-text", MARKUP)
    page.click("#new-create")  # recorded, not dispatched
    page.wait_for_selector("#message:has-text('已受理')")
    row = page.locator("#cases-table tbody tr").first
    assert MARKUP in row.inner_text()
    assert "<b>扰民</b>" in row.inner_text()
    row.click()
    page.wait_for_selector("#detail-title")
    assert MARKUP in page.inner_text(".case-text")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#detail-body script, #cases-table script, #detail-body img").count() == 0
    assert problems == []
    page.close()


def test_without_a_classifier_the_form_says_so_and_the_operator_picks_the_category(
    browser: Any, city: Database, settings: Settings, tmp_path: Path
) -> None:
    key = make_key(city, "operator")
    with serve(create_app(_own(settings, tmp_path), database=city)) as url:
        page = browser.new_page(viewport=WIDE, locale="zh-CN")
        _sign_in(page, url, key)
        page.click("#tab-new")
        page.select_option("#new-channel", "walk_in")
        page.fill("#new-text", WAGES)
        page.wait_for_selector("#new-suggest .no-model:has-text('未安装分类模型')")
        assert page.input_value("#new-category") == ""
        page.click("#new-dispatch")  # dispatching needs a category: nothing is created without one
        page.wait_for_selector("#new-error:has-text('请选择类别')")
        assert _total(url, key, "channel=walk_in") == 0
        page.select_option("#new-category", "labor")
        page.wait_for_selector("#new-route:has-text('规则派往')")
        page.click("#new-dispatch")
        page.wait_for_selector("#message:has-text('已受理并派单')")
        created = httpx.get(f"{url}/api/v1/cases?channel=walk_in", headers={"X-API-Key": key}).json()["items"]
        assert [(c["category_code"], c["status"], c["department_code"]) for c in created] == [
            ("labor", "dispatched", "hrss")
        ]
        page.close()


def test_filters_named_in_the_url_filter_the_list(browser: Any, city: Database, live: tuple[str, str]) -> None:
    """The cockpit's drill-down links: /desk?district=…&channel=…&from=…&to=… (city days, inclusive) lists the cases
    GET /api/v1/cases counts for those filters — all of them, closed too, as the figure counted them."""
    url, key = live
    day = clock.city_today("Asia/Shanghai")
    start = (day - timedelta(days=9)).isoformat()  # the whole ten days: older cases are closed by now
    window = f"created_from={start}T00:00:00%2B08:00&created_to={day + timedelta(days=1)}T00:00:00%2B08:00"
    district, channel = _open_and_closed(url, key, window)
    page = browser.new_page(viewport=WIDE, locale="zh-CN")
    problems = _watch(page)
    sign_in_with_key(page, url, key, f"/desk?district={district}&channel={channel}&from={start}&to={day.isoformat()}")
    page.wait_for_selector("#panel-cases", state="visible")  # a drill-down link opens the list, not the queue
    assert page.input_value("#filter-district") == district
    assert page.input_value("#filter-channel") == channel
    assert (page.input_value("#filter-from"), page.input_value("#filter-to")) == (start, day.isoformat())
    every = _total(url, key, f"district={district}&channel={channel}&{window}")
    assert 0 < every < _total(url, key, "open=false")
    page.wait_for_selector(f"#cases-pager .range:has-text('共 {every} 条')")

    page.select_option("#filter-open", "true")  # open only leaves the closed ones out
    page.click("#case-filters button[type=submit]")
    still_open = _total(url, key, f"district={district}&channel={channel}&open=true&{window}")
    assert still_open < every
    page.wait_for_selector(f"#cases-pager .range:has-text('共 {still_open} 条')")
    assert "open=true" in page.url

    page.fill("#view-name", "本区热线")  # a saved view brings the filters back
    page.click("#view-save")
    page.click("#filters-clear")  # back to the desk's start: every open case
    page.wait_for_selector(f"#cases-pager .range:has-text('共 {_total(url, key, 'open=true')} 条')")
    page.select_option("#saved-views", "本区热线")
    page.wait_for_selector(f"#cases-pager .range:has-text('共 {still_open} 条')")
    assert page.input_value("#filter-district") == district
    assert key not in page.evaluate("JSON.stringify(localStorage)")  # the key never outlives the tab
    assert problems == []
    page.close()


def test_bulk_dispatch_and_remind_report_each_case(browser: Any, city: Database, bare: tuple[str, str]) -> None:
    url, key = bare
    queued = _queue_cases(url, key)
    page = browser.new_page(viewport=WIDE, locale="zh-CN")
    _sign_in(page, url, key)
    page.click("#tab-cases")
    page.select_option("#filter-status", "received")
    page.click("#case-filters button[type=submit]")
    received = _total(url, key, "status=received")
    page.wait_for_selector(f"#cases-pager .range:has-text('共 {received} 条')")  # the received cases are listed
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("j")  # j/k move the cursor, x selects
    page.keyboard.press("x")
    first = _rows(page)[0]
    assert first != queued[1]
    assert page.is_checked(f"#cases-table tr[data-case-id='{first}'] input.pick-case")
    page.check(f"#cases-table tr[data-case-id='{queued[1]}'] input.pick-case")
    assert "已选 2 件" in page.inner_text("#bulk-count")
    with city.transaction() as session:  # someone dispatches one of them meanwhile: its version is stale
        case = cases_service.get_case(session=session, case_id=queued[1])
        cases_service.apply(session=session, case=case, action="note", actor="centre", body=ActionIn(note="x"))
    page.select_option("#bulk-department", "urban_mgmt")
    page.click("#bulk-dispatch")
    page.wait_for_selector("#bulk-results li.failed")
    results = page.inner_text("#bulk-results")
    assert f"#{first} ✓" in results
    assert f"#{queued[1]} ✗" in results
    assert "409" in results
    _screen(page, "desk-bulk")
    with city.reading() as session:
        done = session.get(Case, first)
        assert done is not None
        assert done.status == "dispatched"

    page.select_option("#filter-status", "dispatched")
    page.click("#case-filters button[type=submit]")
    page.wait_for_selector(f"#cases-table tr[data-case-id='{first}']")
    page.check(f"#cases-table tr[data-case-id='{first}'] input.pick-case")
    page.click("#bulk-remind")
    page.wait_for_selector(f"#bulk-results li.ok:has-text('#{first}')")
    with city.reading() as session:
        reminded = session.get(Case, first)
        assert reminded is not None
        assert reminded.reminder_count == 1
    page.close()


def test_a_conflict_offers_a_reload_and_the_callback_says_it_closes(
    browser: Any, city: Database, bare: tuple[str, str]
) -> None:
    url, key = bare
    (case_id, *_rest) = _queue_cases(url, key)
    page = browser.new_page(viewport=WIDE, locale="zh-CN")
    _sign_in(page, url, key)
    page.click("#tab-cases")
    page.click(f"#cases-table tr[data-case-id='{case_id}']")
    page.wait_for_selector(".action-note")
    page.keyboard.press("d")  # d: straight to the department of the dispatch form
    assert page.evaluate("document.activeElement.closest('form')?.dataset.action") == "dispatch"
    with city.transaction() as session:
        case = cases_service.get_case(session=session, case_id=case_id)
        cases_service.apply(session=session, case=case, action="note", actor="centre", body=ActionIn(note="x"))
    page.fill(".action-note textarea", "市民再次来电 called again")
    page.click(".action-note button[type=submit]")
    page.wait_for_selector("#detail-error:has-text('409')")
    assert "冲突" in page.inner_text("#detail-error")
    page.click("#detail-reload")  # refetch the case: its new version, the note made meanwhile
    page.wait_for_selector("#message:has-text('已重新加载')")
    assert page.is_hidden("#detail-error")
    page.fill(".action-note textarea", "市民再次来电 called again")
    page.click(".action-note button[type=submit]")
    page.wait_for_selector("ol.timeline:has-text('called again')")

    with city.transaction() as session:  # answered: the callback screen says it closes the case
        case = cases_service.get_case(session=session, case_id=case_id)
        case.category_code = "labor"
        for action, body in (
            ("dispatch", ActionIn(department_code="hrss")),
            ("accept", ActionIn()),
            ("resolve", ActionIn(reply="已处理")),
        ):
            cases_service.apply(session=session, case=case, action=action, actor="t", body=body)
    page.click("#tab-cases")
    page.select_option("#filter-open", "false")
    page.click("#case-filters button[type=submit]")
    page.click(f"#cases-table tr[data-case-id='{case_id}']")
    note = page.wait_for_selector(".action-callback .callback-note")
    assert "结案" in note.inner_text()
    assert "closes the case" in note.inner_text()
    page.click(".action-callback button[type=submit]")
    page.wait_for_selector("#detail-title:has-text('已结案')")
    page.close()


def test_shortcuts_stay_quiet_while_typing_and_help_lists_them(
    browser: Any, city: Database, live: tuple[str, str]
) -> None:
    url, key = live
    page = browser.new_page(viewport=WIDE, locale="zh-CN")
    _sign_in(page, url, key)
    page.click("#tab-cases")
    page.click("#search-q")
    page.keyboard.type("n/j?")
    assert page.input_value("#search-q") == "n/j?"
    assert page.is_visible("#panel-cases")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("?")
    assert page.is_visible("#help")
    assert "快捷键" in page.inner_text("#help")
    page.keyboard.press("Escape")
    assert page.is_hidden("#help")
    page.wait_for_selector("#cases-table tbody tr")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    first = _rows(page)[0]
    assert page.get_attribute("#cases-table tbody tr.cursor", "data-case-id") == str(first)
    page.keyboard.press("o")
    page.wait_for_selector(f"#detail-title:has-text('#{first}')")
    page.keyboard.press("Escape")
    page.wait_for_selector("#panel-cases", state="visible")
    page.close()


def _too_wide(page: Any) -> list[str]:
    """The visible elements reaching past the screen's right edge (what makes a phone scroll sideways)."""
    script = """() => [...document.querySelectorAll('body *')]
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > 390.5)
        .map(e => `${e.tagName} ${e.name || ""} in #${e.closest("[id]")?.id}`)"""
    wide: list[str] = page.evaluate(script)
    return wide


def _cut_cells(page: Any) -> list[str]:
    """The case list's cells whose text runs past their own box (hidden or scrolled away, not wrapped)."""
    script = """() => [...document.querySelectorAll('#cases-table tbody td')]
        .filter(td => td.scrollWidth > td.clientWidth + 1)
        .map(td => td.textContent.slice(0, 40))"""
    cut: list[str] = page.evaluate(script)
    return cut


def test_on_a_phone_the_form_the_list_and_a_case_fit_the_screen(
    browser: Any, city: Database, live: tuple[str, str]
) -> None:
    url, key = live
    page = browser.new_page(viewport=PHONE_SCREEN, locale="zh-CN", is_mobile=True, has_touch=True)
    problems = _watch(page)
    _sign_in(page, url, key)
    width = "document.documentElement.scrollWidth"
    page.click("#tab-new")
    page.fill("#new-text", WAGES)
    page.wait_for_selector("#new-suggest .chip")
    assert page.evaluate(width) <= 390, _too_wide(page)
    _shot(page, "desk-new-mobile")
    page.click("#tab-cases")
    page.wait_for_selector("#cases-table tbody tr")
    assert page.evaluate(width) <= 390, _too_wide(page)
    assert _cut_cells(page) == []  # a long department name wraps in its card (it was cut at the card's edge)
    _screen(page, "desk-cases-mobile")
    page.locator("#cases-table tbody tr").first.click()
    page.wait_for_selector("#detail-title")
    assert page.evaluate(width) <= 390, _too_wide(page)
    _screen(page, "desk-case-mobile")
    assert problems == []
    page.close()


def test_a_slow_answer_to_an_older_filter_never_replaces_the_newer_list(
    browser: Any, city: Database, bare: tuple[str, str]
) -> None:
    url, key = bare
    received, dispatched = _total(url, key, "status=received"), _total(url, key, "status=dispatched")
    assert received != dispatched
    page = browser.new_page(viewport=WIDE, locale="zh-CN")
    held: list[Any] = []
    page.route(
        lambda address: "/api/v1/cases?" in address,
        lambda route: held.append(route) if "status=received" in route.request.url else route.continue_(),
    )
    _sign_in(page, url, key)
    page.click("#tab-cases")
    page.select_option("#filter-status", "received")
    page.click("#case-filters button[type=submit]")  # its answer is held back: a slow server
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    page.select_option("#filter-status", "dispatched")
    page.click("#case-filters button[type=submit]")
    page.wait_for_selector(f"#cases-pager .range:has-text('共 {dispatched} 条')")
    with page.expect_event("requestfinished", lambda request: "status=received" in request.url):
        held[0].continue_()  # the older answer arrives last
    page.wait_for_timeout(300)
    assert f"共 {dispatched} 条" in page.inner_text("#cases-pager .range")
    assert page.input_value("#filter-status") == "dispatched"
    page.close()


def test_an_operator_moderates_the_portals_comments_on_the_desk(
    browser: Any, city: Database, bare: tuple[str, str]
) -> None:
    url, key = bare
    with city.reading() as session:
        case_id = session.query(Case.id).order_by(Case.id).first()
    assert case_id is not None
    for text in ("我叫王小明，电话13912345678，我家楼下也是凌晨施工", MARKUP):
        held = httpx.post(f"{url}/portal/requests/{case_id[0]}/comments", data={"text": text}, timeout=30)
        assert held.status_code == 202, held.text
    page = browser.new_page(viewport=WIDE, locale="zh-CN")
    problems = _watch(page)
    _sign_in(page, url, key)
    page.click("#tab-comments")
    page.wait_for_selector("#comments-list .comment")
    texts = page.eval_on_selector_all("#comments-list .comment-text", "ps => ps.map(p => p.textContent)")
    assert texts[0] == "我叫王**，电话139****5678，我家楼下也是凌晨施工"  # the moderator judges words, not who wrote
    assert texts[1] == MARKUP  # markup stays text
    assert page.evaluate("window.__pwned") is None
    public = page.inner_text("#comments-list .comment:first-child .comment-public")
    assert "王**" in public
    _screen(page, "desk-comments")
    page.click("#comments-list .comment:first-child .comment-approve")
    page.wait_for_selector("#comments-list .comment >> nth=0")
    for _ in range(100):  # the approved comment leaves the held list
        if page.locator("#comments-list .comment").count() == 1:
            break
        page.wait_for_timeout(100)
    assert page.locator("#comments-list .comment").count() == 1
    page.click("#comments-list .comment-reject")
    page.wait_for_selector("#comments-empty", state="visible")
    shown = httpx.get(f"{url}/portal/requests/{case_id[0]}", timeout=30).json()["comments"]
    assert [c["text"] for c in shown] == ["我叫王**，电话139****5678，我家楼下也是凌晨施工"]  # only the approved one
    assert problems == []
    page.close()

    department = browser.new_page(viewport=WIDE, locale="zh-CN")
    _sign_in(department, url, make_key(city, "department", "urban_mgmt"))
    assert department.is_hidden("#tab-comments")  # a department does not moderate
    department.close()


def test_a_list_past_the_count_limit_says_more_and_still_pages_on(
    browser: Any, city: Database, settings: Settings, tmp_path: Path
) -> None:
    """Past CITYBRAIN_CASE_LIST_COUNT_LIMIT the API stops counting (total_exact false): the desk says "共 30+ 条"
    and keeps the next page open, and the count grows with the pages asked for."""
    key = make_key(city, "operator")
    capped = _own(settings, tmp_path).model_copy(update={"case_list_count_limit": 30})
    with serve(create_app(capped, database=city)) as url:
        assert _total(url, key, "open=false") == 30  # the Demo City's 300 cases, counted up to 30
        page = browser.new_page(viewport=WIDE, locale="zh-CN")
        problems = _watch(page)
        sign_in_with_key(page, url, key, "/desk?open=false")
        page.wait_for_selector("#panel-cases", state="visible")
        page.wait_for_selector("#cases-pager .range:has-text('第 1–20 条，共 30+ 条')")
        page.click("#cases-pager button:has-text('下一页')")
        page.wait_for_selector("#cases-pager .range:has-text('第 21–40 条，共 40+ 条')")
        assert page.is_enabled("#cases-pager button:has-text('下一页')")
        assert problems == []
        page.close()
