"""Collisions snapped to intersections: by position (points within a radius of a densest point) or by street names.

By position: every collision at a junction with a position is projected to local metres (equirectangular about the
median latitude: under 0.1 % error across a city). The collision with the most neighbours within ``radius_m``
founds a junction and takes every unassigned collision within the radius; then the next densest unassigned one,
and so on. Unlike linking neighbours of neighbours, this cannot chain collisions along an avenue into one long
"junction": a junction spans at most twice the radius. By names: the unordered pair of normalised street names
(``streets.junction_key``) is the junction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from citybrain.scenarios.traffic_safety.records import Collisions
from citybrain.scenarios.traffic_safety.streets import junction_key

IntArray = npt.NDArray[np.int64]
SNAPS = ("coords", "streets")
_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Snapped:
    """``label[i]``: the junction of collision ``i`` (−1: not at a junction, or no position / street pair)."""

    label: IntArray
    ids: tuple[str, ...]
    names: tuple[str, ...]
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]


def snap(collisions: Collisions, *, how: str, radius_m: float) -> Snapped:
    if how == "coords":
        label = cluster_points(collisions.lat, collisions.lon, radius_m, collisions.at_junction)
    else:
        label = _by_names(collisions)
    return _describe(collisions, label, how)


def cluster_points(
    lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], radius_m: float, keep: npt.NDArray[np.bool_]
) -> IntArray:
    """Junction labels 0… for the kept points with a position, densest first; −1 for the rest."""
    label = np.full(lat.size, -1, dtype=np.int64)
    chosen = np.flatnonzero(keep & np.isfinite(lat) & np.isfinite(lon))
    if chosen.size == 0:
        return label
    lat0 = np.radians(np.median(lat[chosen]))
    xy = np.column_stack(
        (np.radians(lon[chosen]) * np.cos(lat0) * _EARTH_RADIUS_M, np.radians(lat[chosen]) * _EARTH_RADIUS_M)
    )
    tree = cKDTree(xy)
    counts = np.asarray(tree.query_ball_point(xy, radius_m, return_length=True))
    local = np.full(chosen.size, -1, dtype=np.int64)
    next_label = 0
    for i in np.argsort(-counts, kind="stable"):
        if local[i] >= 0:
            continue
        near = np.asarray(tree.query_ball_point(xy[i], radius_m), dtype=np.int64)
        local[near[local[near] < 0]] = next_label
        next_label += 1
    label[chosen] = local
    return label


def _by_names(collisions: Collisions) -> IntArray:
    label = np.full(len(collisions), -1, dtype=np.int64)
    keys: dict[str, int] = {}
    for i, (on, cross) in enumerate(zip(collisions.on_street, collisions.cross_street, strict=True)):
        key = junction_key(on, cross) if collisions.at_junction[i] else None
        if key is not None:
            label[i] = keys.setdefault(key, len(keys))
    return label


def _describe(collisions: Collisions, label: IntArray, how: str) -> Snapped:
    """Each junction's id, name (its most frequent street pair) and position (mean of its members')."""
    count = int(label.max()) + 1 if label.size else 0
    members: list[list[int]] = [[] for _ in range(count)]
    for i in np.flatnonzero(label >= 0):
        members[label[i]].append(int(i))
    ids, names = [], []
    lat = np.full(count, np.nan)
    lon = np.full(count, np.nan)
    for j, rows in enumerate(members):
        name, key = _name(collisions, rows)
        placed = [i for i in rows if np.isfinite(collisions.lat[i]) and np.isfinite(collisions.lon[i])]
        if placed:
            lat[j] = float(np.mean(collisions.lat[placed]))
            lon[j] = float(np.mean(collisions.lon[placed]))
        names.append(name)
        ids.append(f"{lat[j]:.5f},{lon[j]:.5f}" if how == "coords" else key)
    seen: Counter[str] = Counter()
    for j, jid in enumerate(ids):  # two junctions' means within a metre of each other: keep the ids apart
        seen[jid] += 1
        ids[j] = jid if seen[jid] == 1 else f"{jid}#{seen[jid]}"
    return Snapped(label=label, ids=tuple(ids), names=tuple(names), lat=lat, lon=lon)


def _name(collisions: Collisions, rows: list[int]) -> tuple[str, str]:
    """(name, key): the most frequent street pair as written ("Road 4 & Street 7") and its normalised key; a
    junction without a pair is named by its most frequent street."""
    keys = Counter(key for i in rows if (key := junction_key(collisions.on_street[i], collisions.cross_street[i])))
    if keys:
        key = keys.most_common(1)[0][0]
        written = Counter(
            f"{collisions.on_street[i]} & {collisions.cross_street[i]}"
            for i in rows
            if junction_key(collisions.on_street[i], collisions.cross_street[i]) == key
        )
        return written.most_common(1)[0][0], key
    streets = Counter(collisions.on_street[i] for i in rows if collisions.on_street[i])
    return (streets.most_common(1)[0][0] if streets else ""), ""
