"""Run every temporal detector over many series in one call: the entry point the alerts layer uses.

``run_all`` takes a dense 2-D array (series × steps) — daily case counts from ``analytics.counting.series`` or any
sensor's daily or hourly readings — and returns one :class:`TemporalSignal` per series, method and analysed step.
The statistics work on the whole array at once (numpy over the series axis), so 1,000 series of 3 years take
a second or two, not a loop of 1,000 model fits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np

from citybrain.analytics.detectors import cusum, ears, ewma, farrington, regression
from citybrain.analytics.detectors.calendar import Calendar, calendar_for
from citybrain.analytics.detectors.signals import DetectorResult, FloatArray, IntArray, TemporalSignal
from citybrain.core.errors import InvalidInput

Detector = Callable[..., DetectorResult]

METHODS: dict[str, tuple[Detector, bool, str]] = {
    # name: (function, needs the calendar, one line for docs and --help)
    "ears_c1": (ears.c1, False, "EARS C1: today vs the 7 days before; alert when (x - mean) / sd > 3"),
    "ears_c2": (ears.c2, False, "EARS C2: as C1 after a 2-day guard band"),
    "ears_c3": (ears.c3, False, "EARS C3: sum of the last 3 days' C2 excesses over 1; alert when > 2"),
    "ewma": (ewma.detect, False, "EWMA (NSSP-ESSENCE): two smoothed levels vs a 28-day baseline, t-test p < 0.01"),
    "regression": (
        regression.detect,
        True,
        "Adaptive regression (NSSP-ESSENCE): linear trend + day of week on 28 days, t-test p < 0.01",
    ),
    "farrington": (
        farrington.detect,
        True,
        "Farrington flexible (quasi-Poisson GLM, trend, day of week, season, outbreak reweighting), NB 99% bound",
    ),
    "cusum": (cusum.detect, False, "CUSUM of standardised values (k = 0.5, h = 4), reset after a signal"),
}
COUNT_ONLY = frozenset({"farrington"})
DEFAULT_METHODS: tuple[str, ...] = tuple(METHODS)


def run_all(
    counts: np.ndarray[Any, Any],
    dates: Sequence[date | datetime] | np.ndarray[Any, Any],
    series_keys: Sequence[tuple[str, ...]],
    as_of: date | datetime | None = None,
    methods: Sequence[str] | None = None,
    *,
    days: int = 1,
    only_alerts: bool = False,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[TemporalSignal]:
    """Signals of every method for the last ``days`` steps up to ``as_of`` (default: the last step), all series.

    ``counts[i, j]`` is series ``series_keys[i]`` at ``dates[j]``; dates are a regular grid (daily or hourly),
    ascending, without holes (fill a day without cases with 0; a missing sensor reading with NaN). Steps after
    ``as_of`` are ignored (future-dated data never enter a baseline). Methods default to all; ``farrington``
    needs non-negative whole counts and is left out by default for other data. A step a method cannot judge
    (too little history, a NaN reading, an all-zero baseline for Farrington) yields no signal for that method.
    ``params`` overrides a method's defaults, e.g. ``{"cusum": {"h": 5.0}}``. InvalidInput on malformed input.

    >>> run_all(counts, dates, [("noise", "D01"), ...], as_of=date(2026, 11, 25))  # doctest: +SKIP
    """
    values, calendar, keys = _validated(counts, dates, series_keys)
    end = calendar.index_of(as_of) if as_of is not None else values.shape[1] - 1
    values, calendar = values[:, : end + 1], calendar.head(end + 1)
    if days < 1:
        raise InvalidInput(f"days must be at least 1, got {days}")
    steps = np.arange(max(0, end + 1 - days), end + 1, dtype=np.int64)
    chosen = _chosen_methods(methods, values)
    results = evaluate(values, calendar, steps, chosen, params=params)
    return signals_from(results, calendar, keys, only_alerts=only_alerts)


def evaluate(
    values: FloatArray,
    calendar: Calendar,
    steps: IntArray,
    methods: Sequence[str],
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, DetectorResult]:
    """Each method's arrays for the given steps (the fast path: benchmarks and calibration use it directly)."""
    stray = sorted(set(params or {}) - set(METHODS))
    if stray:
        raise InvalidInput(f"parameters for unknown method(s) {', '.join(stray)}; choose from {', '.join(METHODS)}")
    out: dict[str, DetectorResult] = {}
    for name in methods:
        function, needs_calendar, _ = METHODS[name]
        kwargs = dict((params or {}).get(name, {}))
        try:
            if needs_calendar:
                out[name] = function(values, steps, calendar, **kwargs)
            else:
                out[name] = function(values, steps, **kwargs)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"{name}: bad parameter ({exc})") from exc
    return out


def signals_from(
    results: Mapping[str, DetectorResult],
    calendar: Calendar,
    keys: Sequence[tuple[str, ...]],
    *,
    only_alerts: bool = False,
) -> list[TemporalSignal]:
    """Flatten result arrays into signal records, series by series, skipping cells a method could not judge."""
    signals: list[TemporalSignal] = []
    for name, result in results.items():
        keep = result.alert if only_alerts else result.judged
        for i, j in zip(*np.nonzero(keep), strict=True):
            signals.append(
                TemporalSignal(
                    series_key=keys[i],
                    method=name,
                    date=calendar.datetime_at(int(result.steps[j])),
                    observed=float(result.observed[i, j]),
                    expected=float(result.expected[i, j]),
                    threshold=float(result.threshold[i, j]),
                    p_value=float(result.p_value[i, j]),
                    score=float(result.score[i, j]),
                    alert=bool(result.alert[i, j]),
                )
            )
    signals.sort(key=lambda s: (s.date, s.method, s.series_key))
    return signals


def _validated(
    counts: np.ndarray[Any, Any],
    dates: Sequence[date | datetime] | np.ndarray[Any, Any],
    series_keys: Sequence[tuple[str, ...]],
) -> tuple[FloatArray, Calendar, list[tuple[str, ...]]]:
    try:
        values = np.asarray(counts, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"counts must be numbers: {exc}") from exc
    if values.ndim == 1:
        values = values[None, :]
    if values.ndim != 2 or values.shape[1] == 0:
        raise InvalidInput(f"counts must be a 2-D array series × steps with at least one step, got {values.shape}")
    if np.isinf(values).any():
        raise InvalidInput("counts contain an infinite value")
    keys = [tuple(str(part) for part in key) for key in series_keys]
    if len(keys) != values.shape[0]:
        raise InvalidInput(f"{len(keys)} series keys for {values.shape[0]} series")
    if len(set(keys)) != len(keys):
        raise InvalidInput("series keys must be unique")
    calendar = calendar_for(dates)
    if len(calendar) != values.shape[1]:
        raise InvalidInput(f"{len(calendar)} dates for {values.shape[1]} steps")
    return values, calendar, keys


def _chosen_methods(methods: Sequence[str] | None, values: FloatArray) -> list[str]:
    counts_like = bool(np.all(np.isnan(values) | ((values >= 0) & (values == np.round(values)))))
    if methods is None:
        return [m for m in DEFAULT_METHODS if counts_like or m not in COUNT_ONLY]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InvalidInput(f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    if not counts_like and COUNT_ONLY.intersection(methods):
        raise InvalidInput("farrington needs non-negative whole counts; these values are not counts")
    return list(dict.fromkeys(methods))
