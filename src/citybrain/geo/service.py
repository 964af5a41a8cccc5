"""Locate a case (定位): by its coordinates when it has them, else by the places named in its text.

Coordinates inside a district polygon are certain (confidence 1.0). Outside every polygon the answer says so: the
text decides if it names a place, else the nearest district within :data:`NEAR_KM` is given with confidence 0.3.
When both are given and the text names another district, the reasons say so (the point still wins).
"""

from __future__ import annotations

import math
from dataclasses import replace

from citybrain.core.errors import InvalidInput
from citybrain.geo.folding import MAX_CHARS
from citybrain.geo.gazetteer import Gazetteer
from citybrain.geo.places import extract_places
from citybrain.geo.resolution import Resolution, resolve_mentions

#: How far outside every district a point may lie and still be given the nearest district (low confidence).
NEAR_KM = 2.0


def locate(
    text: object = None, lat: float | None = None, lon: float | None = None, *, gazetteer: Gazetteer
) -> Resolution:
    """Where the case is: district, grid cell, centre, confidence (0–1) and the reasons.

    ``text`` may be anything (``None``, empty, HTML, 100 kB); ``lat``/``lon`` must come together and be real
    coordinates, else :class:`InvalidInput`.
    """
    point = _checked_point(lat, lon)
    by_text = _by_text(text, gazetteer)
    if point is None:
        return by_text
    return _by_point(point[0], point[1], gazetteer, by_text)


def _checked_point(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise InvalidInput("give both lat and lon, or neither / 经纬度须同时提供")
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise InvalidInput("lat and lon must be numbers / 经纬度须为数字") from None
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)) or abs(lat_f) > 90 or abs(lon_f) > 180:
        raise InvalidInput(f"({lat}, {lon}) is not a point on Earth / 经纬度超出范围 (lat −90…90, lon −180…180)")
    return lat_f, lon_f


def _by_text(text: object, gazetteer: Gazetteer) -> Resolution:
    mentions = extract_places(text)
    if not mentions:
        reason = "the text names no place / 文本中没有地名" if _has_text(text) else "no text / 没有文本"
        return Resolution(None, None, None, None, 0.0, "none", (), (reason,))
    resolution = resolve_mentions(gazetteer, mentions)
    if isinstance(text, str) and len(text) > MAX_CHARS:
        note = f"only the first {MAX_CHARS:,} characters were read / 仅读取前 {MAX_CHARS:,} 字"
        resolution = _with_reasons(resolution, note)
    return resolution


def _by_point(lat: float, lon: float, gazetteer: Gazetteer, by_text: Resolution) -> Resolution:
    district = gazetteer.district_at(lat, lon)
    if district is not None:
        grid = gazetteer.grid_at(lat, lon)
        reasons = [f"the point lies in 区 district {district.code} {district.name_zh or district.name_en}"]
        if grid is not None and grid.district_code == district.code:
            reasons.append(f"and in 网格 grid {grid.code}")
        elif gazetteer.grids:
            grid = None
            reasons.append("no grid cell of the gazetteer holds it / 不在任何网格内")
        if by_text.district_code not in (None, district.code):
            reasons.append(f"the text points to {by_text.district_code} instead: the coordinates win / 以坐标为准")
        code = grid.code if grid is not None else None
        return Resolution(district.code, code, lat, lon, 1.0, "coordinates", by_text.matched, tuple(reasons))
    outside = "the point lies outside every district / 坐标不在任何区内"
    if by_text.confidence > 0:
        return _with_reasons(by_text, outside + "; located by the text / 按文本定位")
    nearest = gazetteer.nearest_district(lat, lon)
    if nearest is not None and nearest[1] <= NEAR_KM:
        area, km = nearest
        reason = f"{outside}; nearest is 区 district {area.code}, {km:.1f} km away"
        return Resolution(area.code, None, lat, lon, 0.3, "coordinates", (), (reason,))
    return Resolution(None, None, lat, lon, 0.0, "coordinates", (), (outside,))


def _with_reasons(resolution: Resolution, *reasons: str) -> Resolution:
    return replace(resolution, reasons=(*resolution.reasons, *reasons))


def _has_text(text: object) -> bool:
    return isinstance(text, str | bytes) and bool(str(text).strip())
