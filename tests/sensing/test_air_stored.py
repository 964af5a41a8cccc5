"""The HJ 633 index of stored Datastreams: GET /api/v1/air/aqi and ``citybrain analyze aqi`` without ``--input``
give the records a file in the Beijing layout gives."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.sensing.air_grid import air_series
from citybrain.sensing.air_report import daily_report, hourly_report
from tests.sensing.air_store_factory import MG, clean_hours, store_station
from tests.sensing.factories import hours_table

FIRST = date(2017, 1, 1)
URL = "/api/v1/air/aqi"


def _file_records(
    hours: dict[str, list[float | None]], station: str, period: str = "day", start: datetime = datetime(2017, 1, 1)
) -> list[dict[str, object]]:
    kwargs = {p.replace(".", ""): v for p, v in hours.items()}
    table = hours_table(len(hours["PM2.5"]), start=start, station=station, **kwargs)
    series = air_series(table)
    return daily_report(series) if period == "day" else hourly_report(series)


def _three_days() -> dict[str, list[float | None]]:
    hours = clean_hours(3, seed=1)
    for h in range(30, 40):
        hours["PM2.5"][h] = 260.0 + h  # day 2 busier: a different AQI and primary pollutant
    hours["NO2"][50] = None
    return hours


def test_stored_readings_give_the_records_of_the_same_file(db: Database, app_client: TestClient) -> None:
    hours = _three_days()
    store_station(db, "Aotizhongxin", FIRST, hours)
    answer = app_client.get(URL, params={"station": "Aotizhongxin", "from": "2017-01-02", "to": "2017-01-03"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["standard"] == "HJ 633-2012"
    assert body["stations"] == ["Aotizhongxin"]
    assert body["records"] == _file_records(hours, "Aotizhongxin")[1:]
    assert body["records"][0]["aqi"] > 100


def test_co_in_mg_and_in_ug_give_the_same_index(db: Database, app_client: TestClient) -> None:
    hours = _three_days()
    store_station(db, "A", FIRST, hours)
    in_mg = dict(hours) | {"CO": [None if v is None else v / 1000 for v in hours["CO"]]}
    store_station(db, "B", FIRST, in_mg, units={"CO": MG})
    body = app_client.get(URL, params={"from": "2017-01-01", "to": "2017-01-03"}).json()
    by_station = {s: [r["iaqi"] for r in body["records"] if r["station"] == s] for s in ("A", "B")}
    assert by_station["A"] == by_station["B"]
    assert body["measured_units"]["CO"] == "mg/m³, µg/m³"


def test_hourly_records_and_readings_not_marked_pass(db: Database, app_client: TestClient) -> None:
    hours = _three_days()
    store_station(db, "S", FIRST, hours, quality={("SO2", 60): {"qartod": 4, "flag": "fail"}})
    body = app_client.get(URL, params={"period": "hour", "from": "2017-01-03", "to": "2017-01-03"}).json()
    assert body["left_out"] == 1
    assert [r["time"] for r in body["records"]] == [f"2017-01-03T{h:02d}:00:00" for h in range(24)]
    marked = hours | {"SO2": [*hours["SO2"][:60], None, *hours["SO2"][61:]]}
    # the moving means read one day before `from` (a file of those two days gives the same sums, to the last digit)
    expected = _file_records({p: v[24:] for p, v in marked.items()}, "S", "hour", datetime(2017, 1, 2))
    assert body["records"] == expected[24:]
    assert "SO2" not in body["records"][12]["iaqi"]


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"from": "2017-01-03", "to": "2017-01-01"}, 400, "before"),
        ({"from": "2016-01-01", "to": "2017-03-01"}, 400, "at most 400 days"),
        ({"period": "week"}, 422, "period"),
        ({"from": "yesterday"}, 422, "from"),
    ],
)
def test_bad_queries_are_refused(app_client: TestClient, params: dict[str, str], status: int, says: str) -> None:
    answer = app_client.get(URL, params=params)
    assert answer.status_code == status
    assert says in answer.text


def test_a_unit_the_index_cannot_use_is_a_clear_error(db: Database, app_client: TestClient) -> None:
    store_station(db, "S", FIRST, _three_days(), units={"NO2": "ppb"})
    answer = app_client.get(URL, params={"from": "2017-01-01", "to": "2017-01-02"})
    assert answer.status_code == 400
    assert "'ppb' cannot be converted" in answer.text


def test_nothing_stored_is_an_empty_report(app_client: TestClient) -> None:
    body = app_client.get(URL).json()
    assert body["records"] == []
    assert body["stations"] == []


def test_the_command_reads_stored_datastreams_without_input(
    db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    hours = _three_days()
    store_station(db, "Aotizhongxin", FIRST, hours)
    out = tmp_path / "aqi.json"
    args = ["analyze", "aqi", "--from", "2017-01-01", "--to", "2017-01-03", "--json", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["source"] == "datastreams"
    assert document["records"] == _file_records(hours, "Aotizhongxin")
    assert document["summary"]["records"] == 3
    bad = CliRunner().invoke(app, ["analyze", "aqi", "--from", "soon", "--json", str(out)])
    assert bad.exit_code == 2
