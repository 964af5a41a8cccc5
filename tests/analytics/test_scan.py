"""The space-time permutation scan: finds a planted outbreak where and when it is, stays quiet at the promised rate
on data without one, keeps both margins in its permutations, and refuses input it cannot scan."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from numpy.typing import NDArray

import citybrain.analytics.scan.neighbours as circles
import citybrain.analytics.scan.stpscan as stpscan
from citybrain.analytics.scan import Members, ScanConfig, scan
from citybrain.analytics.scan.kernels import _deal, thresholds
from citybrain.analytics.scan.neighbours import limit_by_share, neighbours
from citybrain.core.errors import InvalidInput

END = date(2026, 11, 25)
CELL_M = 1000.0


def city(side: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Centres of a side × side grid of 1 km cells near Changsha, row-major."""
    row, col = np.divmod(np.arange(side * side), side)
    lat = 28.0 + (row + 0.5) * CELL_M / 111_320.0
    lon = 112.0 + (col + 0.5) * CELL_M / (111_320.0 * math.cos(math.radians(28.0)))
    return lat, lon


def background(side: int, days: int, per_day: float, seed: int) -> NDArray[np.int64]:
    """Poisson counts whose rate is a cell factor × a day factor: no space-time interaction, the scan's null."""
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0.0, 0.5, side * side)
    weekly = 1.0 + 0.3 * np.sin(np.arange(days) * 2 * np.pi / 7)
    return rng.poisson(np.outer(weights / weights.sum(), per_day * weekly)).astype(np.int64)


def test_a_planted_cluster_is_found_with_its_centre_radius_and_days() -> None:
    side, days = 15, 14
    counts = background(side, days, 300, seed=1)
    lat, lon = city(side)
    centre = 7 * side + 7
    ring = [centre, centre - 1, centre + 1, centre - side, centre + side]  # the centre and its 4 neighbours at 1 km
    counts[ring, -3:] += 8
    result = scan(counts, lat, lon, end=END, config=ScanConfig(replicates=99, max_radius_m=2500), seed=3)
    best = result.best
    assert best is not None
    assert (best.center_lat, best.center_lon) == (lat[centre], lon[centre])
    assert best.radius_m == pytest.approx(CELL_M, rel=1e-3)
    assert sorted(best.cells) == sorted(str(c) for c in ring)
    assert (best.start, best.end) == (date(2026, 11, 23), END)
    assert best.observed == int(counts[ring, -3:].sum())
    assert best.observed > 2 * best.expected
    assert best.p_value == pytest.approx(0.01)
    assert best.recurrence_days == pytest.approx(100)


def test_secondary_clusters_share_no_cell_and_name_their_cases() -> None:
    side, days = 15, 14
    counts = background(side, days, 300, seed=2)
    lat, lon = city(side)
    first, second = 2 * side + 2, 12 * side + 11
    counts[first, -2:] += 12
    counts[second, -1] += 9
    cell, day = np.nonzero(counts)
    reps = counts[cell, day]
    members = Members(
        cell=np.repeat(cell, reps).astype(np.int64),
        day=np.repeat(day, reps).astype(np.int64),
        ids=tuple(f"case-{i}" for i in range(int(reps.sum()))),
    )
    result = scan(counts, lat, lon, end=END, members=members, config=ScanConfig(replicates=99, max_clusters=5))
    assert len(result.clusters) >= 2
    found = {c.cells[0] for c in result.clusters[:2]}
    assert found == {str(first), str(second)}
    seen: set[str] = set()
    for cluster in result.clusters:
        assert not seen & set(cluster.cells)
        seen |= set(cluster.cells)
        assert len(cluster.case_ids) == cluster.observed
    assert [c.llr for c in result.clusters] == sorted((c.llr for c in result.clusters), reverse=True)


@pytest.mark.slow
def test_no_cluster_on_data_without_one_at_the_promised_rate() -> None:
    """On null data the p-value is uniform: p ≤ 0.1 on about a tenth of the analyses, and no more."""
    side, days, trials = 8, 10, 200
    lat, lon = city(side)
    config = ScanConfig(replicates=19, max_radius_m=1500, max_days=3)
    p_values = np.array(
        [
            scan(background(side, days, 80, seed=100 + t), lat, lon, end=END, config=config, seed=t).clusters[0].p_value
            for t in range(trials)
        ]
    )
    assert np.mean(p_values <= 0.1) <= 0.2
    assert np.mean(p_values <= 0.1) >= 0.02
    assert np.mean(p_values) == pytest.approx(0.525, abs=0.1)


