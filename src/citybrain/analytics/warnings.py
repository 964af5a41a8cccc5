"""Judge one day of early warning (预警): temporal detectors per series and the space-time scan, with the evidence.

``run`` counts the ``cases`` view (``analytics.counting``) and judges the counts: the temporal alarms of the series
that stand out once the number of series judged is accounted for, and the clusters rarer by chance than the chosen
recurrence interval. What becomes an alert, and how, is the alerts domain's business (``insight.warnings`` turns
these findings into its signals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np

from citybrain.analytics.counting.cube import Cube, build_cube
from citybrain.analytics.counting.early_warning import (
    first_case_day,
    last_case_day,
    present_columns,
    series_members,
    stable_grid,
)
from citybrain.analytics.counting.series import DailySeries, daily_counts
from citybrain.analytics.counting.sql import engine_of
from citybrain.analytics.detectors import TemporalSignal, run_all
from citybrain.analytics.scan import Cluster, ScanConfig, scan
from citybrain.analytics.stats import benjamini_hochberg
from citybrain.analytics.warning_options import WarningOptions
from citybrain.core.errors import InvalidInput

HISTORY_DAYS = 3 * 366 + 14  # what the longest-memory detector (Farrington, three years) can use


@dataclass(frozen=True)
class LeftOut:
    """Rows the analysis did not use, by reason (reported, never silently dropped)."""

    duplicate_rows: int = 0
    future_rows: int = 0
    without_coordinates: int = 0  # in the scan's window: used by the temporal detectors, not by the scan


@dataclass(frozen=True)
class Warnings:
    as_of: date
    temporal: list[TemporalSignal]
    temporal_cases: dict[tuple[str, str], tuple[str, ...]]  # (method, series) -> member case ids
    clusters: list[Cluster]
    cell_m: float
    left_out: LeftOut = field(default_factory=LeftOut)
    note: str = ""
    engine: str = "duckdb"  # which engine counted the cases (``params.engine`` of the JSON)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON of ``analyze warnings`` (independent checks rely on these names)."""
        return {
            "temporal": [_temporal_json(s) for s in self.temporal],
            "clusters": [_cluster_json(c) for c in self.clusters],
            "params": {"as_of": self.as_of.isoformat(), "cell_m": self.cell_m, "engine": self.engine},
        }

    def by_series(self) -> list[tuple[list[TemporalSignal], tuple[str, ...]]]:
        """The alarms grouped by series (in key order) with the series' member cases: one warning per series.

        Seven methods judging one series are seven opinions on one trouble."""
        found: dict[tuple[str, ...], list[TemporalSignal]] = {}
        for s in self.temporal:
            found.setdefault(s.series_key, []).append(s)
        return [
            (alarms, self.temporal_cases.get((alarms[0].method, series_label(key)), ()))
            for key, alarms in sorted(found.items())
        ]


def series_label(key: tuple[str, ...]) -> str:
    return "/".join(key)


def number(value: float) -> float | None:
    """A finite float, else None (JSON has no NaN)."""
    return None if math.isnan(value) or math.isinf(value) else value


def _temporal_json(s: TemporalSignal) -> dict[str, Any]:
    return {
        "series": series_label(s.series_key),
        "method": s.method,
        "date": s.date.date().isoformat(),
        "observed": s.observed,
        "expected": number(s.expected),
        "threshold": number(s.threshold),
        "p_value": number(s.p_value),
    }


def _cluster_json(c: Cluster) -> dict[str, Any]:
    return {
        "center": {"lat": c.center_lat, "lon": c.center_lon},
        "radius_m": c.radius_m,
        "start": c.start.isoformat(),
        "end": c.end.isoformat(),
        "observed": c.observed,
        "expected": c.expected,
        "recurrence_days": number(c.recurrence_days),
        "p_value": c.p_value,
        "case_ids": list(c.case_ids),
    }


def scan_config(options: WarningOptions) -> ScanConfig:
    return ScanConfig(
        max_share=options.max_share, max_days=options.max_days, replicates=options.replicates,
        max_radius_m=options.max_radius_m, min_cases=options.min_cases,
    )  # fmt: skip


