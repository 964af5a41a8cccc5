"""Sensor fault detectors on small hand-made series: each must flag exactly the planted readings and nothing else,
and every threshold is tried on both sides of its boundary."""

from __future__ import annotations

import numpy as np
import pytest

from citybrain.analytics.sensor_faults import (
    BEIJING_LIMITS,
    KIND_QUALITY,
    QUANTITY_LIMITS,
    FaultOptions,
    detect_grid,
    detect_series,
)
from citybrain.analytics.sensor_faults.flags import FAIL, MISSING, PASS, SUSPECT

HOUR = 3600
PM25 = QUANTITY_LIMITS["PM2.5"]


def hourly(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64) * HOUR + 1_700_000_000 // 86400 * 86400


def smooth_grid(stations: int = 6, hours: int = 72, seed: int = 7) -> np.ndarray:
    """Stations that move together (a shared daily rhythm) with small station noise, well above the stuck floor."""
    rng = np.random.default_rng(seed)
    rhythm = 80 + 40 * np.sin(np.arange(hours) * 2 * np.pi / 24)
    offsets = rng.uniform(-10, 10, (stations, 1))
    return np.round(rhythm + offsets + rng.normal(0, 3, (stations, hours)), 1)


def kinds(report: object) -> list[tuple[str, int, int, int]]:
    return [(f.kind, f.series, f.first, f.stop) for f in report.faults]  # type: ignore[attr-defined]


def test_a_clean_grid_has_no_fault() -> None:
    assert detect_grid(hourly(72), smooth_grid(), PM25).faults == ()


def test_a_single_station_spike_is_a_jump_of_that_reading_only() -> None:
    grid = smooth_grid()
    grid[2, 30] += 300
    report = detect_grid(hourly(72), grid, PM25)
    assert kinds(report) == [("jump", 2, 30, 31)]
    evidence = report.faults[0].evidence
    assert "5 neighbours" in evidence
    assert "robust z" in evidence
    assert "back" in evidence


def test_a_city_wide_episode_is_not_a_jump() -> None:
    grid = smooth_grid()
    grid[:, 30:] += 300  # every station leaps together: a pollution episode, not a fault
    assert detect_grid(hourly(72), grid, PM25).faults == ()


def test_a_level_shift_flags_the_reading_it_lands_on() -> None:
    grid = smooth_grid()
    grid[4, 40:] += 250
    assert kinds(detect_grid(hourly(72), grid, PM25)) == [("jump", 4, 40, 41)]


def test_an_excursion_of_three_hours_is_one_fault_over_its_readings() -> None:
    grid = smooth_grid()
    grid[1, 20:23] += 200  # leaps away for three hours, then comes back
    grid[:, 10] += 400  # and the whole city leaps an hour: still nothing
    grid[:, 11:] += 400
    assert kinds(detect_grid(hourly(72), grid, PM25)) == [("jump", 1, 20, 23)]


@pytest.mark.parametrize(("extra", "flagged"), [(149.0, False), (151.0, True)])
def test_min_jump_boundary(extra: float, flagged: bool) -> None:
    grid = np.full((5, 6), 100.0)
    grid[:, 3:] += np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])  # neighbours' changes spread 0…4
    grid[0, 3:] = 100.0 + 2.0 + extra  # station 0 moves 'extra' beyond the others' median change (+2)
    found = [f for f in detect_grid(hourly(6), grid, PM25).faults if f.kind == "jump"]
    assert bool(found) is flagged
    if flagged:
        assert (found[0].series, found[0].first) == (0, 3)


def test_too_few_neighbours_measuring_is_no_judgement() -> None:
    grid = smooth_grid(stations=4)
    grid[0, 30] += 400
    grid[1:3, 29:32] = np.nan  # only one other station measures around the spike (min_neighbours 3)
    assert [f for f in detect_grid(hourly(72), grid, PM25).faults if f.kind == "jump"] == []
    grid = smooth_grid(stations=4)
    grid[0, 30] += 400
    assert kinds(detect_grid(hourly(72), grid, PM25)) == [("jump", 0, 30, 31)]


