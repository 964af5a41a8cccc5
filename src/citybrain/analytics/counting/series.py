"""Daily count series: cases → counts per series key (category × district by default) × local day, dense.

The temporal detectors need, for every series, one count per day with the days without a case as zeros. One
GROUP BY over the ``cases`` view (portable SQL: a window function to keep the first row of each case id, epoch
arithmetic for the local day, GROUP BY) returns the non-empty (key, day) cells; numpy scatters them into a dense
``series × days`` array. Rules, each counted in the result so a report can say what was left out:

- a case id seen more than once counts once (its earliest row) — ``duplicate_rows``;
- cases dated after the end of ``as_of`` (the analysis day) are not counted — ``future_rows``;
- cases without coordinates are counted (time alone matters here) — ``rows_without_coordinates`` says how many;
- a NULL key value (no district, no category) becomes its own series labelled ``"(none)"``.

Days are the city's local calendar days, cut exactly as the scan's cube cuts them (:mod:`.days`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import numpy.typing as npt

from citybrain.analytics.counting import days, sql
from citybrain.analytics.warning_options import DEFAULT_KEYS
from citybrain.core import clock
from citybrain.core.errors import InvalidInput

NONE_LABEL = "(none)"
SEPARATOR = "\x1f"  # joins a multi-column key while counting; never in a label


@dataclass(frozen=True)
class DailySeries:
    """Dense daily counts: ``counts[i, j]`` cases of series ``keys[i]`` on local day ``first_day + j``."""

    key_columns: tuple[str, ...]
    keys: list[tuple[str, ...]]
    first_day: date
    counts: npt.NDArray[np.int64]
    rows_total: int
    duplicate_rows: int
    future_rows: int
    rows_before_since: int
    rows_without_coordinates: int

    @property
    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=j) for j in range(self.counts.shape[1])]

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.counts.shape[1] - 1)


def daily_counts(
    con: duckdb.DuckDBPyConnection,
    *,
    by: Sequence[str] = DEFAULT_KEYS,
    timezone: str = "Asia/Shanghai",
    as_of: date | None = None,
    since: date | None = None,
) -> DailySeries:
    """Count the ``cases`` view per ``by`` columns and local day from ``since`` (default: first case) to ``as_of``.

    ``as_of`` defaults to the last day that has a case and is not in the future (by the clock). InvalidInput
    when a ``by`` column is not in the view, the zone is unknown, or no case falls in the range.
    """
    by = _checked_columns(con, by)
    offset = days.current_offset(timezone)
    _series_rows(con, by, days.day_sql(timezone, offset))
    today = clock.city_today(timezone)
    total, distinct, last_seen, span = _census(con, today)
    if span is not None and not days.holds(timezone, offset, *span):  # the zone changed offset: cut by its rules
        _series_rows(con, by, days.day_sql(timezone, None))
        total, distinct, last_seen, span = _census(con, today)
    if as_of is None and last_seen is None:
        raise InvalidInput(f"no case dated on or before today ({today}); give the analysis day (as_of)")
    end = as_of if as_of is not None else last_seen or today
    end_day = (end - date(1970, 1, 1)).days
    start_day = (since - date(1970, 1, 1)).days if since else None
    return _dense(con, by, end_day, start_day, total, total - distinct)


def _series_rows(con: duckdb.DuckDBPyConnection, by: tuple[str, ...], day_sql: str) -> None:
    key_sql = ", ".join(f"COALESCE(CAST({c} AS VARCHAR), '{NONE_LABEL}') AS k{i}" for i, c in enumerate(by))
    con.execute(
        "CREATE OR REPLACE TEMP VIEW series_rows AS "
        f"SELECT {key_sql}, {day_sql} AS day, lat, lon FROM ("
        "  SELECT *, row_number() OVER (PARTITION BY id ORDER BY created_at) AS copy FROM cases"
        ") AS numbered WHERE copy = 1"
    )


def _dense(
    con: duckdb.DuckDBPyConnection, by: tuple[str, ...], end_day: int, start_day: int | None, total: int, dupes: int
) -> DailySeries:
    names = ", ".join(f"k{i}" for i in range(len(by)))
    lower = start_day if start_day is not None else -(2**62)
    future, before, no_xy = con.execute(
        "SELECT COALESCE(SUM(CASE WHEN day > ? THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN day < ? THEN 1 ELSE 0 END), 0),"
        " COALESCE(SUM(CASE WHEN day BETWEEN ? AND ? AND (lat IS NULL OR lon IS NULL) THEN 1 ELSE 0 END), 0)"
        " FROM series_rows",
        [end_day, lower, lower, end_day],
    ).fetchone() or (0, 0, 0)
    cells = con.execute(
        f"SELECT {names}, day, count(*) AS n FROM series_rows WHERE day BETWEEN ? AND ? GROUP BY {names}, day",
        [lower, end_day],
    ).fetchnumpy()
    days, n = np.asarray(cells["day"], dtype=np.int64), np.asarray(cells["n"], dtype=np.int64)
    if days.size == 0:
        raise InvalidInput(f"no case between {_day(lower) if start_day else 'the start'} and {_day(end_day)}")
    first = start_day if start_day is not None else int(days.min())
    labels = [np.asarray(cells[f"k{i}"], dtype=object).astype(str) for i in range(len(by))]
    joined = labels[0] if len(labels) == 1 else np.char.add(labels[0], "")
    for more in labels[1:]:
        joined = np.char.add(np.char.add(joined, SEPARATOR), more)
    unique, which = np.unique(joined, return_inverse=True)
    keys = [tuple(str(u).split(SEPARATOR)) for u in unique]
    counts = np.zeros((len(keys), end_day - first + 1), dtype=np.int64)
    np.add.at(counts, (which.ravel(), days - first), n)
    return DailySeries(
        key_columns=by,
        keys=keys,
        first_day=_day(first),
        counts=counts,
        rows_total=total,
        duplicate_rows=dupes,
        future_rows=int(future),
        rows_before_since=int(before),
        rows_without_coordinates=int(no_xy),
    )


def _census(con: duckdb.DuckDBPyConnection, today: date) -> tuple[int, int, date | None, tuple[date, date] | None]:
    """Rows, distinct case ids, the last local day with a case that is not after ``today``, and the days spanned."""
    total, distinct = con.execute("SELECT count(*), count(DISTINCT id) FROM cases").fetchone() or (0, 0)
    last, first_day, last_day = con.execute(
        "SELECT max(CASE WHEN day <= ? THEN day END), min(day), max(day) FROM series_rows",
        [(today - date(1970, 1, 1)).days],
    ).fetchone() or (None, None, None)
    span = None if first_day is None else (_day(int(first_day)), _day(int(last_day)))
    return int(total), int(distinct), _day(int(last)) if last is not None else None, span


def _checked_columns(con: duckdb.DuckDBPyConnection, by: Sequence[str]) -> tuple[str, ...]:
    columns = set(sql.columns(con))
    chosen = tuple(by)
    if not chosen:
        raise InvalidInput("give at least one column to split the series by, e.g. category")
    missing = [c for c in chosen if c not in columns]
    if missing:
        raise InvalidInput(
            f"no column {', '.join(missing)} in the cases; series can be split by {', '.join(sorted(columns))}"
        )
    return chosen


def _day(number: int) -> date:
    return date(1970, 1, 1) + timedelta(days=number)
