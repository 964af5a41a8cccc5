"""The blind-zone analysis on a synthetic city with planted dangerous junctions, and its parts on small cases."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from citybrain.core.errors import InvalidInput
from citybrain.scenarios.traffic_safety.blind_zones import BlindZoneParams, analyse, classify
from citybrain.scenarios.traffic_safety.junctions import cluster_points
from citybrain.scenarios.traffic_safety.readers import read_collisions
from citybrain.scenarios.traffic_safety.streets import junction_key, split_location
from citybrain.scenarios.traffic_safety.synthetic import planted_city, write_canonical
from citybrain.scenarios.traffic_safety.vehicles import manoeuvre_class, vehicle_class


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("how", ["coords", "streets"])
def test_planted_dangerous_junctions_rank_first_and_are_recommended(tmp_path: Path, seed: int, how: str) -> None:
    city = planted_city(seed=seed)
    collisions = read_collisions(write_canonical(tmp_path / "c.csv", city.rows), "canonical")
    result = analyse(collisions, BlindZoneParams(snap=how))
    top = {j.name for j in result.junctions[: len(city.dangerous)]}
    assert top == city.dangerous
    assert {j.name for j in result.recommended} == city.dangerous
    assert not city.decoys & {j.name for j in result.recommended}  # large vehicles going ahead are not blind-zone


def test_the_proxy_without_manoeuvres_also_flags_the_decoys(tmp_path: Path) -> None:
    """What NYC-style data loses: without manoeuvres, junctions where large vehicles go ahead into cyclists look
    as dangerous as the planted blind zones."""
    city = planted_city(seed=0)
    collisions = read_collisions(write_canonical(tmp_path / "c.csv", city.rows), "canonical")
    blank = dataclasses.replace(collisions, manoeuvres=tuple(("",) * len(v) for v in collisions.vehicles))
    result = analyse(blank)
    assert result.params["method"] == "proxy"
    assert {j.name for j in result.recommended} == city.dangerous | city.decoys
    check = analyse(collisions).summary["proxy_check"]
    assert isinstance(check, dict)
    assert check["recall"] == 1.0
    assert 0.5 < check["precision"] < 1.0


def test_the_statistics_of_each_junction(tmp_path: Path) -> None:
    city = planted_city(seed=4)
    collisions = read_collisions(write_canonical(tmp_path / "c.csv", city.rows), "canonical")
    result = analyse(collisions, BlindZoneParams(alpha=0.05, min_blind_zone=3))
    share = result.summary["blind_zone_share"]
    assert isinstance(share, float)
    ids = [cid for j in result.junctions for cid in j.collision_ids]
    assert len(ids) == len(set(ids)) == result.summary["snapped"]
    assert sum(j.blind_zone for j in result.junctions) == result.summary["blind_zone_snapped"]
    for j in result.junctions:
        assert j.collisions == len(j.collision_ids)
        assert j.expected == pytest.approx(j.collisions * share, rel=1e-3)
        assert j.q_value >= j.p_value
        assert j.recommend == (j.q_value <= 0.05 and j.blind_zone >= 3)
        assert (j.p_value == 1.0) == (j.blind_zone == 0)
    assert [j.p_value for j in result.junctions] == sorted(j.p_value for j in result.junctions)


def test_clustering_does_not_chain_along_a_street() -> None:
    """Collisions every 20 m along a 400 m avenue: neighbours of neighbours would make one junction; within 30 m
    of a densest point, no junction spans more than 60 m."""
    north = np.arange(0, 400, 20.0)
    lat = 25.0 + np.degrees(north / 6_371_008.8)
    lon = np.full(lat.size, 102.7)
    label = cluster_points(lat, lon, 30.0, np.ones(lat.size, dtype=bool))
    for j in set(label.tolist()):
        span = north[label == j]
        assert span.max() - span.min() <= 60
    assert len(set(label.tolist())) >= 400 // 60


def test_points_without_a_position_or_away_from_junctions_are_not_snapped() -> None:
    lat = np.array([25.0, np.nan, 25.0, 25.0001])
    lon = np.array([102.7, 102.7, 102.7, 102.7])
    label = cluster_points(lat, lon, 30.0, np.array([True, True, False, True]))
    assert label.tolist() == [0, -1, -1, 0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tractor Truck Diesel", "heavy_goods"), ("Large Com Veh(6 or More Tires)", "heavy_goods"),
        ("Garbage or Refuse", "heavy_goods"), ("Dump", "heavy_goods"), ("Box Truck", "heavy_goods"),
        ("GV >= 7.5t mgw", "heavy_goods"), ("Bus or coach >16 sea", "bus"), ("Bus", "bus"), ("渣土车", "heavy_goods"),
        ("公交车", "bus"), ("Pick-up Truck", "light_goods"), ("Van/GV <=3.5t mgw", "light_goods"),
        ("Minibus 8-16 pass se", "light_goods"), ("Motorbike", "motorcycle"), ("E-Bike", "bicycle"),
        ("Pedal cycle", "bicycle"), ("4 dr sedan", "car"), ("小型客车", "car"), ("Ambulance", "other"), ("", "other"),
    ],
)  # fmt: skip
def test_vehicle_types_are_normalised(text: str, expected: str) -> None:
    assert vehicle_class(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Turning left", "turn_left"), ("turning right", "turn_right"), ("Waiting to turn left", "other"),
     ("Going ahead left hand bend", "other"), ("右转", "turn_right"), ("等待右转", "other"), ("", "unknown")],
)  # fmt: skip
def test_manoeuvres_are_normalised(text: str, expected: str) -> None:
    assert manoeuvre_class(text) == expected


def test_the_near_side_decides_which_turn_counts(tmp_path: Path) -> None:
    rows = (
        {"collision_id": "a", "lat": "25", "lon": "102.7", "on_street": "A", "cross_street": "B", "at_junction": "1",
         "vehicle_types": "Dump|Bicycle", "manoeuvres": "Turning left|Going ahead", "vulnerable_hurt": "1",
         "date": ""},
        {"collision_id": "b", "lat": "25", "lon": "102.7", "on_street": "A", "cross_street": "B", "at_junction": "1",
         "vehicle_types": "Dump|Bicycle", "manoeuvres": "Turning right|Going ahead", "vulnerable_hurt": "1",
         "date": ""},
    )  # fmt: skip
    path = write_canonical(tmp_path / "c.csv", rows)
    assert classify(read_collisions(path, "canonical"))[0].tolist() == [False, True]
    assert classify(read_collisions(path, "canonical", near_side="left"))[0].tolist() == [True, False]


@pytest.mark.parametrize(
    ("location", "key"),
    [
        ("A603 EAST RD JUNCTION DOVER ST CAMBRIDGE", "DOVER ST CAMBRIDGE & E RD"),
        ("HIGH ST JW CHURCH ST BUCKEN", "CHURCH ST BUCKEN & HIGH ST"),
        ("MITCHAMS CORNER  AT JUNCTION WITH MILTON ROAD", "MILTON RD & MITCHAMS CORNER"),
        ("PERNE ROAD A1134 AT JN WITH CHERRY HINTON ROAD", "CHERRY HINTON RD & PERNE RD A1134"),
        ("CLIFTON ROAD 25M SOUTH OF JUNCTION WITH CLIFTON WAY", None),
        ("C112 KINGS RIPTON RD HUNTINGDON", None),
    ],
)
def test_stats19_locations_give_a_street_pair_only_at_a_junction(location: str, key: str | None) -> None:
    assert junction_key(*split_location(location)) == key


def test_a_street_pair_is_the_same_either_way_round() -> None:
    assert (
        junction_key("Flatbush Avenue", "AVENUE U") == junction_key("AVE U", "FLATBUSH AVE") == "AVE U & FLATBUSH AVE"
    )


def test_bad_parameters_are_refused() -> None:
    for params in (BlindZoneParams(snap="grid"), BlindZoneParams(radius_m=0), BlindZoneParams(alpha=1.5),
                   BlindZoneParams(min_blind_zone=0)):  # fmt: skip
        with pytest.raises(InvalidInput):
            params.checked()
