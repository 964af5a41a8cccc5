"""Temporal detectors (时间序列预警): EARS C1/C2/C3, EWMA, adaptive regression, Farrington flexible, CUSUM.

Pure numpy/scipy over a 2-D array series × steps (days, or hours for sensors), vectorised over the series.
The counting that produces the array lives in ``analytics.counting.series``; the alerts layer consumes
:class:`TemporalSignal` records from :func:`run_all`. Methods and their parameters: docs/warnings.md.
"""

from citybrain.analytics.detectors.run import DEFAULT_METHODS, METHODS, evaluate, run_all
from citybrain.analytics.detectors.signals import DetectorResult, TemporalSignal

__all__ = ["DEFAULT_METHODS", "METHODS", "DetectorResult", "TemporalSignal", "evaluate", "run_all"]
