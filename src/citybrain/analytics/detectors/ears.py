"""EARS C1, C2 and C3 (CDC Early Aberration Reporting System; Hutwagner et al. 2003, 早期异常报告系统).

- C1: today against the mean and sd of the 7 days just before (no guard band); alert when C1 > 3.
- C2: the same with a 2-day guard band (baseline = days t-9 … t-3); alert when C2 > 3.
- C3: the sum of the last three days' C2 excesses over 1, ``Σ_{i=0..2} max(0, C2_{t-i} - 1)``; alert when C3 > 2.

A baseline sd of 0 (a series that was flat for a week) would make any change infinitely surprising, so sigma is
floored at ``min_sigma`` (0.5 by default: on a silent series two cases in a day reach C1 = 4, one case C1 = 2).
p-values take C1/C2 as Student t with ``n - 1`` degrees of freedom after scaling by sqrt(1 + 1/n) (exact for
Gaussian data); C3's p-value comes from the null distribution of its sum for independent C2 values (Monte Carlo
table, fixed seed) — both are approximations for small counts, documented in docs/warnings.md.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats

from citybrain.analytics.detectors.signals import DetectorResult, FloatArray, IntArray
from citybrain.analytics.detectors.windows import rolling_baseline

BASELINE_DAYS = 7
MIN_BASELINE = 5


def c1(values: FloatArray, steps: IntArray, *, threshold: float = 3.0, min_sigma: float = 0.5) -> DetectorResult:
    """EARS C1: 7-day baseline, no guard band."""
    z, mean, sigma, n = _standardised(values, steps, guard=0, min_sigma=min_sigma)
    return _result("ears_c1", values, steps, z, mean, sigma, n, threshold)


def c2(values: FloatArray, steps: IntArray, *, threshold: float = 3.0, min_sigma: float = 0.5) -> DetectorResult:
    """EARS C2: 7-day baseline after a 2-day guard band."""
    z, mean, sigma, n = _standardised(values, steps, guard=2, min_sigma=min_sigma)
    return _result("ears_c2", values, steps, z, mean, sigma, n, threshold)


def c3(values: FloatArray, steps: IntArray, *, threshold: float = 2.0, min_sigma: float = 0.5) -> DetectorResult:
    """EARS C3: the C2 excesses over 1 of today and the two days before, summed."""
    lagged = np.concatenate([steps - 2, steps - 1, steps])
    z, mean, sigma, _ = _standardised(values, np.maximum(lagged, 0), guard=2, min_sigma=min_sigma)
    z[:, lagged < 0] = np.nan
    excess = np.maximum(z - 1.0, 0.0).reshape(values.shape[0], 3, steps.size)
    before_s = excess[:, 0] + excess[:, 1]
    score_s = before_s + excess[:, 2]
    mean_s, sigma_s = mean[:, 2 * steps.size :], sigma[:, 2 * steps.size :]
    judged_s = ~np.isnan(score_s)
    cols = steps
    return DetectorResult(
        method="ears_c3",
        steps=steps,
        observed=values[:, cols],
        expected=np.where(judged_s, mean_s, np.nan),
        threshold=np.where(judged_s, mean_s + (1.0 + threshold - before_s) * sigma_s, np.nan),
        p_value=np.where(judged_s, _c3_p_value(score_s), np.nan),
        score=score_s,
        alert=judged_s & (np.nan_to_num(score_s) > threshold),
    )


def _standardised(
    values: FloatArray, at: IntArray, *, guard: int, min_sigma: float
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """z, baseline mean, sigma and n at the columns ``at``."""
    if min_sigma <= 0:
        raise ValueError("min_sigma must be positive")
    base = rolling_baseline(values, length=BASELINE_DAYS, guard=guard, min_n=MIN_BASELINE, at=at)
    sigma = np.maximum(base.sd, min_sigma)
    with np.errstate(invalid="ignore"):
        z = (values[:, at] - base.mean) / sigma
    return z, base.mean, sigma, base.n


def _result(
    method: str,
    values: FloatArray,
    steps: IntArray,
    z: FloatArray,
    mean: FloatArray,
    sigma: FloatArray,
    n: FloatArray,
    threshold: float,
) -> DetectorResult:
    judged = ~np.isnan(z)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = stats.t.sf(z / np.sqrt(1.0 + 1.0 / n), np.maximum(n - 1, 1))
    return DetectorResult(
        method=method,
        steps=steps,
        observed=values[:, steps],
        expected=np.where(judged, mean, np.nan),
        threshold=np.where(judged, mean + threshold * sigma, np.nan),
        p_value=np.where(judged, p, np.nan),
        score=z,
        alert=judged & (np.nan_to_num(z) > threshold),
    )


@lru_cache(maxsize=1)
def _c3_null_table() -> FloatArray:
    """Sorted C3 values under the null: three independent C2 ~ t(6)·sqrt(1 + 1/7), 200,000 draws, seed 0."""
    rng = np.random.default_rng(0)
    draws = rng.standard_t(BASELINE_DAYS - 1, size=(200_000, 3)) * np.sqrt(1.0 + 1.0 / BASELINE_DAYS)
    return np.sort(np.maximum(draws - 1.0, 0.0).sum(axis=1))


def _c3_p_value(score: FloatArray) -> FloatArray:
    table = _c3_null_table()
    at_least = table.size - np.searchsorted(table, np.nan_to_num(score, nan=np.inf), side="left")
    return np.maximum(at_least, 1) / table.size
