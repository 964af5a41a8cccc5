"""The city's gazetteer (地名库): districts (区/县) and grid cells (网格) with their names and polygons.

Loaded from a GeoJSON FeatureCollection (``citybrain geo export-gazetteer`` writes one), from the ``districts``
table, or from the Demo City. Indexes are built once: an STR-tree over the polygons for point-in-polygon, and a
dictionary from name keys (:mod:`citybrain.geo.names`) to the areas that carry the name.

Feature properties (every other property is kept but not read):

=============  =====================================================================================
``kind``       ``"district"`` or ``"grid"`` (default: ``grid`` when ``district`` is set, else district)
``code``       unique code: ``"D01"``, ``"D01-0102"`` (required)
``name_zh``    Chinese name (``"中心区"``; for a grid optional); ``name`` is read when absent
``name_en``    English name (``"Central District"``)
``district``   a grid's district code
``road_zh`` …  a grid's road and community, in Chinese and English (``road_zh``, ``road_en``,
               ``community_zh``, ``community_en``), and its 街道 (``street_zh``, ``street_en``)
``aliases``    other names of the area (list of strings)
``center_lat``, ``center_lon``  the centre; the polygon's centroid when absent
=============  =====================================================================================
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import mapping, shape
from shapely.ops import nearest_points
from shapely.strtree import STRtree

from citybrain.core.errors import InvalidInput
from citybrain.geo.names import name_key, name_stem

_NAME_FIELDS = {
    "admin": ("name_zh", "name_en", "name"),
    "road": ("road_zh", "road_en"),
    "community": ("community_zh", "community_en", "street_zh", "street_en"),
}
_KM_PER_DEG = 111.2
_LOOKUP_CACHE = 50_000  # names remembered per gazetteer (then forgotten all at once)


@dataclass(frozen=True)
class Area:
    """A district or a grid cell of the gazetteer."""

    code: str
    kind: str  # "district" | "grid"
    district_code: str  # a district's own code, or the district a grid cell lies in
    name_zh: str
    name_en: str
    lat: float | None
    lon: float | None
    properties: Mapping[str, Any] = field(repr=False, compare=False)
    geometry: Any = field(default=None, repr=False, compare=False)  # a shapely geometry, or None

    def names(self, family: str) -> list[str]:
        names = [str(self.properties.get(f) or "") for f in _NAME_FIELDS[family]]
        if family == "admin" or (family == "community" and self.kind == "grid"):
            names += [str(a) for a in self.properties.get("aliases") or ()]
        if family == "admin":
            names.append(self.code)
        return [n for n in names if n.strip()]


@dataclass(frozen=True)
class NameHits:
    """The areas a name matched, and how: ``exact`` (same key) or ``stem`` (same name without 区/路/Road …)."""

    how: str
    areas: tuple[Area, ...]
    codes: tuple[str, ...]  # sorted
    code_set: frozenset[str] = field(repr=False)


class Gazetteer:
    """Districts and grid cells with fast lookups by point and by name. Build once, use for every message."""

    def __init__(self, areas: Iterable[Area], *, city_names: Sequence[str] = ()) -> None:
        self.areas = tuple(areas)
        codes = [a.code for a in self.areas]
        if len(set(codes)) != len(codes):
            raise InvalidInput("the gazetteer has two areas with the same code / 地名库编码重复")
        self.districts = tuple(a for a in self.areas if a.kind == "district")
        self.grids = tuple(a for a in self.areas if a.kind == "grid")
        self.city_names = frozenset(name_key(n) for n in city_names if n.strip())
        self._by_code = {a.code: a for a in self.areas}
        self._names = _name_index(self.areas, self.city_names)
        self._district_tree = _Polygons(self.districts)
        self._grid_tree = _Polygons(self.grids)
        self._grids_of = {d.code: tuple(g for g in self.grids if g.district_code == d.code) for d in self.districts}
        self._grid_codes_of = {code: frozenset(g.code for g in grids) for code, grids in self._grids_of.items()}
        self._lookups: dict[tuple[str, str], NameHits | None] = {}

    # -- building --------------------------------------------------------------------------------------------

    @classmethod
    def from_features(cls, features: Iterable[Mapping[str, Any]], *, city_names: Sequence[str] = ()) -> Gazetteer:
        """From GeoJSON features (see the module docstring for their properties)."""
        return cls((_area(f, i) for i, f in enumerate(features)), city_names=city_names)

    @classmethod
    def from_geojson(cls, path: Path) -> Gazetteer:
        """From a GeoJSON FeatureCollection file (its ``city_names`` member, when present, names the city)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidInput(f"gazetteer file not found / 找不到地名库文件: {path}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(
                f"cannot read the gazetteer {path} as GeoJSON / 地名库不是有效的 GeoJSON: {exc}"
            ) from None
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise InvalidInput(f"{path} is not a GeoJSON FeatureCollection / 不是 GeoJSON 要素集合")
        features = data.get("features")
        if not isinstance(features, list):
            raise InvalidInput(f"{path} has no 'features' list / 缺少 features")
        return cls.from_features(features, city_names=[str(n) for n in data.get("city_names") or ()])

    def to_geojson(self) -> dict[str, Any]:
        """The gazetteer as a FeatureCollection that :meth:`from_geojson` reads back."""
        features = []
        for area in self.areas:
            properties = dict(area.properties) | {"kind": area.kind, "code": area.code}
            properties |= {"center_lat": area.lat, "center_lon": area.lon}
            geometry = None if area.geometry is None else mapping(area.geometry)
            features.append({"type": "Feature", "properties": properties, "geometry": _plain(geometry)})
        return {"type": "FeatureCollection", "city_names": sorted(self.city_names), "features": features}

    # -- lookups ---------------------------------------------------------------------------------------------

    def area(self, code: str) -> Area | None:
        return self._by_code.get(code)

    def grids_of(self, district_code: str) -> tuple[Area, ...]:
        return self._grids_of.get(district_code, ())

    def grid_codes_of(self, district_code: str) -> frozenset[str]:
        return self._grid_codes_of.get(district_code, frozenset())

    def district_at(self, lat: float, lon: float) -> Area | None:
        """The district whose polygon holds the point (the first, if polygons overlap)."""
        return self._district_tree.at(lat, lon)

    def grid_at(self, lat: float, lon: float) -> Area | None:
        return self._grid_tree.at(lat, lon)

    def nearest_district(self, lat: float, lon: float) -> tuple[Area, float] | None:
        """The district whose polygon is closest to the point, and the distance in km (approximate)."""
        return self._district_tree.nearest(lat, lon)

    def lookup(self, name: str, family: str) -> NameHits | None:
        """The areas a name may mean within a family (``admin``, ``road``, ``community``): exact keys first."""
        if (name, family) in self._lookups:
            return self._lookups[(name, family)]
        hits = self._names.get((family, "exact", name_key(name)))
        if hits is None:
            hits = self._names.get((family, "stem", name_stem(name, family)))
        if len(self._lookups) >= _LOOKUP_CACHE:
            self._lookups.clear()
        self._lookups[(name, family)] = hits
        return hits

    def is_city(self, name: str) -> bool:
        """Whether the name is the city's own (示例市 / Demo City): it says nothing about where in the city."""
        return name_key(name) in self.city_names or name_stem(name, "admin") in self.city_names