def test_neighbours_mask_limits_the_comparison() -> None:
    grid = smooth_grid(stations=6)
    grid[0:2, 30:] += 300  # stations 0 and 1 leap together; the other four do not
    everyone = detect_grid(hourly(72), grid, PM25)
    assert {(f.series, f.first) for f in everyone.faults} == {(0, 30), (1, 30)}
    near = np.zeros((6, 6), dtype=bool)
    near[0, [1, 2, 3]] = near[1, [0, 2, 3]] = True  # 0 and 1 are compared with each other among others…
    near[2:, 2:] = True
    near[0, 1] = near[1, 0] = True
    opts = FaultOptions(min_neighbours=3)
    restricted = detect_grid(hourly(72), grid, PM25, opts, neighbours=near)
    assert {(f.series, f.first) for f in restricted.faults} == {(0, 30), (1, 30)}
    cluster = np.zeros((6, 6), dtype=bool)
    cluster[:2, :2] = cluster[2:, 2:] = True
    alone = detect_grid(hourly(72), grid, PM25, FaultOptions(min_neighbours=1), neighbours=cluster)
    assert alone.faults == ()  # each leaps with its only neighbour


@pytest.mark.parametrize(("repeats", "flagged"), [(5, False), (6, True)])
def test_stuck_boundary(repeats: int, flagged: bool) -> None:
    values = np.array([50.0, 52, 51, 55] + [60.0] * repeats + [61, 63, 58])
    report = detect_series(hourly(values.size), values, PM25)
    expected = [("stuck", 0, 4, 4 + repeats)] if flagged else []
    assert kinds(report) == expected
    if flagged:
        assert f"over {repeats} readings" in report.faults[0].evidence


def test_stuck_ignores_the_resolution_floor_and_missing_readings_do_not_break_a_run() -> None:
    at_floor = np.array([30.0, 20, 20, 20, 20, 20, 20, 20, 25])  # 20 µg/m³ is the floor: clean air, not stuck
    assert detect_series(hourly(at_floor.size), at_floor, PM25).faults == ()
    holed = np.array([30.0, 84, 84, np.nan, 84, 84, 84, 84, 90])
    assert kinds(detect_series(hourly(holed.size), holed, PM25)) == [("stuck", 0, 1, 8)]


def test_stuck_needs_its_minimum_duration_on_irregular_series() -> None:
    times = np.array([0, 60, 120, 180, 240, 300, 4000], dtype=np.int64)
    values = np.array([50.0, 50, 50, 50, 50, 50, 40])
    opts = FaultOptions(stuck_min_seconds=301, spacing=600)
    assert [f for f in detect_series(times, values, PM25, opts).faults if f.kind == "stuck"] == []
    opts = FaultOptions(stuck_min_seconds=300, spacing=600)
    assert [f.kind for f in detect_series(times, values, PM25, opts).faults if f.kind == "stuck"] == ["stuck"]


@pytest.mark.parametrize(("missing", "flagged"), [(2, False), (3, True)])
def test_gap_boundary_on_hourly_data(missing: int, flagged: bool) -> None:
    values = np.linspace(40, 80, 12)
    values[5 : 5 + missing] = np.nan
    report = detect_series(hourly(12), values, PM25)
    assert kinds(report) == ([("gap", 0, 5, 5 + missing)] if flagged else [])
    if flagged:
        assert report.faults[0].evidence.startswith("no valid reading for 4 h (3 readings missing; limit 3 h)")


def test_gaps_at_the_edges_count_like_gaps_inside() -> None:
    values = np.linspace(40, 80, 12)
    values[:3] = np.nan
    values[10:] = np.nan  # two missing at the end: under the limit
    assert kinds(detect_series(hourly(12), values, PM25)) == [("gap", 0, 0, 3)]


@pytest.mark.parametrize(("silence", "flagged"), [(1800, False), (1801, True)])
def test_gap_boundary_on_irregular_data(silence: int, flagged: bool) -> None:
    times = np.array([0, 600, 1200, 1800, 1800 + silence, 2400 + silence, 3000 + silence], dtype=np.int64)
    values = np.array([50.0, 51, 53, 52, 54, 55, 53])
    report = detect_series(times, values, PM25)  # median spacing 600 s: limit 1,800 s
    assert kinds(report) == ([("gap", 0, 4, 4)] if flagged else [])
    if flagged:
        assert (report.faults[0].start_time, report.faults[0].end_time) == (1800, 1800 + silence)


