"""Run the early-warning detectors on the cases view: temporal detectors per series, and the space-time scan.

This is the glue between the pure statistics (``analytics.detectors``, ``analytics.scan``), their counting
(``analytics.counting.series`` / ``cube``) and the alerts: one call gives the signals of the analysis day, the
JSON of ``citybrain analyze warnings`` and the :class:`Signal` records the daily job raises or grows alerts from.

The grid of the scan is anchored at (0°, 0°) with a whole-degree reference latitude, so a cell has the same id
every day whatever the cases of the day are: that is what lets a continuing cluster grow one alert.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np

from citybrain.alerts.signals import Signal
from citybrain.analytics.counting.cube import CENTRES, Cube, build_cube
from citybrain.analytics.counting.grid import Grid
from citybrain.analytics.counting.series import DEFAULT_KEYS, NONE_LABEL, DailySeries, daily_counts
from citybrain.analytics.detectors import TemporalSignal, run_all
from citybrain.analytics.scan import Cluster, ScanConfig, scan
from citybrain.analytics.stats import benjamini_hochberg
from citybrain.core.clock import local_midnight_utc as local_midnight_utc  # its home; kept here for old callers
from citybrain.core.errors import InvalidInput

SCAN_DETECTOR = "stpscan"
TEMPORAL_DETECTOR = "temporal"  # an alert of a series, whichever of the methods fired


@dataclass(frozen=True)
class WarningOptions:
    """What ``analyze warnings`` and ``alerts daily`` let a user choose (defaults: docs/warnings.md)."""

    # Chosen on bench/scan_eval.py (docs/warnings.md): 250 m cells fit a neighbourhood-sized outbreak closely,
    # circles of at most 750 m keep the chance maximum down, circles round the grid's corners as well as the cells'
    # centres make trouble that straddles a cell border one cluster, and a 12-week baseline keeps a new cluster's own
    # cases from inflating its expectation (20 cases over 3 days on the city: 37 % found by day 3 with 1 km
    # cells and 28 days, 87.5 % with 500 m cells, 99 % with these). Calibration does not depend on them.
    cell_m: float = 250.0
    window_days: int = 84
    max_days: int = 7
    max_share: float = 0.1
    max_radius_m: float = 750.0
    centres: str = "corners"  # circle centres besides the cells': "cells" (none), "corners", "half" (+ side midpoints)
    min_cases: int = 1  # fewest cases in a cluster
    replicates: int = 999
    seed: int = 0
    min_recurrence_days: float = 100.0  # a cluster rarer by chance than once in this many days is a warning
    max_q: float = 0.05  # temporal: false discovery rate over the series judged (Benjamini–Hochberg)
    by: tuple[str, ...] = DEFAULT_KEYS

    def check(self) -> None:
        if not self.cell_m > 0:
            raise InvalidInput(f"--cell-m must be positive metres, got {self.cell_m}")
        if not 2 <= self.window_days <= 366:
            raise InvalidInput(f"--window-days must be 2 to 366, got {self.window_days}")
        if not 0 < self.max_q <= 1:
            raise InvalidInput(f"--max-q must be in (0, 1], got {self.max_q}")
        if self.centres not in CENTRES:
            raise InvalidInput(f"--centres must be one of {', '.join(CENTRES)}, got {self.centres!r}")
        if not self.min_recurrence_days >= 0:
            raise InvalidInput(f"--min-recurrence must be ≥ 0 days, got {self.min_recurrence_days}")
        self.scan_config().check()

    def scan_config(self) -> ScanConfig:
        return ScanConfig(
            max_share=self.max_share, max_days=self.max_days, replicates=self.replicates,
            max_radius_m=self.max_radius_m, min_cases=self.min_cases,
        )  # fmt: skip


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

    def to_json(self) -> dict[str, list[dict[str, Any]]]:
        """The stable JSON of ``analyze warnings`` (independent checks rely on these names)."""
        return {
            "temporal": [_temporal_json(s) for s in self.temporal],
            "clusters": [_cluster_json(c) for c in self.clusters],
        }

    def signals(self) -> list[Signal]:
        """One alert signal per alarming series (the methods that agree listed in it), and one per cluster.

        Seven methods judging one series are seven opinions on one trouble: the duty desk sees one alert whose
        explanation names every method that fired, led by the strongest (smallest p-value)."""
        by_series: dict[tuple[str, ...], list[TemporalSignal]] = {}
        for s in self.temporal:
            by_series.setdefault(s.series_key, []).append(s)
        temporal = [
            series_signal(found, self.temporal_cases.get((found[0].method, series_label(key)), ()))
            for key, found in sorted(by_series.items())
        ]
        return temporal + [cluster_signal(c, self.cell_m) for c in self.clusters]


def series_label(key: tuple[str, ...]) -> str:
    return "/".join(key)


def _number(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else value


def _temporal_json(s: TemporalSignal) -> dict[str, Any]:
    return {
        "series": series_label(s.series_key),
        "method": s.method,
        "date": s.date.date().isoformat(),
        "observed": s.observed,
        "expected": _number(s.expected),
        "threshold": _number(s.threshold),
        "p_value": _number(s.p_value),
    }


def _cluster_json(c: Cluster) -> dict[str, Any]:
    return {
        "center": {"lat": c.center_lat, "lon": c.center_lon},
        "radius_m": c.radius_m,
        "start": c.start.isoformat(),
        "end": c.end.isoformat(),
        "observed": c.observed,
        "expected": c.expected,
        "recurrence_days": _number(c.recurrence_days),
        "p_value": c.p_value,
        "case_ids": list(c.case_ids),
    }


def temporal_signal(s: TemporalSignal, case_ids: tuple[str, ...] = ()) -> Signal:
    series = series_label(s.series_key)
    return Signal(
        kind="temporal",
        detector=s.method,
        series=series,
        on=s.date.date(),
        observed=s.observed,
        expected=_number(s.expected),
        p_value=_number(s.p_value),
        recurrence_days=_number(s.recurrence_interval),
        title=f"{series}: {s.observed:g} 件 cases, expected {s.expected:.1f} ({s.method})",
        explanation={
            "series": series,
            "method": s.method,
            "threshold": _number(s.threshold),
            "score": _number(s.score),
        },
        case_ids=case_ids,
    )


def series_signal(found: list[TemporalSignal], case_ids: tuple[str, ...] = ()) -> Signal:
    """The alert signal of one series from the methods that fired on it (at least one)."""
    ranked = sorted(found, key=lambda s: (_number(s.p_value) is None, s.p_value, s.method))
    lead = temporal_signal(ranked[0], case_ids)
    methods: list[dict[str, Any]] = [
        {"method": s.method, "expected": _number(s.expected), "threshold": _number(s.threshold),
         "p_value": _number(s.p_value)}
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
        recurrence_days=_number(c.recurrence_days),
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


def stable_grid(con: duckdb.DuckDBPyConnection, cell_m: float) -> Grid:
    """A grid whose cell ids do not depend on the day's cases (see the module's docstring)."""
    row = con.execute("SELECT avg(lat) FROM cases WHERE lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180").fetchone()
    mean = float(row[0]) if row and row[0] is not None else 0.0
    return Grid(size_m=cell_m, ref_lat=math.floor(mean) + 0.5, origin_lat=0.0, origin_lon=0.0)


def last_case_day(con: duckdb.DuckDBPyConnection, timezone: str, today: date) -> date | None:
    """The latest local day with a case that is not after ``today``."""
    zone = timezone.replace("'", "")
    row = con.execute(
        f"SELECT max(d) FROM (SELECT CAST(timezone('{zone}', timezone('UTC', created_at)) AS DATE) AS d FROM cases)"
        " WHERE d <= ?",
        [today],
    ).fetchone()
    return row[0] if row and row[0] is not None else None


def _first_case_day(con: duckdb.DuckDBPyConnection, timezone: str) -> date:
    zone = timezone.replace("'", "")
    row = con.execute(
        f"SELECT min(CAST(timezone('{zone}', timezone('UTC', created_at)) AS DATE)) FROM cases"
    ).fetchone()
    assert row is not None
    assert row[0] is not None
    return row[0]  # type: ignore[no-any-return]


def run(con: duckdb.DuckDBPyConnection, *, as_of: date, timezone: str, options: WarningOptions) -> Warnings:
    """The day's warnings from the ``cases`` view: every temporal alarm on ``as_of`` and every cluster alive then."""
    options.check()
    series = _series(con, as_of, timezone, options)
    if series is None:
        empty = Warnings(as_of, [], {}, [], options.cell_m, note=f"no case on or before {as_of.isoformat()}")
        return empty
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
    cases = _temporal_members(con, temporal, series.key_columns, as_of, timezone)
    return Warnings(as_of, temporal, cases, clusters, options.cell_m, left_out)


