"""Cases → cell × day counts for the scan: local days, a window ending at as_of, and every case left out counted."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from citybrain.analytics import io
from citybrain.analytics.counting.cube import build_cube, grid_centres, grid_corners, grid_half_lattice
from citybrain.analytics.counting.grid import Grid
from citybrain.analytics.scan import ScanConfig, scan
from citybrain.core.errors import InvalidInput

HEADER = "id,created_at,category,lat,lon,duplicate_of\n"
AS_OF = date(2026, 11, 25)
ZONE = "Asia/Shanghai"


def _cube(path: Path, **options: object):  # type: ignore[no-untyped-def]
    con = io.connect()
    io.open_file(con, path, timezone=ZONE)
    return build_cube(con, as_of=AS_OF, timezone=ZONE, **options)  # type: ignore[arg-type]


def test_cases_are_counted_by_local_day_and_the_unplaceable_are_counted_apart(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        HEADER
        + "1,2026-11-24T17:30:00Z,noise,28.2000,112.9000,\n"  # 01:30 on the 25th in Shanghai
        + "1,2026-11-24T17:30:00Z,noise,28.2000,112.9000,\n"  # the same case twice
        + "2,2026-11-24 09:00:00,noise,28.2001,112.9001,\n"  # local time, the 24th, same cell
        + "3,2026-11-25 10:00:00,noise,28.2300,112.9000,\n"  # ~3.3 km north
        + "4,2026-11-25 11:00:00,noise,,,\n"  # no coordinates
        + "5,2026-11-25 11:00:00,noise,0,0,\n"  # (0, 0): a placeholder, not a place
        + "6,2026-11-26 08:00:00,noise,28.2,112.9,\n"  # tomorrow
        + "7,2026-11-25 12:00:00,noise,28.2,112.9,1\n"  # merged into 1
        + "8,2026-10-01 12:00:00,noise,28.2,112.9,\n",  # before the window
        encoding="utf-8",
    )
    cube = _cube(path, window_days=7, cell_m=500)
    assert cube.counts.shape == (2, 7)
    assert cube.total == 3
    assert (cube.start, cube.end) == (date(2026, 11, 19), AS_OF)
    south = cube.cells.index(min(cube.cells, key=lambda c: int(c.split("_")[0])))
    assert cube.counts[south, -1] == 1  # 1, on the 25th local
    assert cube.counts[south, -2] == 1  # 2, on the 24th
    assert cube.counts[1 - south, -1] == 1  # 3
    assert cube.left_out.without_coordinates == 2
    assert cube.left_out.in_future == 1
    assert cube.left_out.repeated_rows == 1
    assert cube.left_out.marked_duplicates == 1
    assert sorted(cube.members.ids) == ["1", "2", "3"]
    for cell, day, case_id in zip(cube.members.cell, cube.members.day, cube.members.ids, strict=True):
        assert cube.counts[cell, day] >= 1, case_id
    lat, lon = cube.grid.cell_center(*map(int, cube.cells[south].split("_")))
    assert (cube.lat[south], cube.lon[south]) == (lat, lon)
    assert abs(lat - 28.2) < 0.005


def test_a_window_without_cases_gives_an_empty_cube_and_no_cluster(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "a,2025-01-01 10:00:00,noise,28.2,112.9,\n", encoding="utf-8")
    cube = _cube(path)
    assert cube.counts.shape == (0, 28)
    assert scan(cube.counts, cube.lat, cube.lon, end=cube.end).clusters == ()


def test_a_window_of_one_day_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "a,2026-11-25 10:00:00,noise,28.2,112.9,\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="2 to 366 days"):
        _cube(path, window_days=1)


@pytest.mark.slow
def test_cube_then_scan_names_the_cases_of_a_planted_outbreak(tmp_path: Path) -> None:
    """20 cases within 500 m over 3 days on ~150 a day over 100 km² (1.5 a cell a day, as in the target): found,
    with its cases."""
    rng = np.random.default_rng(4)
    start = datetime(2026, 10, 29, 0, 0)
    lines = [HEADER.strip()]
    for day in range(28):
        for n in range(rng.poisson(150)):
            at = start + timedelta(days=day, seconds=int(rng.integers(0, 86_400)))
            lat, lon = 28.1 + rng.random() * 0.09, 112.9 + rng.random() * 0.1
            lines.append(f"bg{day}-{n},{at:%Y-%m-%d %H:%M:%S},noise,{lat:.6f},{lon:.6f},")
    for n in range(20):
        at = start + timedelta(days=25 + n % 3, hours=12)
        radius, angle = 500 * math.sqrt(rng.random()), 2 * math.pi * rng.random()
        lat = 28.15 + radius * math.sin(angle) / 111_320
        lon = 112.95 + radius * math.cos(angle) / (111_320 * math.cos(math.radians(28.15)))
        lines.append(f"out{n},{at:%Y-%m-%d %H:%M:%S},noise,{lat:.6f},{lon:.6f},")
    path = tmp_path / "cases.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cube = _cube(path, cell_m=1000)
    result = scan(
        cube.counts,
        cube.lat,
        cube.lon,
        end=cube.end,
        cell_ids=cube.cells,
        members=cube.members,
        config=ScanConfig(replicates=199),
        seed=1,
    )
    best = result.best
    assert best is not None
    assert best.start >= date(2026, 11, 23)
    assert best.p_value <= 0.01
    planted = {case for case in best.case_ids if case.startswith("out")}
    assert len(planted) >= 15
    assert abs(best.center_lat - 28.15) * 111_320 < 1500


def test_grid_corners_are_each_corner_of_the_cells_once() -> None:
    grid = Grid(size_m=500.0, ref_lat=28.0, origin_lat=0.0, origin_lon=0.0)
    lat, lon = grid_corners(grid, np.array([[10, 20], [10, 21]], dtype=np.int64))  # two cells side by side
    assert len(lat) == 6  # 2 × 4 corners, two shared
    rows, cols = np.round(lat / grid.dlat).astype(int).tolist(), np.round(lon / grid.dlon).astype(int).tolist()
    points = set(zip(rows, cols, strict=True))
    assert points == {(10, 20), (10, 21), (10, 22), (11, 20), (11, 21), (11, 22)}
    centre_lat, centre_lon = grid.cell_center(10, 20)
    assert min(lat) < centre_lat < max(lat)
    assert min(lon) < centre_lon < max(lon)


def test_grid_half_lattice_is_the_corners_and_side_midpoints_of_the_cells_once_and_no_centre() -> None:
    grid = Grid(size_m=500.0, ref_lat=28.0, origin_lat=0.0, origin_lon=0.0)
    lat, lon = grid_half_lattice(grid, np.array([[10, 20], [10, 21]], dtype=np.int64))  # two cells side by side
    assert len(lat) == 13  # 6 corners and 7 side midpoints (the shared side once)
    rows = np.round(lat / grid.dlat * 2).astype(int).tolist()
    cols = np.round(lon / grid.dlon * 2).astype(int).tolist()
    points = set(zip(rows, cols, strict=True))
    assert len(points) == 13
    assert (21, 41) not in points  # the cells' centres are the scan's own centres
    assert (21, 43) not in points
    assert {(20, 40), (20, 42), (22, 44)} <= points  # corners
    assert {(21, 40), (21, 42), (21, 44), (20, 41), (22, 43)} <= points  # midpoints of sides


def test_grid_centres_by_kind_and_an_unknown_kind_refused() -> None:
    grid = Grid(size_m=500.0, ref_lat=28.0, origin_lat=0.0, origin_lon=0.0)
    cells = np.array([[10, 20], [10, 21]], dtype=np.int64)
    assert grid_centres(grid, cells, "cells") is None
    corners = grid_centres(grid, cells, "corners")
    half = grid_centres(grid, cells, "half")
    assert corners is not None
    assert half is not None
    assert (len(corners[0]), len(half[0])) == (6, 13)
    assert np.array_equal(corners[0], grid_corners(grid, cells)[0])
    assert np.array_equal(half[1], grid_half_lattice(grid, cells)[1])
    with pytest.raises(InvalidInput, match="--centres must be one of cells, corners, half"):
        grid_centres(grid, cells, "hexagons")