def test_the_permutation_keeps_both_margins() -> None:
    rng = np.random.default_rng(5)
    counts = rng.poisson(3.0, size=(30, 6)).astype(np.int64)
    cell_totals = counts.sum(axis=1)
    day_totals = counts[:, ::-1].sum(axis=0)  # the dealing order: today first
    case_cells = np.repeat(np.arange(30, dtype=np.int64), cell_totals)
    dealt = _deal(case_cells, day_totals, 30)
    per_day = np.diff(dealt, axis=1, prepend=0)
    assert per_day.sum(axis=0).tolist() == day_totals.tolist()
    assert dealt[:, -1].tolist() == cell_totals.tolist()
    assert (per_day >= 0).all()
    assert not np.array_equal(per_day, counts[:, ::-1])  # it did shuffle


def test_same_seed_same_answer_and_gumbel_goes_past_the_monte_carlo_floor() -> None:
    side = 10
    counts = background(side, 14, 200, seed=7)
    counts[44, -2:] += 25
    lat, lon = city(side)
    a = scan(counts, lat, lon, end=END, config=ScanConfig(replicates=49), seed=11)
    b = scan(counts, lat, lon, end=END, config=ScanConfig(replicates=49), seed=11)
    assert np.array_equal(a.null_maxima, b.null_maxima)
    assert a.best is not None
    assert a.best.p_value == pytest.approx(1 / 50)
    tail = scan(counts, lat, lon, end=END, config=ScanConfig(replicates=49, gumbel=True), seed=11).best
    assert tail is not None
    assert tail.p_value < 1 / 50
    assert tail.recurrence_days > 50


def test_circles_stop_at_the_share_of_cases_and_the_radius() -> None:
    lat, lon = city(5)
    found = neighbours(lat, lon, max_radius_m=1000)
    assert found.length[12] == 5  # centre + 4 at 1 km; the diagonals (1.41 km) are out
    assert found.order[12, 0] == 12
    totals = np.full(25, 10, dtype=np.int64)
    assert limit_by_share(found, totals, 30)[12] == 3
    assert limit_by_share(found, totals, 5)[12] == 1  # the centre alone is always a circle


def test_a_window_without_cases_has_no_cluster() -> None:
    lat, lon = city(4)
    result = scan(np.zeros((16, 7), dtype=np.int64), lat, lon, end=END)
    assert result.clusters == ()
    assert result.total_cases == 0


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        (np.ones((16, 1), dtype=np.int64), "at least 2 days"),
        (np.ones(16, dtype=np.int64), "cells × days"),
        (-np.ones((16, 3), dtype=np.int64), "negative"),
        (np.full((16, 3), 0.5), "whole numbers"),
        (np.ones((15, 3), dtype=np.int64), "one centre per cell"),
    ],
)
def test_bad_counts_are_refused(counts: NDArray[np.float64], message: str) -> None:
    lat, lon = city(4)
    with pytest.raises(InvalidInput, match=message):
        scan(counts, lat, lon, end=END)


def test_bad_centres_and_settings_are_refused() -> None:
    lat, lon = city(4)
    counts = np.ones((16, 3), dtype=np.int64)
    with pytest.raises(InvalidInput, match="finite centre"):
        scan(counts, np.where(np.arange(16) == 3, np.nan, lat), lon, end=END)
    with pytest.raises(InvalidInput, match="max_share"):
        scan(counts, lat, lon, end=END, config=ScanConfig(max_share=0))
    with pytest.raises(InvalidInput, match="replicates"):
        scan(counts, lat, lon, end=END, config=ScanConfig(replicates=-1))


def test_a_scan_too_large_for_memory_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(circles, "MAX_PAIRS", 100)
    lat, lon = city(20)
    with pytest.raises(InvalidInput, match="lower the maximum radius"):
        scan(np.ones((400, 3), dtype=np.int64), lat, lon, end=END, config=ScanConfig(max_radius_m=50_000))


def test_a_scan_with_too_many_cylinders_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stpscan, "MAX_CYLINDERS", 1_000)
    lat, lon = city(10)
    with pytest.raises(InvalidInput, match="cylinders"):
        scan(background(10, 14, 200, seed=1), lat, lon, end=END, config=ScanConfig(max_radius_m=3000, max_days=7))


