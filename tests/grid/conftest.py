"""Grid fixtures: four 0.01° cells of our own (G1 G2 in the south row, G3 G4 in the north row, west to east) and two
grid workers — W1 walks G1 and G2, W2 walks G3 and G4 — each with a key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from citybrain.core.db import Database
from citybrain.grid import service
from tests.conftest import make_key

LAT0, LON0, STEP = 30.0, 120.0, 0.01


def square(lat: float, lon: float, size: float = STEP) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"code": code, **props}, "geometry": geometry}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def four_cells() -> dict[str, Any]:
    return collection(
        feature("G1", square(LAT0, LON0), name="一号网格", community="幸福社区"),
        feature("G2", square(LAT0, LON0 + STEP), name="二号网格"),
        feature("G3", square(LAT0 + STEP, LON0)),
        feature("G4", square(LAT0 + STEP, LON0 + STEP)),
    )


def inside(code: str) -> tuple[float, float]:
    """A point well inside a cell: (lat, lon)."""
    row, col = {"G1": (0, 0), "G2": (0, 1), "G3": (1, 0), "G4": (1, 1)}[code]
    return LAT0 + (row + 0.5) * STEP, LON0 + (col + 0.5) * STEP


@dataclass(frozen=True)
class Grid:
    db: Database
    w1: dict[str, str]
    w2: dict[str, str]


@pytest.fixture
def grid(db: Database) -> Grid:
    with db.transaction() as session:
        service.import_cells(session=session, document=four_cells())
        service.save_worker(session=session, code="W1", name="王芳", cells=["G1", "G2"])
        service.save_worker(session=session, code="W2", name="李强", cells=["G3", "G4"])
        k1 = service.create_worker_key(session=session, code="W1")
        k2 = service.create_worker_key(session=session, code="W2")
    return Grid(db, {"X-API-Key": k1}, {"X-API-Key": k2})


@pytest.fixture
def operator(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "operator")}


@pytest.fixture
def admin(db: Database) -> dict[str, str]:
    return {"X-API-Key": make_key(db, "admin")}