def check(options: WarningOptions) -> None:
    """InvalidInput when an option is out of range (before any data is read)."""
    options.check_own()
    scan_config(options).check()


def run(con: duckdb.DuckDBPyConnection, *, as_of: date, timezone: str, options: WarningOptions) -> Warnings:
    """The day's warnings from the ``cases`` view: every temporal alarm on ``as_of`` and every cluster alive then."""
    check(options)
    series = _series(con, as_of, timezone, options)
    if series is None:
        note = f"no case on or before {as_of.isoformat()}"
        return Warnings(as_of, [], {}, [], options.cell_m, note=note, engine=engine_of(con))
    with np.errstate(
        divide="ignore", invalid="ignore", over="ignore"
    ):  # a method that cannot judge a series says so with NaN
        judged = run_all(series.counts, series.dates, series.keys, as_of=as_of)
    temporal = significant_series(judged, options.max_q)
    cube = build_cube(
        con,
        as_of=as_of,
        timezone=timezone,
        window_days=options.window_days,
        cell_m=options.cell_m,
        grid=stable_grid(con, options.cell_m),
    )
    clusters = _clusters(cube, options)
    left_out = LeftOut(series.duplicate_rows, series.future_rows, cube.left_out.without_coordinates)
    members = series_members(con, (s.series_key for s in temporal), series.key_columns, as_of, timezone)
    cases = {(s.method, series_label(s.series_key)): members[s.series_key] for s in temporal}
    return Warnings(as_of, temporal, cases, clusters, options.cell_m, left_out, engine=engine_of(con))


def significant_series(judged: list[TemporalSignal], max_q: float) -> list[TemporalSignal]:
    """The alarms of the series that stand out after accounting for how many series and methods were judged.

    Hundreds of series (category × district) are judged every day, so some small p-values are luck: a series
    warns when its smallest p-value, Bonferroni-corrected for the methods that judged it, passes the
    Benjamini–Hochberg step-up at ``max_q`` across all series, and the day itself is above expectation (EARS C3
    also fires on a quiet day after two busy ones). The alarms of such a series are returned, strongest first.
    """
    by_series: dict[tuple[str, ...], list[TemporalSignal]] = {}
    for s in judged:
        if number(s.p_value) is not None:
            by_series.setdefault(s.series_key, []).append(s)
    if not by_series:
        return []
    keys = sorted(by_series)
    p_series = np.array([min(1.0, min(s.p_value for s in by_series[k]) * len(by_series[k])) for k in keys])
    passed = benjamini_hochberg(p_series) <= max_q
    chosen: list[TemporalSignal] = []
    for key, ok in zip(keys, passed, strict=True):
        if ok:
            chosen += [s for s in by_series[key] if s.alert and s.observed > s.expected]
    return sorted(chosen, key=lambda s: (s.series_key, s.p_value, s.method))


def _series(con: duckdb.DuckDBPyConnection, as_of: date, timezone: str, options: WarningOptions) -> DailySeries | None:
    if last_case_day(con, timezone, as_of) is None:
        return None
    # Farrington looks back three years; days before the first case are "no data", not "no cases".
    since = max(as_of - timedelta(days=HISTORY_DAYS), first_case_day(con, timezone))
    try:
        return daily_counts(con, by=present_columns(con, options.by), timezone=timezone, as_of=as_of, since=since)
    except InvalidInput as exc:
        if str(exc).startswith("no case between"):  # every case is older than three years
            return None
        raise


def _clusters(cube: Cube, options: WarningOptions) -> list[Cluster]:
    result = scan(
        cube.counts, cube.lat, cube.lon, end=cube.end, cell_ids=cube.cells, members=cube.members,
        config=scan_config(options), seed=options.seed, extra_centres=cube.extra_centres(options.centres),
    )  # fmt: skip
    return [c for c in result.clusters if c.recurrence_days >= options.min_recurrence_days]
