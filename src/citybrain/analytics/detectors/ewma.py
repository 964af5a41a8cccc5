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
    """ESSENCE's standard error of an EWMA level: corrected baseline sd plus a constant, with a floor.

    The correction, constant and floor depend only on the window size n, so they are tabulated for n = 0 … baseline.
    """
    sizes = np.maximum(np.arange(baseline + 1), 1).astype(np.float64)
    correction = np.sqrt(w / (2 - w) + 1 / sizes - 2 * (1 - w) ** (guard + 1) * ((1 - (1 - w) ** sizes) / sizes))
    warning = _t_table(0.975, baseline)
    floor = (w / warning) * (1 + 0.5 * (1 - w) ** 2)
    constant = (0.1289 - (0.2414 - 0.1826 * (1 - w) ** 4) * np.log(10 * 0.05)) * (w / warning)
    index = n.astype(np.int64)
    sigma: FloatArray = np.maximum(floor[index], sd * correction[index] + constant[index])
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
    A missing value keeps the previous level. Works time-major (rows = steps) so each step reads contiguous memory.
    """
    y_t, m_t, s1_t, s2_t, u_t = (np.ascontiguousarray(a.T) for a in (values, mean, sigma1, sigma2, ucl))
    length = y_t.shape[0]
    stat1, stat2 = np.full(y_t.shape, np.nan), np.full(y_t.shape, np.nan)
    prev1, prev2 = np.full(y_t.shape, np.nan), np.full(y_t.shape, np.nan)
    gaps = bool(np.isnan(y_t).any())
    z1, z2 = y_t[0].copy(), y_t[0].copy()
    for t in range(1, length):
        y = y_t[t]
        prev1[t], prev2[t] = z1, z2
        n1 = w1 * y + (1 - w1) * z1
        n2 = w2 * y + (1 - w2) * z2
        if gaps:
            missing = np.isnan(y)
            n1 = np.where(missing, z1, np.where(np.isnan(z1), y, n1))
            n2 = np.where(missing, z2, np.where(np.isnan(z2), y, n2))
        m = m_t[t]
        a = (n1 - m) / s1_t[t]
        b = (n2 - m) / s2_t[t]
        stat1[t], stat2[t] = a, b
        if gaps:
            stat1[t, missing] = np.nan
            stat2[t, missing] = np.nan
        limit = u_t[t]
        z1 = np.where(np.abs(a) > limit, m + np.sign(a) * limit * s1_t[t], n1)
        z2 = np.where(np.abs(b) > limit, m + np.sign(b) * limit * s2_t[t], n2)
    return stat1.T, stat2.T, prev1.T, prev2.T


def _t_table(quantile: float, baseline: int, *, rounded: bool = True) -> FloatArray:
    """t quantile with n − 1 degrees of freedom for n = 0 … baseline (rounded to 5 places as ESSENCE does)."""
    dof = np.maximum(np.arange(baseline + 1) - 1, 1)
    table: FloatArray = stats.t.ppf(quantile, dof)
    return np.round(table, 5) if rounded else table
