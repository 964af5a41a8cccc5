"""Cases → counts per grid cell × local day over a window ending at ``as_of``: the input of the space-time scan.

One GROUP BY over the view ``cases`` (see ``analytics.io``) in portable SQL, plus the per-case (cell, day, id) list a
scan needs to name a cluster's cases. Days are the city's local calendar days (``timezone``), since "today" for a
12345 centre is its own day. What cannot be placed is left out and counted, never silently dropped:

* cases without usable coordinates (missing, out of range, or exactly (0, 0)) — temporal detectors still use them;
* cases dated after ``as_of`` (a clock or import error: the future is not "today");
* repeated rows of one case id (counted once) and cases marked as duplicates of another (``duplicate_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
from numpy.typing import NDArray

from citybrain.analytics.counting import sql
from citybrain.analytics.counting.grid import Grid, grid_for
from citybrain.analytics.scan.stpscan import Members
from citybrain.analytics.warning_options import CENTRES
from citybrain.core.errors import InvalidInput

MAX_WINDOW_DAYS = 366


@dataclass(frozen=True)
class LeftOut:
    """Cases of the window that the cube could not place, by reason."""

    without_coordinates: int
    in_future: int
    repeated_rows: int
    marked_duplicates: int


@dataclass(frozen=True)
class Cube:
    """Counts per cell (rows, only cells with a case in the window) × day (columns, ``start`` … ``end``)."""

    counts: NDArray[np.int64]
    cells: tuple[str, ...]  # "<row>_<col>" of the grid
    lat: NDArray[np.float64]  # cell centres
    lon: NDArray[np.float64]
    start: date
    end: date
    members: Members
    grid: Grid
    left_out: LeftOut
    rows_cols: NDArray[np.int64]  # (cells, 2): each cell's (row, col) on the grid, as in ``cells``

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def extra_centres(self, kind: str) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """The scan's circle centres besides the cells' own (see :func:`grid_centres`)."""
        return grid_centres(self.grid, self.rows_cols, kind)


def grid_centres(
    grid: Grid, cells: NDArray[np.int64], kind: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """(lat, lon) of the extra circle centres of ``kind`` for ``cells`` ((row, col) pairs) on ``grid``.

    ``cells``: none (circles round the cells' centres only); ``corners``: every corner, each once, so a cluster
    straddling a corner (four cells meet there) fits one circle; ``half``: the corners and the midpoints of the
    sides, so one straddling two cells does too — circle centres every half cell.
    """
    if kind not in CENTRES:
        raise InvalidInput(f"--centres must be one of {', '.join(CENTRES)}, got {kind!r}")
    if kind == "cells":
        return None
    return grid_corners(grid, cells) if kind == "corners" else grid_half_lattice(grid, cells)


def grid_corners(grid: Grid, cells: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(lat, lon) of the distinct corners of ``cells`` ((row, col) pairs) on ``grid``."""
    return _lattice_points(grid, cells, np.array([[0, 0], [0, 2], [2, 0], [2, 2]], dtype=np.int64))


def grid_half_lattice(grid: Grid, cells: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(lat, lon) of the distinct corners and side midpoints of ``cells`` ((row, col) pairs) on ``grid``."""
    steps = np.array([[i, j] for i in range(3) for j in range(3) if (i, j) != (1, 1)], dtype=np.int64)
    return _lattice_points(grid, cells, steps)


def _lattice_points(
    grid: Grid, cells: NDArray[np.int64], steps: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The distinct points ``cell × 2 + step`` in half-cell units (``steps`` from a cell's lower-left corner)."""
    points = np.unique((cells[:, None, :] * 2 + steps[None, :, :]).reshape(-1, 2), axis=0)
    return grid.origin_lat + points[:, 0] * grid.dlat / 2, grid.origin_lon + points[:, 1] * grid.dlon / 2


def build_cube(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: date,
    timezone: str,
    window_days: int = 28,
    cell_m: float = 1000.0,
    grid: Grid | None = None,
) -> Cube:
    """Count the view ``cases`` in the ``window_days`` local days ending with ``as_of`` (included).

    ``grid`` keeps the same cells from one day's analysis to the next; by default one is fitted to all cases with
    coordinates in the view (``counting.grid.grid_for``). Example::

        con = connect(); open_database(con, database, since=...)
        cube = build_cube(con, as_of=date(2026, 11, 25), timezone="Asia/Shanghai", window_days=28, cell_m=1000)
    """
    if not 2 <= window_days <= MAX_WINDOW_DAYS:
        raise InvalidInput(f"the window must be 2 to {MAX_WINDOW_DAYS} days, got {window_days}")
    grid = grid or grid_for(con, cell_m)
    start = as_of - timedelta(days=window_days - 1)
    for statement in _window_sql(con, grid, timezone, start, as_of):
        con.execute(statement)
    rows = con.execute(
        "SELECT cell_row, cell_col, day_index, count(*) AS cases"
        " FROM scan_placed GROUP BY cell_row, cell_col, day_index"
    ).fetchnumpy()
    keys = np.column_stack([rows["cell_row"], rows["cell_col"]]).astype(np.int64).reshape(-1, 2)
    cells, index = np.unique(keys, axis=0, return_inverse=True)
    counts = np.zeros((len(cells), window_days), dtype=np.int64)
    np.add.at(counts, (index.reshape(-1), rows["day_index"].astype(np.int64)), rows["cases"].astype(np.int64))
    centres = np.array([grid.cell_center(int(r), int(c)) for r, c in cells], dtype=np.float64).reshape(-1, 2)
    return Cube(
        counts=counts,
        cells=tuple(f"{int(r)}_{int(c)}" for r, c in cells),
        lat=centres[:, 0],
        lon=centres[:, 1],
        start=start,
        end=as_of,
        members=_members(con, cells),
        grid=grid,
        left_out=_left_out(con, as_of),
        rows_cols=cells.reshape(-1, 2),
    )


def _window_sql(con: duckdb.DuckDBPyConnection, grid: Grid, timezone: str, start: date, end: date) -> tuple[str, str]:
    """``scan_staged``: every case from ``start`` on, once per id, coordinates nulled when unusable;
    ``scan_placed``: those the cube counts, with their cell and day."""
    columns = sql.columns(con)
    marked = "duplicate_of IS NOT NULL" if "duplicate_of" in columns else "FALSE"
    located = "lat IS NOT NULL AND lon IS NOT NULL AND lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180"
    local_day = sql.local_day(timezone)
    staged = f"""
        CREATE OR REPLACE TEMP TABLE scan_staged AS
        SELECT id, count(*) AS copies, min(day) AS day, min(lat) AS lat, min(lon) AS lon,
               bool_or(marked) AS marked
        FROM (
            SELECT CAST(id AS VARCHAR) AS id, {local_day} AS day, {marked} AS marked,
                   CASE WHEN {located} AND NOT (lat = 0 AND lon = 0) THEN lat END AS lat,
                   CASE WHEN {located} AND NOT (lat = 0 AND lon = 0) THEN lon END AS lon
            FROM cases
            WHERE created_at IS NOT NULL AND {local_day} >= DATE '{start.isoformat()}'
        ) AS windowed
        GROUP BY id
    """
    placed = f"""
        CREATE OR REPLACE TEMP VIEW scan_placed AS
        SELECT id, {grid.row_sql()} AS cell_row, {grid.col_sql()} AS cell_col,
               CAST(day - DATE '{start.isoformat()}' AS BIGINT) AS day_index
        FROM scan_staged
        WHERE NOT marked AND day <= DATE '{end.isoformat()}' AND lat IS NOT NULL AND lon IS NOT NULL
    """
    return staged, placed


def _left_out(con: duckdb.DuckDBPyConnection, end: date) -> LeftOut:
    last = f"DATE '{end.isoformat()}'"
    row = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE NOT marked AND day <= {last} AND lat IS NULL),
               count(*) FILTER (WHERE NOT marked AND day > {last}),
               coalesce(sum(copies - 1), 0),
               count(*) FILTER (WHERE marked)
        FROM scan_staged
        """
    ).fetchone()
    assert row is not None
    return LeftOut(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


def _members(con: duckdb.DuckDBPyConnection, cells: NDArray[np.int64]) -> Members:
    """Each placed case's row in ``cells`` (sorted by row, then column, as ``np.unique`` left them) and day."""
    data = con.execute("SELECT id, cell_row, cell_col, day_index FROM scan_placed ORDER BY day_index, id").fetchnumpy()
    if len(cells) == 0:
        return Members(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), ())
    low_row, low_col = cells.min(axis=0)
    width = int(cells[:, 1].max() - low_col + 1)
    cell_keys = (cells[:, 0] - low_row) * width + (cells[:, 1] - low_col)
    case_keys = (data["cell_row"].astype(np.int64) - low_row) * width + (data["cell_col"].astype(np.int64) - low_col)
    return Members(
        cell=np.searchsorted(cell_keys, case_keys).astype(np.int64),
        day=data["day_index"].astype(np.int64),
        ids=tuple(str(v) for v in data["id"]),
    )
