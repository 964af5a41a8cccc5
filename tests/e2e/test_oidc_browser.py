"""Signing in through the city's identity provider (统一身份认证) as a person does it, in Debian's Chromium: /desk
sends the person to /signin, the OIDC button to the provider (panva's oidc-provider, a real one on Node.js), its
sign-in page back to CityBrain, and the desk opens signed in.

The server is reached as http://localhost and the provider as http://127.0.0.1: two sites, so the browser treats
the provider's redirect back as the cross-site navigation it is at a real city (the SameSite=Lax binding cookie
must come along, the Strict session cookie must be sent to the desk afterwards).
CITYBRAIN_SCREENSHOTS=DIR keeps signin-oidc.png (1440×900) and signin-oidc-390.png (390×844).
"""

from __future__ import annotations

from typing import Any

from citybrain.auth import accounts, sessions
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.auth import idp
from tests.conftest import make_user
from tests.e2e.test_browser import _shot
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.live_server import free_port, serve


def test_a_person_signs_in_at_the_city_identity_provider_and_lands_on_the_desk(
    browser: Any, db: Database, settings: Settings
) -> None:
    make_user(db, "operator", username="wangfang")
    with db.transaction() as session:
        user = accounts.by_name(session=session, username="wangfang")
        accounts.set_email(session=session, user=user, email="wang.fang@city.example")
    port = free_port()
    here = f"http://localhost:{port}"
    with idp.identity_provider(here + "/signin/oidc/callback") as issuer:
        app = create_app(idp.oidc_settings(settings, issuer), database=db)
        with serve(app, port=port):
            context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page = context.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

            def ours(message: Any) -> None:  # the provider has no favicon: its 404 is not ours
                if message.type == "error" and not message.location.get("url", "").startswith(issuer):
                    problems.append(message.text)

            page.on("console", ours)
            page.goto(here + "/desk")
            page.wait_for_selector("#sign-in-oidc")
            assert "统一身份认证" in page.inner_text("#sign-in-oidc")
            _shot(page, "signin-oidc")
            page.set_viewport_size({"width": 390, "height": 844})
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            _shot(page, "signin-oidc-390")
            page.set_viewport_size({"width": 1440, "height": 900})

            page.click("#sign-in-oidc")
            page.wait_for_selector("#idp-login")
            assert page.url.startswith(issuer + "/interaction/")
            page.fill("#idp-login", "wang")
            page.fill("#idp-password", idp.PEOPLE["wang"][0])
            page.click("#idp-submit")
            page.wait_for_selector("#who", state="visible")
            assert page.url == here + "/desk"
            assert page.inner_text("#who-name").endswith("(wangfang)")
            page.wait_for_selector("#panel-queue", state="visible")  # the operator's desk opens on the queue

            (cookie,) = [c for c in context.cookies() if c["name"] == sessions.COOKIE]
            assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")
            assert [c for c in context.cookies() if c["name"] == "citybrain_oidc"] == []  # used, then removed
            assert problems == []
            context.close()
