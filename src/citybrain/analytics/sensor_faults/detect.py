"""The fault detectors run together: on a station × time grid of one quantity (:func:`detect_grid`), on one
irregular series (:func:`detect_series`) and on one counter with a capacity such as a car park (:func:`detect_counter`).

Out-of-range readings are set aside before the stuck and jump detectors look (an impossible value is already
flagged; it should not also make its neighbours' hours look like jumps).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from citybrain.analytics.sensor_faults.flags import Fault, FaultReport, FloatArray, IntArray, as_seconds
from citybrain.analytics.sensor_faults.neighbours import jumps
from citybrain.analytics.sensor_faults.options import PARKING_OPTIONS, QUANTITY_LIMITS, FaultOptions, QuantityLimits
from citybrain.analytics.sensor_faults.series import at_ceiling, counter_range, out_of_range, stuck
from citybrain.analytics.sensor_faults.timing import arrivals, gaps, silence_until


def _series_faults(
    series: int,
    times: IntArray,
    values: FloatArray,
    limits: QuantityLimits,
    options: FaultOptions,
) -> tuple[list[Fault], FloatArray]:
    """Range, cap, stuck and gap faults of one series, and its values with out-of-range readings set to NaN."""
    faults = out_of_range(series, times, values, limits.lower, limits.upper, limits.unit)
    kept = values.copy()
    for fault in faults:
        kept[fault.first : fault.stop] = np.nan
    faults += at_ceiling(series, times, kept, limits.ceiling, limits.unit)
    faults += stuck(
        series,
        times,
        kept,
        min_readings=options.stuck_readings,
        min_seconds=options.stuck_min_seconds,
        floor=limits.floor,
    )
    faults += gaps(
        series,
        times,
        ~np.isnan(values),
        factor=options.gap_factor,
        spacing=options.spacing,
        active_hours=options.active_hours,
    )
    return faults, kept


def _check(times: IntArray, values: FloatArray) -> None:
    if values.shape[-1] != times.shape[0]:
        raise ValueError(f"{times.shape[0]} times for {values.shape[-1]} readings per series")


def detect_series(
    times: npt.ArrayLike, values: npt.ArrayLike, limits: QuantityLimits, options: FaultOptions | None = None
) -> FaultReport:
    """Range, cap, stuck and gap faults of one series (regular or not) — everything but jumps, which need neighbours."""
    seconds, readings = as_seconds(times), np.asarray(values, dtype=np.float64)
    _check(seconds, readings)
    faults, _ = _series_faults(0, seconds, readings, limits, options or FaultOptions())
    return FaultReport(tuple(sorted(faults, key=lambda f: f.first)), np.isnan(readings))


def detect_grid(
    times: npt.ArrayLike,
    values: npt.ArrayLike,
    limits: QuantityLimits,
    options: FaultOptions | None = None,
    *,
    neighbours: npt.ArrayLike | None = None,
) -> FaultReport:
    """Every fault of several stations measuring one quantity on one time grid: ``values`` (stations, times).

    Each station's series is judged on its own (range, cap, stuck, gap); its changes are judged against the
    other stations' (or ``neighbours[i]``'s) changes in the same step (jump).
    """
    options = options or FaultOptions()
    seconds, grid = as_seconds(times), np.atleast_2d(np.asarray(values, dtype=np.float64))
    _check(seconds, grid)
    faults: list[Fault] = []
    kept = np.empty_like(grid)
    for station in range(grid.shape[0]):
        found, kept[station] = _series_faults(station, seconds, grid[station], limits, options)
        faults += found
    near = None if neighbours is None else np.asarray(neighbours, dtype=bool)
    faults += jumps(
        kept,
        seconds,
        min_jump=limits.min_jump,
        unit=limits.unit,
        z_limit=options.jump_z,
        min_neighbours=options.min_neighbours,
        spike_return=options.spike_return,
        neighbours=near,
    )
    return FaultReport(tuple(sorted(faults, key=lambda f: (f.series, f.first, f.kind))), np.isnan(grid))


def detect_counter(
    times: npt.ArrayLike,
    values: npt.ArrayLike,
    capacity: npt.ArrayLike,
    options: FaultOptions | None = None,
    *,
    until: int | None = None,
) -> FaultReport:
    """Faults of one counter with a capacity (a car park's occupancy), readings in the order they arrived.

    ``capacity`` is one number or one per reading. Duplicates, times out of step, negatives, over capacity,
    gaps (in active hours) and stuck counts (not at zero, not at or above capacity: an empty or full car park may
    hold still). ``until`` (seconds, the same clock as ``times``): the end of the span judged — a silence from the
    last reading up to it is a ``gap`` too (:func:`~.timing.silence_until`).
    """
    options = options or PARKING_OPTIONS
    seconds, readings = as_seconds(times), np.asarray(values, dtype=np.float64)
    _check(seconds, readings)
    cap = np.broadcast_to(np.asarray(capacity, dtype=np.float64), readings.shape)
    floor = QUANTITY_LIMITS["occupancy"].floor
    faults = arrivals(0, seconds, readings, soon_factor=options.soon_factor, spacing=options.spacing)
    copies = np.zeros(readings.shape, dtype=bool)
    for fault in faults:
        if fault.kind == "duplicate":
            copies[fault.first] = True
    faults += counter_range(0, seconds, readings, cap)
    originals = np.flatnonzero(~copies)
    judged = readings[originals]
    found = stuck(
        0,
        seconds[originals],
        judged,
        min_readings=options.stuck_readings,
        min_seconds=options.stuck_min_seconds,
        floor=floor,
        top=float(np.min(cap)) if cap.size else None,
    )
    faults += [_moved(f, originals) for f in found]
    found = gaps(
        0,
        seconds[originals],
        ~np.isnan(judged),
        factor=options.gap_factor,
        spacing=options.spacing,
        active_hours=options.active_hours,
    )
    faults += [_moved(f, originals) for f in found]
    if until is not None:
        faults += silence_until(0, seconds, ~np.isnan(readings) & ~copies, until, factor=options.gap_factor,
                                spacing=options.spacing, active_hours=options.active_hours)  # fmt: skip
    return FaultReport(tuple(sorted(faults, key=lambda f: (f.first, f.kind))), np.isnan(readings))


def _moved(fault: Fault, rows: IntArray) -> Fault:
    """A fault found among the original readings, with its rows mapped back to the series as given."""
    first = int(rows[fault.first]) if fault.first < rows.size else int(rows[-1]) + 1
    stop = int(rows[fault.stop - 1]) + 1 if fault.stop > fault.first else first
    return replace(fault, first=first, stop=stop)
