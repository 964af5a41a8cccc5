"""Faults one series shows on its own: out of range, at the instrument's cap, stuck, gaps, and — for counters such as
car-park occupancy — duplicates, negatives, over capacity and irregular times.

Every function takes one series (``times`` int64 seconds, ``values`` float with NaN for missing, in the order the
readings arrived) and returns the faults it finds, in row order.
"""

from __future__ import annotations

import numpy as np

from citybrain.analytics.sensor_faults.flags import (
    BoolArray,
    Fault,
    FaultKind,
    FloatArray,
    IntArray,
    duration,
    make_fault,
    number,
)


def runs(mask: BoolArray) -> list[tuple[int, int]]:
    """The maximal runs of True in ``mask`` as half-open (start, stop) row ranges."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _run_faults(
    kind: FaultKind, series: int, times: IntArray, mask: BoolArray, say: str, values: FloatArray
) -> list[Fault]:
    faults = []
    for start, stop in runs(mask):
        seen = values[start:stop]
        what = (
            f"value {number(seen[0])}"
            if stop - start == 1
            else f"{stop - start} readings {number(seen.min())}…{number(seen.max())}"
        )
        faults.append(
            make_fault(kind, series, (start, stop), (int(times[start]), int(times[stop - 1])), f"{what} {say}")
        )
    return faults


def out_of_range(
    series: int, times: IntArray, values: FloatArray, lower: float, upper: float | None, unit: str
) -> list[Fault]:
    """Readings below ``lower`` or above ``upper``; a run of them is one fault."""
    high = np.inf if upper is None else upper
    with np.errstate(invalid="ignore"):
        mask = (values < lower) | (values > high)
    top = "" if upper is None else f"{number(upper)} "
    return _run_faults(
        "out_of_range", series, times, mask, f"outside the physical range {number(lower)}…{top}{unit}", values
    )


def at_ceiling(series: int, times: IntArray, values: FloatArray, ceiling: float | None, unit: str) -> list[Fault]:
    """Readings at the instrument's reporting cap: censored, the true value is at least the cap."""
    if ceiling is None:
        return []
    with np.errstate(invalid="ignore"):
        mask = values >= ceiling
    say = f"at the instrument's cap {number(ceiling)} {unit}: the true value is at least that"
    return _run_faults("at_ceiling", series, times, mask, say, values)


def counter_range(series: int, times: IntArray, values: FloatArray, capacity: FloatArray) -> list[Fault]:
    """A count below zero (``negative``) or above its capacity (``over_capacity``), one fault per run."""
    with np.errstate(invalid="ignore"):
        negative = values < 0
        over = values > capacity
    faults = _run_faults("negative", series, times, negative, "below zero: a count cannot be negative", values)
    for start, stop in runs(over):
        seen, cap = values[start:stop], capacity[start:stop]
        excess = seen - cap
        what = (
            f"occupancy {number(seen[0])} of capacity {number(cap[0])}"
            if stop - start == 1
            else (f"{stop - start} readings over capacity {number(cap[0])} (up to {number(seen.max())})")
        )
        say = f"{what}: {number(excess.max())} above what the car park holds"
        faults.append(
            make_fault("over_capacity", series, (start, stop), (int(times[start]), int(times[stop - 1])), say)
        )
    return sorted(faults, key=lambda f: f.first)


def stuck(
    series: int,
    times: IntArray,
    values: FloatArray,
    *,
    min_readings: int,
    min_seconds: float,
    floor: float,
    top: float | None = None,
) -> list[Fault]:
    """Runs of at least ``min_readings`` equal successive valid readings, lasting ``min_seconds`` or more.

    Missing readings inside a run do not break it (a frozen sensor that also drops messages is still frozen).
    Runs at or below ``floor`` (the resolution floor) or at or above ``top`` (a full car park) are not judged.
    """
    rows = np.flatnonzero(~np.isnan(values))
    if rows.size < min_readings:
        return []
    seen = values[rows]
    new_value = np.concatenate(([True], seen[1:] != seen[:-1]))
    starts = np.flatnonzero(new_value)
    stops = np.concatenate((starts[1:], [seen.size]))
    faults = []
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        value, first, last = seen[a], rows[a], rows[b - 1]
        span = float(times[last] - times[first])
        if b - a < min_readings or span < min_seconds or value <= floor or (top is not None and value >= top):
            continue
        say = (
            f"value {number(value)} unchanged over {b - a} readings ({duration(span)} from first to last; "
            f"limit {min_readings} readings)"
        )
        faults.append(
            make_fault("stuck", series, (int(first), int(last) + 1), (int(times[first]), int(times[last])), say)
        )
    return faults


def active_time(times: IntArray, active_hours: tuple[float, float] | None) -> IntArray:
    """Seconds counted only within the active hours of each day (times in the series' own local clock)."""
    if active_hours is None:
        return times
    start, end = (int(round(h * 3600)) for h in active_hours)
    day, clock = np.divmod(times, 86400)
    return np.asarray(day * (end - start) + np.clip(clock - start, 0, end - start), dtype=np.int64)


def typical_spacing(active: IntArray, valid: BoolArray) -> float | None:
    """The median positive spacing between successive valid readings (None when there are fewer than two)."""
    steps = np.diff(active[valid])
    steps = steps[steps > 0]
    return float(np.median(steps)) if steps.size else None
