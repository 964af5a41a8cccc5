"""GET /api/v1/parking/forecast on Birmingham readings stored in SensorThings: the same forecast as from the file."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from fastapi.testclient import TestClient

from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.scenarios.parking import ingest, service
from citybrain.scenarios.parking.forecast import forecast_latest, to_grid
from citybrain.sensing.bulk.occupancy import CarParkSeries, store_occupancy
from citybrain.sensing.parking_files import CarParkReadings, read_parking_file
from tests.conftest import shared_path

FILE = ("data", "birmingham_parking", "parking_birmingham_uci_dataset.csv.gz")
CODES = ("BHMBCCMKT01", "Broad Street")
LONDON = ZoneInfo("Europe/London")
START = int(datetime(2016, 11, 1, tzinfo=UTC).timestamp())  # six weeks and a half before the cut
CUT = int(datetime(2016, 12, 19, 12, 10, tzinfo=UTC).timestamp())  # local clock: the last reading at noon


def _store_sensors(db: Database) -> list[tuple[CarParkReadings, npt.NDArray[np.bool_]]]:
    parks = [p for p in read_parking_file(shared_path(*FILE)) if p.code in CODES]
    kept = [(p, (p.times >= START) & (p.times <= CUT)) for p in parks]
    series = [
        CarParkSeries(code=p.code, name=p.code, lat=52.48, lon=-1.9, capacity=int(p.capacity.max()),
                      timezone="Europe/London",
                      times=[datetime.fromtimestamp(int(t), UTC).replace(tzinfo=LONDON) for t in p.times[k]],
                      occupancy=p.occupancy[k].tolist())
        for p, k in kept
    ]  # fmt: skip
    with db.transaction() as s:
        store_occupancy(s, series, sensor_name="test counter")
    return kept


def test_the_stored_forecast_is_the_files(db: Database, app_client: TestClient) -> None:
    kept = _store_sensors(db)
    answer = app_client.get("/api/v1/parking/forecast")
    assert answer.status_code == 200, answer.text
    items = {i["code"]: i for i in answer.json()["items"]}
    assert set(items) == set(CODES)
    capacity = [float(p.capacity.max()) for p, _ in kept]
    grid = to_grid(
        [p.code for p, _ in kept], [p.times[k] for p, k in kept], [p.occupancy[k] for p, k in kept], capacity
    )
    expected = forecast_latest(grid)
    for i, (p, _) in enumerate(kept):
        got = items[p.code]
        assert got["as_of_local"].startswith("2016-12-19T12:00")
        assert [a["hours"] for a in got["ahead"]] == [1.0, 2.0, 3.0, 4.0]
        assert [a["occupied"] for a in got["ahead"]] == [int(np.rint(v)) for v in expected.values[i]]
        assert all(a["free"] == max(0, got["capacity"] - a["occupied"]) for a in got["ahead"])


def test_no_sensors_no_forecast(app_client: TestClient) -> None:
    assert app_client.get("/api/v1/parking/forecast").json() == {"items": []}


def test_a_car_park_with_sensors_is_forecast_from_them_and_one_without_from_its_sessions(
    db: Database, app_client: TestClient, settings: Settings
) -> None:
    _store_sensors(db)
    with db.transaction() as s:
        for code in ("Broad Street", "G9"):  # Broad Street also has gates; G9 only gates
            service.save_car_park(session=s, code=code, name=code, lat=52.48, lon=-1.9, capacity=50, tariff=None)
        reads = [ingest.ReadIn(code, "in", "in", plate, datetime(2016, 12, 19, 9, 0, tzinfo=UTC))
                 for code, plate in (("Broad Street", "粤B12345"), ("G9", "粤B54321"))]  # fmt: skip
        ingest.ingest(session=s, reads=reads, gate_park=None, settings=settings)
    items = {i["code"]: i["source"] for i in app_client.get("/api/v1/parking/forecast").json()["items"]}
    assert items == {"BHMBCCMKT01": "sensors", "Broad Street": "sensors", "G9": "sessions"}