def _glr(c: int, mu: float, total: int) -> float:
    rest = total - c
    return c * math.log(c / mu) + (rest * math.log(rest / (total - mu)) if rest > 0 else 0.0)


def test_the_best_cluster_is_the_best_cylinder_of_a_brute_force_search() -> None:
    """Every circle × duration weighed by hand, with its expectation from the margins: the scan's best agrees."""
    side, days, longest = 8, 10, 4
    counts = background(side, days, 60, seed=4)
    counts[27, -2:] += 5
    lat, lon = city(side)
    config = ScanConfig(replicates=9, max_radius_m=2500, max_days=longest, max_share=0.3)
    result = scan(counts, lat, lon, end=END, config=config)
    found = neighbours(lat, lon, max_radius_m=2500)
    totals = counts.sum(axis=1)
    total = int(totals.sum())
    best = 0.0
    for i, length in enumerate(limit_by_share(found, totals, 0.3 * total)):
        for k in range(int(length)):
            cells = found.order[i, : k + 1]
            for span in range(1, longest + 1):
                c = int(counts[cells, -span:].sum())
                mu = float(totals[cells].sum()) * float(counts[:, -span:].sum()) / total
                if c > mu:
                    best = max(best, _glr(c, mu, total))
    assert result.best is not None
    assert result.best.llr == pytest.approx(best, rel=1e-12)


def test_thresholds_are_the_fewest_cases_that_reach_the_floor() -> None:
    """At [w, l]: the least count above μ = w × recent[l] / total, at least min_cases, whose GLR reaches the floor."""
    recent_totals = np.array([30, 70, 120], dtype=np.int64)
    total, most = 900, 200
    for floor in (0.0, 3.0, 9.5):
        least = thresholds(most, recent_totals, total, floor, 2)
        assert least.shape == (most + 1, 3)
        for w in range(0, most + 1, 7):
            for day, days_total in enumerate(recent_totals):
                mu = w * int(days_total) / total
                reach = (c for c in range(2, total + 1) if c > mu and _glr(c, mu, total) >= floor)
                assert least[w, day] == (next(reach, total + 1) if mu > 0 else total + 1)


def test_an_ordinary_day_stops_early_and_a_real_cluster_gets_every_replicate() -> None:
    """Besag–Clifford: once 20 replicates beat the best cluster its p-value can no longer fall to 0.02."""
    side = 10
    lat, lon = city(side)
    quiet = background(side, 14, 200, seed=21)
    config = ScanConfig(replicates=999, stop_after=20, max_radius_m=1500)
    early = scan(quiet, lat, lon, end=END, config=config, seed=1)
    full = scan(quiet, lat, lon, end=END, config=ScanConfig(replicates=999, stop_after=0, max_radius_m=1500), seed=1)
    assert early.best is not None
    assert full.best is not None
    assert early.replicates < 999
    assert full.replicates == 999
    assert np.array_equal(early.null_maxima, full.null_maxima[: early.replicates])  # the same replicates
    assert early.best.p_value > 0.02
    assert full.best.p_value > 0.02
    loud = quiet.copy()
    loud[44, -2:] += 25
    alarm = scan(loud, lat, lon, end=END, config=config, seed=1)
    assert alarm.replicates == 999
    assert alarm.best is not None
    assert alarm.best.recurrence_days >= 365


