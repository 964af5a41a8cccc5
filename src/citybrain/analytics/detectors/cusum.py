"""One-sided CUSUM of standardised values (累积和控制图; Page 1954, as used in syndromic surveillance).

Each step is standardised against a rolling baseline (``baseline`` steps ending ``guard`` steps before it):
``z = (x − mean) / max(sd, min_sigma)``. The sum ``S_t = max(0, S_{t−1} + z_t − k)`` accumulates small persistent
excesses that no single day shows; an alert is raised when ``S_t > h`` and the sum restarts from 0 after it.
The p-value is P(S ≥ S_t) on a day when nothing is going on: the share of days on which an in-control CUSUM
(standard Gaussian z, the same k, h and reset) stands at least this high, from the stationary distribution of
that Markov chain on a fine grid — so "p ≤ 0.01" means what it means for the other methods: one day in a hundred.
With k = 0.5 and h = 4 an in-control Gaussian CUSUM signals once in about 336 days (Siegmund's ARL₀).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats

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
    if k <= 0 or h <= 0 or baseline < MIN_BASELINE or guard < 0 or min_sigma <= 0:
        raise ValueError(f"need k > 0, h > 0, baseline ≥ {MIN_BASELINE}, guard ≥ 0, min_sigma > 0")
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
        p_value=np.where(judged, _p_value(np.nan_to_num(sums[:, cols]), k, h), np.nan),
        score=sums[:, cols],
        alert=judged & (np.nan_to_num(sums[:, cols]) > h),
    )


def _accumulate(z: FloatArray, k: float, h: float) -> tuple[FloatArray, FloatArray]:
    """The CUSUM path and the sum carried into each step; a step without a z keeps the previous sum."""
    z_t = np.ascontiguousarray(z.T)
    sums = np.empty_like(z_t)
    before = np.empty_like(z_t)
    current = np.zeros(z_t.shape[1])
    for t in range(z_t.shape[0]):
        before[t] = current
        step = z_t[t]
        updated = np.maximum(current + step - k, 0.0)  # NaN where z is unknown
        sums[t] = updated
        current = np.where(updated > h, 0.0, np.where(np.isnan(updated), current, updated))
    return sums.T, before.T


@lru_cache(maxsize=8)
def _stationary(k: float, h: float) -> tuple[FloatArray, FloatArray]:
    """Stationary distribution of the carried-over sum R ∈ [0, h] (an atom at 0 plus 400 bins) of a Gaussian CUSUM.

    R' = max(0, R + z − k), reset to 0 when it exceeds h; solved by power iteration on the transition matrix.
    """
    bins = 400
    edges = np.linspace(0.0, h, bins + 1)
    states = np.concatenate([[0.0], (edges[:-1] + edges[1:]) / 2])
    upper = stats.norm.cdf(edges[None, 1:] - states[:, None] + k)
    lower = stats.norm.cdf(edges[None, :-1] - states[:, None] + k)
    transition = np.empty((states.size, states.size))
    transition[:, 1:] = upper - lower
    transition[:, 0] = stats.norm.cdf(k - states) + stats.norm.sf(h - states + k)
    transition /= transition.sum(axis=1, keepdims=True)
    weights = np.full(states.size, 1.0 / states.size)
    for _ in range(2_000):
        updated = weights @ transition
        if np.abs(updated - weights).max() < 1e-13:
            break
        weights = updated
    return states, weights


@lru_cache(maxsize=8)
def _tail_table(k: float, h: float) -> tuple[FloatArray, FloatArray]:
    """P(S ≥ s) on an in-control day for s on a 0.01 grid from 0 to h + 12: Σ_r π(r) · P(r + z − k ≥ s)."""
    states, weights = _stationary(k, h)
    levels = np.arange(0.0, h + 12.0, 0.01)
    tail: FloatArray = stats.norm.sf(levels[:, None] - states[None, :] + k) @ weights
    return levels, tail


def _p_value(level: FloatArray, k: float, h: float) -> FloatArray:
    """P(S ≥ level) on an in-control day (interpolated in the table); 1 for a sum of 0."""
    levels, tail = _tail_table(float(k), float(h))
    p: FloatArray = np.where(level <= 0.0, 1.0, np.minimum(np.interp(level, levels, tail), 1.0))
    return p
