"""Faults in when readings arrive: silences (``gap``), copies (``duplicate``) and readings out of step
(``irregular_time``). Times are int64 seconds in the series' own clock, in the order the readings arrived.
"""

from __future__ import annotations

import numpy as np

from citybrain.analytics.sensor_faults.flags import BoolArray, Fault, FloatArray, IntArray, duration, make_fault, number
from citybrain.analytics.sensor_faults.series import active_time, typical_spacing


def gaps(
    series: int,
    times: IntArray,
    valid: BoolArray,
    *,
    factor: float,
    spacing: float | None,
    active_hours: tuple[float, float] | None,
) -> list[Fault]:
    """Silences longer than ``factor`` × the spacing between valid readings.

    Missing rows before the first or after the last valid reading count as a silence from one spacing before the
    first row, or until one spacing after the last (so a regular grid's k missing hours are a k + 1 h silence
    wherever they fall). With ``active_hours`` only the active part of each day counts.
    """
    active = active_time(times, active_hours)
    step = spacing if spacing is not None else typical_spacing(active, valid)
    n = times.size
    rows = np.flatnonzero(valid)
    if step is None or n == 0:
        return [_gap(series, times, (0, n), float("nan"), 0.0, n)] if n and not rows.size else []
    if not rows.size:
        return [_gap(series, times, (0, n), float(active[-1] - active[0] + step), step * factor, n)]
    limit = factor * step
    clock = "" if active_hours is None else " of active hours"
    bounds = np.concatenate(([active[0] - step], active[rows], [active[-1] + step]))
    silence = np.diff(bounds).astype(np.float64)
    after = np.concatenate((rows, [n]))  # the row that ends each silence (n: the end of the series)
    before = np.concatenate(([-1], rows))  # the valid row that starts it (-1: before the series)
    edge = np.zeros(silence.size, dtype=bool)
    edge[0], edge[-1] = rows[0] == 0, rows[-1] == n - 1  # no missing rows at the edges: no edge silence
    faults = []
    for k in np.flatnonzero((silence > limit) & ~edge).tolist():
        first, stop = int(before[k]) + 1, int(after[k])
        gap = _gap(series, times, (first, stop), float(silence[k]), limit, n, before=int(before[k]), active=clock)
        faults.append(gap)
    return faults


def silence_until(
    series: int,
    times: IntArray,
    valid: BoolArray,
    until: int,
    *,
    factor: float,
    spacing: float | None,
    active_hours: tuple[float, float] | None,
) -> list[Fault]:
    """A silence from the last valid reading up to ``until`` (the end of the span being judged) longer than
    ``factor`` × the spacing: a feed that went quiet and has not come back, which :func:`gaps` cannot see (no
    reading ends it). It concerns no row: ``first == stop`` is the row count; its end time is ``until``."""
    rows = np.flatnonzero(valid)
    if not rows.size:
        return []
    active = active_time(times, active_hours)
    step = spacing if spacing is not None else typical_spacing(active, valid)
    if step is None:
        return []
    end = int(active_time(np.array([until], dtype=np.int64), active_hours)[0])
    last = int(rows[np.argmax(active[rows])])  # the latest reading, whatever order they arrived in
    silence, limit = float(end - active[last]), factor * step
    if silence <= limit:
        return []
    clock = "" if active_hours is None else " of active hours"
    say = f"no reading for {duration(silence)}{clock} since the last, to the end of the span judged"
    say += f" (limit {duration(limit)})"
    n = times.size
    return [make_fault("gap", series, (n, n), (int(times[last]), until), say)]


def _gap(
    series: int,
    times: IntArray,
    rows: tuple[int, int],
    silence: float,
    limit: float,
    n: int,
    *,
    before: int = -1,
    active: str = "",
) -> Fault:
    first, stop = rows
    start_time = int(times[before]) if before >= 0 else int(times[min(first, n - 1)])
    end_time = int(times[stop]) if stop < n else int(times[max(stop - 1, 0)])
    if np.isnan(silence):
        say = "no valid reading in the series"
    else:
        missing = f"{stop - first} readings missing; " if stop > first else ""
        say = f"no valid reading for {duration(silence)}{active} ({missing}limit {duration(limit)})"
    # a silence between two readings of an irregular series concerns no row: first == stop, the row after it
    return make_fault("gap", series, (first, stop), (start_time, end_time), say)


def arrivals(
    series: int,
    times: IntArray,
    values: FloatArray,
    *,
    soon_factor: float,
    spacing: float | None,
) -> list[Fault]:
    """Readings whose time was already reported (``duplicate``; the first one counts) and readings that come less
    than ``soon_factor`` × the usual spacing after the one before, or before it (``irregular_time``)."""
    if times.size == 0:
        return []
    _, first_of = np.unique(times, return_index=True)
    original = np.zeros(times.size, dtype=bool)
    original[first_of] = True
    faults = _duplicates(series, times, values, original)
    kept = np.flatnonzero(original)
    lapse = np.diff(times[kept]).astype(np.float64)  # the cadence of arrivals: clock time, night included
    step = spacing if spacing is not None else (float(np.median(lapse[lapse > 0])) if (lapse > 0).any() else None)
    if step is None:
        return faults
    soon = soon_factor * step
    for k in np.flatnonzero(lapse < soon).tolist():
        row = int(kept[k + 1])
        if lapse[k] < 0:
            say = f"time goes back {duration(-lapse[k])} from the reading before"
        else:
            usual = f"usual spacing {duration(step)}, limit {duration(soon)}"
            say = f"only {duration(lapse[k])} after the reading before ({usual})"
        faults.append(make_fault("irregular_time", series, (row, row + 1), (int(times[row]), int(times[row])), say))
    return sorted(faults, key=lambda f: f.first)


def _duplicates(series: int, times: IntArray, values: FloatArray, original: BoolArray) -> list[Fault]:
    if original.all():
        return []
    first_row = {int(t): i for i, t in reversed(list(enumerate(times.tolist())))}
    faults = []
    for row in np.flatnonzero(~original).tolist():
        was = first_row[int(times[row])]
        same = values[row] == values[was] or (np.isnan(values[row]) and np.isnan(values[was]))
        what = "an exact copy" if same else f"the same time with another value ({number(values[was])})"
        say = f"value {number(values[row])}: {what} of row {was}, already counted"
        faults.append(make_fault("duplicate", series, (row, row + 1), (int(times[row]), int(times[row])), say))
    return faults