def corners(side: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The interior corners of the city() grid (where four cells meet), row-major."""
    row, col = np.divmod(np.arange((side - 1) * (side - 1)), side - 1)
    lat = 28.0 + (row + 1.0) * CELL_M / 111_320.0
    lon = 112.0 + (col + 1.0) * CELL_M / (111_320.0 * math.cos(math.radians(28.0)))
    return lat, lon


def test_extra_centres_fit_a_cluster_that_straddles_a_corner_in_one_circle() -> None:
    side, days = 15, 21
    counts = background(side, days, 300, seed=5)
    lat, lon = city(side)
    square = [7 * side + 7, 7 * side + 8, 8 * side + 7, 8 * side + 8]  # the four cells round corner (8, 8)
    counts[square, -3:] += 6
    config = ScanConfig(replicates=99, max_radius_m=1000)
    cells_only = scan(counts, lat, lon, end=END, config=config, seed=3).best
    with_corners = scan(counts, lat, lon, end=END, config=config, seed=3, extra_centres=corners(side)).best
    assert cells_only is not None
    assert with_corners is not None
    assert not set(str(c) for c in square) <= set(cells_only.cells)  # no circle round a cell centre is that square
    assert sorted(with_corners.cells) == sorted(str(c) for c in square)
    corner_lat, corner_lon = corners(side)
    at = 7 * (side - 1) + 7
    assert (with_corners.center_lat, with_corners.center_lon) == (corner_lat[at], corner_lon[at])
    assert with_corners.radius_m == pytest.approx(CELL_M / math.sqrt(2), rel=1e-3)
    assert with_corners.llr > cells_only.llr
    assert with_corners.observed == int(counts[square, -3:].sum())


def test_a_side_midpoint_fits_a_cluster_of_two_cells_that_no_corner_or_cell_circle_fits() -> None:
    side, days = 15, 21
    counts = background(side, days, 300, seed=8)
    lat, lon = city(side)
    pair = [7 * side + 7, 8 * side + 7]  # two cells one above the other: the midpoint of their shared side
    counts[pair, -3:] += 10
    config = ScanConfig(replicates=99, max_radius_m=1000)
    mid_lat = np.array([(lat[pair[0]] + lat[pair[1]]) / 2])
    mid_lon = np.array([lon[pair[0]]])
    around_corners = scan(counts, lat, lon, end=END, config=config, seed=3, extra_centres=corners(side)).best
    corner_lat, corner_lon = corners(side)
    both = (np.concatenate([corner_lat, mid_lat]), np.concatenate([corner_lon, mid_lon]))
    with_mid = scan(counts, lat, lon, end=END, config=config, seed=3, extra_centres=both).best
    assert around_corners is not None
    assert with_mid is not None
    assert sorted(around_corners.cells) != sorted(str(c) for c in pair)
    assert sorted(with_mid.cells) == sorted(str(c) for c in pair)
    assert (with_mid.center_lat, with_mid.center_lon) == (mid_lat[0], mid_lon[0])
    assert with_mid.radius_m == pytest.approx(CELL_M / 2, rel=1e-3)
    assert with_mid.llr > around_corners.llr


def test_min_cases_leaves_out_small_clusters_in_the_data_and_in_the_replicates() -> None:
    side, days = 12, 28
    counts = background(side, days, 100, seed=7)
    lat, lon = city(side)
    quiet = int(np.argmin(counts.sum(axis=1)))
    counts[quiet, -1] += 6  # six cases today in the quietest cell: strong, but small
    small = scan(counts, lat, lon, end=END, config=ScanConfig(replicates=99, max_radius_m=1500), seed=2)
    assert small.best is not None
    assert small.best.cells[0] == str(quiet)
    config = ScanConfig(replicates=99, max_radius_m=1500, min_cases=12)
    large = scan(counts, lat, lon, end=END, config=config, seed=2)
    assert large.clusters
    assert all(c.observed >= 12 for c in large.clusters)
    assert str(quiet) not in large.clusters[0].cells[:1]
    every = scan(counts, lat, lon, end=END, config=ScanConfig(replicates=99, max_radius_m=1500, stop_after=0), seed=2)
    fewer = scan(counts, lat, lon, end=END, config=ScanConfig(replicates=99, max_radius_m=1500, stop_after=0,
                                                               min_cases=12), seed=2)  # fmt: skip
    assert np.all(fewer.null_maxima <= every.null_maxima + 1e-9)  # replicates weigh fewer cylinders too
    assert fewer.null_maxima.sum() < every.null_maxima.sum()
    with pytest.raises(InvalidInput, match="min_cases"):
        scan(counts, lat, lon, end=END, config=ScanConfig(min_cases=0))


def test_an_extra_centre_beyond_every_cell_draws_no_circle_and_bad_extra_centres_are_refused() -> None:
    lat, lon = city(3)
    found = neighbours(lat, lon, max_radius_m=600, extra_lat=np.array([29.0]), extra_lon=np.array([113.0]))
    assert len(found.length) == 9
    assert list(found.source) == list(range(9))
    counts = background(3, 7, 50, seed=1)
    with pytest.raises(InvalidInput, match="finite"):
        scan(counts, lat, lon, end=END, extra_centres=(np.array([math.nan]), np.array([112.0])))
