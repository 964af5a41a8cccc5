"""Demo City's sensors: seeded, shaped, with the planted episode and faults where the simulator says."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from citybrain.simulate.city import build_city
from citybrain.simulate.sensors import (
    EPISODE_DISTRICT,
    ODOUR_CATEGORY,
    SensorCity,
    Series,
    planted_faults,
    simulate_sensors,
)
from citybrain.simulate.streams import generate

START = date(2025, 7, 1)
ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def city() -> SensorCity:
    return simulate_sensors(build_city(1), start=START, days=365, seed=1)


def _series(city: SensorCity, station: str, quantity: str) -> Series:
    return next(s for s in city.series if s.station == station and s.quantity == quantity)


def test_same_seed_same_readings_other_seed_other_readings(city: SensorCity) -> None:
    again = simulate_sensors(build_city(1), start=START, days=365, seed=1)
    other = simulate_sensors(build_city(1), start=START, days=365, seed=2)
    assert np.array_equal(_series(city, "AQ-D01", "PM2.5").values, _series(again, "AQ-D01", "PM2.5").values)
    assert not np.array_equal(_series(city, "AQ-D01", "PM2.5").values, _series(other, "AQ-D01", "PM2.5").values)


def test_stations_and_shapes(city: SensorCity) -> None:
    air = [s for s in city.stations if s.kind == "air"]
    parks = [s for s in city.stations if s.kind == "parking"]
    assert {s.district for s in air} == {f"D0{i}" for i in range(1, 9)}
    assert len(parks) == 3
    assert all(p.capacity for p in parks)
    pm = _series(city, "AQ-D03", "PM2.5").values.reshape(365, 24)
    winter, summer = np.nanmean(pm[150:210]), np.nanmean(pm[0:60])  # Dec–Jan vs Jul–Aug
    assert winter > 1.5 * summer
    o3 = _series(city, "AQ-D03", "O3").values.reshape(365, 24)
    assert np.nanargmax(np.nanmean(o3, axis=0)) in range(13, 18)  # ozone peaks in the afternoon
    park = _series(city, "CP-01", "occupancy")
    assert len(park.values) == 365 * 48
    pm10 = _series(city, "AQ-D05", "PM10").values
    assert np.all(pm10 >= _series(city, "AQ-D05", "PM2.5").values)  # PM10 holds PM2.5


def test_the_episode_is_in_beicheng_only(city: SensorCity) -> None:
    episode = city.episode
    assert episode is not None
    assert episode.district == EPISODE_DISTRICT
    first = (episode.start - START).days
    for station in ("AQ-D04", "AQ-D06"):
        daily = np.nanmedian(_series(city, station, "PM2.5").values.reshape(365, 24), axis=1)
        during = daily[first : first + episode.days].min()
        if station == "AQ-D04":
            assert during > 2.5 * np.median(daily)
        else:
            assert during < 2.5 * np.median(daily)


def test_faults_are_where_the_simulator_says(city: SensorCity) -> None:
    kinds = {f.kind for f in city.faults}
    assert kinds == {"stuck", "spike", "gap", "out_of_range"}
    planted = {(s, q, kind): (first, length) for s, q, kind, first, length in planted_faults(365)}
    first, length = planted[("AQ-D02", "NO2", "stuck")]
    stuck = _series(city, "AQ-D02", "NO2").values
    assert len(set(stuck[first : first + length])) == 1
    assert stuck[first + length] != stuck[first]
    first, _ = planted[("AQ-D06", "PM10", "spike")]
    spike = _series(city, "AQ-D06", "PM10").values
    assert spike[first] > 4 * max(spike[first - 1], spike[first + 1])
    first, length = planted[("AQ-D07", "*", "gap")]
    assert all(np.isnan(s.values[first : first + length]).all() for s in city.series if s.station == "AQ-D07")
    first, _ = planted[("AQ-D08", "O3", "out_of_range")]
    assert _series(city, "AQ-D08", "O3").values[first] == 9999.0
    first, length = planted[("CP-02", "occupancy", "out_of_range")]
    capacity = city.station("CP-02").capacity
    assert capacity is not None
    assert (_series(city, "CP-02", "occupancy").values[first * 2 : (first + length) * 2] > capacity).all()
    fault = next(f for f in city.faults if f.kind == "stuck")
    assert fault.start == _series(city, "AQ-D02", "NO2").times[planted[("AQ-D02", "NO2", "stuck")][0]]


def test_rows_leave_gaps_out(city: SensorCity) -> None:
    rows = list(city.rows())
    gap_hours = 30 * 6
    assert len(rows) == 9 * 365 * 24 * 6 - gap_hours + 3 * 365 * 48
    assert rows[0][:5] == ("AQ-D01", "D01", city.station("AQ-D01").lat, city.station("AQ-D01").lon, "PM2.5")


def test_no_episode_in_a_short_city() -> None:
    assert simulate_sensors(build_city(1), start=START, days=30, seed=1).episode is None


def test_the_stream_answers_the_episode_with_odour_complaints_two_days_later() -> None:
    """The episode's complaints come after every regular case (so those are what they were), in Beicheng, on the
    days two after each episode day, never as duplicates."""
    stream = generate(build_city(1), days=120, cases_per_day=150, seed=1, now=datetime(2026, 6, 30, 12, tzinfo=UTC))
    episode = stream.episode
    assert episode is not None
    times = [c.created_at for c in stream.cases]
    first = next(i for i in range(1, len(times)) if times[i] < times[i - 1])  # where the appended cases begin
    odour = stream.cases[first:]
    assert len(odour) >= 3
    assert [c.index for c in stream.cases] == list(range(len(stream.cases)))
    assert {c.category for c in odour} == {ODOUR_CATEGORY}
    assert {c.district for c in odour} == {EPISODE_DISTRICT}
    assert all(c.duplicate_of is None for c in odour)
    assert {c.created_at.astimezone(ZONE).date() for c in odour} <= set(episode.complaint_days)
