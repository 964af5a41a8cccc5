"""A Gumbel fit to the replicates' maxima: p-values smaller than ``1 / (replicates + 1)`` (Abrams et al. 2010).

With 999 replicates the Monte Carlo p-value cannot go below 0.001, so a recurrence interval cannot pass 1,000 days.
The maximum of many likelihood ratios is close to Gumbel-distributed; fitting its two parameters by the method of
moments to the replicates' maxima gives a smooth tail. SaTScan offers the same option.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

EULER_GAMMA = 0.5772156649015329


def fit(maxima: NDArray[np.float64]) -> tuple[float, float]:
    """(location, scale) of the Gumbel distribution with the maxima's mean and standard deviation."""
    scale = float(np.std(maxima, ddof=1)) * math.sqrt(6) / math.pi if maxima.size > 1 else 0.0
    location = float(np.mean(maxima)) - EULER_GAMMA * scale if maxima.size else 0.0
    return location, scale


def p_value(llr: float, location: float, scale: float) -> float:
    """P(max GLR ≥ llr) under the fitted Gumbel; 1.0 when the fit is degenerate (all maxima equal)."""
    if scale <= 0:
        return 1.0 if llr <= location else 0.0
    return float(-math.expm1(-math.exp(-(llr - location) / scale)))
