"""Geometry in plain SQL over a point's ``lat``/``lon`` columns, the same on SQLite and PostgreSQL (no PostGIS).

A Location or Feature is reduced to its point (a polygon to its centroid, see ``point_of``). ``geo.distance`` is the
planar distance in degrees, as FROST computes it on geometries; ``st_within`` a point-in-polygon test written out as
SQL: a bounding-box test the lat/lon index can use, then the even-odd crossing count over every ring's edges, with the
polygon's coordinates as bound parameters.
"""

from __future__ import annotations

from typing import Any

from shapely import wkt
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from sqlalchemy import Float, and_, case, func, literal
from sqlalchemy.sql.elements import ColumnElement

from citybrain.core.errors import InvalidInput

Expr = ColumnElement[Any]
MAX_EDGES = 2000


def parse_wkt(text: str) -> Any:
    try:
        return wkt.loads(text)
    except (ShapelyError, ValueError) as exc:
        raise InvalidInput(f"not a WKT geometry: {text!r} ({exc})") from None


def point_of(geojson: Any) -> tuple[float | None, float | None]:
    """(lat, lon) of a GeoJSON geometry (or Feature): the point itself, a shape's centroid; (None, None) if none."""
    if not isinstance(geojson, dict):
        return None, None
    geometry = geojson.get("geometry") if geojson.get("type") == "Feature" else geojson
    try:
        found = shape(geometry)
    except (ShapelyError, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise InvalidInput(f"not a GeoJSON geometry: {exc}") from None
    if found.is_empty:
        return None, None
    point = found if isinstance(found, Point) else found.centroid
    return float(point.y), float(point.x)


def _num(value: float) -> Expr:
    return literal(float(value), Float())


def distance(lat: Expr, lon: Expr, geometry: Any) -> Expr:
    if not isinstance(geometry, Point):
        raise InvalidInput("geo.distance is computed to a POINT(lon lat)")
    return func.sqrt(
        (lon - _num(geometry.x)) * (lon - _num(geometry.x)) + (lat - _num(geometry.y)) * (lat - _num(geometry.y))
    )


def _rings(geometry: Any) -> list[list[tuple[float, float]]]:
    polygons = [geometry] if isinstance(geometry, Polygon) else list(geometry.geoms)
    rings = []
    for polygon in polygons:
        rings.append(list(polygon.exterior.coords))
        rings += [list(r.coords) for r in polygon.interiors]
    return rings


def _crossings(lat: Expr, lon: Expr, ring: list[tuple[float, float]]) -> list[Expr]:
    terms: list[Expr] = []
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if y1 == y2:
            continue
        low, high = min(y1, y2), max(y1, y2)
        slope = (x2 - x1) / (y2 - y1)
        crosses = and_(lat >= _num(low), lat < _num(high), lon < _num(x1) + (lat - _num(y1)) * _num(slope))
        terms.append(case((crosses, 1), else_=0))
    return terms


def within(lat: Expr, lon: Expr, geometry: Any) -> Expr:
    """The point (lat, lon) lies inside ``geometry`` (a polygon or multipolygon; a point: equal to it)."""
    if isinstance(geometry, Point):
        return and_(lat == _num(geometry.y), lon == _num(geometry.x))
    if not isinstance(geometry, Polygon | MultiPolygon):
        raise InvalidInput(f"st_within needs a POLYGON or MULTIPOLYGON, not {geometry.geom_type}")
    terms = [t for ring in _rings(geometry) for t in _crossings(lat, lon, ring)]
    if len(terms) > MAX_EDGES:
        raise InvalidInput(f"the polygon has more than {MAX_EDGES} edges")
    min_x, min_y, max_x, max_y = geometry.bounds
    box = and_(lat >= _num(min_y), lat <= _num(max_y), lon >= _num(min_x), lon <= _num(max_x))
    count = terms[0]
    for term in terms[1:]:
        count = count + term
    return and_(box, count % 2 == 1)
