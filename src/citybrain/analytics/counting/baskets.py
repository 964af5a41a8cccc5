"""Space-time baskets: cases → distinct (grid cell, time window, category) with counts, in portable SQL.

A basket is one grid cell of ``cell_m`` metres during one window of ``window_days`` days (local calendar days of the
city; weekly windows start on Mondays). Its items are the categories reported there and then. This module is the
only place that touches the rows: one GROUP BY over the ``cases`` view gives the small count table the statistics
need, and a second, targeted query fetches the case ids of the few baskets shown as examples. Both queries use
plain SQL (arithmetic, GROUP BY, a join with a small table); the local day, the only engine-specific piece, comes
from :mod:`.days`, shared with the daily series and the scan's cube.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from citybrain.analytics.counting import days
from citybrain.analytics.counting.grid import Grid, grid_for
from citybrain.core.errors import InvalidInput

IntArray = npt.NDArray[np.int64]
_PLACED = "lat IS NOT NULL AND lon IS NOT NULL AND lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180"
ANCHOR = date(1970, 1, 5)  # a Monday: windows are counted from here


@dataclass(frozen=True)
class Baskets:
    """The count table: one row per non-empty basket, one column per category (cases of it there and then)."""

    grid: Grid
    window_days: int
    first_day: date  # local date on which window 0 starts
    day_sql: str  # a case's local day (days since 1970) in the city's zone: windows are cut at local midnight
    window_base: int  # absolute number (since ANCHOR) of window 0
    categories: tuple[str, ...]
    cell_row: IntArray  # per basket
    cell_col: IntArray
    window: IntArray
    counts: npt.NDArray[np.int32]  # (baskets, categories)
    cases_total: int
    cases_without_place: int  # no usable coordinates: left out
    cases_without_category: int  # no category: left out

    @property
    def n_baskets(self) -> int:
        return int(self.counts.shape[0])

    @property
    def n_windows(self) -> int:
        return int(self.window.max()) + 1 if self.window.size else 0

    def window_start(self, window: int) -> date:
        return self.first_day + timedelta(days=self.window_days * int(window))

    def cell_id(self, basket: int) -> str:
        return f"{int(self.cell_row[basket])}_{int(self.cell_col[basket])}"


def count_baskets(con: duckdb.DuckDBPyConnection, *, cell_m: float, window_days: int, timezone: str) -> Baskets:
    """One pass over the ``cases`` view: the baskets and their category counts (InvalidInput if nothing is usable).

    Windows are cut at local midnight in ``timezone`` (daylight saving included) and counted from Monday
    1970-01-05, so 7-day windows are Monday weeks and the same case falls in the same window in every run.
    """
    if window_days < 1:
        raise InvalidInput(f"window must be at least 1 day, got {window_days}")
    grid = grid_for(con, cell_m)
    offset = days.current_offset(timezone)
    day_sql = days.day_sql(timezone, offset)
    table = _arrow(con, _count_sql(grid, window_days, day_sql))
    if not _offset_held(table, timezone, offset, window_days):  # the zone changed offset: cut by its rules
        day_sql = days.day_sql(timezone, None)
        table = _arrow(con, _count_sql(grid, window_days, day_sql))
    placed = pc.is_valid(table.column("cell_row")).to_numpy(zero_copy_only=False)
    named = pc.is_valid(table.column("category")).to_numpy(zero_copy_only=False)
    n = table.column("n").to_numpy().astype(np.int64)
    total = int(n.sum())
    if total == 0:
        raise InvalidInput("no cases to analyse")
    if not placed.any():
        raise InvalidInput(f"none of the {total:,} cases has coordinates (lat, lon); associations need a place")
    usable = table.filter(pa.array(placed & named))
    if usable.num_rows == 0:
        raise InvalidInput("no case has both coordinates and a category")
    categories, item = _category_codes(usable.column("category"))
    cell_row, cell_col, window, counts = _to_matrix(usable, item, len(categories))
    base = int(window.min())
    return Baskets(
        grid=grid,
        window_days=window_days,
        first_day=ANCHOR + timedelta(days=base * window_days),
        day_sql=day_sql,
        window_base=base,
        categories=categories,
        cell_row=cell_row,
        cell_col=cell_col,
        window=window - base,
        counts=counts,
        cases_total=total,
        cases_without_place=int(n[~placed].sum()),
        cases_without_category=int(n[placed & ~named].sum()),
    )


def _arrow(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """The (aggregated, small) result as Arrow; DuckDB's note about one extra copy does not matter here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return con.execute(sql).to_arrow_table()


def _offset_held(table: pa.Table, timezone: str, offset: int, window_days: int) -> bool:
    """Whether the zone kept ``offset`` over every window the counts fell in."""
    wins = table.column("win").drop_null()
    if len(wins) == 0:
        return True
    low, high = pc.min(wins).as_py(), pc.max(wins).as_py()
    first = ANCHOR + timedelta(days=low * window_days)
    return days.holds(timezone, offset, first, ANCHOR + timedelta(days=(high + 1) * window_days - 1))


