"""Where a gazetteer comes from: the ``districts`` table, and the Demo City's grid cells (示例市, 324 cells).

The database holds districts with their GeoJSON polygons but no grid cells; when the Demo City is loaded (its
synthetic cases are in the database), its cells are added from the same seed, so the gazetteer matches the cases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from citybrain.directory import repository as directory_repo
from citybrain.geo.gazetteer import Gazetteer
from citybrain.simulate.city import DISTRICT_SPECS, City, build_city, to_lat_lon


def demo_city(seed: int = 1) -> Gazetteer:
    """The Demo City's districts and grid cells, from its seed (no database needed)."""
    city = build_city(seed)
    return Gazetteer.from_features(demo_features(city), city_names=(city.name_zh, city.name_en))


def from_database(session: Session) -> Gazetteer:
    """The districts of the database, plus the Demo City's grid cells when its cases are loaded."""
    from citybrain.simulate.load import loaded_seed

    features = [
        _district_feature(d.code, d.name_zh, d.name_en, d.center_lat, d.center_lon, d.geometry)
        for d in directory_repo.districts(session)
    ]
    seed = loaded_seed(session)
    city_names: tuple[str, ...] = ()
    if seed is not None:
        city = build_city(seed)
        present = {f["properties"]["code"] for f in features}
        features += [f for f in _grid_features(city) if f["properties"]["district"] in present]
        city_names = (city.name_zh, city.name_en)
    return Gazetteer.from_features(features, city_names=city_names)


def demo_features(city: City) -> list[dict[str, Any]]:
    """GeoJSON features of the city's districts and grid cells."""
    districts = [
        _district_feature(d.code, d.name_zh, d.name_en, d.center_lat, d.center_lon, d.geometry) for d in city.districts
    ]
    return districts + _grid_features(city)


def _district_feature(
    code: str, name_zh: str, name_en: str, lat: float | None, lon: float | None, geometry: dict[str, Any] | None
) -> dict[str, Any]:
    properties: dict[str, Any] = {"kind": "district", "code": code, "name_zh": name_zh, "name_en": name_en}
    properties |= {"center_lat": lat, "center_lon": lon}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _grid_features(city: City) -> list[dict[str, Any]]:
    specs = {s.code: s for s in DISTRICT_SPECS}
    features = []
    for cell in city.cells:
        spec = specs[cell.district_code]
        x, y = spec.x0 + cell.col - 1, spec.y0 + cell.row - 1
        corners = [(x, y), (x + 1, y), (x + 1, y + 1), (x, y + 1), (x, y)]
        ring = [[round(lon, 6), round(lat, 6)] for lat, lon in (to_lat_lon(cx, cy) for cx, cy in corners)]
        properties = {
            "kind": "grid",
            "code": cell.id,
            "district": cell.district_code,
            "road_zh": cell.road_zh,
            "road_en": cell.road_en,
            "community_zh": cell.community_zh,
            "community_en": cell.community_en,
            "center_lat": cell.lat,
            "center_lon": cell.lon,
            "population": cell.population,
        }
        features.append(
            {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        )
    return features
