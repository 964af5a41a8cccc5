"""``$filter`` (OGC 18-088 A.2.9, Table 23): operators, functions, paths, geo — the same answers on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.sensing.conftest import STA, create, get


def _results(client: TestClient, condition: str, entity: str = "Observations") -> list[object]:
    page = get(client, entity, **{"$filter": condition, "$orderby": "id"})
    return [o.get("result", o.get("name")) for o in page["value"]]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("result eq 35.5", [35.5]),
        ("result ne 10", [35.5, 80.0, 120.0, 5.0, 15.0, 50.0]),
        ("result gt 80", [120.0]),
        ("result ge 80", [80.0, 120.0]),
        ("result lt 10", [5.0]),
        ("result le 10", [10.0, 5.0]),
        ("result gt 10 and result lt 100", [35.5, 80.0, 15.0, 50.0]),
        ("result lt 10 or result gt 100", [120.0, 5.0]),
        ("not (result lt 100)", [120.0]),
        ("result add 10 eq 20", [10.0]),
        ("result sub 5 eq 0", [5.0]),
        ("result mul 2 eq 160", [80.0]),
        ("result div 2 eq 60", [120.0]),
        ("result mod 7 eq 3", [10.0, 80.0]),
        ("-result lt -100", [120.0]),
        ("(result add 1) mul 2 eq 22", [10.0]),
        ("round(result) eq 36", [35.5]),
        ("floor(result) eq 35", [35.5]),
        ("ceiling(result) eq 36", [35.5]),
    ],
)
def test_comparison_logical_and_arithmetic(
    app_client: TestClient, city: dict[str, int], condition: str, expected: list[float]
) -> None:
    assert _results(app_client, condition) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("substringof('zhong', name)", ["Aotizhongxin"]),
        ("contains(name, 'ong')", ["Aotizhongxin", "Dongsi"]),
        ("startswith(name, 'Dong')", ["Dongsi"]),
        ("endswith(name, 'xin')", ["Aotizhongxin"]),
        ("endswith(name, 'a very long suffix')", []),
        ("length(name) eq 6", ["Dongsi"]),
        ("indexof(name, 'si') eq 4", ["Dongsi"]),
        ("substring(name, 4) eq 'si'", ["Dongsi"]),
        ("substring(name, 0, 3) eq 'Aot'", ["Aotizhongxin"]),
        ("tolower(name) eq 'dongsi'", ["Dongsi"]),
        ("toupper(name) eq 'DONGSI'", ["Dongsi"]),
        ("trim(concat(' ', name)) eq 'Dongsi'", ["Dongsi"]),
        ("concat(concat(name, '-'), 'x') eq 'Dongsi-x'", ["Dongsi"]),
        ("substringof('ZHONG', name)", []),
        ("name eq 'it''s'", []),
        ("properties/district eq 'Chaoyang' and name ne 'Dongsi'", ["Aotizhongxin", "Shanghai Jingan"]),
    ],
)
def test_string_functions(app_client: TestClient, city: dict[str, int], condition: str, expected: list[str]) -> None:
    assert _results(app_client, condition, "Things") == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("phenomenonTime ge 2024-01-01T02:00:00Z and phenomenonTime lt 2024-01-02T00:00:00Z", [80.0, 120.0]),
        ("phenomenonTime gt 2024-01-01T08:00:00+08:00", [35.5, 80.0, 120.0, 15.0, 50.0]),
        ("year(phenomenonTime) eq 2024 and month(phenomenonTime) eq 1 and day(phenomenonTime) eq 2", [50.0]),
        ("hour(phenomenonTime) eq 3", [120.0]),
        ("minute(phenomenonTime) eq 0 and second(phenomenonTime) eq 0 and hour(phenomenonTime) eq 1", [35.5, 15.0]),
        ("phenomenonTime lt now()", [10.0, 35.5, 80.0, 120.0, 5.0, 15.0, 50.0]),
        ("resultTime eq null and result gt 100", [120.0]),
    ],
)
def test_time_functions(app_client: TestClient, city: dict[str, int], condition: str, expected: list[float]) -> None:
    assert _results(app_client, condition) == expected


def test_paths_across_relations(app_client: TestClient, city: dict[str, int]) -> None:
    assert _results(app_client, "Datastream/Thing/name eq 'Dongsi'") == [5.0, 15.0]
    assert _results(app_client, "Datastream/ObservedProperty/name eq 'PM2.5' and result gt 100") == [120.0]
    assert _results(app_client, "Datastream/Thing/properties/owner eq 'EPB' and result lt 10") == [5.0]
    assert _results(app_client, "Datastream/unitOfMeasurement/symbol eq 'µg/m³' and result eq 50") == [50.0]
    assert _results(app_client, "Thing/id eq " + str(city["s"]), "Datastreams") == ["PM2.5 at Shanghai Jingan"]
    assert _results(app_client, f"Datastream/@iot.id eq {city['d_ds']}") == [5.0, 15.0]


def test_paths_through_to_many_links_mean_any(app_client: TestClient, city: dict[str, int]) -> None:
    """``Things?$filter=Datastreams/Observations/result gt 100``: Things with some such Observation (OData any)."""
    assert _results(app_client, "Datastreams/Observations/result gt 100", "Things") == ["Aotizhongxin"]
    assert _results(app_client, "Datastreams/Observations/result lt 10", "Things") == ["Dongsi"]
    assert _results(app_client, "not (Datastreams/Observations/result gt 40)", "Things") == ["Dongsi"]
    assert _results(app_client, "Locations/name eq 'Dongsi site'", "Things") == ["Dongsi"]
    assert _results(app_client, "Things/name eq 'Dongsi'", "Locations") == ["Dongsi site"]
    shanghai = "st_within(Locations/location, geography'POLYGON((121 31, 122 31, 122 32, 121 32, 121 31))')"
    assert _results(app_client, shanghai, "Things") == ["Shanghai Jingan"]
    days = "day(Datastreams/Observations/phenomenonTime) eq 2 or length(Locations/name) eq 11"
    assert _results(app_client, days, "Things") == ["Dongsi", "Shanghai Jingan"]
    assert _results(app_client, "Observations/result add 1 le 6", "Datastreams") == ["PM2.5 at Dongsi"]


def test_geo_distance_and_within_on_locations(app_client: TestClient, city: dict[str, int]) -> None:
    near = "geo.distance(location, geography'POINT(116.40 39.98)') lt 0.01"
    assert _results(app_client, near, "Locations") == ["Aotizhongxin site"]
    beijing = "st_within(location, geography'POLYGON((116 39.5, 117 39.5, 117 40.5, 116 40.5, 116 39.5))')"
    assert _results(app_client, beijing, "Locations") == ["Aotizhongxin site", "Dongsi site"]
    with_hole = (
        "st_within(location, geography'POLYGON((116 39.5, 117 39.5, 117 40.5, 116 40.5, 116 39.5),"
        "(116.41 39.92, 116.42 39.92, 116.42 39.94, 116.41 39.94, 116.41 39.92))')"
    )
    assert _results(app_client, with_hole, "Locations") == ["Aotizhongxin site"]
    triangle = "geo.intersects(feature, geography'POLYGON((121 31, 122 31, 121.5 32, 121 31))')"
    assert _results(app_client, triangle, "FeaturesOfInterest") == ["Shanghai Jingan site"]
    far = "not st_within(location, geography'MULTIPOLYGON(((116.3 39.95, 116.41 39.95, 116.41 40, 116.3 39.95)))')"
    assert _results(app_client, far, "Locations") == ["Dongsi site", "Shanghai Jingan site"]
    observation = "st_within(FeatureOfInterest/feature, geography'POLYGON((121 31, 122 31, 122 32, 121 32, 121 31))')"
    assert _results(app_client, observation) == [50.0]


def test_results_of_other_kinds_compare_by_their_own_kind(
    app_client: TestClient, admin: dict[str, str], city: dict[str, int]
) -> None:
    obs = f"Datastreams({city['s_ds']})/Observations"
    for body in ({"result": "n/a"}, {"result": True}, {"result": {"pm": 3}}):
        response = app_client.post(f"{STA}/{obs}", json=body, headers=admin)
        assert response.status_code == 400  # OM_Measurement wants a number
    thing = create(app_client, "Things", {"name": "any", "description": ""}, admin)
    assert thing["@iot.id"]
    assert _results(app_client, "result eq 'n/a'") == []


@pytest.mark.parametrize(
    ("condition", "named"),
    [
        ("result gt", "ends too early"),
        ("result gtt 5", "'gtt' at position 8"),
        ("result > 5", "'>' at position 8"),
        ("colour eq 'red'", "no property 'colour'"),
        ("unknownfn(name) eq 1", "unknownfn"),
        ("length(name, name) eq 1", "length() takes 1"),
        ("Datastream/Thing/Datastreams/name eq 'x'", "to-many link after the to-one link"),
        ("result add 1", "must be a condition"),
        ("geo.distance(location, geography'POINT(1 2)') lt 1", "no property 'location'"),
        ("phenomenonTime gt '2024-01-01'", "time literal"),
        ("st_within(FeatureOfInterest/feature, geography'POLYGON((1 2, 3')", "WKT"),
    ],
)
def test_malformed_filters_are_400_naming_the_problem(
    app_client: TestClient, city: dict[str, int], condition: str, named: str
) -> None:
    response = app_client.get(f"{STA}/Observations", params={"$filter": condition})
    assert response.status_code == 400, condition
    assert named in response.json()["error"]["message"]


def test_long_filters_run_and_too_deep_ones_are_400(app_client: TestClient, city: dict[str, int]) -> None:
    ids = " or ".join(f"id eq {n}" for n in range(1000, 2000)) + f" or id eq {city['d']}"
    assert _results(app_client, ids, "Things") == ["Dongsi"]
    for deep in ("not " * 400 + "id eq 1", " add ".join(["id"] * 500) + " eq 1", "x eq 1" + " or x eq 1" * 3000):
        response = app_client.get(f"{STA}/Things", params={"$filter": deep})
        assert response.status_code == 400
        assert "$filter is" in response.json()["error"]["message"]


def test_a_value_that_cannot_be_compared_is_400_or_no_match_never_500(
    app_client: TestClient, city: dict[str, int]
) -> None:
    """SQLite coerces quietly where PostgreSQL refuses ('EPB' as a number, a division by zero): never a 500."""
    cases = [
        ("Things", "properties/owner gt 5"),
        ("Things", "length(name) div 0 eq 1"),
        ("Observations", "Datastream/Thing/properties/owner lt 1"),
    ]
    for entity, condition in cases:
        response = app_client.get(f"{STA}/{entity}", params={"$filter": condition, "$count": "true"})
        assert response.status_code in (200, 400), (condition, response.text)
        if response.status_code == 200:
            assert response.json()["value"] == []
        else:
            assert "cannot be evaluated" in response.json()["error"]["message"]


def test_json_values_compare_by_their_own_type_on_both_databases(
    app_client: TestClient, admin: dict[str, str], city: dict[str, int]
) -> None:
    props = {"height": 12, "active": True, "code": "12", "nested": {"level": 3.5}}
    create(app_client, "Things", {"name": "mast", "description": "", "properties": props}, admin)
    assert _results(app_client, "properties/height gt 10", "Things") == ["mast"]
    assert _results(app_client, "properties/height eq '12'", "Things") == []
    assert _results(app_client, "properties/code eq '12'", "Things") == ["mast"]
    assert _results(app_client, "properties/code gt 10", "Things") == []
    assert _results(app_client, "properties/active eq true", "Things") == ["mast"]
    assert _results(app_client, "properties/nested/level mul 2 eq 7", "Things") == ["mast"]
    assert _results(app_client, "properties/district eq 'Chaoyang'", "Things") == [
        "Aotizhongxin",
        "Dongsi",
        "Shanghai Jingan",
    ]
