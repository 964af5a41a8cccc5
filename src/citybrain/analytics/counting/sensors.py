"""Sensor readings → district × local day means: from a sensor file (CSV: station, district, lat, lon, quantity,
unit, time, value; :func:`district_days`) or from stored readings handed over as an Arrow table (station, district,
quantity, time, value; :func:`table_district_days` — the loader lives in ``sensing.district_readings``).

Each station's day is the median of its readings (one stuck hour, spike or sentinel value does not move it); a
district's day is the mean over its stations. Readings that are not numbers, or negative, are left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from citybrain.analytics.counting import sql
from citybrain.core.errors import InvalidInput

SENSOR_COLUMNS = ("station", "district", "lat", "lon", "quantity", "unit", "time", "value")


@dataclass(frozen=True)
class DistrictDays:
    """``values[i, j]``: the mean of key ``keys[i]`` (district, quantity) on ``first_day + j``; NaN = no reading."""

    keys: list[tuple[str, str]]
    first_day: date
    values: npt.NDArray[np.float64]
    readings: int
    rejected: int


def district_days(con: duckdb.DuckDBPyConnection, path: Path, *, timezone: str) -> DistrictDays:
    """Read ``path`` and aggregate it; InvalidInput for a missing file or column, or a file without readings."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such sensor file")
    quoted = str(path).replace("'", "''")
    try:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW raw_sensors AS SELECT * FROM "
            f"read_csv('{quoted}', header = true, all_varchar = true)"
        )
        present = sql.columns(con, "raw_sensors")
    except duckdb.Error as exc:
        raise InvalidInput(f"{path}: cannot be read as CSV: {str(exc).splitlines()[0]}") from exc
    missing = [c for c in SENSOR_COLUMNS if c not in present]
    if missing:
        raise InvalidInput(
            f"{path}: missing column(s) {', '.join(missing)}; a sensor file needs {', '.join(SENSOR_COLUMNS)}"
        )
    return _aggregate(con, timezone, str(path))


def table_district_days(con: duckdb.DuckDBPyConnection, table: pa.Table, *, timezone: str, label: str) -> DistrictDays:
    """Aggregate rows already read (columns station, district, quantity, time — aware — and value); ``label`` names
    them in errors. InvalidInput when there is no valid reading."""
    missing = [c for c in ("station", "district", "quantity", "time", "value") if c not in table.column_names]
    if missing:
        raise InvalidInput(f"{label}: missing column(s) {', '.join(missing)}")
    con.register("raw_sensor_table", table)
    con.execute("CREATE OR REPLACE TEMP VIEW raw_sensors AS SELECT * FROM raw_sensor_table")
    return _aggregate(con, timezone, label)


def _aggregate(con: duckdb.DuckDBPyConnection, timezone: str, label: str) -> DistrictDays:
    """The view ``raw_sensors`` per station and local day (median), then per district (mean)."""
    zone = timezone.replace("'", "")
    try:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW sensor_rows AS SELECT station, district, quantity,"
            f" CAST(timezone('{zone}', TRY_CAST(time AS TIMESTAMPTZ)) AS DATE) AS day, TRY_CAST(value AS DOUBLE) AS v"
            " FROM raw_sensors"
        )
        total, bad = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE v IS NULL OR v < 0 OR day IS NULL) FROM sensor_rows"
        ).fetchone() or (0, 0)
        rows = con.execute(
            "SELECT district, quantity, day, avg(m) FROM (SELECT district, quantity, station, day, median(v) AS m"
            " FROM sensor_rows WHERE v >= 0 AND day IS NOT NULL GROUP BY ALL) GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    except duckdb.Error as exc:
        raise InvalidInput(f"{label}: unreadable readings: {str(exc).splitlines()[0]}") from exc
    if not rows:
        raise InvalidInput(f"{label}: no valid reading (numbers ≥ 0 with a time)")
    return _dense(rows, int(total), int(bad))


def _dense(rows: list[tuple[str, str, date, float]], total: int, bad: int) -> DistrictDays:
    keys = sorted({(str(d), str(q)) for d, q, _, _ in rows})
    first = min(r[2] for r in rows)
    last = max(r[2] for r in rows)
    values = np.full((len(keys), (last - first).days + 1), np.nan)
    index = {k: i for i, k in enumerate(keys)}
    for district, quantity, day, mean in rows:
        values[index[(str(district), str(quantity))], (day - first).days] = float(mean)
    return DistrictDays(keys, first, values, total, bad)


def window(data: DistrictDays, first: date, days: int) -> npt.NDArray[np.float64]:
    """The values over ``first`` … ``first + days − 1`` (NaN outside what the file covers)."""
    out = np.full((len(data.keys), days), np.nan)
    offset = (first - data.first_day).days
    lo, hi = max(0, -offset), min(days, data.values.shape[1] - offset)
    if lo < hi:
        out[:, lo:hi] = data.values[:, lo + offset : hi + offset]
    return out


def last_day(data: DistrictDays) -> date:
    return data.first_day + timedelta(days=data.values.shape[1] - 1)
