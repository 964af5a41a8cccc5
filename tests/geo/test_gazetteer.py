"""The gazetteer: GeoJSON in and out, point-in-polygon, name lookup (exact, stem, alias), bad files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from citybrain.core.errors import InvalidInput
from citybrain.geo.gazetteer import Gazetteer
from citybrain.simulate.places import demo_city


@pytest.fixture(scope="module")
def demo() -> Gazetteer:
    return demo_city(1)


def _square(lon: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(geometry: dict[str, Any] | None = None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def test_demo_city_has_its_districts_and_cells(demo: Gazetteer) -> None:
    assert (len(demo.districts), len(demo.grids)) == (8, 324)
    assert demo.is_city("示例市")
    assert demo.is_city("Demo City")


def test_every_cell_centre_lies_in_its_own_cell_and_district(demo: Gazetteer) -> None:
    for cell in demo.grids:
        assert cell.lat is not None
        assert cell.lon is not None
        found = demo.grid_at(cell.lat, cell.lon)
        assert found is not None
        assert found.code == cell.code
        district = demo.district_at(cell.lat, cell.lon)
        assert district is not None
        assert district.code == cell.district_code


def test_nearest_district_of_a_point_outside(demo: Gazetteer) -> None:
    assert demo.district_at(28.2, 113.2) is None  # ~30 km east of the centre
    nearest = demo.nearest_district(28.2, 112.9 + 9.5 / 98.0)  # 0.5 km east of the eastern edge
    assert nearest is not None
    assert nearest[0].code == "D02"
    assert nearest[1] == pytest.approx(0.5, abs=0.1)


@pytest.mark.parametrize(
    ("name", "family", "codes", "how"),
    [
        ("中心区", "admin", ["D01"], "exact"),
        ("中心", "admin", ["D01"], "stem"),
        ("Central District", "admin", ["D01"], "exact"),
        ("central", "admin", ["D01"], "stem"),
        ("ｄ０１", "admin", ["D01"], "exact"),
        ("Hi-Tech Zone", "admin", ["D05"], "exact"),
    ],
)
def test_district_names(demo: Gazetteer, name: str, family: str, codes: list[str], how: str) -> None:
    hits = demo.lookup(name, family)
    assert hits is not None
    assert (list(hits.codes), hits.how) == (codes, how)


def test_roads_and_communities_match_across_scripts_and_suffixes(demo: Gazetteer) -> None:
    cell = demo.grids[0]
    road_zh, road_en = cell.properties["road_zh"], cell.properties["road_en"]
    by_zh = demo.lookup(road_zh, "road")
    assert by_zh is not None
    assert cell.code in by_zh.codes
    abbreviated = road_en.replace(" Road", " Rd").replace(" Avenue", " Ave").upper()
    by_en = demo.lookup(abbreviated, "road")
    assert by_en is not None
    assert by_en.codes == by_zh.codes
    community = demo.lookup(cell.properties["community_zh"].replace("社区", "小区"), "community")
    assert community is not None
    assert (community.how, cell.code in community.codes) == ("stem", True)
    assert demo.lookup(road_zh, "admin") is None  # a road is not a district


def test_geojson_round_trip(demo: Gazetteer, tmp_path: Path) -> None:
    path = tmp_path / "city.geojson"
    path.write_text(json.dumps(demo.to_geojson(), ensure_ascii=False), encoding="utf-8")
    again = Gazetteer.from_geojson(path)
    assert [a.code for a in again.areas] == [a.code for a in demo.areas]
    assert again.city_names == demo.city_names
    cell = demo.grids[100]
    assert cell.lat is not None
    assert cell.lon is not None
    found = again.grid_at(cell.lat, cell.lon)
    assert found is not None
    assert found.code == cell.code


def test_aliases_kinds_and_centres_from_other_cities() -> None:
    gazetteer = Gazetteer.from_features(
        [
            _feature(_square(112.0, 28.0), code="A5", name="A5区", aliases=["岳麓区"]),
            _feature(_square(112.0, 28.0, 0.005), code="A5-1", district="A5", community_zh="云塘社区"),
        ]
    )
    assert [a.kind for a in gazetteer.areas] == ["district", "grid"]
    hits = gazetteer.lookup("岳麓区", "admin")
    assert hits is not None
    assert hits.codes == ("A5",)
    district = gazetteer.area("A5")
    assert district is not None
    assert (district.lat, district.lon) == pytest.approx((28.005, 112.005))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot read the gazetteer"),
        ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection"}', "no 'features' list"),
        ('{"type": "FeatureCollection", "features": [{"properties": {}}]}', "has no 'code'"),
        ('{"type": "FeatureCollection", "features": [1]}', "has no properties"),
    ],
)
def test_bad_files_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        Gazetteer.from_geojson(path)


def test_bad_features_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not found"):
        Gazetteer.from_geojson(tmp_path / "missing.geojson")
    with pytest.raises(InvalidInput, match="same code"):
        Gazetteer.from_features([_feature(code="A"), _feature(code="A")])
    with pytest.raises(InvalidInput, match="Polygon or MultiPolygon"):
        Gazetteer.from_features([_feature({"type": "Point", "coordinates": [1, 2]}, code="A")])
    with pytest.raises(InvalidInput, match="bad geometry"):
        Gazetteer.from_features([_feature({"type": "Polygon", "coordinates": "x"}, code="A")])
    with pytest.raises(InvalidInput, match="kind must be"):
        Gazetteer.from_features([_feature(code="A", kind="street")])
    with pytest.raises(InvalidInput, match="must be numbers"):
        Gazetteer.from_features([_feature(code="A", center_lat="north", center_lon=1)])