def district_feature(
    code: str, name_zh: str, name_en: str, lat: float | None, lon: float | None, geometry: dict[str, Any] | None
) -> dict[str, Any]:
    """A district as the GeoJSON feature :meth:`Gazetteer.from_features` reads."""
    properties: dict[str, Any] = {"kind": "district", "code": code, "name_zh": name_zh, "name_en": name_en}
    properties |= {"center_lat": lat, "center_lon": lon}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _name_index(areas: Sequence[Area], city_names: frozenset[str]) -> dict[tuple[str, str, str], NameHits]:
    """Name keys → areas. A name written with the city in front (示例市中心区) is also known without it (中心区)."""
    index: dict[tuple[str, str, str], list[Area]] = {}
    for area in areas:
        for family in ("admin",) if area.kind == "district" else ("road", "community"):
            for name in area.names(family):
                full = name_key(name)
                bare = [full[len(city) :] for city in city_names if full.startswith(city) and len(full) > len(city)]
                forms = [("exact", full), ("stem", name_stem(name, family))]
                forms += [form for b in bare for form in (("exact", b), ("stem", name_stem(b, family)))]
                for how, form in forms:
                    bucket = index.setdefault((family, how, form), [])
                    if form and area not in bucket:
                        bucket.append(area)
    return {
        k: NameHits(k[1], tuple(v), tuple(sorted(a.code for a in v)), frozenset(a.code for a in v))
        for k, v in index.items()
        if k[2] and v
    }


