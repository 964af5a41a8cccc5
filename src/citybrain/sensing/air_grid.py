"""Hourly air readings laid on a regular grid (station × hour), and the moving means the AQI needs.

The Beijing layout (year, month, day, hour, PM2.5, PM10, SO2, NO2, CO, O3, station) arrives as an Arrow table; here
it becomes one float array per pollutant, shape (stations, hours), NaN where nothing valid was measured, so that every
mean, count and window is a vectorised numpy operation. Hour ``h`` of a day is taken as the hour beginning at h:00,
as the file labels it (0…23), in the file's own local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from citybrain.core.errors import InvalidInput
from citybrain.sensing.aqi import MG, UG

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TIME_COLUMNS: tuple[str, ...] = ("year", "month", "day", "hour")
POLLUTANT_COLUMNS: tuple[str, ...] = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3")
REQUIRED_COLUMNS: tuple[str, ...] = (*TIME_COLUMNS, *POLLUTANT_COLUMNS, "station")

#: Units the index needs (HJ 633-2012 Table 1), and what one unit of each accepted measured unit is in it.
INDEX_UNITS: dict[str, str] = {"PM2.5": UG, "PM10": UG, "SO2": UG, "NO2": UG, "CO": MG, "O3": UG}
TO_INDEX_UNIT: dict[tuple[str, str], float] = {(UG, UG): 1.0, (MG, MG): 1.0, (UG, MG): 1e-3, (MG, UG): 1e3}

#: The Beijing multi-site files measure every pollutant in µg/m³ — CO included (100…10,000 µg/m³).
BEIJING_UNITS: dict[str, str] = dict.fromkeys(POLLUTANT_COLUMNS, UG)


@dataclass(frozen=True)
class AirSeries:
    """Hourly concentrations, in the index's units, of several stations on one hourly grid.

    ``values[p]`` has shape (stations, hours) from 00:00 of ``start``; ``first_day``/``last_day`` give each
    station's own span in days from ``start`` (the days its rows cover). ``negatives`` counts readings below zero,
    which were treated as missing.
    """

    stations: tuple[str, ...]
    start: date
    days: int
    values: dict[str, FloatArray]
    first_day: IntArray
    last_day: IntArray
    measured_units: dict[str, str]
    negatives: dict[str, int]


def int_column(table: pa.Table, name: str) -> IntArray:
    column = table.column(name)
    if column.null_count:
        raise InvalidInput(f"column {name!r} has {column.null_count} empty value(s); every row needs its {name}")
    try:
        return np.asarray(column.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InvalidInput(f"column {name!r} must hold whole numbers: {exc}") from None


def _float_column(table: pa.Table, name: str) -> FloatArray:
    try:
        column = table.column(name).cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InvalidInput(f"column {name!r} must hold numbers (or NA): {exc}") from None
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)


def day_numbers(year: IntArray, month: IntArray, day: IntArray, hour: IntArray) -> IntArray:
    """Days since 1970-01-01 of each row; InvalidInput naming the first impossible date or hour."""
    bad = (month < 1) | (month > 12) | (day < 1) | (day > 31) | (hour < 0) | (hour > 23)
    months = (year - 1970) * 12 + np.clip(month, 1, 12) - 1
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    days = first + np.clip(day, 1, 31) - 1
    bad |= days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) != months  # e.g. 31 April
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidInput(
            f"row {i + 1}: no such date or hour: year {year[i]}, month {month[i]}, day {day[i]}, hour {hour[i]}"
        )
    return np.asarray(days, dtype=np.int64)


def air_series(table: pa.Table, units: dict[str, str] | None = None) -> AirSeries:
    """Lay a table in the Beijing layout on the station × hour grid, converting to the index's units.

    ``units`` gives the measured unit of each pollutant column (default: :data:`BEIJING_UNITS`). A station-hour
    given twice is an error, not a silent choice between two readings.
    """
    units = {**BEIJING_UNITS, **(units or {})}
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise InvalidInput(f"missing column(s): {', '.join(missing)}")
    if table.num_rows == 0:
        raise InvalidInput("no rows: nothing to compute")
    station_col = table.column("station")
    if station_col.null_count:
        raise InvalidInput(f"column 'station' has {station_col.null_count} empty value(s)")
    encoded = pc.dictionary_encode(station_col.cast(pa.string())).combine_chunks()
    stations = tuple(str(s) for s in encoded.dictionary.to_pylist())
    station = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    year, month, day, hour = (int_column(table, c) for c in TIME_COLUMNS)
    day_no = day_numbers(year, month, day, hour)
    start_no = int(day_no.min())
    days = int(day_no.max()) - start_no + 1
    hours = days * 24
    flat = station * hours + (day_no - start_no) * 24 + hour
    seen = np.bincount(flat, minlength=len(stations) * hours)
    if seen.max() > 1:
        cell = int(np.argmax(seen > 1))
        when = date(1970, 1, 1) + timedelta(days=start_no + (cell % hours) // 24)
        raise InvalidInput(f"station {stations[cell // hours]}: {when} hour {cell % 24} appears more than once")
    values: dict[str, FloatArray] = {}
    negatives: dict[str, int] = {}
    for name in POLLUTANT_COLUMNS:
        factor = TO_INDEX_UNIT.get((units[name], INDEX_UNITS[name]))
        if factor is None:
            raise InvalidInput(f"{name}: unit {units[name]!r} cannot be converted to {INDEX_UNITS[name]}")
        measured = _float_column(table, name)
        below = measured < 0
        negatives[name] = int(below.sum())
        grid = np.full(len(stations) * hours, np.nan)
        grid[flat] = np.where(below, np.nan, measured * factor)
        values[name] = grid.reshape(len(stations), hours)
    first_day = np.full(len(stations), days, dtype=np.int64)
    last_day = np.full(len(stations), -1, dtype=np.int64)
    np.minimum.at(first_day, station, day_no - start_no)
    np.maximum.at(last_day, station, day_no - start_no)
    start = date(1970, 1, 1) + timedelta(days=start_no)
    return AirSeries(stations, start, days, values, first_day, last_day, {p: units[p] for p in values}, negatives)


def moving_mean(values: FloatArray, window: int, min_valid: int) -> tuple[FloatArray, IntArray]:
    """Mean of hours h-window+1 … h for every hour h (along the last axis), and how many of them were valid.

    Hours before the start of the series count as missing. The mean is NaN where fewer than ``min_valid`` hours
    of the window have a value (GB 3095-2012: 6 of 8 for an 8-h mean, 20 of 24 for a 24-h mean).
    """
    valid = ~np.isnan(values)
    pad = [(0, 0)] * (values.ndim - 1) + [(1, 0)]
    sums = np.pad(np.cumsum(np.where(valid, values, 0.0), axis=-1), pad)
    counts = np.pad(np.cumsum(valid, axis=-1, dtype=np.int64), pad)
    n = values.shape[-1]
    lag = np.maximum(np.arange(n) + 1 - window, 0)
    total = sums[..., 1:] - sums[..., lag]
    count = counts[..., 1:] - counts[..., lag]
    mean = np.where(count >= max(min_valid, 1), total / np.maximum(count, 1), np.nan)
    return np.asarray(mean, dtype=np.float64), np.asarray(count, dtype=np.int64)
