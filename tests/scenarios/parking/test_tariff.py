"""The charge of a stay, computed by hand for each rule (fen)."""

from __future__ import annotations

from datetime import datetime

import pytest

from citybrain.core.errors import InvalidInput
from citybrain.scenarios.parking.tariff import Cover, Tariff, charge

HOURLY = Tariff(free_minutes=15, unit_minutes=60, day_rate_fen=600, night_rate_fen=200, daily_cap_fen=None)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute)


def test_within_the_free_minutes_costs_nothing_and_beyond_is_charged_from_the_entry() -> None:
    assert charge(HOURLY, at(7, 10), at(7, 10, 15)).amount_fen == 0
    c = charge(HOURLY, at(7, 10), at(7, 10, 16))
    assert (c.amount_fen, c.units) == (600, 1)


def test_a_started_hour_or_half_hour_counts_whole() -> None:
    assert charge(HOURLY, at(7, 10), at(7, 12, 1)).amount_fen == 3 * 600
    half = Tariff(free_minutes=0, unit_minutes=30, day_rate_fen=300, night_rate_fen=100, daily_cap_fen=None)
    assert charge(half, at(7, 10), at(7, 10, 31)).amount_fen == 2 * 300
    assert charge(half, at(7, 10), at(7, 10, 30)).amount_fen == 300


def test_each_unit_pays_the_rate_of_its_start_across_the_day_night_boundary() -> None:
    # 17:30 → 20:10: units start 17:30, 18:30 (day, 600 each), 19:30 (night, 200) = 1400
    c = charge(HOURLY, at(7, 17, 30), at(7, 20, 10))
    assert (c.amount_fen, c.units) == (1400, 3)
    # 06:30 → 07:20: units start 06:30 (night, 200) → 07:30 would be a second unit only past 07:30
    assert charge(HOURLY, at(7, 6, 30), at(7, 7, 20)).amount_fen == 200


def test_the_daily_cap_applies_per_calendar_day_across_midnight() -> None:
    capped = Tariff(free_minutes=0, unit_minutes=60, day_rate_fen=600, night_rate_fen=200, daily_cap_fen=1000)
    # 7th 18:00 → 8th 10:00: units 18:00 (600), 19..23 (5 × 200) = 1600 → cap 1000 on the 7th;
    # on the 8th 00..06 (7 × 200 = 1400), 07, 08, 09 (3 × 600 = 1800) = 3200 → cap 1000. Total 2000.
    c = charge(capped, at(7, 18), at(8, 10))
    assert (c.amount_fen, c.units) == (2000, 16)
    assert c.per_day == ((at(7, 0).date(), 1000), (at(8, 0).date(), 1000))
    assert "daily cap" in c.reason


def test_a_pass_frees_the_units_it_covers_and_exempt_vehicles_pay_nothing() -> None:
    monthly = [Cover(at(1, 0), at(8, 0))]  # the pass ends at midnight of the 8th
    c = charge(HOURLY, at(7, 22), at(8, 1, 30), passes=monthly)  # units at 22, 23 (covered), 00, 01 (night, 2 × 200)
    assert (c.amount_fen, c.free_units) == (400, 2)
    assert charge(HOURLY, at(7, 10), at(7, 18), exempt=True).amount_fen == 0


def test_bad_tariffs_and_stays_are_refused() -> None:
    with pytest.raises(InvalidInput, match="unit_minutes"):
        Tariff(unit_minutes=45)
    with pytest.raises(InvalidInput, match="whole number"):
        Tariff.from_json({"day_rate_fen": 5.5})
    with pytest.raises(InvalidInput, match="unknown tariff"):
        Tariff.from_json({"hourly": 5})
    with pytest.raises(InvalidInput, match="before entry"):
        charge(HOURLY, at(7, 10), at(7, 9))
    assert Tariff.from_json(Tariff(day_rate_fen=800).to_json()) == Tariff(day_rate_fen=800)
