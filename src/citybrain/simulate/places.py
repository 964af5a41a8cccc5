"""The Demo City's places as a gazetteer: its districts and grid cells (示例市, 324 cells), from its seed.

The database holds districts with their GeoJSON polygons but no grid cells; when the Demo City is loaded (its
synthetic cases are in the database), ``triage.places.gazetteer_from_database`` adds these cells from the same
seed, so the gazetteer matches the cases.
"""

from __future__ import annotations

from typing import Any

from citybrain.geo.gazetteer import Gazetteer, district_feature
from citybrain.simulate.city import DISTRICT_SPECS, City, build_city, to_lat_lon


def demo_city(seed: int = 1) -> Gazetteer:
    """The Demo City's districts and grid cells, from its seed (no database needed)."""
    city = build_city(seed)
    return Gazetteer.from_features(demo_features(city), city_names=(city.name_zh, city.name_en))


def demo_features(city: City) -> list[dict[str, Any]]:
    """GeoJSON features of the city's districts and grid cells."""
    districts = [
        district_feature(d.code, d.name_zh, d.name_en, d.center_lat, d.center_lon, d.geometry) for d in city.districts
    ]
    return districts + grid_features(city)


def grid_features(city: City) -> list[dict[str, Any]]:
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
