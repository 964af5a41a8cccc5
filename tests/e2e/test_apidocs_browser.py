"""/docs and /redoc work offline: a real Chromium renders the API's operations from the server's own copies of
Swagger UI and ReDoc, asks no other host for anything (no CDN, no web fonts, no validator) and logs no error.

Same set-up as test_browser.py (its ``browser`` fixture; CITYBRAIN_SCREENSHOTS=DIR keeps the screenshots).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from citybrain.web.pages import HERE
from tests.e2e.test_browser import _shot
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.live_server import serve


@dataclass
class Watched:
    """Every request a page made and every console error or uncaught exception it logged."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign(self, base: str) -> list[str]:
        ours = urlsplit(base).netloc
        return [u for u in self.requests if urlsplit(u).scheme in ("http", "https") and urlsplit(u).netloc != ours]


@pytest.fixture
def server(db: Database, settings: Settings) -> Iterator[str]:
    with serve(create_app(settings, database=db)) as url:
        yield url


def _open(browser: Any, url: str, width: int = 1280) -> tuple[Any, Watched]:  # noqa: F811
    seen = Watched()
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
    page.on("request", lambda r: seen.requests.append(r.url))
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.goto(url)
    return page, seen


def test_swagger_ui_renders_the_api_offline(browser: Any, server: str) -> None:  # noqa: F811
    page, seen = _open(browser, server + "/docs")
    page.wait_for_selector(".opblock", timeout=20000)
    operations = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/cases" in [o.strip().replace("\u200b", "") for o in operations]
    # Swagger UI draws only the operations in view (a virtual list): the whole staff API, Open311 and SensorThings
    # are counted in what it read from the schema, not in the page
    assert page.evaluate("() => window.ui.specSelectors.operations().size") > 40
    page.wait_for_load_state("networkidle")
    _shot(page, "api-docs")
    page.close()
    assert any(u.endswith("/static/vendor/swagger-ui/swagger-ui-bundle.js") for u in seen.requests)
    assert seen.foreign(server) == [], "Swagger UI fetched from another host"
    assert seen.errors == []


def test_redoc_renders_the_api_offline(browser: Any, server: str) -> None:  # noqa: F811
    page, seen = _open(browser, server + "/redoc")
    page.wait_for_selector("[data-section-id^='operation/']", state="attached", timeout=30000)
    assert page.locator("[data-section-id^='operation/']").count() > 40
    assert "Open311" in page.inner_text("body")
    page.wait_for_load_state("networkidle")
    _shot(page, "api-redoc")
    page.close()
    assert any(u.endswith("/static/vendor/redoc/redoc.standalone.js") for u in seen.requests)
    assert seen.foreign(server) == [], "ReDoc fetched from another host (fonts, CDN)"
    assert seen.errors == []


def test_every_page_has_the_icon(browser: Any, server: str) -> None:  # noqa: F811
    icon = httpx.get(server + "/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    for path in ("/", "/portal", "/desk", "/docs", "/redoc"):
        page, seen = _open(browser, server + path)
        href = page.evaluate("document.querySelector('link[rel~=icon]')?.getAttribute('href')")
        page.close()
        assert href in ("/favicon.ico", "/static/favicon.svg"), path
    svg = httpx.get(server + "/static/favicon.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")


def test_every_template_links_the_icon() -> None:
    """A page added later (its template) links the icon too, so no tab shows a blank icon or asks for a 404."""
    folder = HERE / "templates"
    pages = sorted(t for t in folder.glob("*.html") if not t.name.startswith("_"))  # _*.html: parts of pages
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        included = re.findall(r'{% include "([^"]+)" %}', text)
        text += "".join((folder / name).read_text(encoding="utf-8") for name in included)
        assert 'rel="icon" href="/favicon.ico"' in text, page.name
