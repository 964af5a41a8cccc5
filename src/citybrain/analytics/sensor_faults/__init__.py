"""Sensor faults (传感器故障): stuck values, gaps, jumps unlike the neighbouring stations, readings out of range or at
the instrument's cap, and — for counters such as car parks — duplicates, negatives, over capacity and irregular
times.

Pure numpy over arrays (times as int64 seconds or datetime64, values as float with NaN for missing); every fault is
a frozen :class:`Fault` with its kind, rows, times, evidence in words and a QARTOD quality flag for SensorThings'
``resultQuality``. Thresholds: :mod:`.options`; the method and its measured precision and recall:
docs/sensor_faults.md.
"""

from citybrain.analytics.sensor_faults.detect import detect_counter, detect_grid, detect_series
from citybrain.analytics.sensor_faults.flags import (
    FLAG_NAMES_ZH,
    KIND_NAMES,
    KIND_QUALITY,
    Fault,
    FaultKind,
    FaultReport,
)
from citybrain.analytics.sensor_faults.options import (
    BEIJING_LIMITS,
    PARKING_OPTIONS,
    QUANTITY_LIMITS,
    FaultOptions,
    QuantityLimits,
)

__all__ = [
    "BEIJING_LIMITS",
    "FLAG_NAMES_ZH",
    "KIND_NAMES",
    "KIND_QUALITY",
    "PARKING_OPTIONS",
    "QUANTITY_LIMITS",
    "Fault",
    "FaultKind",
    "FaultOptions",
    "FaultReport",
    "QuantityLimits",
    "detect_counter",
    "detect_grid",
    "detect_series",
]
