"""Cases → dense daily series (analytics.counting.series), and the whole path from a case file to signals."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from citybrain.analytics import io
from citybrain.analytics.counting.series import daily_counts
from citybrain.analytics.detectors import run_all
from citybrain.core import clock
from citybrain.core.errors import InvalidInput

HEADER = "id,created_at,category,lat,lon,district\n"


def _open(tmp_path: Path, lines: list[str]) -> object:
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    con = io.connect()
    io.open_file(con, path, timezone="Asia/Shanghai")
    return con


def test_counts_are_dense_local_days_with_duplicates_once_and_future_left_out(tmp_path: Path) -> None:
    con = _open(
        tmp_path,
        [
            "1,2024-03-01 09:00:00,noise,28.2,112.9,D01",
            "1,2024-03-01 09:00:00,noise,28.2,112.9,D01",  # the same case twice: counted once
            "2,2024-03-01 23:30:00,noise,,,D01",  # no coordinates: counted (time alone matters here)
            "3,2024-03-04 08:00:00,roads,28.2,112.9,D02",  # D02's only case; days between are zeros
            "4,2024-03-02 00:30:00,noise,28.2,112.9,",  # no district: its own series
            "5,2024-03-09 10:00:00,noise,28.2,112.9,D01",  # after as_of: left out and counted
        ],
    )
    series = daily_counts(con, as_of=date(2024, 3, 4))  # type: ignore[arg-type]
    assert series.key_columns == ("category", "district")
    assert series.keys == [("noise", "(none)"), ("noise", "D01"), ("roads", "D02")]
    assert series.first_day == date(2024, 3, 1)
    assert series.dates == [date(2024, 3, d) for d in (1, 2, 3, 4)]
    assert series.counts.tolist() == [[0, 1, 0, 0], [2, 0, 0, 0], [0, 0, 0, 1]]
    assert (series.duplicate_rows, series.future_rows, series.rows_without_coordinates) == (1, 1, 1)
    assert series.rows_total == 6


def test_local_midnight_splits_days_in_the_city_zone(tmp_path: Path) -> None:
    con = _open(tmp_path, ["1,2024-03-01T15:59:00Z,noise,1,1,D01", "2,2024-03-01T16:01:00Z,noise,1,1,D01"])
    series = daily_counts(con, by=["category"], as_of=date(2024, 3, 2))  # type: ignore[arg-type]
    assert series.counts.tolist() == [[1, 1]]  # 23:59 and 00:01 Beijing time


def test_default_as_of_is_the_last_day_with_cases_not_after_today(tmp_path: Path) -> None:
    con = _open(tmp_path, ["1,2024-03-01 09:00,noise,1,1,D01", "2,2031-01-01 09:00,noise,1,1,D01"])
    with clock.frozen(datetime(2024, 3, 3, 4, 0, tzinfo=clock.utcnow().tzinfo)):
        series = daily_counts(con, by=["category"])  # type: ignore[arg-type]
    assert series.last_day == date(2024, 3, 1)
    assert series.future_rows == 1


def test_since_and_bad_columns(tmp_path: Path) -> None:
    con = _open(tmp_path, ["1,2024-03-01 09:00,noise,1,1,D01", "2,2024-03-05 09:00,noise,1,1,D01"])
    series = daily_counts(con, by=["district"], since=date(2024, 3, 3), as_of=date(2024, 3, 6))  # type: ignore[arg-type]
    assert series.counts.tolist() == [[0, 0, 1, 0]]
    assert series.rows_before_since == 1
    with pytest.raises(InvalidInput, match="no column grid"):
        daily_counts(con, by=["category", "grid"], as_of=date(2024, 3, 6))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="unknown time zone"):
        daily_counts(con, timezone="Mars/Olympus")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="no case between"):
        daily_counts(con, since=date(2025, 1, 1), as_of=date(2025, 2, 1))  # type: ignore[arg-type]


def test_a_file_of_cases_to_signals(tmp_path: Path) -> None:
    """Four months of a steady category, then a burst in one district: the burst is what alerts."""
    rng = np.random.default_rng(11)
    lines, case_id = [], 0
    start = date(2024, 1, 1)
    for day in range(120):
        for district in ("D01", "D02"):
            n = rng.poisson(4) + (25 if district == "D02" and day == 119 else 0)
            for _ in range(n):
                case_id += 1
                lines.append(f"{case_id},{start + timedelta(days=day)} 10:00:00,noise,28.2,112.9,{district}")
    con = _open(tmp_path, lines)
    series = daily_counts(con, as_of=start + timedelta(days=119))  # type: ignore[arg-type]
    signals = run_all(series.counts, series.dates, series.keys, methods=["ears_c2", "ewma", "farrington"])
    alerted = {(s.method, s.series_key) for s in signals if s.alert}
    assert alerted == {(m, ("noise", "D02")) for m in ("ears_c2", "ewma", "farrington")}