def test_active_hours_excuse_the_night_but_not_a_missing_day() -> None:
    day = 86400
    times = [d * day + 8 * HOUR + k * 1800 for d in (0, 1, 3) for k in range(17)]  # 08:00…16:00, day 2 missing
    values = np.arange(len(times), dtype=np.float64) % 7 + 100
    opts = FaultOptions(active_hours=(8.0, 16.5))
    report = detect_series(np.array(times, dtype=np.int64), values, PM25, opts)
    assert kinds(report) == [("gap", 0, 34, 34)]
    assert "of active hours" in report.faults[0].evidence
    around_the_clock = detect_series(np.array(times, dtype=np.int64), values, PM25)
    assert len(around_the_clock.of_kind("gap")) == 2


@pytest.mark.parametrize(
    ("value", "kind"), [(-0.1, "out_of_range"), (0.0, None), (1000.0, None), (1000.1, "out_of_range")]
)
def test_physical_range_boundary(value: float, kind: str | None) -> None:
    values = np.array([50.0, 52, value, 51, 49])
    found = [f.kind for f in detect_series(hourly(5), values, PM25).faults]
    assert found == ([kind] if kind else [])


@pytest.mark.parametrize(("value", "flagged"), [(998.0, False), (999.0, True)])
def test_the_beijing_cap_of_999_is_censored_not_impossible(value: float, flagged: bool) -> None:
    values = np.array([700.0, 850, value, 900, 800])
    beijing = detect_series(hourly(5), values, BEIJING_LIMITS["PM2.5"])
    assert [(f.kind, f.first) for f in beijing.faults] == ([("at_ceiling", 2)] if flagged else [])
    if flagged:
        assert beijing.faults[0].quality == SUSPECT
    assert detect_series(hourly(5), values, PM25).faults == ()  # no cap known: nothing to say


def test_an_impossible_value_is_out_of_range_only_not_also_a_jump() -> None:
    grid = smooth_grid()
    grid[3, 33] = 5000.0
    assert kinds(detect_grid(hourly(72), grid, PM25)) == [("out_of_range", 3, 33, 34)]


def test_nan_is_missing_never_a_value() -> None:
    grid = smooth_grid(stations=5, hours=24)
    grid[2, 7] = np.nan  # one missing hour: no gap, no jump around it, no range fault
    report = detect_grid(hourly(24), grid, PM25)
    assert report.faults == ()
    quality = report.quality()
    assert quality[2, 7] == MISSING
    assert (quality[np.arange(5) != 2] == PASS).all()
    empty = detect_series(hourly(4), np.full(4, np.nan), PM25)
    assert kinds(empty) == [("gap", 0, 0, 4)]


def test_quality_takes_the_worst_flag_of_each_reading_and_result_quality_is_json() -> None:
    values = np.array([50.0, 50, 50, 50, 50, 50, 50, -3, 47, 1200])
    report = detect_series(hourly(values.size), values, PM25)
    assert kinds(report) == [("stuck", 0, 0, 7), ("out_of_range", 0, 7, 8), ("out_of_range", 0, 9, 10)]
    assert report.quality().tolist() == [FAIL] * 8 + [PASS, FAIL]
    assert report.faults[0].result_quality() == {"qartod": 4, "flag": "fail", "fault": "stuck",
                                                 "evidence": report.faults[0].evidence}  # fmt: skip
    assert set(KIND_QUALITY) == {"stuck", "gap", "jump", "out_of_range", "at_ceiling", "duplicate",
                                 "over_capacity", "negative", "irregular_time"}  # fmt: skip


def test_datetime64_and_integer_seconds_give_the_same_faults() -> None:
    grid = smooth_grid()
    grid[0, 12] += 300
    seconds = hourly(72)
    as_datetimes = seconds.astype("datetime64[s]").astype("datetime64[ms]")
    assert detect_grid(seconds, grid, PM25).faults == detect_grid(as_datetimes, grid, PM25).faults
    with pytest.raises(ValueError, match="datetime64 or integer"):
        detect_grid(seconds.astype(float), grid, PM25)
    with pytest.raises(ValueError, match="71 times for 72"):
        detect_grid(seconds[:-1], grid, PM25)


def test_options_refuse_thresholds_that_cannot_work() -> None:
    with pytest.raises(ValueError, match="stuck_readings"):
        FaultOptions(stuck_readings=1)
    with pytest.raises(ValueError, match="active_hours"):
        FaultOptions(active_hours=(17.0, 8.0))
