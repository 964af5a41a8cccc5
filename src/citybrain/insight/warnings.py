"""The early warning as a job: open the cases, count and judge the day (``analytics.warnings``), and store the
findings as alerts — raised or grown in one transaction, notifications sent only after its commit.

This is the one place that knows both the statistics' findings and the alerts' :class:`Signal`: ``alerts`` stays
below ``analytics`` and never imports it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from citybrain.alerts import service as alerts_service
from citybrain.alerts import tasks
from citybrain.alerts.signals import Signal
from citybrain.analytics import io
from citybrain.analytics.counting.early_warning import last_case_day
from citybrain.analytics.detectors import TemporalSignal
from citybrain.analytics.scan import Cluster
from citybrain.analytics.warning_options import WarningOptions
from citybrain.analytics.warnings import HISTORY_DAYS, Warnings, check, number, run, series_label
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight.source import open_database

SCAN_DETECTOR = "stpscan"
TEMPORAL_DETECTOR = "temporal"  # an alert of a series, whichever of the methods fired


def analyse(
    *,
    source: Path | None,
    as_of: date | None,
    options: WarningOptions,
    settings: Settings,
    db: Database | None,
    say: Callable[[str], object] | None = None,
) -> Warnings:
    """Open the cases (file, or ``db``), pick the analysis day (default: the last day with a case) and judge it;
    ``say`` hears what is being done."""
    check(options)
    today = clock.city_today(settings.timezone)
    con = io.connect()
    try:
        if source is not None:
            io.open_file(con, source, timezone=settings.timezone)
        else:
            assert db is not None
            since = (as_of or today) - timedelta(days=HISTORY_DAYS)
            open_database(con, db, since=clock.local_midnight_utc(since, settings.timezone))
        day = as_of or last_case_day(con, settings.timezone, today) or today
        if say is not None:
            say(f"detectors and space-time scan for {day.isoformat()} …")
        return run(con, as_of=day, timezone=settings.timezone, options=options)
    finally:
        con.close()


def summary(found: Warnings) -> list[str]:
    """One line for the findings and what was left out, and the note if there is one."""
    left = found.left_out
    lines = [
        f"{found.as_of.isoformat()}: {len(found.temporal)} temporal alarm(s), {len(found.clusters)} "
        f"cluster(s). Left out: {left.duplicate_rows} repeated row(s) of a case id (counted once), "
        f"{left.future_rows} case(s) after the analysis day, {left.without_coordinates} case(s) of the scan's window "
        "without coordinates (kept for the temporal detectors, not in the scan)"
    ]
    return lines + ([found.note] if found.note else [])


@dataclass(frozen=True)
class Raised:
    """What storing a day's findings did: alerts raised, grown or unchanged, and the notifications' fate."""

    counts: Counter[str]
    sent: int
    failed: int

    def lines(self) -> list[str]:
        lines = [
            f"alerts: {self.counts['raised']} raised, {self.counts['grew']} grown, {self.counts['unchanged']} unchanged"
        ]
        if self.sent or self.failed:
            lines.append(f"notifications: {self.sent} sent, {self.failed} failed (kept; a later run retries them)")
        return lines


def raise_alerts(db: Database, found: Warnings) -> Raised:
    """Raise or grow alerts from the day's findings in one transaction; after its commit, notify."""
    with db.transaction() as session:
        outcomes = alerts_service.record_day(
            session=session, signals=signals(found), on=found.as_of, settings=db.settings
        )
        counts = Counter(o.action for o in outcomes)
    results = tasks.deliver(db, tasks.pending_ids(db))  # after the commit: this run's and earlier failures
    sent = sum(1 for r in results if r.status == "sent")
    return Raised(counts, sent, len(results) - sent)


def judge_and_store(
    db: Database, *, day: date, options: WarningOptions, note: Callable[[str], object]
) -> tuple[Warnings, list[str]]:
    """The daily job on the live database: judge ``day``, tell ``note`` what was left out, raise or grow alerts
    and notify; the findings and what storing them did, as lines."""
    found = analyse(source=None, as_of=day, options=options, settings=db.settings, db=db)
    for line in summary(found):
        note(line)
    return found, raise_alerts(db, found).lines()


def signals(found: Warnings) -> list[Signal]:
    """One alert signal per alarming series (the methods that agree listed in it), and one per cluster.

    Seven methods judging one series are seven opinions on one trouble: the duty desk sees one alert whose
    explanation names every method that fired, led by the strongest (smallest p-value)."""
    temporal = [series_signal(alarms, case_ids) for alarms, case_ids in found.by_series()]
    return temporal + [cluster_signal(c, found.cell_m) for c in found.clusters]


def temporal_signal(s: TemporalSignal, case_ids: tuple[str, ...] = ()) -> Signal:
    series = series_label(s.series_key)
    return Signal(
        kind="temporal",
        detector=s.method,
        series=series,
        on=s.date.date(),
        observed=s.observed,
        expected=number(s.expected),
        p_value=number(s.p_value),
        recurrence_days=number(s.recurrence_interval),
        title=f"{series}: {s.observed:g} 件 cases, expected {s.expected:.1f} ({s.method})",
        explanation={
            "series": series,
            "method": s.method,
            "threshold": number(s.threshold),
            "score": number(s.score),
        },
        case_ids=case_ids,
    )


def series_signal(found: list[TemporalSignal], case_ids: tuple[str, ...] = ()) -> Signal:
    """The alert signal of one series from the methods that fired on it (at least one)."""
    ranked = sorted(found, key=lambda s: (number(s.p_value) is None, s.p_value, s.method))
    lead = temporal_signal(ranked[0], case_ids)
    methods: list[dict[str, Any]] = [
        {"method": s.method, "expected": number(s.expected), "threshold": number(s.threshold),
         "p_value": number(s.p_value)}
        for s in ranked
    ]  # fmt: skip
    names = ", ".join(str(m["method"]) for m in methods)
    return Signal(
        kind="temporal",
        detector=TEMPORAL_DETECTOR,
        series=lead.series,
        on=lead.on,
        observed=lead.observed,
        expected=lead.expected,
        p_value=lead.p_value,
        recurrence_days=lead.recurrence_days,
        title=f"{lead.series}: {lead.observed:g} 件 cases, expected {lead.expected or 0:.1f} ({names})",
        explanation={**lead.explanation, "methods": methods},
        case_ids=case_ids,
    )


def cluster_signal(c: Cluster, cell_m: float) -> Signal:
    return Signal(
        kind="cluster",
        detector=SCAN_DETECTOR,
        series=f"cells={cell_m:g}m",
        on=c.end,
        observed=float(c.observed),
        expected=c.expected,
        p_value=c.p_value,
        recurrence_days=number(c.recurrence_days),
        title=(
            f"时空聚集 cluster: {c.observed} 件 cases within {c.radius_m:.0f} m, {c.start.isoformat()} – "
            f"{c.end.isoformat()}, expected {c.expected:.1f}"
        ),
        explanation={
            "center": {"lat": c.center_lat, "lon": c.center_lon},
            "radius_m": c.radius_m,
            "start": c.start.isoformat(),
            "end": c.end.isoformat(),
            "llr": c.llr,
            "cell_m": cell_m,
        },
        case_ids=c.case_ids,
        cells=c.cells,
    )
