"""Space-time baskets: cases → distinct (grid cell, time window, category) with counts, in portable SQL.

A basket is one grid cell of ``cell_m`` metres during one window of ``window_days`` days (local calendar days of the
city; weekly windows start on Mondays). Its items are the categories reported there and then. This module is the
only place that touches the rows: one GROUP BY over the ``cases`` view gives the small count table the statistics
need, and a second, targeted query fetches the case ids of the few baskets shown as examples. Both queries use
plain SQL (arithmetic, GROUP BY, a join with a small table); the only engine-specific piece, seconds since the
epoch, is isolated in :func:`_epoch_sql`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from citybrain.analytics.counting.grid import Grid, grid_for
from citybrain.core.errors import InvalidInput

IntArray = npt.NDArray[np.int64]
_VALID = (
    "lat IS NOT NULL AND lon IS NOT NULL AND lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180"
    " AND category IS NOT NULL"
)


@dataclass(frozen=True)
class Baskets:
    """The count table: one row per non-empty basket, one column per category (cases of it there and then)."""

    grid: Grid
    window_days: int
    first_day: date  # local date on which window 0 starts
    utc_offset_s: int  # the city's offset from UTC, used to cut windows at local midnight
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

    Windows are cut at local midnight in ``timezone`` (its offset at the first case; exact for zones without
    daylight saving, such as China's).
    """
    if window_days < 1:
        raise InvalidInput(f"window must be at least 1 day, got {window_days}")
    total, no_place, no_category, first = _census(con)
    if total == no_place:
        raise InvalidInput(f"none of the {total:,} cases has coordinates (lat, lon); associations need a place")
    grid = grid_for(con, cell_m)
    utc_offset_s = _utc_offset(timezone, first)
    first_day = _first_day(first, utc_offset_s, window_days)
    keyed = _keyed_sql(grid, first_day, window_days, utc_offset_s)
    table = _arrow(
        con,
        f"SELECT cell_row, cell_col, win, category, count(*) AS n FROM ({keyed}) AS k "
        "GROUP BY cell_row, cell_col, win, category",
    )
    categories, item = _category_codes(table.column("category"))
    cell_row, cell_col, window, counts = _to_matrix(table, item, len(categories))
    return Baskets(
        grid=grid,
        window_days=window_days,
        first_day=first_day,
        utc_offset_s=utc_offset_s,
        categories=categories,
        cell_row=cell_row,
        cell_col=cell_col,
        window=window,
        counts=counts,
        cases_total=total,
        cases_without_place=no_place,
        cases_without_category=no_category - _both(con),
    )


def _arrow(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """The (aggregated, small) result as Arrow; DuckDB's note about one extra copy does not matter here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return con.execute(sql).to_arrow_table()


def _census(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int, datetime]:
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT (lat IS NOT NULL AND lon IS NOT NULL"
        " AND lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)),"
        f" count(*) FILTER (WHERE category IS NULL), min(created_at) FILTER (WHERE {_VALID}) FROM cases"
    ).fetchall()[0]
    if not row[0]:
        raise InvalidInput("no cases to analyse")
    return int(row[0]), int(row[1]), int(row[2]), row[3]


def _both(con: duckdb.DuckDBPyConnection) -> int:
    """Cases lacking both place and category, so that the two left-out counts do not count them twice."""
    row = con.execute(
        "SELECT count(*) FROM cases WHERE category IS NULL AND NOT (lat IS NOT NULL AND lon IS NOT NULL"
        " AND lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)"
    ).fetchall()
    return int(row[0][0])


def _utc_offset(timezone: str, at: datetime | None) -> int:
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {timezone!r}") from exc
    offset = zone.utcoffset(at or datetime(2000, 1, 1))
    return int(offset.total_seconds()) if offset is not None else 0


def _first_day(first: datetime | None, utc_offset_s: int, window_days: int) -> date:
    if first is None:
        raise InvalidInput("no case has both coordinates and a category")
    local = (first + timedelta(seconds=utc_offset_s)).date()
    if window_days % 7 == 0:
        local -= timedelta(days=local.weekday())  # weeks start on Monday, as a duty roster does
    return local


def _epoch_sql(column: str) -> str:
    """Seconds since 1970 of a naive UTC timestamp (DuckDB ``epoch``; Spark SQL: ``unix_timestamp``)."""
    return f"epoch({column})"


def _keyed_sql(grid: Grid, first_day: date, window_days: int, utc_offset_s: int) -> str:
    """Every usable case with its cell (row, col) and window number: the one definition both queries share."""
    origin = (first_day - date(1970, 1, 1)).days * 86_400  # local midnight, counted like UTC + offset below
    span = window_days * 86_400
    window = f"CAST(floor(({_epoch_sql('created_at')} + {utc_offset_s} - {origin}) / {span}) AS BIGINT)"
    return (
        f"SELECT id, category, {grid.row_sql()} AS cell_row, {grid.col_sql()} AS cell_col, {window} AS win "
        f"FROM cases WHERE {_VALID}"
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
    key = np.stack([win, row, col])
    unique, basket = np.unique(key, axis=1, return_inverse=True)
    counts = np.zeros((unique.shape[1], n_items), dtype=np.int32)
    counts[basket.reshape(-1), item] = n
    return unique[1].copy(), unique[2].copy(), unique[0].copy(), counts


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
            "w_win": [k.window for k in keys],
        }
    )
    names = pa.table({"w_category": list(categories)})
    con.register("basket_keys", wanted)
    con.register("basket_categories", names)
    try:
        keyed = _keyed_sql(baskets.grid, baskets.first_day, baskets.window_days, baskets.utc_offset_s)
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
        found.setdefault((BasketKey(int(row), int(col), int(win)), str(category)), []).append(str(case_id))
    return found


def describe(baskets: Baskets) -> dict[str, Any]:
    """Counts for ``params``/summary: what went in, what was left out."""
    return {
        "cases": baskets.cases_total,
        "cases_used": int(baskets.counts.sum()),
        "cases_without_place": baskets.cases_without_place,
        "cases_without_category": baskets.cases_without_category,
        "baskets": baskets.n_baskets,
        "cells": int(np.unique(np.stack([baskets.cell_row, baskets.cell_col]), axis=1).shape[1]),
        "windows": baskets.n_windows,
        "categories": len(baskets.categories),
        "first_window_start": baskets.first_day.isoformat(),
    }
