"""Cells' centres → each cell's neighbours sorted by distance: the circles a scan grows around every centre.

A circle around centre ``i`` is ``order[i, :k]`` for ``k = 1 … length[i]``: the centre itself first, then the
next-nearest cell, and so on, up to the largest radius allowed. :func:`limit_by_share` then stops each circle
before it would hold more than the allowed share of all cases (SaTScan's "maximum spatial cluster size").
Distances are metres in an equirectangular projection around the cells' mean latitude, like ``counting.grid``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from citybrain.core.earth import METRES_PER_DEGREE
from citybrain.core.errors import InvalidInput

MAX_PAIRS = 20_000_000  # centre × neighbour pairs (16 bytes each)


@dataclass(frozen=True)
class Neighbours:
    """Every centre's cells by distance, padded with -1 (``distance_m`` with +inf) past ``length``."""

    order: NDArray[np.int64]  # (centres, widest circle): cell indices, nearest first; order[i, 0] == i for cells
    distance_m: NDArray[np.float64]  # same shape: metres from centre i
    length: NDArray[np.int64]  # (centres,): how many of order[i] lie within the maximum radius
    # (centres,): where each centre comes from — i < cells: cell i; cells + j: the j-th extra point
    source: NDArray[np.int64]


def project(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """(cells, 2) metres east/north of the first point, scaled at the mean latitude."""
    ref = math.radians(float(np.mean(lat))) if lat.size else 0.0
    x = (lon - (lon[0] if lon.size else 0.0)) * METRES_PER_DEGREE * math.cos(ref)
    y = (lat - (lat[0] if lat.size else 0.0)) * METRES_PER_DEGREE
    return np.column_stack([x, y]).astype(np.float64)


def neighbours(
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
    *,
    max_radius_m: float,
    extra_lat: NDArray[np.float64] | None = None,
    extra_lon: NDArray[np.float64] | None = None,
) -> Neighbours:
    """Each centre's cells within ``max_radius_m``, nearest first (ties by cell index).

    The centres are the cells themselves (rows ``0 … cells − 1``, each its own nearest) followed by the points
    ``extra_lat``/``extra_lon`` if given — e.g. the grid's corners, round which a circle takes the four cells that
    meet there: a cluster that straddles a corner then fits one circle instead of being cut in pieces.
    """
    if not max_radius_m >= 0:
        raise InvalidInput(f"the scan's maximum radius must be ≥ 0 metres, got {max_radius_m}")
    n = len(lat)
    extra_lat = np.zeros(0) if extra_lat is None else np.asarray(extra_lat, dtype=np.float64)
    extra_lon = np.zeros(0) if extra_lon is None else np.asarray(extra_lon, dtype=np.float64)
    if n == 0:
        empty = np.zeros((0, 1), dtype=np.int64)
        return Neighbours(empty, np.zeros((0, 1)), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    projected = project(np.concatenate([lat, extra_lat]), np.concatenate([lon, extra_lon]))
    points, centres = projected[:n], projected
    m = len(centres)
    tree = cKDTree(points)
    width = int(max(tree.query_ball_point(centres, r=max_radius_m * (1 + 1e-9), return_length=True)))
    if m * width > MAX_PAIRS:
        raise InvalidInput(
            f"{m:,} circle centres with up to {width:,} cells each within {max_radius_m:,.0f} m is too many to scan;"
            " lower the maximum radius or use larger cells"
        )
    distance, order = tree.query(centres, k=max(width, 1), distance_upper_bound=max_radius_m * (1 + 1e-9))
    distance = np.asarray(distance, dtype=np.float64).reshape(m, -1)
    order = np.asarray(order, dtype=np.int64).reshape(m, -1)
    missing = order >= n
    order[missing] = n  # sorts after every real cell
    distance[missing] = np.inf
    # Nearest first, a cell centre before any other cell at the same point, then ties by cell index: the same on
    # every run.
    own = np.arange(m)[:, None]
    first = np.where(order == own, 0, 1)
    ranked = np.lexsort((order, first, distance), axis=-1)
    order = np.take_along_axis(order, ranked, axis=1)
    distance = np.take_along_axis(distance, ranked, axis=1)
    order[order >= n] = -1
    length = (~np.isinf(distance)).sum(axis=1).astype(np.int64)
    keep = length > 0  # an extra centre farther than the radius from every cell is no circle at all
    keep[:n] = True
    return Neighbours(
        order=order[keep], distance_m=distance[keep], length=length[keep], source=np.flatnonzero(keep).astype(np.int64)
    )


def limit_by_share(found: Neighbours, cell_totals: NDArray[np.int64], max_cases: float) -> NDArray[np.int64]:
    """How many of each centre's neighbours a circle may take before holding more than ``max_cases`` cases.

    A circle always keeps its centre cell, even a centre that alone holds more than the limit.
    """
    n, width = found.order.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    totals = np.where(found.order >= 0, cell_totals[np.maximum(found.order, 0)], 0)
    inside = np.cumsum(totals, axis=1) <= max_cases
    inside &= np.arange(width)[None, :] < found.length[:, None]
    allowed = np.where(inside.all(axis=1), found.length, np.argmin(inside, axis=1))
    return np.maximum(np.minimum(allowed, found.length), 1).astype(np.int64)
