"""Temporal detectors: planted outbreaks found, null data quiet, thresholds and p-values that mean what they say,
and every kind of bad input answered clearly."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from citybrain.analytics.detectors import DEFAULT_METHODS, TemporalSignal, evaluate, run_all
from citybrain.analytics.detectors.calendar import calendar_for
from citybrain.core.errors import InvalidInput

START = date(2023, 1, 2)


def _null(series: int, days: int, seed: int, level: float = 8.0) -> tuple[np.ndarray, list[date]]:
    """Poisson counts with a weekly rhythm and an annual season: the kind of series a 12345 centre has."""
    rng = np.random.default_rng(seed)
    dates = [START + timedelta(days=i) for i in range(days)]
    weekday = np.array([d.weekday() for d in dates])
    season = np.exp(0.3 * np.sin(2 * np.pi * np.arange(days) / 365.25))
    mean = level * season * np.where(weekday >= 5, 0.6, 1.1) * rng.uniform(0.5, 2.0, (series, 1))
    return rng.poisson(mean).astype(float), dates


def _keys(n: int) -> list[tuple[str, ...]]:
    return [("noise.construction.night", f"D{i:02d}") for i in range(n)]


def _by_method(signals: list[TemporalSignal]) -> dict[str, list[TemporalSignal]]:
    out: dict[str, list[TemporalSignal]] = {}
    for s in signals:
        out.setdefault(s.method, []).append(s)
    return out


def test_a_planted_spike_is_found_by_every_method_on_its_day_only() -> None:
    counts, dates = _null(3, 800, seed=1)
    counts[1, -1] += 40  # series D01 doubles and more on the last day
    signals = run_all(counts, dates, _keys(3), as_of=dates[-1], days=2)
    assert {s.method for s in signals} == set(DEFAULT_METHODS)
    for method, found in _by_method(signals).items():
        alerts = {(s.series_key[1], s.date.date()) for s in found if s.alert}
        assert ("D01", dates[-1]) in alerts, method
        spike = next(s for s in found if s.alert and s.series_key[1] == "D01")
        assert spike.observed > spike.threshold > spike.expected, method
        assert spike.p_value < 0.01, method
        assert spike.recurrence_interval > 100, method


def test_a_sustained_small_rise_is_found_by_cusum_and_ewma() -> None:
    counts, dates = _null(1, 400, seed=2, level=10.0)
    rng = np.random.default_rng(7)
    counts[0, -10:] = rng.poisson(counts[0, -60:-10].mean() * 1.6, 10)  # +60 % for ten days
    signals = run_all(counts, dates, _keys(1), days=10, methods=["cusum", "ewma"], only_alerts=True)
    assert {s.method for s in signals} == {"cusum", "ewma"}
    assert all(s.alert for s in signals)


@pytest.mark.slow
def test_null_data_rarely_alert() -> None:
    """Rates as measured by bench/detectors.py: ESSENCE t-tests ~2-3 % of days on counts, the others ~1 %."""
    counts, dates = _null(25, 450, seed=3)
    steps = np.arange(410, 450, dtype=np.int64)
    results = evaluate(counts, calendar_for(dates), steps, ["ewma", "regression", "farrington", "cusum"])
    bounds = {"ewma": 0.05, "regression": 0.05, "farrington": 0.025, "cusum": 0.025}
    for method, result in results.items():
        assert result.judged.all(), method
        assert result.alert.mean() < bounds[method], (method, result.alert.mean())


@pytest.mark.parametrize("seed", [4, 5])
def test_alert_means_observed_above_threshold(seed: int) -> None:
    """The threshold is in the observation's own unit: for these methods, alert ⇔ observed > threshold."""
    counts, dates = _null(20, 400, seed=seed, level=3.0)
    counts[:, -30::7] += 6
    methods = ["ears_c1", "ears_c2", "ewma", "regression", "cusum"]
    signals = run_all(counts, dates, _keys(20), days=60, methods=methods)
    for s in signals:
        assert s.alert == (s.observed > s.threshold + 1e-9) or abs(s.observed - s.threshold) < 1e-6, s
        assert 0.0 <= s.p_value <= 1.0
    for s in signals:
        if s.method in ("ewma", "regression"):
            assert s.alert == (s.p_value < 0.01)


def test_signals_are_for_the_days_asked_and_ignore_later_data() -> None:
    counts, dates = _null(2, 300, seed=6)
    as_of = dates[200]
    full = run_all(counts, dates, _keys(2), as_of=as_of, days=3)
    cut = run_all(counts[:, :201], dates[:201], _keys(2), days=3)
    assert full == cut
    assert {s.date.date() for s in full} == {dates[198], dates[199], dates[200]}
    future = counts.copy()
    future[:, 201:] = 1000  # future-dated data never change today's verdict
    assert run_all(future, dates, _keys(2), as_of=as_of, days=3) == full


def test_all_zero_series_gives_quiet_signals_and_no_farrington_model() -> None:
    counts, dates = _null(2, 400, seed=7)
    counts[0] = 0.0
    signals = run_all(counts, dates, _keys(2))
    zero = [s for s in signals if s.series_key[1] == "D00"]
    assert zero
    assert not any(s.alert for s in zero)
    assert "farrington" not in {s.method for s in zero}  # no case in the baseline: no model, no signal
    assert all(s.expected == 0.0 for s in zero if s.method.startswith("ears"))


