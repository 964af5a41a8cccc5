"""The forecast of a barrier-free car park without sensors, from the occupancy its gates' sessions give.

Eight weeks of planted regular traffic — a weekday and a weekend shape, each day scaled by a level of its own (a busy
or a quiet day) — become gate reads (``generator.generate``: misreads and duplicate reads included), are ingested
into sessions, and are counted back: the count at every half-hour equals the planted occupancy, the forecast beats
seasonal-naive on the last three weeks at every horizon, and ``GET /api/v1/parking/forecast`` serves it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.scenarios.parking import ingest, service
from citybrain.scenarios.parking.forecast import evaluate, forecast_latest, occupancy_at
from citybrain.scenarios.parking.generator import Series, generate
from citybrain.scenarios.parking.sensor_forecast import HISTORY_DAYS
from citybrain.scenarios.parking.session_forecast import session_grid

FIRST = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday; the car park's clock is UTC
DAYS = 56
OPEN_SLOTS = range(14, 43)  # 07:00 … 21:00, half-hourly
CAPACITY = 40


def planted(seed: int = 7) -> list[Series]:
    rng = np.random.default_rng(seed)
    shape = np.sin(np.linspace(0, np.pi, len(OPEN_SLOTS)))  # 0 at opening and closing, highest mid-day
    series = []
    for day in range(DAYS):
        peak = 32 if (FIRST + timedelta(days=day)).weekday() < 5 else 14
        level = rng.uniform(0.6, 1.2)  # a busy or a quiet day, all day long
        start = int((FIRST + timedelta(days=day)).timestamp())
        times = np.array([start + s * 1800 for s in OPEN_SLOTS], dtype=np.int64)
        series.append(Series("G1", times, np.rint(peak * level * shape)))
    return series


@pytest.fixture(scope="module")
def traffic() -> tuple[list[Series], list[ingest.ReadIn]]:
    series = planted()
    reads, _ = generate(series, seed=3)
    gate_reads = [ingest.ReadIn(r.car_park, r.gate, r.direction, r.plate, datetime.fromtimestamp(r.at, UTC),
                                r.confidence) for r in reads]  # fmt: skip
    return series, gate_reads


@pytest.fixture
def stored(db: Database, settings: Settings, traffic: tuple[list[Series], list[ingest.ReadIn]]) -> datetime:
    """The car park and its eight weeks of reads, ingested in batches of 2,000; the newest read's time."""
    _, reads = traffic
    with db.transaction() as s:
        service.save_car_park(session=s, code="G1", name="无杆示范", lat=31.2, lon=121.4, capacity=CAPACITY,
                              tariff=None, timezone="UTC")  # fmt: skip
    for start in range(0, len(reads), 2000):
        with db.transaction() as s:
            ingest.ingest(session=s, reads=reads[start : start + 2000], gate_park=None, settings=settings)
    return max(r.at for r in reads)


def test_occupancy_counts_a_stay_from_its_entry_to_its_exit() -> None:
    entered = np.array([100, 100, 200], dtype=np.int64)
    exited = np.array([200, 300, np.iinfo(np.int64).max], dtype=np.int64)
    times = np.array([99, 100, 199, 200, 299, 300, 10_000], dtype=np.int64)
    assert occupancy_at(entered, exited, times).tolist() == [0, 2, 2, 2, 2, 1, 1]


def test_sessions_count_back_the_planted_occupancy_and_the_forecast_beats_seasonal_naive(
    db: Database, stored: datetime, traffic: tuple[list[Series], list[ingest.ReadIn]]
) -> None:
    series, _ = traffic
    with db.reading() as s:
        grid = session_grid(s, first=FIRST, last=FIRST + timedelta(days=DAYS), timezone="Asia/Shanghai")
    assert grid is not None
    assert grid.codes == ("G1",)
    assert (grid.first_day, grid.first_slot) == (FIRST.date(), 0)
    for day, planted_day in enumerate(series):
        counted = grid.values[0, day, OPEN_SLOTS.start : OPEN_SLOTS.stop]
        assert counted.tolist() == planted_day.occupancy.tolist(), f"day {day}"
    errors = evaluate(grid, test_from=35)
    assert [e.hours for e in errors] == [1.0, 2.0, 3.0, 4.0]
    for e in errors:
        assert e.points > 0
        assert e.mae < e.naive_mae, f"{e.hours} h: {e.mae} vs seasonal-naive {e.naive_mae}"


def test_the_route_serves_the_session_forecast(db: Database, stored: datetime, app_client: TestClient) -> None:
    answer = app_client.get("/api/v1/parking/forecast")
    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["items"]
    with db.reading() as s:
        grid = session_grid(s, first=stored - timedelta(days=HISTORY_DAYS), last=stored, timezone="UTC")
    assert grid is not None
    expected = forecast_latest(grid)
    newest_slot = stored.replace(minute=30 if stored.minute >= 30 else 0, second=0, tzinfo=None)
    assert (item["code"], item["source"], item["capacity"]) == ("G1", "sessions", CAPACITY)
    assert item["as_of_local"] == newest_slot.isoformat()
    got = [a["occupied"] for a in item["ahead"]]
    want = [None if np.isnan(v) else int(np.rint(v)) for v in expected.values[0]]
    assert got == want
    assert got[0] is not None  # an hour ahead of the last slot is inside the day's grid
    assert all(a["free"] == max(0, CAPACITY - a["occupied"]) for a in item["ahead"] if a["occupied"] is not None)
