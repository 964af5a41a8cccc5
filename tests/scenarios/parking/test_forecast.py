"""The occupancy forecast: exact where the method's assumption holds, and better than seasonal-naive on Birmingham."""

from __future__ import annotations

from datetime import date

import numpy as np

from citybrain.scenarios.parking import birmingham
from citybrain.scenarios.parking.forecast import (
    HORIZONS,
    Grid,
    clean,
    evaluate,
    forecast_now,
    to_grid,
    weekly_profile,
)
from tests.conftest import shared_path

FILE = ("data", "birmingham_parking", "parking_birmingham_uci_dataset.csv.gz")
DAY = 86_400


def test_readings_land_on_half_hour_slots_and_the_later_one_wins() -> None:
    t = np.array([7 * 3600 + 59 * 60, 8 * 3600 + 26 * 60, 8 * 3600 + 31 * 60, DAY + 8 * 3600], dtype=np.int64)
    grid = to_grid(["A"], [t], [np.array([10.0, 20.0, 25.0, 30.0])], [100.0])
    assert (grid.first_slot, grid.values.shape) == (16, (1, 2, 2))
    assert np.array_equal(grid.values[0], [[10.0, 25.0], [30.0, np.nan]], equal_nan=True)


def test_impossible_readings_are_neither_history_nor_truth() -> None:
    values = np.array([[[5.0, -1.0, 120.0]]])
    assert np.isnan(clean(values, np.array([100.0]))[0, 0, 1:]).all()


def _weekly_with_level_shifts(days: int = 63, parks: int = 3) -> np.ndarray:
    rng = np.random.default_rng(1)
    shape = 50 + 40 * np.sin(np.linspace(0, np.pi, 18))
    weekday = rng.uniform(0.5, 1.5, size=7)
    level = rng.normal(0, 15, size=(parks, days))  # each day sits higher or lower all day long
    return shape[None, None, :] * weekday[None, np.arange(days) % 7, None] + level[:, :, None]


def test_a_day_shifted_from_last_week_is_forecast_exactly_and_seasonal_naive_is_not() -> None:
    values = _weekly_with_level_shifts()
    grid = Grid(("A", "B", "C"), np.full(3, 1e6), date(2026, 1, 5), 16, values)
    for horizon in evaluate(grid, test_from=28):
        assert horizon.mae < 1e-6
        assert horizon.naive_mae > 5
        assert horizon.fits[0] == (1, 1.0)


def test_the_forecast_beats_seasonal_naive_on_birmingham_at_every_horizon() -> None:
    grid = birmingham.grid(shared_path(*FILE))
    assert len(grid.codes) == 30
    found = evaluate(grid)
    assert [h.hours for h in found] == [1.0, 2.0, 3.0, 4.0]
    for h in found:
        assert h.mae < h.naive_mae, h
        assert h.points > 5000
        parks = [(a, b) for a, b in zip(h.mae_per_park, h.naive_mae_per_park, strict=True) if not np.isnan(a)]
        assert sum(a < b for a, b in parks) > len(parks) / 2


def test_forecast_now_answers_every_park_and_horizon() -> None:
    values = _weekly_with_level_shifts()
    profile = weekly_profile(values, 1)
    out = forecast_now(values, profile, day=50, slot=4, horizons=HORIZONS, phis=[1.0] * 4)
    assert out.shape == (3, 4)
    assert np.allclose(out[:, 0], values[:, 50, 6])
    beyond = forecast_now(values, profile, day=50, slot=15, horizons=HORIZONS, phis=[1.0] * 4)
    assert np.isnan(beyond[:, 1:]).all()
