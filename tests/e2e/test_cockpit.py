"""The command centre (城市运行驾驶舱) in Debian's Chromium: the map and every chart draw, a click on a figure opens
the desk on exactly the cases behind it, nothing is fetched from another host and the console stays clean.

CITYBRAIN_SCREENSHOTS=DIR keeps cockpit.png (1440×900), cockpit-390.png (390×844) and cockpit-wall.png (1920×1080);
docs/img/ is made this way.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from citybrain.alerts import service as alerts_service
from citybrain.alerts.signals import Signal
from citybrain.cli.demo import load_air_stations
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight.hot_issues import run_hot_issues
from citybrain.insight.service import ResultItem, RunRecord, save
from citybrain.insight.topics import run_topics
from citybrain.simulate.load import load_city
from citybrain.web.app import create_app
from tests.conftest import make_key
from tests.e2e.signin import account_like, sign_in_on_page, sign_in_with_key
from tests.e2e.test_browser import _shot
from tests.e2e.test_browser import browser as browser  # noqa: F401 - the shared Chromium fixture
from tests.live_server import serve

CHARTS = ("map", "volume", "rates", "category", "district", "channel", "request_type", "ranking")
RULE = {
    "antecedent": ["construction.site", "noise.construction.night"],
    "consequent": ["roads.works"],
    "lift": 3.2,
    "q_value": 0.01,
    "examples": [],
}

#: A junction recommended for right-turn warning strips downtown (28.2°N 112.9°E), as the blind-zone run stores it.
JUNCTION: dict[str, Any] = {
    "id": "28.20010,112.90020", "name": "五一大道 & 芙蓉路", "lat": 28.2001, "lon": 112.9002, "collisions": 30,
    "blind_zone": 6, "expected": 0.6, "p_value": 1e-5, "q_value": 0.001, "recommend": True,
    "collision_ids": ["c1", "c2"],
}  # fmt: skip


@pytest.fixture
def city(db: Database, settings: Settings) -> Iterator[str]:
    now = clock.utcnow()
    with db.transaction() as session:
        report = load_city(session, seed=1, days=30, cases_per_day=60, now=now - timedelta(minutes=1))
        assert report.start is not None
        load_air_stations(session, seed=1, start=report.start, days=30, now=now, timezone=settings.timezone)
        save(session, RunRecord("associations", "test", {}, None, [ResultItem("rule", 3.2, RULE, [])]))
        save(session, RunRecord("blind_zones", "test", {}, None, [ResultItem(JUNCTION["id"], 0.001, JUNCTION)]))
        signal = Signal(
            kind="cluster", detector="stpscan", series="cells=250m", on=clock.city_today(settings.timezone, now),
            observed=14, expected=3.1, p_value=0.002, recurrence_days=400.0,
            title="时空聚集 cluster: 14 件 cases within 600 m", cells=("1_1",),
            explanation={"center": {"lat": 30.0, "lon": 120.0}, "radius_m": 600.0},
        )  # fmt: skip
        alerts_service.record(session=session, signal=signal)
    run_hot_issues(db, days=30, timezone=settings.timezone)
    run_topics(db, days=60, timezone=settings.timezone)
    with serve(create_app(settings, database=db)) as url:
        yield url


def _topics_shot(name: str) -> str | None:
    """Where the topics panel's own screenshot goes (CITYBRAIN_SCREENSHOTS), else a throwaway file."""
    folder = os.environ.get("CITYBRAIN_SCREENSHOTS")
    return str(Path(folder) / f"{name}.png") if folder else str(Path(tempfile.gettempdir()) / f"{name}.png")


def _open(browser: Any, url: str, key: str, width: int, height: int, path: str = "/cockpit") -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: None if r.url.startswith((url, "data:")) else problems.append(f"off-host {r.url}"))
    sign_in_with_key(page, url, key, path)
    page.wait_for_function("() => window.cockpit && window.cockpit.ready", timeout=30_000)
    return page, problems


DRAWN = """() => Object.fromEntries(Object.entries(window.cockpit.charts()).map(([name, chart]) => {
  if (!chart) return [name, null];
  const series = chart.getOption().series.map((s) => (s.data || []).length);
  const canvas = chart.getDom().querySelector("canvas");
  const ctx = canvas.getContext("2d");
  const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
  return [name, { series, inked }];
}))"""


