"""Sensor warnings as a job: open the stored air readings, judge one day (levels, temporal detectors, faults) and
store the signals as alerts — raised or grown in one transaction, notifications sent after its commit — through the
same records, de-duplication and channels as complaint warnings (``alerts.service.record_day``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from citybrain.alerts import service as alerts_service
from citybrain.alerts import tasks
from citybrain.alerts.signals import Signal
from citybrain.core.db import Database
from citybrain.insight import sensor_signals
from citybrain.insight.warnings import Raised
from citybrain.sensing.air_report import daily_index
from citybrain.sensing.air_store import stored_series

#: Days of daily means before the analysed day the temporal detectors may use as their baseline.
BASELINE_DAYS = 56
#: Days before the analysed day the fault detectors see, so a run that began yesterday is judged whole.
FAULT_DAYS = 2


@dataclass(frozen=True)
class SensorFindings:
    """One day's sensor signals, by what raised them."""

    day: date
    stations: int
    heavy: list[Signal] = field(default_factory=list)
    temporal: list[Signal] = field(default_factory=list)
    faults: list[Signal] = field(default_factory=list)
    left_out: int = 0

    @property
    def signals(self) -> list[Signal]:
        return [*self.heavy, *self.temporal, *self.faults]

    def lines(self) -> list[str]:
        return [
            f"{self.day.isoformat()}: {self.stations} station(s); {len(self.heavy)} heavy-pollution day(s) "
            f"(AQI > {sensor_signals.HEAVY_AQI}), {len(self.temporal)} unusual daily mean(s), "
            f"{len(self.faults)} sensor fault(s); {self.left_out} reading(s) not marked pass left out of the index"
        ]


def judge(db: Database, *, day: date) -> SensorFindings:
    """Read the stored readings up to ``day`` and judge that day (nothing is written)."""
    timezone = db.settings.timezone
    with db.reading() as session:
        passed = stored_series(session, timezone=timezone, first=day - timedelta(days=BASELINE_DAYS), last=day)
        raw = stored_series(
            session, timezone=timezone, first=day - timedelta(days=FAULT_DAYS), last=day, as_measured=True
        )
    if raw is None:
        return SensorFindings(day, 0)
    faults = sensor_signals.sensor_faults(raw.series, day, sensor_signals.maintainers_of(raw.streams))
    if passed is None:  # every reading marked: only the faults can speak
        return SensorFindings(day, len(raw.series.stations), faults=faults)
    grid = daily_index(passed.series)
    return SensorFindings(
        day=day,
        stations=len(raw.series.stations),
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
