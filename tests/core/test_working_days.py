"""The working-day calendar against the State Council's notices for 2025 and 2026, counted by hand."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from citybrain.core import working_days
from citybrain.core.errors import InvalidInput

D = date.fromisoformat


@pytest.mark.parametrize(
    ("day", "works"),
    [
        ("2025-01-26", True),  # Sunday, 春节调休上班
        ("2025-02-08", True),  # Saturday, 春节调休上班
        ("2025-04-27", True),  # Sunday, 劳动节调休上班
        ("2025-09-28", True),  # Sunday, 国庆调休上班
        ("2025-10-11", True),  # Saturday, 国庆调休上班
        ("2025-01-01", False),  # Wednesday, 元旦
        ("2025-01-28", False),  # 除夕
        ("2025-02-04", False),  # 正月初七
        ("2025-02-05", True),  # first Wednesday back
        ("2025-06-02", False),  # Monday, 端午
        ("2025-10-08", False),  # Wednesday, last day of 国庆/中秋
        ("2025-10-09", True),
        ("2025-10-12", False),  # an ordinary Sunday
        ("2026-01-04", True),  # Sunday, 元旦调休上班
        ("2026-02-14", True),  # Saturday, 春节调休上班
        ("2026-02-23", False),  # Monday, 正月初七
        ("2026-02-28", True),  # Saturday, 春节调休上班
        ("2026-05-09", True),  # Saturday, 劳动节调休上班
        ("2026-06-19", False),  # Friday, 端午
        ("2026-09-20", True),  # Sunday, 国庆调休上班
        ("2026-09-25", False),  # Friday, 中秋
        ("2026-10-07", False),
        ("2026-10-10", True),  # Saturday, 国庆调休上班
        ("2026-12-07", True),  # an ordinary Monday
    ],
)
def test_days_of_the_notices(day: str, works: bool) -> None:
    assert working_days.national().is_working_day(D(day)) is works


def test_every_day_of_national_day_2025_is_off() -> None:
    cal = working_days.national()
    assert [cal.is_working_day(D(f"2025-10-0{d}")) for d in range(1, 9)] == [False] * 8


def test_days_off_in_a_year_add_up() -> None:
    """2025 has 261 weekdays. Holidays on weekdays: 元旦 1 (1 Jan), 春节 6 (28-31 Jan, 3-4 Feb), 清明 1 (4 Apr),
    劳动节 3 (1, 2, 5 May), 端午 1 (2 Jun), 国庆/中秋 6 (1-3, 6-8 Oct) = 18; make-up days 5: 261 - 18 + 5 = 248."""
    cal = working_days.national()
    worked = cal.count_between(D("2024-12-31"), D("2025-12-31"))
    assert worked == 248


def test_add_across_the_spring_festival_and_a_make_up_day() -> None:
    # Friday 2025-01-24 + 1 working day: Saturday 25 off, Sunday 26 is a make-up day
    assert working_days.add(D("2025-01-24"), 1) == D("2025-01-26")
    # + 3: 26 (Sun, make-up), 27 (Mon), then 28 Jan .. 4 Feb off, 5 Feb
    assert working_days.add(D("2025-01-24"), 3) == D("2025-02-05")
    # 20 working days from 2025-09-26 (Fri): 28 Sep (make-up) 1, 29-30 Sep 3, [1-8 Oct off], 9-10 Oct 5,
    # 11 Oct (make-up) 6, 13-17 Oct 11, 20-24 Oct 16, 27-30 Oct 20 → the 20th is 30 October
    assert working_days.add(D("2025-09-26"), 20) == D("2025-10-30")
    assert working_days.add(D("2025-09-26"), 0) == D("2025-09-26")


def test_add_over_a_plain_weekend() -> None:
    assert working_days.add(D("2026-12-04"), 1) == D("2026-12-07")  # Friday → Monday
    assert working_days.add(D("2026-12-05"), 5) == D("2026-12-11")  # from a Saturday: Mon..Fri


def test_count_between_is_the_inverse_of_add() -> None:
    start = D("2026-02-10")
    for n in range(0, 40):
        assert working_days.count_between(start, working_days.add(start, n)) == n
    assert working_days.count_between(D("2026-02-13"), D("2026-02-24")) == 2  # 14 Feb (make-up) and 24 Feb
    assert working_days.count_between(D("2026-03-01"), D("2026-02-01")) == 0


def test_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="n must be"):
        working_days.add(D("2026-01-01"), -1)


def test_a_city_file_adds_local_days_and_wins(tmp_path: Path) -> None:
    city = tmp_path / "city.json"
    city.write_text(
        json.dumps(
            {
                "source": "某市人民政府 typhoon closure",
                "holidays": [{"from": "2026-12-07", "to": "2026-12-08", "name": "台风停工"}],
                "workdays": [{"on": "2026-10-07", "name": "local make-up day"}],
            }
        ),
        encoding="utf-8",
    )
    cal = working_days.load(city)
    assert not cal.is_working_day(D("2026-12-07"))
    assert cal.is_working_day(D("2026-10-07"))
    assert cal.add(D("2026-12-04"), 1) == D("2026-12-09")
    assert working_days.national().is_working_day(D("2026-12-07"))  # the national table is untouched


def test_a_broken_city_file_says_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"holidays": [{"from": "2026-13-01"}]}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="not a date"):
        working_days.load(bad)
    both = tmp_path / "both.json"
    both.write_text('{"holidays": [{"from": "2026-05-01"}], "workdays": [{"on": "2026-05-01"}]}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="both a holiday and a working day"):
        working_days.load(both)
    with pytest.raises(InvalidInput, match="cannot read"):
        working_days.load(tmp_path / "missing.json")
