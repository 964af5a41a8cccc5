"""EWMA as in NSSP-ESSENCE and CDC's ``pynssp.alert_ewma`` (指数加权移动平均).

Two exponentially weighted levels of the series — ``w1 = 0.4`` for gradual rises, ``w2 = 0.9`` for sudden ones —
are compared with the mean of a baseline window (``baseline`` steps ending ``guard`` steps before today; it grows
from 11 steps at the start of a series). Each level's standard error is the baseline sd times the EWMA variance
correction plus ESSENCE's small-count constant, floored; the test statistic is (level − baseline mean) / se, its
p-value Student t with n − 1 degrees of freedom, and the smaller of the two p-values is reported. A level more
than the 99% t quantile away from the mean is pulled back to it, so one outbreak does not mask the next days.

pynssp's ``B = 28`` uses a 29-day window (its padding loop adds one day more than ``B``); ``baseline=29`` here
reproduces it exactly (tests/analytics/test_detectors_pynssp.py); the default is 28 days as documented by ESSENCE.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from citybrain.analytics.detectors.signals import DetectorResult, FloatArray, IntArray
from citybrain.analytics.detectors.windows import rolling_baseline

MIN_BASELINE = 11


def detect(
    values: FloatArray,
    steps: IntArray,
    *,
    baseline: int = 28,
    guard: int = 2,
    w1: float = 0.4,
    w2: float = 0.9,
    alpha: float = 0.01,
) -> DetectorResult:
    """EWMA signals at ``steps`` for every series; alert when the smaller p-value is below ``alpha``."""
    if not (0 < w1 < 1 and 0 < w2 < 1 and 0 < alpha < 1) or baseline < MIN_BASELINE or guard < 0:
        raise ValueError(f"need 0 < w1, w2, alpha < 1, baseline ≥ {MIN_BASELINE}, guard ≥ 0")
    base = rolling_baseline(values, length=baseline, guard=guard, min_n=MIN_BASELINE)
    n = np.nan_to_num(base.n)
    ucl_alert = _t_table(0.99, baseline)[n.astype(np.int64)]
    q_alpha = _t_table(1.0 - alpha, baseline, rounded=False)[n.astype(np.int64)]
    sigma1 = _sigma(base.sd, n, w1, guard, baseline)
    sigma2 = _sigma(base.sd, n, w2, guard, baseline)
    stat1, stat2, prev1, prev2 = _smooth(values, base.mean, sigma1, sigma2, ucl_alert, w1, w2)
    cols = steps
    dof = np.maximum(n[:, cols] - 1, 1)
    p1 = stats.t.sf(stat1[:, cols], dof)
    p2 = stats.t.sf(stat2[:, cols], dof)
    judged = ~np.isnan(stat1[:, cols]) & ~np.isnan(stat2[:, cols])
    first = p1 < p2
    p = np.where(first, p1, p2)
    mean = base.mean[:, cols]
    need1 = (mean + q_alpha[:, cols] * sigma1[:, cols] - (1 - w1) * prev1[:, cols]) / w1
    need2 = (mean + q_alpha[:, cols] * sigma2[:, cols] - (1 - w2) * prev2[:, cols]) / w2
    return DetectorResult(
        method="ewma",
        steps=steps,
        observed=values[:, cols],
        expected=np.where(judged, mean, np.nan),
        threshold=np.where(judged, np.minimum(need1, need2), np.nan),
        p_value=np.where(judged, p, np.nan),
        score=np.where(judged, np.where(first, stat1[:, cols], stat2[:, cols]), np.nan),
        alert=judged & (np.nan_to_num(p, nan=1.0) < alpha),
    )


def _sigma(sd: FloatArray, n: FloatArray, w: float, guard: int, baseline: int) -> FloatArray:
    """ESSENCE's standard error of an EWMA level: corrected baseline sd plus a constant, with a floor."""
    safe_n = np.maximum(n, 1)
    correction = np.sqrt(w / (2 - w) + 1 / safe_n - 2 * (1 - w) ** (guard + 1) * ((1 - (1 - w) ** safe_n) / safe_n))
    warning = _t_table(0.975, baseline)[n.astype(np.int64)]
    floor = (w / warning) * (1 + 0.5 * (1 - w) ** 2)
    constant = (0.1289 - (0.2414 - 0.1826 * (1 - w) ** 4) * np.log(10 * 0.05)) * (w / warning)
    sigma: FloatArray = np.maximum(floor, sd * correction + constant)
    return sigma


def _smooth(
    values: FloatArray,
    mean: FloatArray,
    sigma1: FloatArray,
    sigma2: FloatArray,
    ucl: FloatArray,
    w1: float,
    w2: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Run both EWMA recursions over time (vectorised over series), pulling outlying levels back to the limit.

    Returns both test statistics and the levels of the step before (for the threshold in observed units).
    A missing value keeps the previous level.
    """
    series, length = values.shape
    stat1 = np.full((series, length), np.nan)
    stat2 = np.full((series, length), np.nan)
    prev1 = np.full((series, length), np.nan)
    prev2 = np.full((series, length), np.nan)
    z1 = values[:, 0].copy()
    z2 = values[:, 0].copy()
    for t in range(1, length):
        y = values[:, t]
        prev1[:, t], prev2[:, t] = z1, z2
        missing = np.isnan(y)
        z1 = np.where(missing, z1, w1 * y + (1 - w1) * z1)
        z2 = np.where(missing, z2, w2 * y + (1 - w2) * z2)
        z1 = np.where(np.isnan(z1), y, z1)  # a series that starts with missing values starts at its first value
        z2 = np.where(np.isnan(z2), y, z2)
        m = mean[:, t]
        s1 = (z1 - m) / sigma1[:, t]
        s2 = (z2 - m) / sigma2[:, t]
        stat1[:, t] = np.where(missing, np.nan, s1)
        stat2[:, t] = np.where(missing, np.nan, s2)
        limit = ucl[:, t]
        z1 = np.where(np.abs(s1) > limit, m + np.sign(s1) * limit * sigma1[:, t], z1)
        z2 = np.where(np.abs(s2) > limit, m + np.sign(s2) * limit * sigma2[:, t], z2)
    return stat1, stat2, prev1, prev2


def _t_table(quantile: float, baseline: int, *, rounded: bool = True) -> FloatArray:
    """t quantile with n − 1 degrees of freedom for n = 0 … baseline (rounded to 5 places as ESSENCE does)."""
    dof = np.maximum(np.arange(baseline + 1) - 1, 1)
    table: FloatArray = stats.t.ppf(quantile, dof)
    return np.round(table, 5) if rounded else table
