"""Synthetic hourly air tables in the Beijing layout, for tests that need exact, hand-checkable inputs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pyarrow as pa

POLLUTANTS = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3")
#: A quiet hour: every IAQI small (PM2.5 10 → 15, PM10 20 → 20, SO2 10 → 10, NO2 20 → 25, CO 500 µg/m³ → 13, O3 50).
QUIET = {"PM2.5": 10.0, "PM10": 20.0, "SO2": 10.0, "NO2": 20.0, "CO": 500.0, "O3": 50.0}

Value = float | None


def hours_table(
    hours: int,
    *,
    start: datetime = datetime(2020, 1, 1),
    station: str = "S1",
    **series: Sequence[Value] | Value,
) -> pa.Table:
    """``hours`` rows from ``start``; each pollutant constant (``QUIET`` by default) or one value per hour (None = NA).

    Pass pollutants by their column name with the dot removed (``PM25=…``)."""
    times = [start + timedelta(hours=i) for i in range(hours)]
    columns: dict[str, list[object]] = {
        "year": [t.year for t in times],
        "month": [t.month for t in times],
        "day": [t.day for t in times],
        "hour": [t.hour for t in times],
    }
    for name in POLLUTANTS:
        given = series.get(name.replace(".", ""), QUIET[name])
        values: list[object] = list(given) if isinstance(given, Sequence) else [given] * hours
        assert len(values) == hours, name
        columns[name] = values
    columns["station"] = [station] * hours
    types = {"year": pa.int64(), "month": pa.int64(), "day": pa.int64(), "hour": pa.int64(), "station": pa.string()}
    return pa.table({k: pa.array(v, type=types.get(k, pa.float64())) for k, v in columns.items()})


def gaps(hours: int, value: float, missing: Sequence[int]) -> list[Value]:
    """``value`` every hour except the ``missing`` ones."""
    skip = set(missing)
    return [None if i in skip else value for i in range(hours)]
