"""The daily series, the baskets and the scan's cube cut the city's days the same way, daylight saving included."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from citybrain.analytics import io
from citybrain.analytics.counting.baskets import count_baskets
from citybrain.analytics.counting.cube import build_cube
from citybrain.analytics.counting.series import daily_counts

ZONE = "America/New_York"  # UTC-5 in winter, UTC-4 in summer
AS_OF = date(2024, 7, 20)
#: Half an hour either side of local midnight, in winter and in summer (UTC, as stored).
CASES = [
    ("1", "2024-01-15T04:30:00Z"),  # 23:30 EST on the 14th
    ("2", "2024-01-15T05:30:00Z"),  # 00:30 EST on the 15th
    ("3", "2024-07-15T03:30:00Z"),  # 23:30 EDT on the 14th
    ("4", "2024-07-15T04:30:00Z"),  # 00:30 EDT on the 15th
]
LOCAL_DAYS = [date(2024, 1, 14), date(2024, 1, 15), date(2024, 7, 14), date(2024, 7, 15)]


def _open(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    path = tmp_path / "cases.csv"
    lines = [f"{case_id},{at},noise,40.7128,-74.0060" for case_id, at in CASES]
    path.write_text("id,created_at,category,lat,lon\n" + "\n".join(lines) + "\n", encoding="utf-8")
    con = io.connect()
    io.open_file(con, path, timezone=ZONE)
    return con


def _days(first: date, counts: list[int]) -> list[date]:
    return [date.fromordinal(first.toordinal() + j) for j, n in enumerate(counts) for _ in range(n)]


def test_series_and_cube_cut_local_days_alike_across_daylight_saving(tmp_path: Path) -> None:
    con = _open(tmp_path)
    series = daily_counts(con, by=["category"], timezone=ZONE, as_of=AS_OF)
    assert _days(series.first_day, series.counts.sum(axis=0).tolist()) == LOCAL_DAYS
    cube = build_cube(con, as_of=AS_OF, timezone=ZONE, window_days=(AS_OF - LOCAL_DAYS[0]).days + 1)
    assert _days(cube.start, cube.counts.sum(axis=0).tolist()) == LOCAL_DAYS


def test_baskets_cut_local_days_alike_across_daylight_saving(tmp_path: Path) -> None:
    baskets = count_baskets(_open(tmp_path), cell_m=1000, window_days=1, timezone=ZONE)
    days = [
        baskets.window_start(int(w))
        for w, n in zip(baskets.window, baskets.counts[:, 0], strict=True)
        for _ in range(n)
    ]
    assert sorted(days) == LOCAL_DAYS