def test_first_cases_after_a_silent_month_alert_on_ears() -> None:
    counts = np.zeros((1, 60))
    counts[0, -1] = 3
    dates = [START + timedelta(days=i) for i in range(60)]
    signals = run_all(counts, dates, _keys(1), methods=["ears_c1"])
    assert signals[0].alert
    assert signals[0].threshold == pytest.approx(1.5)


def test_a_single_day_or_short_history_gives_no_signal_and_no_error() -> None:
    assert run_all(np.array([[5.0]]), [START], _keys(1)) == []
    counts, dates = _null(1, 10, seed=8)
    signals = run_all(counts, dates, _keys(1))
    # by day 10 the 7-day windows exist; EWMA and regression need 11 days + 2 of guard, Farrington 8 weeks
    assert {s.method for s in signals} == {"ears_c1", "ears_c2", "ears_c3", "cusum"}


def test_missing_readings_are_skipped_not_zero() -> None:
    values, dates = _null(1, 200, seed=9)
    values[0, -1] = np.nan
    values[0, -5] = np.nan
    signals = run_all(values, dates, [("Dongsi", "PM2.5")], days=3, methods=["ears_c2", "ewma", "cusum", "regression"])
    assert dates[-1] not in {s.date.date() for s in signals}
    assert {s.date.date() for s in signals} == {dates[-3], dates[-2]}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dates": [START + timedelta(days=i) for i in (0, 1, 3)]}, "evenly spaced"),
        ({"dates": [START, START, START + timedelta(days=1)]}, "strictly ascending"),
        ({"dates": [START, START + timedelta(days=1)]}, "2 dates for 3 steps"),
        ({"series_keys": [("a",), ("b",)]}, "2 series keys for 1 series"),
        ({"series_keys": [("a",)], "counts": np.ones((1, 3)), "methods": ["c4"]}, "unknown method"),
        ({"as_of": START - timedelta(days=1)}, "before the first date"),
        ({"as_of": START + timedelta(days=3)}, "after the last date"),
        ({"counts": np.array([[1.0, np.inf, 2.0]])}, "infinite"),
        ({"counts": np.array([[1.5, 2.0, 2.5]]), "methods": ["farrington"]}, "whole counts"),
        ({"params": {"cusum": {"window": 3}}}, "cusum: bad parameter"),
        ({"params": {"cusum": {"k": -1.0}}}, "cusum: bad parameter"),
        ({"params": {"cusom": {"k": 1.0}}}, "unknown method"),
        ({"days": 0}, "days must be at least 1"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs: dict[str, object], message: str) -> None:
    call: dict[str, object] = {
        "counts": np.ones((1, 3)),
        "dates": [START + timedelta(days=i) for i in range(3)],
        "series_keys": [("a",)],
    }
    call.update(kwargs)
    with pytest.raises(InvalidInput, match=message):
        run_all(**call)  # type: ignore[arg-type]


def test_non_count_values_skip_farrington_by_default() -> None:
    values, dates = _null(1, 100, seed=10)
    signals = run_all(values * 1.37 - 2.0, dates, [("Dongsi", "TEMP")])
    assert "farrington" not in {s.method for s in signals}
    assert {"ears_c1", "ewma", "cusum", "regression"} <= {s.method for s in signals}


def test_p_values_mean_what_they_say_on_gaussian_data() -> None:
    """On Gaussian noise, p ≤ 0.01 happens on about 1 % of days for every method (t-based ones exactly)."""
    rng = np.random.default_rng(12)
    values = rng.normal(50.0, 5.0, (100, 500))
    dates = [START + timedelta(days=i) for i in range(500)]
    methods = ["ears_c1", "ears_c2", "ears_c3", "ewma", "regression", "cusum"]
    results = evaluate(values, calendar_for(dates), np.arange(100, 500, dtype=np.int64), methods)
    for method, result in results.items():
        share = float((result.p_value <= 0.01).mean())
        assert 0.005 < share < 0.02, (method, share)


def test_farrington_follows_season_and_trend_and_discounts_past_outbreaks() -> None:
    rng = np.random.default_rng(13)
    days = 3 * 364 + 30
    t = np.arange(days)
    dates = [START + timedelta(days=int(i)) for i in t]
    seasonal = 10 * np.exp(0.6 * np.cos(2 * np.pi * t / 365.25))  # winter peak
    trending = 4 * np.exp(t / 700)  # cases nearly treble over the three years
    counts = rng.poisson(np.vstack([seasonal, trending, np.full(days, 6.0)])).astype(float)
    counts[2, days - 1 - 364 - 10 : days - 1 - 364 + 10] += 40  # an outbreak a year ago, at this time of year
    keys = [("season",), ("trend",), ("outbreak last year",)]
    steps = np.array([days - 1], dtype=np.int64)
    default = evaluate(counts, calendar_for(dates), steps, ["farrington"])["farrington"]
    unweighted = evaluate(
        counts, calendar_for(dates), steps, ["farrington"], params={"farrington": {"reweight_above": 1e9}}
    )["farrington"]
    expected = dict(zip(keys, default.expected[:, 0], strict=True))
    assert expected[("season",)] == pytest.approx(seasonal[-1], rel=0.15)
    assert expected[("trend",)] == pytest.approx(trending[-1], rel=0.15)
    assert expected[("outbreak last year",)] == pytest.approx(6.0, rel=0.15)
    assert unweighted.expected[2, 0] > expected[("outbreak last year",)] * 1.1  # the outbreak would inflate it