def significant_series(judged: list[TemporalSignal], max_q: float) -> list[TemporalSignal]:
    """The alarms of the series that stand out after accounting for how many series and methods were judged.

    Hundreds of series (category × district) are judged every day, so some small p-values are luck: a series
    warns when its smallest p-value, Bonferroni-corrected for the methods that judged it, passes the
    Benjamini–Hochberg step-up at ``max_q`` across all series, and the day itself is above expectation (EARS C3
    also fires on a quiet day after two busy ones). The alarms of such a series are returned, strongest first.
    """
    by_series: dict[tuple[str, ...], list[TemporalSignal]] = {}
    for s in judged:
        if _number(s.p_value) is not None:
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
    since = max(as_of - timedelta(days=3 * 366 + 14), _first_case_day(con, timezone))
    try:
        return daily_counts(con, by=_present(con, options.by), timezone=timezone, as_of=as_of, since=since)
    except InvalidInput as exc:
        if str(exc).startswith("no case between"):  # every case is older than three years
            return None
        raise


def _present(con: duckdb.DuckDBPyConnection, by: tuple[str, ...]) -> tuple[str, ...]:
    """The default split, as far as the cases have its columns (a file without districts: by category alone).

    Columns a user named are passed on as they are, so a missing one is an error, not a silent change."""
    if by != DEFAULT_KEYS:
        return by
    columns = {row[0] for row in con.execute("DESCRIBE cases").fetchall()}
    return tuple(c for c in by if c in columns) or ("category",)


