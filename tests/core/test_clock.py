"""The city's calendar has one home: its zone, its "today" and the UTC instant of its midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from citybrain.core import clock
from citybrain.core.errors import InvalidInput


def test_an_unknown_zone_is_refused_never_guessed() -> None:
    with pytest.raises(InvalidInput, match="unknown time zone 'Asia/Shanghia'"):
        clock.city_zone("Asia/Shanghia")
    with pytest.raises(InvalidInput, match="CITYBRAIN_TIMEZONE"):
        clock.city_today("")


def test_today_is_the_citys_date() -> None:
    late_evening_utc = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 00:30 on the 2nd in Shanghai
    assert clock.city_today("Asia/Shanghai", late_evening_utc) == date(2026, 3, 2)
    assert clock.city_today(clock.city_zone("America/New_York"), late_evening_utc) == date(2026, 3, 1)
    with clock.frozen(late_evening_utc):
        assert clock.city_today("Asia/Shanghai") == date(2026, 3, 2)


def test_local_midnight_in_utc_follows_daylight_saving() -> None:
    assert clock.local_midnight_utc(date(2026, 3, 2), "Asia/Shanghai") == datetime(2026, 3, 1, 16, tzinfo=UTC)
    assert clock.local_midnight_utc(date(2026, 1, 15), "America/New_York") == datetime(2026, 1, 15, 5, tzinfo=UTC)
    assert clock.local_midnight_utc(date(2026, 7, 15), "America/New_York") == datetime(2026, 7, 15, 4, tzinfo=UTC)
