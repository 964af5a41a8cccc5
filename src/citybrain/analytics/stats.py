"""Small statistics shared by the analyses (pure numpy)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt


def benjamini_hochberg(p_values: Iterable[float] | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Benjamini–Hochberg q-values (false-discovery-rate adjusted p-values), in the order given."""
    values = np.asarray(p_values if isinstance(p_values, np.ndarray) else list(p_values), dtype=np.float64)
    m = values.size
    if m == 0:
        return values
    order = np.argsort(values, kind="stable")
    ranked = values[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(ranked, 1.0)
    return q
