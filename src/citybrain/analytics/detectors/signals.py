"""What a temporal detector says about one series on one day: observed vs expected, threshold, p-value.

Every method fills the same fields, so the alerts layer, the API and the docs treat them alike:

- ``observed``: the value on the analysed day (a count for case series, a reading for a sensor);
- ``expected``: the method's baseline expectation for that day (a mean, a forecast or a smoothed level);
- ``threshold``: the value the observation had to exceed for ``alert`` to be true (same unit as ``observed``);
- ``p_value``: the one-sided probability, under the method's null model, of a statistic at least as extreme
  (``1 / p_value`` is the recurrence interval in analysis steps: p ≤ 0.01 means "once in 100 days or rarer");
- ``score``: the method's own statistic (C1/C2 z, C3 sum, EWMA or regression t, CUSUM sum, Farrington's
  standardised excess), so an analyst can compare with the textbook definition;
- ``alert``: the method's default decision rule (documented per method in docs/warnings.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TemporalSignal:
    """One method's verdict on one series at one time step (预警信号).

    ``series_key`` is the tuple of labels of the series (e.g. ``("noise.construction.night", "D05")`` for
    category × district, or ``("Dongsi", "PM2.5")`` for a sensor). ``date`` is the analysed step (a day, or an
    hour for hourly sensor data) as a naive datetime in the series' own calendar.
    """

    series_key: tuple[str, ...]
    method: str
    date: datetime
    observed: float
    expected: float
    threshold: float
    p_value: float
    score: float
    alert: bool

    @property
    def recurrence_interval(self) -> float:
        """Expected steps between signals this extreme when nothing is going on (1 / p-value)."""
        return float("inf") if self.p_value <= 0 else 1.0 / self.p_value


@dataclass(frozen=True)
class DetectorResult:
    """A method's output for many series at once: arrays of shape (series, evaluated steps).

    ``steps`` are the column indices of the input that were evaluated. A NaN ``expected`` means the method
    could not judge that cell (too little history, a missing observation, or no model fit); such cells never alert.
    """

    method: str
    steps: IntArray
    observed: FloatArray
    expected: FloatArray
    threshold: FloatArray
    p_value: FloatArray
    score: FloatArray
    alert: BoolArray

    @property
    def judged(self) -> BoolArray:
        return ~np.isnan(self.expected)
