"""Reading grid cells from GeoJSON: every feature checked, every problem reported, nothing half accepted.

Pure: a parsed document in, cells or the list of problems out. A cell needs ``properties.code`` (unique), a
valid Polygon or MultiPolygon in WGS 84 (shapely's ``is_valid``: no self-intersection, closed rings) and must not
overlap another cell of the file; ``name``, ``district`` and ``community`` are optional.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree
from shapely.validation import explain_validity

#: Two cells may share an edge; an overlap larger than this (in square degrees, about 1 m²) is refused.
OVERLAP_TOLERANCE = 1e-10


@dataclass(frozen=True)
class CellIn:
    code: str
    name: str
    district_code: str | None
    community: str | None
    geometry: dict[str, Any]
    bounds: tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


@dataclass(frozen=True)
class Parsed:
    cells: list[CellIn]
    problems: list[str]


def parse_cells(document: Any) -> Parsed:
    """The cells of a FeatureCollection, or (``problems`` not empty) why the file cannot be taken."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return Parsed([], ["the file is not a GeoJSON FeatureCollection"])
    features = document.get("features")
    if not isinstance(features, list) or not features:
        return Parsed([], ["the FeatureCollection has no features"])
    cells: list[CellIn] = []
    shapes: list[BaseGeometry] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, feature in enumerate(features, start=1):
        cell, geometry, problem = _feature(number, feature)
        if problem is None and cell is not None and cell.code in seen:
            problem = f"feature {number}: code {cell.code!r} appears twice"
        if problem is not None or cell is None or geometry is None:
            problems.append(problem or f"feature {number}: unreadable")
            continue
        seen.add(cell.code)
        cells.append(cell)
        shapes.append(geometry)
    problems += _overlaps(cells, shapes)
    return Parsed(cells if not problems else [], problems)


def _feature(number: int, feature: Any) -> tuple[CellIn | None, BaseGeometry | None, str | None]:
    where = f"feature {number}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None, None, f"{where}: not a GeoJSON Feature"
    props = feature.get("properties") or {}
    code = str(props.get("code") or "").strip() if isinstance(props, dict) else ""
    if not code or len(code) > 32:
        return None, None, f"{where}: properties.code is missing or longer than 32 characters"
    where = f"feature {number} ({code})"
    raw = feature.get("geometry")
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        return None, None, f"{where}: the geometry must be a Polygon or MultiPolygon"
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        return None, None, f"{where}: unreadable coordinates ({exc})"
    if geometry.is_empty or not geometry.is_valid:
        reason = "empty" if geometry.is_empty else explain_validity(geometry)
        return None, None, f"{where}: invalid polygon ({reason})"
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        return None, None, f"{where}: coordinates outside WGS 84 longitude/latitude"
    cell = CellIn(
        code=code,
        name=_text(props.get("name")) or code,
        district_code=_text(props.get("district")),
        community=_text(props.get("community")),
        geometry=dict(mapping(geometry)),
        bounds=(min_lon, min_lat, max_lon, max_lat),
    )
    return cell, geometry, None


def _text(value: Any) -> str | None:
    return str(value).strip()[:200] or None if value is not None else None


def _overlaps(cells: list[CellIn], shapes: list[BaseGeometry]) -> list[str]:
    """Pairs of cells whose interiors overlap (a point would belong to both)."""
    if len(shapes) < 2:
        return []
    tree = STRtree(shapes)
    found = []
    for i, geometry in enumerate(shapes):
        for j in tree.query(geometry):
            if j > i and geometry.intersection(shapes[j]).area > OVERLAP_TOLERANCE:
                found.append(f"cells {cells[i].code} and {cells[int(j)].code} overlap")
    return found
