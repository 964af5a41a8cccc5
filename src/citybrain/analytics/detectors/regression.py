"""Adaptive multiple regression as in NSSP-ESSENCE and CDC's ``pynssp.alert_regression`` (自适应回归).

For each analysed step a least-squares line with day-of-week effects — ``x ~ 1 + time + Mon … Sat`` — is fitted
to the baseline window (``baseline`` steps ending ``guard`` steps before; it grows from 11 steps at the start of
a series) and extrapolated to the step. The test statistic is (observed − forecast) / se, with ESSENCE's
standard error of prediction ``sqrt(mse) · sqrt((n+7)(n−4) / (n(n−7)))`` (floored), and its p-value Student t
with n − 8 degrees of freedom. A negative forecast is clipped to 0 (counts). The alert is p < ``alpha`` (0.01).

All series share the design matrix, so one pseudo-inverse per step serves every series without a missing value;
series with missing baseline values are fitted one weighted system each.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from citybrain.analytics.detectors.calendar import Calendar
from citybrain.analytics.detectors.signals import DetectorResult, FloatArray, IntArray

MIN_BASELINE = 11
PARAMETERS = 8


def detect(
    values: FloatArray,
    steps: IntArray,
    calendar: Calendar,
    *,
    baseline: int = 28,
    guard: int = 2,
    alpha: float = 0.01,
    clip_at_zero: bool = True,
) -> DetectorResult:
    """Adaptive-regression signals at ``steps`` for every series; alert when p < ``alpha``."""
    if not 0 < alpha < 1 or baseline < MIN_BASELINE or guard < 0:
        raise ValueError(f"need 0 < alpha < 1, baseline ≥ {MIN_BASELINE}, guard ≥ 0")
    series = values.shape[0]
    shape = (series, steps.size)
    expected, sigma, dof = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    weekday = calendar.weekday()
    for j, t in enumerate(steps):
        end = int(t) - guard
        start = max(0, end - baseline)
        if end - start < MIN_BASELINE:
            continue
        design, test_row = _design(weekday, start, end, int(t))
        expected[:, j], sigma[:, j], dof[:, j] = _fit(values[:, start:end], design, test_row)
    if clip_at_zero:
        expected = np.maximum(expected, 0.0)
    observed = values[:, steps]
    judged = ~np.isnan(expected) & ~np.isnan(observed)
    with np.errstate(invalid="ignore"):
        score = (observed - expected) / sigma
        p = stats.t.sf(score, np.maximum(dof, 1))
        threshold = expected + stats.t.ppf(1.0 - alpha, np.maximum(dof, 1)) * sigma
    return DetectorResult(
        method="regression",
        steps=steps,
        observed=observed,
        expected=np.where(judged, expected, np.nan),
        threshold=np.where(judged, threshold, np.nan),
        p_value=np.where(judged, p, np.nan),
        score=np.where(judged, score, np.nan),
        alert=judged & (np.nan_to_num(p, nan=1.0) < alpha),
    )


def _design(weekday: IntArray, start: int, end: int, test: int) -> tuple[FloatArray, FloatArray]:
    """Rows ``1, time, Mon … Sat`` for the baseline days (time 1 … n) and for the test day (time n + guard + 1)."""
    n = end - start
    design = np.zeros((n, PARAMETERS))
    design[:, 0] = 1.0
    design[:, 1] = np.arange(1, n + 1)
    days = weekday[start:end]
    for d in range(6):
        design[:, 2 + d] = days == d
    test_row = np.zeros(PARAMETERS)
    test_row[0], test_row[1] = 1.0, n + (test - end) + 1
    if weekday[test] < 6:
        test_row[2 + weekday[test]] = 1.0
    return design, test_row


def _fit(window: FloatArray, design: FloatArray, test_row: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Forecast, standard error of prediction and degrees of freedom per series for one step."""
    series = window.shape[0]
    complete = ~np.isnan(window).any(axis=1)
    beta = np.full((series, PARAMETERS), np.nan)
    if complete.any():
        beta[complete] = window[complete] @ np.linalg.pinv(design).T
    for i in np.nonzero(~complete)[0]:
        rows = ~np.isnan(window[i])
        if rows.sum() >= MIN_BASELINE:
            beta[i] = np.linalg.lstsq(design[rows], window[i, rows], rcond=None)[0]
    n = (~np.isnan(window)).sum(axis=1).astype(np.float64)
    residual = np.where(np.isnan(window), 0.0, np.nan_to_num(window) - beta @ design.T)
    dof = n - PARAMETERS
    with np.errstate(invalid="ignore", divide="ignore"):
        mse = (residual * residual).sum(axis=1) / dof
        inflation = np.sqrt(((n + 7) * (n - 4)) / (n * (n - 7)))
    floor = _min_sigma(dof)
    sigma = np.maximum(np.sqrt(mse) * inflation, floor)
    ok = dof >= 1
    return (
        np.where(ok, beta @ test_row, np.nan),
        np.where(ok, sigma, np.nan),
        np.where(ok, dof, np.nan),
    )


def _min_sigma(dof: FloatArray) -> FloatArray:
    """ESSENCE's floor 1.01 / t₀.₉₅ (rounded to 5 places); pynssp indexes its table one degree of freedom high."""
    with np.errstate(invalid="ignore"):
        quantile = np.round(stats.t.ppf(0.95, np.maximum(dof, 1) + 1), 5)
    floor: FloatArray = 1.01 / quantile
    return floor
