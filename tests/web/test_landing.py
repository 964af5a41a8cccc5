"""The public landing page shows the city's numbers and never an unmasked phone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient

from citybrain.cases import rollup_repository
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.simulate.load import load_city
from citybrain.web import overview
from tests.conftest import make_key

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def test_landing_page_shows_numbers_and_masks_phones(db: Database, app_client: TestClient) -> None:
    with db.transaction() as session:
        report = load_city(session, seed=1, days=5, cases_per_day=60, now=clock.utcnow() - timedelta(minutes=1))
    page = app_client.get("/")
    assert page.status_code == 200
    assert "城市大脑" in page.text
    assert "CityBrain" in page.text
    month = int(re.search(r'id="cases-month">(\d+)<', page.text).group(1))  # type: ignore[union-attr]
    assert 0 < month <= report.cases
    assert int(re.search(r'id="cases-open">(\d+)<', page.text).group(1)) > 0  # type: ignore[union-attr]
    assert "/open311/v2/discovery.json" in page.text
    assert 'href="/docs"' in page.text
    for page_path in ("/desk", "/cockpit", "/portal"):  # the staff pages and the portal are reached from here
        assert f'href="{page_path}' in page.text
    assert "响应率" in page.text
    assert "%" in page.text
    assert not MOBILE.search(page.text)
    assert app_client.get("/static/citybrain.css").headers["content-type"].startswith("text/css")


def test_landing_page_works_on_an_empty_city(app_client: TestClient) -> None:
    page = app_client.get("/")
    assert page.status_code == 200
    assert 'id="cases-today">0<' in page.text
    assert "—" in page.text


RATE_NAMES = {"响应率": "response_rate", "解决率": "resolution_rate", "满意率": "satisfaction_rate"}


def _shown(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def test_the_three_rates_are_the_kpi_apis_for_the_same_window(
    db: Database, app_client: TestClient, settings: Settings
) -> None:
    """Landing page and portal: 响应率 / 解决率 / 满意率 of the last 30 local days = GET /api/v1/kpis's total."""
    now = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in the city: the window starts at a midnight
    with db.transaction() as session:
        load_city(session, seed=3, days=45, cases_per_day=40, now=now - timedelta(minutes=1))
    start, end = overview.rate_window(clock.city_today(settings.timezone, now))
    assert (start, end) == (date(2026, 2, 1), date(2026, 3, 2))
    with clock.frozen(now):
        landing, portal = app_client.get("/").text, app_client.get("/portal").text
        params = {"from": start.isoformat(), "to": end.isoformat(), "as_of": clock.iso(now)}
        response = app_client.get("/api/v1/kpis", params=params, headers={"X-API-Key": make_key(db, "supervisor")})
    assert response.status_code == 200, response.text
    total = response.json()["total"]
    assert all(total[name] is not None for name in RATE_NAMES.values())
    found = re.findall(r'<div class="num"[^>]*>([^<]+)</div><div>(响应率|解决率|满意率)', landing)
    assert {zh: value for value, zh in found} == {zh: _shown(total[name]) for zh, name in RATE_NAMES.items()}
    for zh, name in RATE_NAMES.items():
        assert f'id="rate-{name.removesuffix("_rate")}">{_shown(total[name])}<' in portal, zh
    with db.reading() as session:
        data = overview.overview(session, now=now, timezone=settings.timezone)
        assert rollup_repository.state(session) is not None  # the pages read the rates from the daily roll-up
    assert (data.response_rate, data.resolution_rate, data.satisfaction_rate) == tuple(
        total[name] for name in RATE_NAMES.values()
    )
    with clock.frozen(now):
        from_rollup = overview.rates(db, now=now, timezone=settings.timezone)
    assert {name: from_rollup[name] for name in RATE_NAMES.values()} == {
        name: total[name] for name in RATE_NAMES.values()
    }
