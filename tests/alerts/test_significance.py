"""Which temporal alarms become warnings: many series judged at once, one alert per series, no quiet-day alarms."""

from __future__ import annotations

from datetime import datetime

from citybrain.analytics.detectors import TemporalSignal
from citybrain.analytics.warnings import Warnings, significant_series
from citybrain.insight.warnings import TEMPORAL_DETECTOR, signals

DAY = datetime(2026, 3, 2)


def _signal(series: str, method: str, p_value: float, observed: float = 5.0, expected: float = 1.0) -> TemporalSignal:
    return TemporalSignal(
        series_key=(series, "D01"), method=method, date=DAY, observed=observed, expected=expected,
        threshold=expected + 2, p_value=p_value, score=3.0, alert=p_value < 0.05,
    )  # fmt: skip


def test_a_p_value_that_is_luck_among_hundreds_of_series_does_not_warn() -> None:
    judged = [_signal(f"quiet{i}", "ewma", 0.5) for i in range(299)] + [_signal("lucky", "ewma", 0.004)]
    assert significant_series(judged, 0.05) == []  # 0.004 × 300 series > 0.05


def test_a_strong_signal_warns_with_every_method_that_fired_on_it() -> None:
    judged = [_signal(f"quiet{i}", "ewma", 0.5) for i in range(299)]
    judged += [_signal("burst", "ewma", 1e-6), _signal("burst", "cusum", 1e-5), _signal("burst", "farrington", 0.2)]
    found = significant_series(judged, 0.05)
    assert [(s.series_key[0], s.method) for s in found] == [("burst", "ewma"), ("burst", "cusum")]
    one = signals(Warnings(DAY.date(), found, {}, [], 1000.0))
    assert len(one) == 1  # one alert for the series, not one per method
    assert one[0].detector == TEMPORAL_DETECTOR
    assert [m["method"] for m in one[0].explanation["methods"]] == ["ewma", "cusum"]
    assert one[0].p_value == 1e-6


def test_an_alarm_on_a_day_below_expectation_is_not_a_warning() -> None:
    judged = [_signal("after_a_burst", "ears_c3", 1e-6, observed=0.0, expected=0.4)]
    assert significant_series(judged, 0.05) == []


def test_the_methods_judging_a_series_are_accounted_for() -> None:
    seven = [_signal("s", method, 0.03) for method in ("a", "b", "c", "d", "e", "f", "g")]
    assert significant_series(seven, 0.05) == []  # min p 0.03 × 7 methods > 0.05
    assert [s.method for s in significant_series(seven[:1], 0.05)] == ["a"]
