"""A synthetic city for the space-time scan's benchmarks: 2,000 cells of 1 km², ~3,000 cases a day.

Each cell's rate is its own busyness (lognormal, busier towards the centre) times the city's day (weekly rhythm,
weather-like day-to-day swings common to every cell). That is a realistic background with no space-time
interaction — exactly the scan's null, so any signal on it is a false alarm. An outbreak adds cases at points
uniform in a disc, spread over consecutive days, each counted in the 1 km cell it falls in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from citybrain.analytics.counting.cube import grid_centres
from citybrain.analytics.counting.grid import Grid

CELL_M = 1000.0
LAT0, LON0 = 28.2, 112.95  # Changsha
M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class City:
    cell_m: float
    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    weights: NDArray[np.float64]  # share of the city's cases per cell, sums to 1
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]

    @property
    def cells(self) -> int:
        return len(self.rows)

    def extra_centres(self, kind: str) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
        """The scan's extra circle centres of ``kind`` (one of CENTRES), computed as the product computes them."""
        grid = Grid(size_m=self.cell_m, ref_lat=LAT0, origin_lat=LAT0, origin_lon=LON0)  # the grid built below
        return grid_centres(grid, np.column_stack([self.rows, self.cols]), kind)

    def cell_of(self, x_m: NDArray[np.float64], y_m: NDArray[np.float64]) -> NDArray[np.int64]:
        """The cell index holding each point (metres from the grid origin), -1 outside the city."""
        lookup = {(int(r), int(c)): i for i, (r, c) in enumerate(zip(self.rows, self.cols, strict=True))}
        keys = zip(np.floor(y_m / self.cell_m).astype(int), np.floor(x_m / self.cell_m).astype(int), strict=True)
        return np.array([lookup.get((int(r), int(c)), -1) for r, c in keys], dtype=np.int64)


def build_city(
    cells: int = 2000, seed: int = 0, cell_m: float = CELL_M, *, even: bool = False, busyness_m: float | None = None
) -> City:
    """The ``cells`` squares of ``cell_m`` nearest the centre of a large square: a round city.

    Each cell's busyness is drawn per cell, so halving ``cell_m`` and quadrupling ``cells`` gives a city as uneven,
    cell for cell, as the coarse one — lumpier at the finer scale. With ``busyness_m`` (a multiple of ``cell_m``)
    busyness is drawn per square of that side and spread evenly over its cells: the same city counted on a finer
    grid (``busyness_m=1000``: the issue's city of 2,000 cells of about 1 km², whatever the scan's cells).
    ``even``: cases spread almost evenly (lognormal σ 0.3, no busier centre)."""
    split = round(busyness_m / cell_m) if busyness_m else 1
    if split < 1 or (busyness_m and abs(split * cell_m - busyness_m) > 1e-6) or cells % (split * split):
        raise ValueError(f"busyness_m {busyness_m} must be a whole multiple of cell_m {cell_m} dividing the city")
    rng = np.random.default_rng(seed)
    coarse = cells // (split * split)
    side = int(math.ceil(math.sqrt(coarse * 4 / math.pi))) + 2
    row, col = np.divmod(np.arange(side * side), side)
    distance = np.hypot(row + 0.5 - side / 2, col + 0.5 - side / 2)
    keep = np.sort(np.argsort(distance, kind="stable")[:coarse])
    row, col, distance = row[keep], col[keep], distance[keep]
    if even:
        weights = rng.lognormal(0.0, 0.3, coarse)
    else:
        weights = rng.lognormal(0.0, 0.8, coarse) * np.exp(-distance / (side / 3))
    if split > 1:  # every coarse square becomes split × split cells sharing its busyness
        sub_row, sub_col = np.divmod(np.arange(split * split), split)
        row = (row[:, None] * split + sub_row[None, :]).reshape(-1)
        col = (col[:, None] * split + sub_col[None, :]).reshape(-1)
        weights = np.repeat(weights, split * split)
    lat = LAT0 + (row + 0.5) * cell_m / M_PER_DEG
    lon = LON0 + (col + 0.5) * cell_m / (M_PER_DEG * math.cos(math.radians(LAT0)))
    return City(cell_m, row.astype(np.int64), col.astype(np.int64), weights / weights.sum(), lat, lon)


def background(city: City, days: int, per_day: float, rng: np.random.Generator) -> NDArray[np.int64]:
    """Cases per cell × day: Poisson(cell share × the city's day), the day with a weekly rhythm and ±10 % swings."""
    weekly = np.where(np.arange(days) % 7 >= 5, 0.8, 1.06)
    swings = rng.gamma(100.0, 0.01, days)
    return rng.poisson(np.outer(city.weights, per_day * weekly * swings)).astype(np.int64)


@dataclass(frozen=True)
class Outbreak:
    cells: NDArray[np.int64]  # per extra case: its cell
    offsets: NDArray[np.int64]  # per extra case: its outbreak day (0 = first)

    def add_to(self, counts: NDArray[np.int64], first_column: int) -> NDArray[np.int64]:
        """``counts`` with the outbreak's cases added from column ``first_column`` on (days past the end ignored)."""
        out = counts.copy()
        column = first_column + self.offsets
        inside = (column < counts.shape[1]) & (self.cells >= 0)
        np.add.at(out, (self.cells[inside], column[inside]), 1)
        return out


def outbreak(
    city: City, cases: int, radius_m: float, days: int, rng: np.random.Generator, *, at_cell_centre: bool = False
) -> Outbreak:
    """``cases`` points uniform in a disc of ``radius_m`` round a random point at least 1.5 km inside the city.

    The point is anywhere (the realistic case: the disc usually straddles several cells), or with
    ``at_cell_centre`` the centre of a cell (the best case for a grid: a 500 m disc then fits one 1 km cell).
    """
    while True:
        centre = int(rng.integers(city.cells))
        x0 = (city.cols[centre] + (0.5 if at_cell_centre else rng.random())) * city.cell_m
        y0 = (city.rows[centre] + (0.5 if at_cell_centre else rng.random())) * city.cell_m
        around = rng.random(16) * 2 * np.pi
        ring = city.cell_of(x0 + 1500 * np.cos(around), y0 + 1500 * np.sin(around))
        if (ring >= 0).all():
            break
    radius = radius_m * np.sqrt(rng.random(cases))
    angle = rng.random(cases) * 2 * np.pi
    cells = city.cell_of(x0 + radius * np.cos(angle), y0 + radius * np.sin(angle))
    return Outbreak(cells=cells, offsets=rng.integers(0, days, cases).astype(np.int64))
