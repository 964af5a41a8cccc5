"""The landing page's air-quality panel: each stored station's latest complete day, as ``GET /api/v1/air/aqi``."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from fastapi.testclient import TestClient

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.sensing.aqi import CATEGORIES
from citybrain.sensing.bulk.readings import Reading, store_readings
from citybrain.web.pages import STATIC

LEVELS = {"PM2.5": 80.0, "PM10": 120.0, "SO2": 10.0, "NO2": 30.0, "CO": 0.9, "O3": 60.0}


def _yesterday(settings: Settings) -> list[Reading]:
    """Yesterday, every hour, one station: PM2.5 at 80 µg/m³ makes it 轻度污染 Lightly polluted."""
    zone = clock.city_zone(settings.timezone)
    day = clock.city_today(zone) - timedelta(days=1)
    midnight = datetime.combine(day, time(0), zone)
    unit = {"CO": "mg/m³"}
    return [
        ("观测站 Station A", 39.9, 116.4, q, unit.get(q, "µg/m³"), midnight + timedelta(hours=h), v)
        for h in range(24)
        for q, v in LEVELS.items()
    ]


def test_no_station_says_so(app_client: TestClient) -> None:
    page = app_client.get("/").text
    assert "空气质量" in page
    assert "No air-quality stations yet" in page


def test_a_station_shows_the_aqi_the_api_returns(db: Database, settings: Settings, app_client: TestClient) -> None:
    readings = _yesterday(settings)
    with db.transaction() as session:
        where = {"观测站 Station A": {"district_zh": "东城区", "district_en": "Dongcheng"}}
        first = store_readings(session, readings, sensor_name="test monitor", station_properties=where)
    with db.transaction() as session:
        again = store_readings(session, readings, sensor_name="test monitor")
    assert (first.imported, first.datastreams_created, again.imported, again.skipped) == (144, 6, 0, 144)
    day = str(readings[0][5].date())  # type: ignore[union-attr]
    api = app_client.get("/api/v1/air/aqi", params={"from": day, "to": day}).json()
    record = api["records"][0]
    assert record["aqi"] is not None
    page = app_client.get("/").text
    panel = page[page.index('id="panel-air"') : page.index("</section>", page.index('id="panel-air"'))]
    assert "观测站 Station A" in panel
    assert "东城区 Dongcheng" in panel
    assert f"{record['aqi']}</td>" in panel
    assert f"{record['category']} {record['category_en']}" in panel
    level = next(c.level for c in CATEGORIES if c.hex == record["colour"]["hex"])
    assert f'class="swatch aqi-{level}"' in panel  # a class, not a style attribute (the CSP has no unsafe-inline)
    css = (STATIC / "citybrain.css").read_text(encoding="utf-8")
    assert f".swatch.aqi-{level} {{ background: {record['colour']['hex']}; }}" in css
    assert ", ".join(record["primary"]) in panel
    assert day in panel
