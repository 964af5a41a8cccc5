"""Rolling baselines over many series at once, from cumulative sums (no Python loop over days).

A baseline for step ``t`` is the window of up to ``length`` steps that ends ``guard`` steps before ``t``:
columns ``[t - guard - length, t - guard - 1]``. Missing values (NaN, e.g. a sensor that was down) are left
out of the window's statistics; a window with fewer than ``min_n`` values gives NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from citybrain.analytics.detectors.signals import FloatArray, IntArray


@dataclass(frozen=True)
class Baseline:
    """Per (series, step): number of valid baseline values, their mean and sample standard deviation."""

    n: FloatArray
    mean: FloatArray
    sd: FloatArray


def rolling_baseline(
    values: FloatArray, *, length: int, guard: int, min_n: int, at: IntArray | None = None
) -> Baseline:
    """Mean and sd (ddof 1) of each step's baseline window, for every series and step (or only steps ``at``)."""
    valid = ~np.isnan(values)
    shift = np.where(valid, values, 0.0).sum(axis=1, keepdims=True) / np.maximum(valid.sum(axis=1, keepdims=True), 1)
    centred = np.where(valid, values - shift, 0.0)
    n = _window_sum(valid.astype(np.float64), length, guard, at)
    total = _window_sum(centred, length, guard, at)
    squares = _window_sum(centred * centred, length, guard, at)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        var = (squares - total * mean) / (n - 1)
    var = np.maximum(var, 0.0)
    enough = n >= max(min_n, 2)
    return Baseline(
        n=n,
        mean=np.where(enough, mean + shift, np.nan),
        sd=np.where(enough, np.sqrt(var), np.nan),
    )


def _window_sum(values: FloatArray, length: int, guard: int, at: IntArray | None) -> FloatArray:
    """Sum over columns [t - guard - length, t - guard - 1] (clipped at 0) for each column t (of ``at``)."""
    series, steps = values.shape
    cumulative = np.zeros((series, steps + 1))
    np.cumsum(values, axis=1, out=cumulative[:, 1:])
    if at is not None:
        end = np.clip(at - guard, 0, steps)
        start = np.clip(at - guard - length, 0, steps)
        out: FloatArray = cumulative[:, end] - cumulative[:, start]
        return out
    return _shifted(cumulative, guard, steps) - _shifted(cumulative, guard + length, steps)


def _shifted(cumulative: FloatArray, shift: int, steps: int) -> FloatArray:
    """``cumulative[:, max(t - shift, 0)]`` for t = 0 … steps − 1, by slicing (column 0 of a cumsum is 0)."""
    out = np.zeros((cumulative.shape[0], steps))
    if shift < steps:
        out[:, shift:] = cumulative[:, : steps - shift]
    return out