def _clusters(cube: Cube, options: WarningOptions) -> list[Cluster]:
    config = options.scan_config()
    result = scan(
        cube.counts, cube.lat, cube.lon, end=cube.end, cell_ids=cube.cells, members=cube.members,
        config=config, seed=options.seed, extra_centres=cube.extra_centres(options.centres),
    )  # fmt: skip
    return [c for c in result.clusters if c.recurrence_days >= options.min_recurrence_days]


def _temporal_members(
    con: duckdb.DuckDBPyConnection,
    signals: list[TemporalSignal],
    columns: tuple[str, ...],
    as_of: date,
    timezone: str,
) -> dict[tuple[str, str], tuple[str, ...]]:
    """The cases of each alarming series on the analysis day (distinct ids, oldest first)."""
    zone = timezone.replace("'", "")
    local_day = f"CAST(timezone('{zone}', timezone('UTC', created_at)) AS DATE)"
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for key in sorted({s.series_key for s in signals}):
        matches = " AND ".join(f"COALESCE(CAST({c} AS VARCHAR), '{NONE_LABEL}') = ?" for c in columns)
        rows = con.execute(
            f"SELECT id FROM cases WHERE {local_day} = ? AND {matches} GROUP BY id ORDER BY min(created_at), id",
            [as_of, *key],
        ).fetchall()
        ids = tuple(str(r[0]) for r in rows)
        for s in signals:
            if s.series_key == key:
                found[(s.method, series_label(key))] = ids
    return found
