"""One-sided CUSUM of standardised values (累积和控制图; Page 1954, as used in syndromic surveillance).

Each step is standardised against a rolling baseline (``baseline`` steps ending ``guard`` steps before it):
``z = (x − mean) / max(sd, min_sigma)``. The sum ``S_t = max(0, S_{t−1} + z_t − k)`` accumulates small persistent
excesses that no single day shows; an alert is raised when ``S_t > h`` and the sum restarts from 0 after it.
The p-value is 1 / ARL₀(S_t), Siegmund's approximation of the in-control average run length to reach the current
sum (with unit-variance Gaussian steps): the recurrence interval of a sum this high when nothing is going on.
With k = 0.5 and h = 4 that is one false signal in about 336 steps for Gaussian data.
"""

from __future__ import annotations

import numpy as np

from citybrain.analytics.detectors.signals import DetectorResult, FloatArray, IntArray
from citybrain.analytics.detectors.windows import rolling_baseline

MIN_BASELINE = 7


def detect(
    values: FloatArray,
    steps: IntArray,
    *,
    k: float = 0.5,
    h: float = 4.0,
    baseline: int = 28,
    guard: int = 2,
    min_sigma: float = 0.5,
) -> DetectorResult:
    """CUSUM signals at ``steps`` for every series; alert when the sum exceeds ``h``."""
    base = rolling_baseline(values, length=baseline, guard=guard, min_n=MIN_BASELINE)
    sigma = np.maximum(base.sd, min_sigma)
    with np.errstate(invalid="ignore"):
        z = (values - base.mean) / sigma
    sums, before = _accumulate(z, k, h)
    cols = steps
    judged = ~np.isnan(sums[:, cols])
    expected = base.mean[:, cols]
    threshold = expected + (h + k - before[:, cols]) * sigma[:, cols]
    return DetectorResult(
        method="cusum",
        steps=steps,
        observed=values[:, cols],
        expected=np.where(judged, expected, np.nan),
        threshold=np.where(judged, threshold, np.nan),
        p_value=np.where(judged, np.minimum(1.0, 1.0 / _arl0(np.nan_to_num(sums[:, cols]), k)), np.nan),
        score=sums[:, cols],
        alert=judged & (np.nan_to_num(sums[:, cols]) > h),
    )


def _accumulate(z: FloatArray, k: float, h: float) -> tuple[FloatArray, FloatArray]:
    """The CUSUM path and the sum carried into each step; a step without a z keeps the previous sum."""
    series, length = z.shape
    sums = np.full((series, length), np.nan)
    before = np.zeros((series, length))
    current = np.zeros(series)
    for t in range(length):
        before[:, t] = current
        step = z[:, t]
        known = ~np.isnan(step)
        updated = np.maximum(0.0, current + np.nan_to_num(step) - k)
        sums[:, t] = np.where(known, updated, np.nan)
        current = np.where(known, np.where(updated > h, 0.0, updated), current)
    return sums, before


def _arl0(level: FloatArray, k: float) -> FloatArray:
    """Siegmund's in-control ARL of a one-sided CUSUM with reference k and decision level ``level``."""
    b = level + 1.166
    delta = -k
    arl: FloatArray = (np.exp(-2 * delta * b) + 2 * delta * b - 1) / (2 * delta * delta)
    return np.maximum(arl, 1.0)