def test_the_cockpit_draws_and_drills_down(browser: Any, db: Database, city: str) -> None:
    key = make_key(db, "supervisor")
    page, problems = _open(browser, city, key, 1440, 900)
    drawn = page.evaluate(DRAWN)
    for name in CHARTS:
        assert drawn[name] is not None, name
        assert drawn[name]["inked"] > 500, (name, drawn[name])
        assert sum(drawn[name]["series"]) > 0, (name, drawn[name])
    assert drawn["map"]["series"][0] >= 8  # every district coloured by its cases
    assert drawn["map"]["series"][2] > 0  # the air stations
    assert drawn["map"]["series"][3] == 1  # the open cluster alert as a circle
    assert drawn["map"]["series"][5] == 1  # the recommended blind-zone junction (the legend toggles the layer)
    text = page.inner_text("body")
    assert "施工现场管理 + 夜间施工噪声 → 道路施工" in text
    assert "时空聚集" in text
    assert "响应率" in text
    assert "response rate" in text
    assert "群众所思所想" in text
    topics = page.evaluate(
        """() => [...document.querySelectorAll('#topic-list li')].map((li) => ({
          words: li.querySelector('strong').textContent, spark: li.querySelectorAll('svg.spark polyline').length }))"""
    )
    assert len(topics) == 12
    assert all(t["spark"] == 1 and t["words"] for t in topics)  # every topic with its words and its sparkline
    _shot(page, "cockpit")
    page.locator("#topics-card").screenshot(path=_topics_shot("cockpit-topics"))
    assert problems == [], "\n".join(problems)

    # click the largest district's bar: the desk opens on that district and window, and the case list agrees
    target = page.evaluate(
        """() => {
          const chart = window.cockpit.charts().district;
          chart.getDom().scrollIntoView({ block: "center" });
          const data = chart.getOption().series[0].data;
          const i = data.length - 1;  // the largest, drawn on top
          const [x, y] = chart.convertToPixel({ seriesIndex: 0 }, [data[i].value / 2, i]);
          const box = chart.getDom().getBoundingClientRect();
          return { x: box.left + x, y: box.top + y, count: data[i].value, drill: data[i].drill };
        }"""
    )
    page.mouse.click(target["x"], target["y"])
    page.wait_for_url("**/desk?**")
    landed = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    assert landed == target["drill"]["desk"]
    assert {"district", "from", "to"} <= set(landed)
    cases = httpx.get(
        city + "/api/v1/cases", params={**target["drill"]["cases"], "limit": 1}, headers={"X-API-Key": key}
    )
    assert cases.json()["total"] == target["count"] > 0
    page.close()


def test_the_cockpit_on_a_phone_and_on_the_wall(browser: Any, db: Database, city: str) -> None:
    key = make_key(db, "operator")
    phone, problems = _open(browser, city, key, 390, 844)
    _shot(phone, "cockpit-390")
    wide = phone.evaluate(
        """() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 391)
          .slice(0, 5).map((e) => `${e.tagName}#${e.id}.${e.className} ${e.getBoundingClientRect().right}`)"""
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, wide  # nothing runs off the side
    phone.locator("#topics-card").screenshot(path=_topics_shot("cockpit-topics-390"))
    assert phone.evaluate(DRAWN)["map"]["inked"] > 500
    phone.close()
    wall, wall_problems = _open(browser, city, key, 1920, 1080, "/cockpit?wall=1")
    _shot(wall, "cockpit-wall")
    assert wall.evaluate("document.body.classList.contains('wall')")
    assert wall.evaluate("document.documentElement.scrollHeight") <= 1080  # one screen, no scrolling
    drawn = wall.evaluate(DRAWN)
    assert all(drawn[name]["inked"] > 500 for name in CHARTS)
    wall.close()
    assert problems == []
    assert wall_problems == []


def test_the_cockpit_sends_a_stranger_to_sign_in_and_back(browser: Any, db: Database, city: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page.goto(city + "/cockpit?wall=1")
    page.wait_for_selector("#signin-form")
    assert page.url.endswith("/signin?next=/cockpit%3Fwall%3D1")
    sign_in_on_page(page, city, account_like(db, make_key(db, "supervisor")), "/cockpit?wall=1")
    assert page.url == city + "/cockpit?wall=1"
    page.wait_for_function("() => window.cockpit && window.cockpit.ready", timeout=30_000)
    page.close()
