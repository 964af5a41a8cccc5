"""A synthetic city of intersection collisions with known dangerous junctions, to check the analysis finds them.

A grid of junctions (``Road i`` × ``Street j``, 250 m apart, near Kunming); each junction's collisions are
overdispersed (gamma-Poisson), scattered a few metres about its centre. At ordinary junctions a collision is a
blind-zone one (a heavy goods vehicle turning right into a cyclist or pedestrian) with ``base_share``; at the
planted dangerous ones with ``danger_share``. Decoy junctions have many large vehicles going *ahead* into cyclists:
not blind-zone collisions, but what the manoeuvre-free proxy would count. Mid-block collisions (not at a junction)
lie between junctions. Rows are in the canonical CSV layout (``readers.CANONICAL_COLUMNS`` + date, manoeuvres).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

COLUMNS = (
    "collision_id", "date", "lat", "lon", "on_street", "cross_street", "at_junction", "vehicle_types", "manoeuvres",
    "vulnerable_hurt",
)  # fmt: skip
_ORIGIN = (25.04, 102.71)
_SPACING_M = 250.0
_ORDINARY = (  # (vehicle_types, manoeuvres, vulnerable_hurt)
    ("Car|Car", "going ahead|turning right", "0"),
    ("Car|Bicycle", "turning right|going ahead", "1"),
    ("Car|Pedestrian", "going ahead|", "1"),
    ("Bus|Car", "going ahead|going ahead", "0"),
    ("Heavy goods vehicle|Car", "turning right|going ahead", "0"),
    ("Motorcycle|Car", "going ahead|turning left", "1"),
)
_BLIND = (("Heavy goods vehicle|Bicycle", "turning right|going ahead", "1"), ("Bus", "turning right", "1"))
_DECOY = ("Heavy goods vehicle|Bicycle", "going ahead|going ahead", "1")


@dataclass(frozen=True)
class PlantedCity:
    rows: tuple[dict[str, str], ...]
    dangerous: frozenset[str]  # junction names ("Road i & Street j")
    decoys: frozenset[str]


def planted_city(
    *, seed: int = 0, size: tuple[int, int] = (12, 10), dangerous: int = 4, decoys: int = 2,
    mean_collisions: float = 25.0, base_share: float = 0.02, danger_share: float = 0.4, mid_block: int = 300,
) -> PlantedCity:  # fmt: skip
    rng = np.random.default_rng(seed)
    names = [(f"Road {i + 1}", f"Street {j + 1}", i, j) for i in range(size[0]) for j in range(size[1])]
    picked = rng.choice(len(names), size=dangerous + decoys, replace=False)
    danger = {int(k) for k in picked[:dangerous]}
    decoy = {int(k) for k in picked[dangerous:]}
    rows: list[dict[str, str]] = []
    for index, (road, street, i, j) in enumerate(names):
        n = int(rng.poisson(rng.gamma(2.0, mean_collisions / 2.0))) + (15 if index in danger | decoy else 0)
        share = danger_share if index in danger else base_share
        for _ in range(n):
            kind = _kind(rng, share, decoy=index in decoy)
            lat, lon = _position(i, j, rng, spread_m=6.0)
            rows.append(_row(len(rows), rng, lat, lon, road, street, "1", kind))
    for _ in range(mid_block):
        i, j = int(rng.integers(size[0])), int(rng.integers(size[1]))
        lat, lon = _position(i + 0.5, j, rng, spread_m=20.0)
        rows.append(_row(len(rows), rng, lat, lon, f"Road {i + 1}", "", "0", _kind(rng, base_share, decoy=False)))
    label = [f"{road} & {street}" for road, street, _, _ in names]
    return PlantedCity(
        rows=tuple(rows),
        dangerous=frozenset(label[k] for k in danger),
        decoys=frozenset(label[k] for k in decoy),
    )


def write_canonical(path: Path, rows: tuple[dict[str, str], ...]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _kind(rng: np.random.Generator, share: float, *, decoy: bool) -> tuple[str, str, str]:
    if rng.random() < share:
        return _BLIND[int(rng.integers(len(_BLIND)))]
    if decoy and rng.random() < 0.35:
        return _DECOY
    return _ORDINARY[int(rng.integers(len(_ORDINARY)))]


def _position(i: float, j: float, rng: np.random.Generator, *, spread_m: float) -> tuple[float, float]:
    north = i * _SPACING_M + rng.normal(0.0, spread_m)
    east = j * _SPACING_M + rng.normal(0.0, spread_m)
    lat = _ORIGIN[0] + math.degrees(north / 6_371_008.8)
    lon = _ORIGIN[1] + math.degrees(east / (6_371_008.8 * math.cos(math.radians(_ORIGIN[0]))))
    return lat, lon


def _row(
    n: int, rng: np.random.Generator, lat: float, lon: float, on: str, cross: str, at: str, kind: tuple[str, str, str]
) -> dict[str, str]:
    day = f"2025-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
    vehicles, moves, hurt = kind
    return {
        "collision_id": f"S{n + 1:06d}", "date": day, "lat": f"{lat:.7f}", "lon": f"{lon:.7f}", "on_street": on,
        "cross_street": cross, "at_junction": at, "vehicle_types": vehicles, "manoeuvres": moves,
        "vulnerable_hurt": hurt,
    }  # fmt: skip
