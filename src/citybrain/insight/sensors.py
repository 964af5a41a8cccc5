"""Sensor warnings as a job: open the stored air readings and car-park counts, judge one day (air levels, temporal
detectors, faults of both) and store the signals as alerts — raised or grown in one transaction, notifications sent
after its commit — through the same records, de-duplication and channels as complaint warnings
(``alerts.service.record_day``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from citybrain.alerts import service as alerts_service
from citybrain.alerts import tasks
from citybrain.alerts.signals import Signal
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.insight import parking_signals, sensor_signals
from citybrain.insight.warnings import Raised
from citybrain.sensing.air_report import daily_index
from citybrain.sensing.air_store import stored_series
from citybrain.sensing.parking_service import occupancy_windows

#: Days of daily means before the analysed day the temporal detectors may use as their baseline.
BASELINE_DAYS = 56
#: Days before the analysed day the fault detectors see, so a run that began yesterday is judged whole.
FAULT_DAYS = 2


@dataclass(frozen=True)
class SensorFindings:
    """One day's sensor signals, by what raised them (``faults``: the air stations' and the car parks')."""

    day: date
    stations: int
    car_parks: int = 0
    heavy: list[Signal] = field(default_factory=list)
    temporal: list[Signal] = field(default_factory=list)
    faults: list[Signal] = field(default_factory=list)
    left_out: int = 0

    @property
    def signals(self) -> list[Signal]:
        return [*self.heavy, *self.temporal, *self.faults]

    def lines(self) -> list[str]:
        return [
            f"{self.day.isoformat()}: {self.stations} station(s), {self.car_parks} car park(s); "
            f"{len(self.heavy)} heavy-pollution day(s) "
            f"(AQI > {sensor_signals.HEAVY_AQI}), {len(self.temporal)} unusual daily mean(s), "
            f"{len(self.faults)} sensor fault(s); {self.left_out} reading(s) not marked pass left out of the index"
        ]


def judge(db: Database, *, day: date) -> SensorFindings:
    """Read the stored readings up to ``day`` and judge that day (nothing is written)."""
    timezone = db.settings.timezone
    since = day - timedelta(days=FAULT_DAYS)
    with db.reading() as session:
        passed = stored_series(session, timezone=timezone, first=day - timedelta(days=BASELINE_DAYS), last=day)
        raw = stored_series(session, timezone=timezone, first=since, last=day, as_measured=True)
        parks = occupancy_windows(session, timezone=timezone, first=since, last=day)
    start, end = (clock.local_midnight_utc(d, timezone) for d in (day, day + timedelta(days=1)))
    parking = parking_signals.parking_faults(parks, day, start, end)
    if raw is None:
        return SensorFindings(day, 0, len(parks), faults=parking)
    faults = sensor_signals.sensor_faults(raw.series, day, sensor_signals.maintainers_of(raw.streams)) + parking
    if passed is None:  # every reading marked: only the faults can speak
        return SensorFindings(day, len(raw.series.stations), len(parks), faults=faults)
    grid = daily_index(passed.series)
    return SensorFindings(
        day=day,
        stations=len(raw.series.stations),
        car_parks=len(parks),
        heavy=sensor_signals.heavy_pollution(passed.series, grid, day),
        temporal=sensor_signals.unusual_means(passed.series, grid, day),
        faults=faults,
        left_out=passed.left_out,
    )


def raise_alerts(db: Database, findings: SensorFindings) -> Raised:
    """Raise or grow alerts from the day's signals in one transaction; after its commit, notify."""
    with db.transaction() as session:
        outcomes = alerts_service.record_day(
            session=session, signals=findings.signals, on=findings.day, settings=db.settings
        )
        counts = Counter(o.action for o in outcomes)
    results = tasks.deliver(db, tasks.pending_ids(db))
    sent = sum(1 for r in results if r.status == "sent")
    return Raised(counts, sent, len(results) - sent)


def judge_and_store(db: Database, *, day: date) -> tuple[SensorFindings, list[str]]:
    """The nightly step: judge ``day`` and store its signals; the findings and what storing did, as lines."""
    findings = judge(db, day=day)
    return findings, findings.lines() + raise_alerts(db, findings).lines()
