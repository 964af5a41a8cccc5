"""The counting the early warning needs besides the series and the cube: the scan's stable grid, the first and last
days with a case, and the member cases of an alarming series — all DuckDB SQL over the view ``cases``.

The grid of the scan is anchored at (0°, 0°) with a whole-degree reference latitude, so a cell has the same id
every day whatever the cases of the day are: that is what lets a continuing cluster grow one alert.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

import duckdb

from citybrain.analytics.counting import sql
from citybrain.analytics.counting.grid import Grid
from citybrain.analytics.counting.series import NONE_LABEL
from citybrain.analytics.warning_options import DEFAULT_KEYS


def stable_grid(con: duckdb.DuckDBPyConnection, cell_m: float) -> Grid:
    """A grid whose cell ids do not depend on the day's cases (see the module's docstring)."""
    row = con.execute("SELECT avg(lat) FROM cases WHERE lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180").fetchone()
    mean = float(row[0]) if row and row[0] is not None else 0.0
    return Grid(size_m=cell_m, ref_lat=math.floor(mean) + 0.5, origin_lat=0.0, origin_lon=0.0)


def last_case_day(con: duckdb.DuckDBPyConnection, timezone: str, today: date) -> date | None:
    """The latest local day with a case that is not after ``today``."""
    row = con.execute(
        f"SELECT max(d) FROM (SELECT {sql.local_day(timezone)} AS d FROM cases) WHERE d <= ?", [today]
    ).fetchone()
    return row[0] if row and row[0] is not None else None


def first_case_day(con: duckdb.DuckDBPyConnection, timezone: str) -> date:
    row = con.execute(f"SELECT min({sql.local_day(timezone)}) FROM cases").fetchone()
    assert row is not None
    assert row[0] is not None
    return row[0]  # type: ignore[no-any-return]


def present_columns(con: duckdb.DuckDBPyConnection, by: tuple[str, ...]) -> tuple[str, ...]:
    """The default split, as far as the cases have its columns (a file without districts: by category alone).

    Columns a user named are passed on as they are, so a missing one is an error, not a silent change."""
    if by != DEFAULT_KEYS:
        return by
    columns = sql.columns(con)
    return tuple(c for c in by if c in columns) or ("category",)


def series_members(
    con: duckdb.DuckDBPyConnection,
    keys: Iterable[tuple[str, ...]],
    columns: tuple[str, ...],
    as_of: date,
    timezone: str,
) -> dict[tuple[str, ...], tuple[str, ...]]:
    """The cases of each series key on the analysis day (distinct ids, oldest first)."""
    local_day = sql.local_day(timezone)
    found: dict[tuple[str, ...], tuple[str, ...]] = {}
    for key in sorted(set(keys)):
        matches = " AND ".join(f"COALESCE(CAST({c} AS VARCHAR), '{NONE_LABEL}') = ?" for c in columns)
        rows = con.execute(
            f"SELECT id FROM cases WHERE {local_day} = ? AND {matches} GROUP BY id ORDER BY min(created_at), id",
            [as_of, *key],
        ).fetchall()
        found[key] = tuple(str(r[0]) for r in rows)
    return found
