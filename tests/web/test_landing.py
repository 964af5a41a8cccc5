"""The public landing page shows the city's numbers and never an unmasked phone."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.simulate.load import load_city

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
    assert "响应率" in page.text
    assert "%" in page.text
    assert not MOBILE.search(page.text)
    assert app_client.get("/static/citybrain.css").headers["content-type"].startswith("text/css")


def test_landing_page_works_on_an_empty_city(app_client: TestClient) -> None:
    page = app_client.get("/")
    assert page.status_code == 200
    assert 'id="cases-today">0<' in page.text
    assert "—" in page.text