def _window_sql(window_days: int, day_sql: str) -> str:
    origin = (ANCHOR - days.EPOCH).days
    return f"CAST(floor(({day_sql} - {origin}) / {window_days}) AS BIGINT)"


def _count_sql(grid: Grid, window_days: int, day_sql: str) -> str:
    """Cases per (cell, window, category); rows without a usable place get a NULL cell and are counted apart."""
    return (
        f"SELECT cell_row, cell_col, win, category, count(*) AS n FROM ("
        f"SELECT category, CASE WHEN {_PLACED} THEN {grid.row_sql()} END AS cell_row,"
        f" CASE WHEN {_PLACED} THEN {grid.col_sql()} END AS cell_col,"
        f" {_window_sql(window_days, day_sql)} AS win FROM cases) AS k "
        "GROUP BY cell_row, cell_col, win, category"
    )


def _keyed_sql(baskets: Baskets) -> str:
    """Every usable case with its cell and (absolute) window: the definition the id lookup shares with counting."""
    grid = baskets.grid
    window = _window_sql(baskets.window_days, baskets.day_sql)
    return (
        f"SELECT id, category, {grid.row_sql()} AS cell_row, {grid.col_sql()} AS cell_col, {window} AS win "
        f"FROM cases WHERE {_PLACED} AND category IS NOT NULL"
    )


def _category_codes(column: pa.ChunkedArray) -> tuple[tuple[str, ...], IntArray]:
    encoded = column.combine_chunks().dictionary_encode()
    names = [str(name) for name in encoded.dictionary.to_pylist()]
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return tuple(names[i] for i in order), rank[indices]


def _to_matrix(
    table: pa.Table, item: IntArray, n_items: int
) -> tuple[IntArray, IntArray, IntArray, npt.NDArray[np.int32]]:
    row = table.column("cell_row").to_numpy().astype(np.int64)
    col = table.column("cell_col").to_numpy().astype(np.int64)
    win = table.column("win").to_numpy().astype(np.int64)
    n = table.column("n").to_numpy().astype(np.int32)
    key = _basket_key(win, row, col)
    unique, basket = np.unique(key, return_inverse=True)
    first = np.zeros(unique.size, dtype=np.int64)
    first[basket] = np.arange(key.size)
    counts = np.zeros((unique.size, n_items), dtype=np.int32)
    counts[basket, item] = n
    return row[first], col[first], win[first], counts


def _basket_key(*parts: IntArray) -> IntArray:
    """One sortable int64 per (window, row, col): far faster to make unique than rows of a 2-D array."""
    key = np.zeros(parts[0].size, dtype=np.int64)
    for part in parts:
        low = part.min() if part.size else 0
        span = int(part.max() - low) + 1 if part.size else 1
        key = key * span + (part - low)
    return key


def cell_index(baskets: Baskets) -> IntArray:
    """A dense 0…cells-1 index of each basket's cell."""
    _, index = np.unique(_basket_key(baskets.cell_row, baskets.cell_col), return_inverse=True)
    return np.asarray(index, dtype=np.int64)


@dataclass(frozen=True)
class BasketKey:
    cell_row: int
    cell_col: int
    window: int


def case_ids(
    con: duckdb.DuckDBPyConnection, baskets: Baskets, keys: Sequence[BasketKey], categories: Sequence[str]
) -> dict[tuple[BasketKey, str], list[str]]:
    """The ids of the cases of ``categories`` in the baskets ``keys`` (for the examples an officer opens)."""
    if not keys or not categories:
        return {}
    wanted = pa.table(
        {
            "w_row": [k.cell_row for k in keys],
            "w_col": [k.cell_col for k in keys],
            "w_win": [k.window + baskets.window_base for k in keys],
        }
    )
    names = pa.table({"w_category": list(categories)})
    con.register("basket_keys", wanted)
    con.register("basket_categories", names)
    try:
        keyed = _keyed_sql(baskets)
        rows = con.execute(
            f"SELECT k.cell_row, k.cell_col, k.win, k.category, k.id FROM ({keyed}) AS k "
            "JOIN basket_keys AS w ON k.cell_row = w.w_row AND k.cell_col = w.w_col AND k.win = w.w_win "
            "JOIN basket_categories AS c ON k.category = c.w_category ORDER BY k.id"
        ).fetchall()
    finally:
        con.unregister("basket_keys")
        con.unregister("basket_categories")
    found: dict[tuple[BasketKey, str], list[str]] = {}
    for row, col, win, category, case_id in rows:
        key = BasketKey(int(row), int(col), int(win) - baskets.window_base)
        found.setdefault((key, str(category)), []).append(str(case_id))
    return found


def describe(baskets: Baskets) -> dict[str, Any]:
    """Counts for ``params``/summary: what went in, what was left out."""
    return {
        "cases": baskets.cases_total,
        "cases_used": int(baskets.counts.sum()),
        "cases_without_place": baskets.cases_without_place,
        "cases_without_category": baskets.cases_without_category,
        "baskets": baskets.n_baskets,
        "cells": int(cell_index(baskets).max()) + 1 if baskets.n_baskets else 0,
        "windows": baskets.n_windows,
        "categories": len(baskets.categories),
        "first_window_start": baskets.first_day.isoformat(),
    }
