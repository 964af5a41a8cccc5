"""What a fault detector says about a sensor series: one :class:`Fault` per flagged reading or run.

Each fault carries a quality flag on the scale of US IOOS QARTOD (Quality Assurance / Quality Control of Real-Time
Oceanographic Data, the flag scheme most sensor networks reuse): 1 pass, 2 not evaluated, 3 suspect, 4 fail,
9 missing. :meth:`Fault.result_quality` is the JSON a SensorThings Observation's ``resultQuality`` can hold, and
:meth:`FaultReport.quality` gives every reading its worst flag, so an importer keeps every reading, marks it, and
leaves readings flagged 3, 4 or 9 out of aggregates.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FlagArray = npt.NDArray[np.int8]

FaultKind = Literal[
    "stuck", "gap", "jump", "out_of_range", "at_ceiling", "duplicate", "over_capacity", "negative", "irregular_time"
]

PASS, NOT_EVALUATED, SUSPECT, FAIL, MISSING = 1, 2, 3, 4, 9
FLAG_NAMES: dict[int, str] = {
    PASS: "pass",
    NOT_EVALUATED: "not_evaluated",
    SUSPECT: "suspect",
    FAIL: "fail",
    MISSING: "missing",
}

#: The flag each kind sets, and why: a fault that may be real (a local fire, a car park parked beyond its bays, a
#: reading at the instrument's cap) is suspect; one that cannot be a measurement (frozen, impossible, a copy) fails.
KIND_QUALITY: dict[str, int] = {
    "stuck": FAIL,  # a frozen instrument does not measure
    "gap": MISSING,
    "jump": SUSPECT,  # one station alone can see a real local source
    "out_of_range": FAIL,  # outside the physical or instrument range
    "at_ceiling": SUSPECT,  # censored: the true value is at least the cap
    "duplicate": FAIL,  # a copy of a reading already counted
    "over_capacity": SUSPECT,  # cars parked beyond the marked bays happen; counters also drift
    "negative": FAIL,
    "irregular_time": SUSPECT,
}

#: What each kind is called on the pages (中文, English).
KIND_NAMES: dict[str, tuple[str, str]] = {
    "stuck": ("数值不变", "stuck value"),
    "gap": ("数据中断", "gap"),
    "jump": ("突变", "jump"),
    "out_of_range": ("超出量程", "out of range"),
    "at_ceiling": ("达到上限", "at the instrument's cap"),
    "duplicate": ("重复读数", "duplicate"),
    "over_capacity": ("超出车位数", "over capacity"),
    "negative": ("负数", "below zero"),
    "irregular_time": ("时间异常", "irregular time"),
}
FLAG_NAMES_ZH: dict[str, str] = {"suspect": "可疑", "fail": "故障", "missing": "缺失", "not_evaluated": "未评估"}


@dataclass(frozen=True)
class Fault:
    """One flagged reading or run of readings in one series.

    ``first``/``stop`` are row indices into the series as given (half-open, like a slice): the readings concerned.
    A gap between two readings of an irregular series concerns no row: then ``first == stop`` is the row after it.
    ``start_time``/``end_time`` are seconds since 1970: the first and last flagged readings, or for a gap the last
    reading before and the first after the silence.
    """

    kind: FaultKind
    series: int
    first: int
    stop: int
    start_time: int
    end_time: int
    evidence: str
    quality: int

    @property
    def readings(self) -> int:
        return self.stop - self.first

    def result_quality(self) -> dict[str, object]:
        """The SensorThings ``resultQuality`` of each reading this fault concerns (a JSON object)."""
        return {"qartod": self.quality, "flag": FLAG_NAMES[self.quality], "fault": self.kind, "evidence": self.evidence}


@dataclass(frozen=True, eq=False)
class FaultReport:
    """All faults found in ``series`` × ``readings`` values; ``missing`` marks readings without a value.

    Compared by identity (it holds an array); compare ``faults`` to compare two reports.
    """

    faults: tuple[Fault, ...]
    missing: BoolArray

    def counts(self) -> dict[str, int]:
        """Faults per kind (runs, not readings)."""
        return dict(Counter(f.kind for f in self.faults))

    def of_kind(self, kind: str) -> tuple[Fault, ...]:
        return tuple(f for f in self.faults if f.kind == kind)

    def quality(self) -> FlagArray:
        """Every reading's worst flag (1 pass … 4 fail; 9 missing), shape of ``missing``."""
        flags = np.where(self.missing, MISSING, PASS).astype(np.int8)
        flags = np.atleast_2d(flags)
        for fault in self.faults:
            cells = flags[fault.series, fault.first : fault.stop]
            worse = (cells != MISSING) & (cells < fault.quality)
            cells[worse] = fault.quality
        return flags.reshape(self.missing.shape)


def make_fault(kind: FaultKind, series: int, rows: tuple[int, int], times: tuple[int, int], evidence: str) -> Fault:
    return Fault(kind, series, rows[0], rows[1], times[0], times[1], evidence, KIND_QUALITY[kind])


def as_seconds(times: npt.ArrayLike) -> IntArray:
    """Times as int64 seconds since 1970: datetime64 of any unit, or integers already in seconds."""
    array = np.asarray(times)
    if np.issubdtype(array.dtype, np.datetime64):
        return np.asarray(array.astype("datetime64[s]").astype(np.int64), dtype=np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"times must be datetime64 or integer seconds, not {array.dtype}")
    return np.asarray(array, dtype=np.int64)


def duration(seconds: float) -> str:
    """A span as people say it: "45 min", "9 h", "2.5 d"."""
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 72 * 3600:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} d"


def number(value: float) -> str:
    return f"{value:.4g}"
