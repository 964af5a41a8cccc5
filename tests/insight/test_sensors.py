"""Sensor warnings through the alert records: a heavy-pollution day, a stuck sensor, consecutive days, clean data."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight import sensors
from citybrain.insight.sensor_signals import ENVIRONMENT_DEPARTMENT
from citybrain.models.alerts import Alert
from tests.sensing.air_store_factory import clean_hours, store_station

FIRST = date(2017, 1, 1)
DAYS = 40


def _alerts(db: Database, kind: str | None = None) -> list[Alert]:
    with db.reading() as session:
        stmt = select(Alert).order_by(Alert.id)
        rows = list(session.scalars(stmt if kind is None else stmt.where(Alert.kind == kind)))
        session.expunge_all()
        return rows


def _plant_heavy(hours: dict[str, list[float | None]], day: int) -> None:
    """Day ``day``: 10 hours of PM2.5 near 300 and 14 near 140 µg/m³ → 24-h mean ≈ 206, IAQI ≈ 256 (重度污染)."""
    for h in range(24):
        hours["PM2.5"][day * 24 + h] = (300.0 if h >= 14 else 140.0) + 0.1 * h


def test_the_environment_department_code_is_in_the_directory() -> None:
    import json
    from pathlib import Path

    import citybrain.directory

    path = Path(citybrain.directory.__file__).parent / "data" / "departments.json"
    codes = {d["code"] for d in json.loads(path.read_text(encoding="utf-8"))}
    assert ENVIRONMENT_DEPARTMENT in codes


def test_a_heavy_pollution_day_raises_one_alert_to_the_environment_department(db: Database) -> None:
    hours = clean_hours(DAYS)
    _plant_heavy(hours, DAYS - 2)
    store_station(db, "Aotizhongxin", FIRST, hours)
    day = FIRST + timedelta(days=DAYS - 2)
    findings, _ = sensors.judge_and_store(db, day=day)
    assert len(findings.heavy) == 1
    (alert,) = _alerts(db, "threshold")
    e = alert.explanation
    assert alert.detector == "aqi_heavy"
    assert alert.first_signal_on == day
    assert e["department"] == ENVIRONMENT_DEPARTMENT == "ecology"
    assert e["station"] == "Aotizhongxin"
    assert e["primary"] == ["PM2.5"]
    assert e["category"] == "重度污染"
    assert e["level"] == "五级"
    assert 200 < e["aqi"] <= 300
    assert alert.observed == e["aqi"]
    assert e["iaqi"]["PM2.5"] == e["aqi"]
    assert [h["time"][11:16] for h in e["hours"]] == [f"{h:02d}:00" for h in range(14, 24)]
    assert {h["pollutant"] for h in e["hours"]} == {"PM2.5"}
    assert _alerts(db, "sensor_fault") == []


def test_consecutive_heavy_days_grow_one_alert_and_a_rerun_changes_nothing(db: Database) -> None:
    hours = clean_hours(DAYS)
    _plant_heavy(hours, DAYS - 3)
    _plant_heavy(hours, DAYS - 2)
    store_station(db, "Dongsi", FIRST, hours)
    first_day = FIRST + timedelta(days=DAYS - 3)
    sensors.judge_and_store(db, day=first_day)
    sensors.judge_and_store(db, day=first_day + timedelta(days=1))
    sensors.judge_and_store(db, day=first_day + timedelta(days=1))
    (alert,) = _alerts(db, "threshold")
    assert (alert.first_signal_on, alert.last_signal_on) == (first_day, first_day + timedelta(days=1))
    assert [h["on"] for h in alert.explanation["history"]] == [
        first_day.isoformat(), (first_day + timedelta(days=1)).isoformat()
    ]  # fmt: skip


def test_a_stuck_sensor_raises_a_fault_alert_to_its_maintainer(db: Database) -> None:
    hours = clean_hours(DAYS)
    stuck_day = DAYS - 2
    for h in range(6, 15):  # nine hours of exactly 80.0 µg/m³ O3
        hours["O3"][stuck_day * 24 + h] = 80.0
    store_station(db, "Wanliu", FIRST, hours, properties={"maintainer": "ecology_monitoring"})
    findings, _ = sensors.judge_and_store(db, day=FIRST + timedelta(days=stuck_day))
    assert [(s.detector, s.series) for s in findings.faults] == [("stuck", "Wanliu/O3")]
    (alert,) = _alerts(db, "sensor_fault")
    assert alert.explanation["department"] == "ecology_monitoring"
    assert alert.explanation["fault"] == "stuck"
    assert alert.observed == 9
    assert alert.explanation["from"].endswith("06:00:00")
    assert alert.explanation["to"].endswith("14:00:00")
    assert _alerts(db, "threshold") == []


def test_a_stuck_run_across_midnight_is_one_alert_that_grows(db: Database) -> None:
    hours = clean_hours(DAYS)
    day = DAYS - 3
    for h in range(18, 24 + 10):  # 16 hours frozen, from 18:00 to 09:00 the next day
        hours["NO2"][day * 24 + h] = 55.5
    store_station(db, "Gucheng", FIRST, hours)
    for d in (day, day + 1):
        sensors.judge_and_store(db, day=FIRST + timedelta(days=d))
    (alert,) = _alerts(db, "sensor_fault")
    assert alert.detector == "stuck"
    assert alert.last_signal_on == FIRST + timedelta(days=day + 1)
    assert len(alert.explanation["history"]) == 2


def test_clean_data_raises_nothing(db: Database) -> None:
    store_station(db, "Huairou", FIRST, clean_hours(DAYS, seed=3))
    store_station(db, "Shunyi", FIRST, clean_hours(DAYS, seed=4))
    for d in (DAYS - 3, DAYS - 2, DAYS - 1):
        findings, _ = sensors.judge_and_store(db, day=FIRST + timedelta(days=d))
        assert findings.stations == 2
        assert findings.signals == []
    assert _alerts(db) == []


def test_no_stored_station_is_a_quiet_night(db: Database) -> None:
    findings, lines = sensors.judge_and_store(db, day=FIRST)
    assert findings.signals == []
    assert findings.stations == 0
    assert "0 station(s)" in lines[0]


def test_the_command_judges_one_day_and_stores_unless_told_not_to(
    db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    hours = clean_hours(DAYS)
    _plant_heavy(hours, DAYS - 2)
    store_station(db, "Aotizhongxin", FIRST, hours)
    day = (FIRST + timedelta(days=DAYS - 2)).isoformat()
    out = tmp_path / "sensors.json"
    looked = CliRunner().invoke(app, ["analyze", "sensors", "--as-of", day, "--no-store", "--json", str(out)])
    assert looked.exit_code == 0, looked.output
    signals = json.loads(out.read_text(encoding="utf-8"))["signals"]
    assert [s["detector"] for s in signals if s["kind"] == "threshold"] == ["aqi_heavy"]
    assert _alerts(db) == []
    stored = CliRunner().invoke(app, ["analyze", "daily", "--only", "sensors", "--as-of", day])
    assert stored.exit_code == 0, stored.output
    assert "1 heavy-pollution day(s)" in stored.output
    assert len(_alerts(db, "threshold")) == 1


def test_an_impossible_reading_and_a_silence_are_faults_even_when_marked(db: Database) -> None:
    hours = clean_hours(DAYS)
    day = DAYS - 2
    hours["PM10"][day * 24 + 3] = -5.0
    for h in range(10, 16):
        hours["SO2"][day * 24 + h] = None
    store_station(db, "Nongzhanguan", FIRST, hours, quality={("PM10", day * 24 + 3): {"qartod": 4, "flag": "fail"}})
    findings, _ = sensors.judge_and_store(db, day=FIRST + timedelta(days=day))
    assert sorted((s.detector, s.series) for s in findings.faults) == [
        ("gap", "Nongzhanguan/SO2"),
        ("out_of_range", "Nongzhanguan/PM10"),
    ]
    assert {a.explanation["department"] for a in _alerts(db, "sensor_fault")} == {ENVIRONMENT_DEPARTMENT}
