"""Signing in as a person does it, in Debian's Chromium: /signin, the Secure cookie on http://127.0.0.1, the desk.

The server is the demo's kind: plain HTTP on 127.0.0.1 with CITYBRAIN_SESSION_COOKIE_SECURE left on. Chromium
treats 127.0.0.1 as a secure context, so it keeps and sends the Secure cookie — this test is what says so.
"""

from __future__ import annotations

from typing import Any

from citybrain.auth import sessions
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import PASSWORD, make_user
from tests.e2e.test_browser import _shot
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.live_server import serve


def test_a_person_signs_in_on_signin_and_lands_on_the_desk(browser: Any, db: Database, settings: Settings) -> None:
    assert settings.session_cookie_secure  # the default, as the demo runs
    make_user(db, "operator", username="zhangsan")
    with serve(create_app(settings, database=db)) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(url + "/desk")
        page.wait_for_selector("#signin-form")
        assert "/signin?next=/desk" in page.url
        _shot(page, "signin")
        page.fill("#username", "zhangsan")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_selector("#who", state="visible")
        assert page.url == url + "/desk"
        assert page.inner_text("#who-name").endswith("(zhangsan)")
        page.wait_for_selector("#panel-queue", state="visible")  # the operator's desk opens on the queue

        (cookie,) = [c for c in context.cookies() if c["name"] == sessions.COOKIE]
        assert cookie["secure"] is True
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Strict"
        assert sessions.COOKIE not in page.evaluate("document.cookie")  # scripts cannot read it
        assert page.evaluate("sessionStorage.length") == 0  # and nothing else holds a credential

        assert problems == []
        created = page.evaluate(
            """async () => {
                const headers = {"Content-Type": "application/json"};
                const body = JSON.stringify({channel: "web", text: "路灯不亮"});
                return (await fetch("/api/v1/cases", {method: "POST", headers, body})).status;
            }"""
        )
        assert created == 403  # a write by cookie alone, without the page's CSRF token, is refused
        problems.clear()  # the browser logs that refusal as a failed load

        page.click("#sign-out")
        page.wait_for_selector("#signin-form")
        assert [c for c in context.cookies() if c["name"] == sessions.COOKIE] == []
        page.goto(url + "/cockpit")
        page.wait_for_selector("#signin-form")  # signed out: the staff pages need a new sign-in
        assert problems == []
        context.close()


def test_an_administrator_manages_accounts_and_keys_on_the_admin_page(
    browser: Any, db: Database, settings: Settings
) -> None:
    make_user(db, "admin", username="admin1")
    with serve(create_app(settings, database=db)) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(url + "/admin")
        page.fill("#username", "admin1")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_selector("body[data-ready='true']")
        assert page.url == url + "/admin"
        page.fill("#user-form [name=username]", "lisi")
        page.fill("#user-form [name=display_name]", "李四")
        page.select_option("#user-role", "department")
        page.select_option("#user-department", "urban_mgmt")
        page.fill("#user-form [name=email]", "Li.Si@city.example")
        page.fill("#user-form [name=password]", "李四的 很长的 口令")
        page.click("#user-create")
        row = page.locator("#users-table tr[data-user='lisi']")
        row.wait_for()
        assert "urban_mgmt" in row.inner_text()
        assert "承办单位 department handler" in row.inner_text()  # the role's names, not its code
        assert "li.si@city.example" in row.inner_text()  # the address an OIDC sign-in first finds the account by
        page.once("dialog", lambda dialog: dialog.accept("si.li@city.example"))
        row.locator("button.email").click()
        page.wait_for_selector("#users-table tr[data-user='lisi'] >> text=si.li@city.example")
        row.locator("button.toggle").click()
        page.wait_for_selector("#users-table tr[data-user='lisi'].disabled-row")
        assert sessions.sign_in(db, username="lisi", password="李四的 很长的 口令", address="127.0.0.1") is None

        page.fill("#key-form [name=name]", "FixMyStreet")
        page.select_option("#key-role", "app")
        page.click("#key-create")
        page.wait_for_selector("#new-key:not([hidden])")
        key = page.inner_text("#new-key-value")
        assert key.startswith("cb_")
        listed = page.locator("#keys-table tbody").inner_text()
        assert key not in listed  # the list shows the prefix only
        _shot(page, "admin")
        page.locator("#keys-table tbody tr").last.locator("button").click()
        page.wait_for_selector("#keys-table tbody tr:last-child button[disabled]")
        assert problems == []
        context.close()


def test_signin_and_admin_fit_a_phone_and_a_wide_screen(browser: Any, db: Database, settings: Settings) -> None:
    """Nothing wider than the screen at 390 px (the tables scroll inside their card) or at 1440 px, in zh."""
    make_user(db, "admin", username="admin1")
    make_user(db, "department", "urban_mgmt", username="wangwu")
    with serve(create_app(settings, database=db)) as url:
        for width in (390, 1440):
            context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.goto(url + "/admin")
            page.wait_for_selector("#signin-form")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            _shot(page, f"signin-{width}")
            page.fill("#username", "admin1")
            page.fill("#password", PASSWORD)
            page.click("#sign-in")
            page.wait_for_selector("body[data-ready='true']")
            page.wait_for_selector("#users-table tr[data-user='wangwu']")
            _shot(page, f"admin-{width}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            context.close()