class _Polygons:
    """Point-in-polygon over many areas with an STR-tree (a few microseconds per point for ~300 cells)."""

    def __init__(self, areas: Sequence[Area]) -> None:
        self.areas = [a for a in areas if a.geometry is not None]
        self.tree = STRtree([a.geometry for a in self.areas]) if self.areas else None

    def at(self, lat: float, lon: float) -> Area | None:
        if self.tree is None:
            return None
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.areas[int(np.min(hits))] if len(hits) else None

    def nearest(self, lat: float, lon: float) -> tuple[Area, float] | None:
        if self.tree is None:
            return None
        point = shapely.Point(lon, lat)
        index = int(self.tree.nearest(point))
        area = self.areas[index]
        nearest = nearest_points(area.geometry, point)[0]
        dy = (nearest.y - lat) * _KM_PER_DEG
        dx = (nearest.x - lon) * _KM_PER_DEG * math.cos(math.radians(lat))
        return area, math.hypot(dx, dy)


def _area(feature: Mapping[str, Any], position: int) -> Area:
    if not isinstance(feature, Mapping) or not isinstance(feature.get("properties"), Mapping):
        raise InvalidInput(f"gazetteer feature #{position} has no properties / 第 {position} 个要素缺少属性")
    props = dict(feature["properties"])
    code = str(props.get("code") or "").strip()
    if not code:
        raise InvalidInput(f"gazetteer feature #{position} has no 'code' / 第 {position} 个要素缺少编码")
    kind = str(props.get("kind") or ("grid" if props.get("district") else "district"))
    if kind not in ("district", "grid"):
        raise InvalidInput(f"gazetteer feature {code}: kind must be 'district' or 'grid', not {kind!r}")
    geometry = _geometry(feature.get("geometry"), code)
    lat, lon = _centre(props, geometry, code)
    name_zh = str(props.get("name_zh") or props.get("name") or "")
    district = code if kind == "district" else str(props.get("district") or "")
    return Area(code, kind, district, name_zh, str(props.get("name_en") or ""), lat, lon, props, geometry)


def _geometry(value: Any, code: str) -> Any:
    if value is None:
        return None
    try:
        geometry = shape(value)
    except (AttributeError, KeyError, TypeError, ValueError, GEOSException) as exc:
        raise InvalidInput(f"gazetteer feature {code}: bad geometry / 几何无效 ({exc})") from None
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(f"gazetteer feature {code}: geometry must be a Polygon or MultiPolygon")
    return geometry if geometry.is_valid else shapely.make_valid(geometry)


def _centre(props: Mapping[str, Any], geometry: Any, code: str) -> tuple[float | None, float | None]:
    lat, lon = props.get("center_lat"), props.get("center_lon")
    if lat is None or lon is None:
        if geometry is None:
            return None, None
        point = geometry.representative_point()
        return round(point.y, 6), round(point.x, 6)
    try:
        return float(lat), float(lon)
    except (TypeError, ValueError):
        raise InvalidInput(f"gazetteer feature {code}: center_lat / center_lon must be numbers") from None


def _plain(value: Any) -> Any:
    """Tuples (shapely's mapping) as lists, so the output is plain JSON."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
