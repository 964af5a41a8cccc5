"""``citybrain analyze blind-zones`` on the real NYC and Cambridgeshire files, and on bad input (exit 2, nothing
written or lost)."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.scenarios.traffic_safety.synthetic import planted_city, write_canonical
from tests.conftest import shared_path

runner = CliRunner()
FIELDS = {"id", "name", "lat", "lon", "collisions", "blind_zone", "expected", "p_value", "q_value", "recommend",
          "collision_ids"}  # fmt: skip
NYC = ("nyc_collisions", "nyc_motor_vehicle_collisions_crashes_sample.csv.gz")
CAMBS = ("cambs_rtc_stats19", "Cambs_RTC_2012-2017.csv.gz")


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["analyze", "blind-zones", *args])
    return result.exit_code, result.output


def _document(tmp_path: Path, path: Path, fmt: str, *extra: str) -> dict[str, Any]:
    out = tmp_path / "out.json"
    code, output = _run("--input", str(path), "--format", fmt, "--json", str(out), *extra)
    assert code == 0, output
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def _check_junctions(document: dict[str, Any], ids: set[str]) -> list[dict[str, Any]]:
    junctions = document["junctions"]
    assert isinstance(junctions, list)
    seen: list[str] = []
    for j in junctions:
        assert set(j) == FIELDS
        assert j["q_value"] >= j["p_value"]
        assert j["collisions"] == len(j["collision_ids"]) >= j["blind_zone"]
        seen.extend(j["collision_ids"])
    assert len(seen) == len(set(seen))
    assert set(seen) <= ids
    return junctions


def test_stats19_blind_zone_collisions_are_large_vehicles_turning_left(tmp_path: Path) -> None:
    """Counted again here straight from the file: a goods vehicle over 3.5 t (or of unknown weight), a bus or
    coach, or an agricultural vehicle that is itself 'Turning left', with a pedestrian, cycle or two-wheeler."""
    path = shared_path("data", *CAMBS)
    document = _document(tmp_path, path, "stats19")
    with gzip.open(path, "rt", encoding="latin-1", newline="") as handle:
        rows = list(csv.reader(handle))
    head = rows[0]
    at = {name: head.index(name) for name in reversed(head)}
    large = (
        "GV >= 7.5t mgw",
        "GV >3.5 < 7.5t mgw",
        "GV - unknown weight",
        "Bus or coach >16 sea",
        "Agricultural vehicle",
    )
    pairs = [("Vehicle_1_Type", "Vehicle_1_Manouvres"), ("Vehicle_2_Type", "Vehicle_2_Manouvres"),
             ("Vehicle_3_Type", "V3_Manouvres")]  # fmt: skip
    expected = sum(
        any(r[at[t]] in large and r[at[m]] == "Turning left" for t, m in pairs)
        and "Y" in (r[at["Ped"]], r[at["Cycle"]], r[at["TWMV"]])
        for r in rows[1:]
    )
    summary = document["summary"]
    assert isinstance(summary, dict)
    assert summary["collisions"] == len(rows) - 1 == 12108
    assert summary["blind_zone"] == expected
    assert document["params"]["near_side"] == "left"
    assert document["params"]["method"] == "manoeuvre"
    junctions = _check_junctions(document, {r[at["Reference"]] for r in rows[1:]})
    assert sum(j["blind_zone"] for j in junctions) == summary["blind_zone_snapped"]
    for j in junctions:  # British National Grid → WGS84 lands in Cambridgeshire
        assert 52.0 < j["lat"] < 52.8
        assert -0.6 < j["lon"] < 0.6
    check = summary["proxy_check"]
    assert check["both"] == check["near_side_turn"]
    assert 0 < check["precision"] < 0.5


def test_nyc_uses_the_proxy_with_intersections_from_coordinates(tmp_path: Path) -> None:
    path = shared_path("data", *NYC)
    document = _document(tmp_path, path, "nyc")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    large = {"BUS", "BOX TRUCK", "TRACTOR TRUCK DIESEL", "DUMP", "GARBAGE OR REFUSE", "LARGE COM VEH(6 OR MORE TIRES)"}
    vru = ("NUMBER OF PEDESTRIANS INJURED", "NUMBER OF PEDESTRIANS KILLED", "NUMBER OF CYCLIST INJURED",
           "NUMBER OF CYCLIST KILLED")  # fmt: skip
    at_least = sum(
        any((r[f"VEHICLE TYPE CODE {i}"] or "").strip().upper() in large for i in range(1, 6))
        and sum(int(r[c] or 0) for c in vru) > 0
        for r in rows
    )
    summary = document["summary"]
    assert isinstance(summary, dict)
    assert document["params"]["method"] == "proxy"
    assert summary["collisions"] == len(rows)
    assert summary["blind_zone"] >= at_least > 0
    assert summary["at_junction"] == sum(
        bool(r["ON STREET NAME"].strip() and r["CROSS STREET NAME"].strip()) for r in rows
    )
    junctions = _check_junctions(document, {r["COLLISION_ID"] for r in rows})
    assert all(40.4 < j["lat"] < 41.0 and -74.3 < j["lon"] < -73.6 for j in junctions)  # New York City


def test_stored_streets_snapping_names_the_junctions(tmp_path: Path) -> None:
    document = _document(tmp_path, shared_path("data", *NYC), "nyc", "--snap", "streets")
    junctions = document["junctions"]
    assert isinstance(junctions, list)
    assert all(" & " in j["id"] for j in junctions)
    assert document["params"]["snap"] == "streets"


def test_planted_file_through_the_command(tmp_path: Path) -> None:
    city = planted_city(seed=5)
    document = _document(tmp_path, write_canonical(tmp_path / "c.csv", city.rows), "canonical")
    junctions = document["junctions"]
    assert isinstance(junctions, list)
    assert {j["name"] for j in junctions if j["recommend"]} == city.dangerous


def test_missing_columns_are_named_and_nothing_is_lost(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    out.write_text("previous run", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("collision_id,lat,lon,on_street\n1,25,102.7,A\n", encoding="utf-8")
    code, output = _run("--input", str(bad), "--format", "canonical", "--json", str(out))
    assert code == 2
    assert "missing column(s) cross_street, at_junction, vehicle_types, vulnerable_hurt" in " ".join(output.split())
    assert out.read_text(encoding="utf-8") == "previous run"
    assert bad.read_text(encoding="utf-8").startswith("collision_id")


def test_wrong_encoding_and_unknown_format_are_clear_errors(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("COLLISION_ID,ON STREET NAME\n1,CAF\xc9 ST\n".encode("latin-1"))
    code, output = _run("--input", str(latin), "--format", "nyc", "--json", str(out))
    assert code == 2
    assert "is not utf-8-sig text" in output
    code, output = _run("--input", str(latin), "--format", "shapefile", "--json", str(out))
    assert code == 2
    assert "unknown collision format 'shapefile'" in output
    code, output = _run("--input", str(latin), "--json", str(out))
    assert code == 2
    assert "--format is required" in output
    assert not out.exists()


def test_bad_canonical_rows_reject_the_file_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "collision_id,lat,lon,on_street,cross_street,at_junction,vehicle_types,vulnerable_hurt\n"
        "1,25,102.7,A,B,1,Bus|Bicycle,1\n2,95,102.7,A,B,1,Bus,1\n3,25,102.7,A,B,maybe,Bus,1\n1,25,102.7,A,B,1,Bus,0\n",
        encoding="utf-8",
    )
    code, output = _run("--input", str(path), "--format", "canonical", "--json", str(tmp_path / "o.json"))
    text = " ".join(output.split())
    assert code == 2
    assert "line 3" in text
    assert "line 4" in text
    assert "collision_id repeated: 1" in text
