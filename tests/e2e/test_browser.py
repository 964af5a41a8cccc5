"""The pages as a person sees them: Debian's Chromium, headless, driven by Playwright.

Outside CI the test skips when Chromium or Playwright is missing; in CI (CI=true) it must run.
Set CITYBRAIN_SCREENSHOTS=DIR to keep a screenshot of each page (docs/img/ is made this way).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from citybrain.cli.demo import load_air_stations, load_car_parks
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight.hot_issues import run_hot_issues
from citybrain.simulate.load import load_city
from citybrain.web.app import create_app
from tests.conftest import IN_CI
from tests.live_server import serve

CHROMIUM = os.environ.get("CITYBRAIN_CHROMIUM", "/usr/bin/chromium")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    problem = None
    if not shutil.which(CHROMIUM):
        problem = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "playwright is not installed (pip install -e '.[dev]')"
    if problem:
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("CITYBRAIN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_landing_page_in_a_browser(browser: Any, db: Database, settings: Settings) -> None:
    with db.transaction() as session:
        report = load_city(session, seed=1, days=20, cases_per_day=80, now=clock.utcnow() - timedelta(minutes=1))
        assert report.start is not None
        load_air_stations(session, seed=1, start=report.start, days=20, now=clock.utcnow(), timezone=settings.timezone)
        load_car_parks(session, seed=1, start=report.start, days=20, now=clock.utcnow(), timezone=settings.timezone)
    board, _run_id = run_hot_issues(db, days=30, timezone=settings.timezone)  # what `analyze daily` stores
    with serve(create_app(settings, database=db)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(url + "/")
        assert "城市大脑" in page.title()
        month = int(page.inner_text("#cases-month"))
        assert 0 < month <= report.cases
        visible = page.inner_text("body")
        assert "响应率" in visible
        assert "Response rate" in visible
        assert not MOBILE.search(visible), "an unmasked phone number is visible on the public page"
        assert page.locator("table tbody tr").count() > 0
        hot = page.inner_text("#panel-hot")
        assert "热点问题" in hot
        assert board.issues[0].description in hot  # the stored board's first issue, as computed
        assert "Not computed yet" in page.inner_text("#panel-associations")
        air = page.locator("#panel-air tbody tr")
        assert air.count() == 9  # the Demo City's air stations, each with its latest complete day's AQI
        assert re.search(r"\d+\s+(一|二|三|四|五|六)级 Level", air.first.inner_text())
        parks = page.locator("#panel-parking tbody tr")
        assert parks.count() == 3  # the Demo City's car parks, each with its latest reading
        assert re.search(r"\d+ / \d+\s+\d+%", parks.first.inner_text())
        _shot(page, "landing")
        page.set_viewport_size({"width": 390, "height": 844})  # a phone: the wide tables scroll inside
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "landing-phone")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.click("text=Open311 GeoReport v2")
        page.wait_for_load_state()
        assert "GeoReport_v2" in page.inner_text("body")
        page.close()
