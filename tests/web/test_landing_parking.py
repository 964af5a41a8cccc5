"""The landing page's car-park panel: each stored car park's latest reading, how full, and a badge when the fault
detector flagged that reading."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from fastapi.testclient import TestClient

from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.sensing.bulk.occupancy import CarParkSeries, store_occupancy


def _panel(page: str) -> str:
    start = page.index('id="panel-parking"')
    return page[start : page.index("</section>", start)]


def _park(settings: Settings, code: str, last: float, *, district: bool = True) -> CarParkSeries:
    """Yesterday, every 30 min from 08:00 to 16:00, counts rising by 7; the last one as given."""
    zone = clock.city_zone(settings.timezone)
    day = clock.city_today(zone) - timedelta(days=1)
    times = [datetime.combine(day, time(8), zone) + timedelta(minutes=30 * k) for k in range(17)]
    values = [100.0 + 7 * k for k in range(16)] + [last]
    props = {"district_zh": "北城区", "district_en": "Beicheng", "name_zh": "北城停车场", "name_en": "North car park"}
    return CarParkSeries(code, code, 28.2, 112.9, 300, settings.timezone, times, values, props if district else {})


def test_no_car_park_says_so(app_client: TestClient) -> None:
    panel = _panel(app_client.get("/").text)
    assert "停车场" in panel
    assert "No car parks yet" in panel


def test_car_parks_show_their_latest_reading_and_a_flagged_one_its_fault(
    db: Database, settings: Settings, app_client: TestClient
) -> None:
    with db.transaction() as session:
        store_occupancy(
            session, [_park(settings, "CP-A", 231.0), _park(settings, "CP-B", 420.0, district=False)],
            sensor_name="test counter",
        )  # fmt: skip
    panel = _panel(app_client.get("/").text)
    rows = panel.split("<tr>")[2:]  # after the header row
    assert len(rows) == 2
    clean, full = rows
    assert "北城停车场 North car park" in clean
    assert "北城区 Beicheng" in clean
    assert "231 / 300" in clean
    assert "77%" in clean
    day = clock.city_today(settings.timezone) - timedelta(days=1)
    assert f"{day} 16:00" in clean
    assert "badge" not in clean
    assert "CP-B" in full
    assert "420 / 300" in full
    assert "140%" in full
    assert "超出车位数 over capacity" in full
    assert "可疑 suspect" in full


def test_barrier_free_car_parks_show_vehicles_inside_and_unpaid_bills_without_plates(
    db: Database, settings: Settings, app_client: TestClient
) -> None:
    from citybrain.scenarios.parking import ingest, service

    assert 'id="parking-gates"' not in app_client.get("/").text
    start = clock.utcnow() - timedelta(hours=3)
    reads = [
        ingest.ReadIn("P1", "g", "in", "粤B12345", start),
        ingest.ReadIn("P1", "g", "out", "粤B12345", start + timedelta(minutes=90)),  # two hours at 250 fen
        ingest.ReadIn("P1", "g", "in", "粤B54321", start + timedelta(minutes=100)),
    ]
    with db.transaction() as session:
        service.save_car_park(session=session, code="P1", name="西门", lat=28.2, lon=112.9, capacity=10,
                              tariff={"free_minutes": 0, "day_rate_fen": 250, "night_rate_fen": 250})  # fmt: skip
        ingest.ingest(session=session, reads=reads, gate_park=None, settings=settings)
    panel = _panel(app_client.get("/").text)
    assert "1 个停车场" in panel
    assert "在场 1 辆" in panel
    assert "未付账单 1 笔 共 ¥5.00" in panel
    assert "粤B" not in panel
