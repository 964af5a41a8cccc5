"""Sensors joined to complaints: the Demo City's planted link and nothing else; calibration of the test."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from citybrain.analytics.sensor_links import model
from citybrain.analytics.sensor_links.analysis import LinkParams, LinkResult, find_links
from citybrain.insight.sensor_links import SensorJob, from_file
from citybrain.simulate.sensors import SensorCity
from citybrain.simulate.streams import Stream
from tests.analytics.sensor_city import demo_files

ZONE = "Asia/Shanghai"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Stream, SensorCity]:
    folder = tmp_path_factory.mktemp("sensor_city")
    return demo_files(folder)


def _run(cases: Path, sensors: Path) -> LinkResult:
    return from_file(cases, SensorJob(sensors, LinkParams(), ZONE))[0]


def test_demo_city_finds_exactly_the_planted_link(demo: tuple[Path, Path, Path, Stream, SensorCity]) -> None:
    cases, sensors, _, _, sensor_city = demo
    result = _run(cases, sensors)
    episode = sensor_city.episode
    assert episode is not None
    assert [(link.district, link.category, link.quantity, link.lag) for link in result.links] == [
        (episode.district, episode.complaint_category, episode.quantity, episode.complaint_lag)
    ]
    link = result.links[0]
    assert link.q_value <= 0.05
    assert link.rate_ratio > 1
    assert result.tests > 2000  # every district × sensed category × quantity × lag 0…7 was tried
    carried = {day.day for day in link.carrying_days}
    assert carried & set(episode.complaint_days)


def test_without_the_episode_in_the_sensors_nothing_is_found(demo: tuple[Path, Path, Path, Stream, SensorCity]) -> None:
    cases, _, null_sensors, _, _ = demo
    assert _run(cases, null_sensors).links == ()


def _null_series(rng: np.random.Generator, n: int, mean: float) -> tuple[np.ndarray, np.ndarray]:
    season = 1 + 0.4 * np.cos(2 * np.pi * np.arange(n) / 365)
    y = rng.poisson(mean * season * rng.gamma(5, 1 / 5, size=n))
    e = rng.standard_normal(n)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = 0.8 * x[t - 1] + e[t]
    x = 50 * season + 12 * x
    x[rng.integers(n)] += 400  # a spike fault in the sensor
    return y.astype(np.int64), x


def test_null_p_values_are_not_too_small() -> None:
    """Seasonal, overdispersed, autocorrelated and independent: p ≤ 0.05 at most at the nominal rate."""
    rng = np.random.default_rng(5)
    n = 365
    design = model.controls(n, 0)
    p_values = []
    for _ in range(120):
        y, x = _null_series(rng, n, float(rng.choice([0.4, 1.5, 6.0])))
        mu = model.null_means(y.astype(float), design)
        alpha = model.overdispersion(y.astype(float), mu, design.shape[1])
        w = model.white_sensor(x, design)
        p_values += [model.score_p_value(y.astype(float), mu, alpha, model.lagged(w, lag))[0] for lag in (0, 2, 5)]
    share = float(np.mean(np.array(p_values) <= 0.05))
    assert share <= 0.065


def test_null_cities_report_no_link() -> None:
    rng = np.random.default_rng(11)
    n, keys, sensor_keys = 300, [], []
    counts, sensors = [], []
    for d in range(6):
        for c in ("environment.air", "noise.traffic"):
            keys.append((f"D{d}", c))
            counts.append(_null_series(rng, n, 1.0)[0])
        for q in ("PM2.5", "NO2"):
            sensor_keys.append((f"D{d}", q))
            sensors.append(_null_series(rng, n, 1.0)[1])
    result = find_links(np.array(counts), keys, np.array(sensors), sensor_keys, date(2025, 1, 6))
    assert result.tests == 6 * 2 * 2 * 8
    assert result.links == ()


def test_the_saddlepoint_tail_follows_the_poisson_tail() -> None:
    """One weighted day: the tail must be P(Y ≥ k) of its Poisson (with the half-step correction), not the normal's."""
    mu = np.array([0.6, 0.6, 0.6])
    w = np.array([0.0, 1.0, 0.0])
    y = np.array([0.0, 4.0, 0.0])
    p, z = model.score_p_value(y, mu, 0.0, w)
    exact = 2 * stats.poisson.sf(3, 0.6)
    assert z > 4
    assert exact / 3 < p < exact * 3
    assert p > 2 * stats.norm.sf(z) * 10  # the normal approximation would call it far more surprising


def test_lagged_links_name_the_lag_and_the_days() -> None:
    rng = np.random.default_rng(3)
    n = 200
    x = 40 + 8 * rng.standard_normal(n)
    x[100:103] += 120
    y = rng.poisson(1.0, size=n)
    y[103:106] += 9
    result = find_links(y[None, :], [("D1", "environment.air")], x[None, :], [("D1", "PM2.5")], date(2025, 1, 1))
    assert len(result.links) == 1
    link = result.links[0]
    assert link.lag == 3
    assert {d.day for d in link.carrying_days} >= {date(2025, 1, 1) + timedelta(days=t) for t in (103, 105)}


def test_bad_parameters_and_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="max_lag"):
        LinkParams(max_lag=-1).check()
    with pytest.raises(ValueError, match="same days"):
        find_links(np.zeros((1, 10), dtype=np.int64), [("a", "b")], np.zeros((1, 9)), [("a", "q")], date(2025, 1, 1))


def test_runs_of_complaints_widen_the_null() -> None:
    """A five-day burst the negative binomial (fitted without its busiest days) does not know: the shifted sensor
    shows it (inflation above 1); a plain Poisson series is left alone (about 1)."""
    rng = np.random.default_rng(2)
    n = 365
    design = model.controls(n, 0)
    w = rng.standard_normal(n)
    plain = rng.poisson(2.0, size=n).astype(float)
    bursty = plain.copy()
    bursty[200:205] += 12
    for y, low, high in ((plain, 1.0, 1.05), (bursty, 1.1, 10.0)):
        mu = model.null_means(y, design)
        alpha = model.overdispersion(y, mu, design.shape[1])
        assert low <= model.shift_inflation(y, mu, alpha, w, guard=14) <= high
