"""Car-park faults through the same alert records, explanations and notifications as the air stations': a count
over capacity or below zero, a stuck count, a feed gone silent — to the department that answers for parking."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select

import citybrain.directory
from citybrain.alerts import repository as alerts_repository
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight import sensors
from citybrain.insight.parking_signals import PARKING_DEPARTMENT
from citybrain.models.alerts import Alert
from citybrain.models.sensing import Observation
from citybrain.sensing.bulk.occupancy import CarParkSeries, store_occupancy
from tests.alerts.sinks import webhook_server

FIRST = date(2026, 3, 2)
DAYS = 6
DAY = FIRST + timedelta(days=DAYS - 2)  # the day judged: the fifth of six
CAPACITY = 400


def _busy(days: int, seed: int = 0) -> tuple[list[datetime], list[float]]:
    """Every 30 min from local midnight of FIRST: a car park filling towards 13:00, never the same count twice
    in a row for long."""
    rng = np.random.default_rng(seed)
    zone = clock.city_zone("Asia/Shanghai")
    start = datetime.combine(FIRST, time(0), zone)
    times = [start + timedelta(minutes=30 * k) for k in range(days * 48)]
    hour = np.array([(t.hour + t.minute / 60) for t in times])
    share = 0.15 + 0.7 * np.exp(-(((hour - 13.0) / 4.0) ** 2))
    values = np.round(share * CAPACITY + rng.normal(0, 6, size=hour.size)).clip(0, CAPACITY)
    return times, values.tolist()


def _store(db: Database, times: list[datetime], values: list[float], **properties: str) -> None:
    park = CarParkSeries("CP-T1", "测试停车场", 28.2, 112.9, CAPACITY, "Asia/Shanghai", times, values,
                         dict(properties))  # fmt: skip
    with db.transaction() as session:
        store_occupancy(session, [park], sensor_name="test counter")


def _at(hour: float) -> int:
    """The reading index of ``hour`` o'clock on the judged day."""
    return (DAYS - 2) * 48 + int(hour * 2)


def _fault_alerts(db: Database) -> list[Alert]:
    with db.reading() as session:
        rows = list(session.scalars(select(Alert).where(Alert.kind == "sensor_fault").order_by(Alert.id)))
        session.expunge_all()
        return rows


def test_parking_is_routed_to_the_department_named_here() -> None:
    path = Path(citybrain.directory.__file__).parent / "data" / "routing_rules.json"
    rules = {r["category"]: r["department"] for r in json.loads(path.read_text(encoding="utf-8"))}
    assert rules["parking"] == PARKING_DEPARTMENT


def test_a_count_over_capacity_is_marked_alerted_and_notified(db: Database, settings: Settings) -> None:
    times, values = _busy(DAYS)
    for k in range(_at(12), _at(13)):
        values[k] = CAPACITY + 150
    _store(db, times, values)
    with db.reading() as session:
        marks = [o.result_quality for o in session.scalars(select(Observation).order_by(Observation.id))]
    assert [m["fault"] for m in marks if m["flag"] != "pass"] == ["over_capacity", "over_capacity"]
    with webhook_server() as (url, received):
        hooked = Database(settings.model_copy(update={"alert_webhook_url": url}))
        try:
            findings, lines = sensors.judge_and_store(hooked, day=DAY)
        finally:
            hooked.dispose()
    assert findings.car_parks == 1
    assert "1 car park(s)" in lines[0]
    (alert,) = _fault_alerts(db)
    e = alert.explanation
    assert (alert.detector, alert.first_signal_on) == ("over_capacity", DAY)
    assert e["department"] == PARKING_DEPARTMENT
    assert (e["station"], e["car_park"], e["capacity"], e["readings"]) == ("CP-T1", "测试停车场", CAPACITY, 2)
    assert e["from"].endswith("12:00:00")
    assert e["to"].endswith("12:30:00")
    assert "over capacity 400" in e["evidence"]
    (body,) = received.bodies
    assert body["alert"]["id"] == alert.id
    assert body["alert"]["explanation"]["department"] == PARKING_DEPARTMENT
    with db.reading() as session:
        assert [d.status for d in alerts_repository.deliveries(session, alert.id)] == ["sent"]


def test_a_negative_count_and_a_stuck_count_are_alerts(db: Database) -> None:
    times, values = _busy(DAYS, seed=1)
    values[_at(9)] = -3.0
    for k in range(_at(11), _at(15)):  # four office hours without one car in or out
        values[k] = 251.0
    _store(db, times, values)
    findings, _ = sensors.judge_and_store(db, day=DAY)
    assert sorted(s.detector for s in findings.faults) == ["negative", "stuck"]
    assert {a.explanation["department"] for a in _fault_alerts(db)} == {PARKING_DEPARTMENT}


def test_a_feed_gone_silent_is_a_gap_alert_that_grows_the_next_day(db: Database) -> None:
    times, values = _busy(DAYS, seed=2)
    cut = _at(10)  # nothing after 10:00 on the judged day
    _store(db, times[:cut], values[:cut], maintainer="parking_company")
    findings, _ = sensors.judge_and_store(db, day=DAY)
    assert [(s.detector, s.series) for s in findings.faults] == [("gap", "CP-T1/occupancy")]
    sensors.judge_and_store(db, day=DAY + timedelta(days=1))
    (alert,) = _fault_alerts(db)
    assert alert.explanation["department"] == "parking_company"
    assert alert.explanation["from"].endswith("09:30:00")
    assert "since the last" in alert.explanation["evidence"]
    assert alert.last_signal_on == DAY + timedelta(days=1)


def test_a_gap_inside_the_day_is_an_alert_and_a_clean_car_park_raises_nothing(db: Database) -> None:
    times, values = _busy(DAYS, seed=3)
    _store(db, times, values)
    for day in (DAY - timedelta(days=1), DAY):
        findings, _ = sensors.judge_and_store(db, day=day)
        assert findings.car_parks == 1
        assert findings.signals == []
    assert _fault_alerts(db) == []
    kept = [k for k in range(len(times)) if not _at(24 + 9) <= k < _at(24 + 12)]  # three office hours lost
    with db.transaction() as session:
        session.execute(delete(Observation))
    _store(db, [times[k] for k in kept], [values[k] for k in kept])
    findings, _ = sensors.judge_and_store(db, day=DAY + timedelta(days=1))
    assert [s.detector for s in findings.faults] == ["gap"]
