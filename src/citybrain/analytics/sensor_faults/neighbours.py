"""A jump unlike the neighbouring stations (突变): one station's hour-to-hour change set against the other stations'
changes in the same hour.

A city-wide episode moves every station together, so the others' median change moves with it and nothing is
flagged; a station that leaps alone stands many robust standard deviations (1.4826 × the median absolute
deviation of the others' changes) away. A rise answered within a few readings by a change back the other way is
one excursion (a spike): the readings in between are flagged, not the reading the series came back on.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from citybrain.analytics.sensor_faults.flags import BoolArray, Fault, FloatArray, IntArray, duration, make_fault, number

MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class NeighbourChanges:
    """Per station and change (from reading t to t + 1), shape (stations, steps − 1): the station's change, its
    neighbours' median change and robust spread, how many neighbours measured, and the robust z."""

    change: FloatArray
    median: FloatArray
    spread: FloatArray
    neighbours: IntArray
    z: FloatArray


def neighbour_changes(
    values: FloatArray, neighbours: BoolArray | None = None, *, spread_floor: float
) -> NeighbourChanges:
    """Each station's change against the median and robust spread of its neighbours' changes in the same step.

    ``neighbours[i, j]`` says whether station j is a neighbour of i (default: every other station). The spread is
    floored at ``spread_floor`` so a dead-calm hour does not make every small change infinitely unusual.
    """
    stations = values.shape[0]
    change = np.diff(values, axis=1)
    mask = ~np.eye(stations, dtype=bool)
    if neighbours is not None:
        mask &= np.asarray(neighbours, dtype=bool)
    median = np.full(change.shape, np.nan)
    spread = np.full(change.shape, np.nan)
    count = np.zeros(change.shape, dtype=np.int64)
    for i in range(stations):
        others = change[mask[i]]
        if others.shape[0] == 0:
            continue
        count[i] = (~np.isnan(others)).sum(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN hours: no neighbour measured
            median[i] = np.nanmedian(others, axis=0)
            spread[i] = MAD_TO_SD * np.nanmedian(np.abs(others - median[i]), axis=0)
    spread = np.fmax(spread, spread_floor)
    z = (change - median) / spread
    return NeighbourChanges(change, median, spread, count, z)


def jumps(
    values: FloatArray,
    times: IntArray,
    *,
    min_jump: float,
    unit: str,
    z_limit: float,
    min_neighbours: int,
    spike_return: int,
    neighbours: BoolArray | None = None,
) -> list[Fault]:
    """Changes more than ``z_limit`` robust sd from the neighbours' median change (and at least ``min_jump``: the
    spread is floored at ``min_jump / z_limit``), judged where at least ``min_neighbours`` others measured."""
    nc = neighbour_changes(values, neighbours, spread_floor=min_jump / z_limit)
    with np.errstate(invalid="ignore"):
        flagged = (np.abs(nc.z) > z_limit) & (nc.neighbours >= min_neighbours)
    faults: list[Fault] = []
    for station in np.flatnonzero(flagged.any(axis=1)).tolist():
        steps = np.flatnonzero(flagged[station]).tolist()
        faults.extend(_attribute(station, steps, nc, times, unit, spike_return))
    return sorted(faults, key=lambda f: (f.series, f.first))


def _attribute(
    station: int, steps: list[int], nc: NeighbourChanges, times: IntArray, unit: str, spike_return: int
) -> list[Fault]:
    """Turn one station's flagged changes into faults: an excursion and its return are one fault."""
    faults = []
    i = 0
    while i < len(steps):
        k = steps[i]
        sign = np.sign(nc.change[station, k])
        back = next(
            (
                j
                for j in range(i + 1, len(steps))
                if steps[j] - k <= spike_return and np.sign(nc.change[station, steps[j]]) == -sign
            ),
            None,
        )
        stop = steps[back] + 1 if back is not None else k + 2
        say = _evidence(station, k, nc, times, unit)
        if back is not None:
            kb = steps[back]
            say += f"; back {nc.change[station, kb]:+.4g} {unit} {duration(float(times[kb + 1] - times[k + 1]))} later"
        faults.append(make_fault("jump", station, (k + 1, stop), (int(times[k + 1]), int(times[stop - 1])), say))
        i = back + 1 if back is not None else i + 1
    return faults


def _evidence(station: int, k: int, nc: NeighbourChanges, times: IntArray, unit: str) -> str:
    step = duration(float(times[k + 1] - times[k]))
    return (
        f"jump {nc.change[station, k]:+.4g} {unit} in {step} while the {nc.neighbours[station, k]} neighbours "
        f"moved {nc.median[station, k]:+.4g} median; robust z {number(float(nc.z[station, k]))}"
    )
