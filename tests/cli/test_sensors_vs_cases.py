"""``citybrain analyze sensors-vs-cases`` and ``citybrain simulate sensors`` end to end; bad input → exit 2."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from citybrain.cli.main import app

runner = CliRunner()
FIRST = date(2025, 3, 3)
DAYS = 150


def _files(folder: Path) -> tuple[Path, Path]:
    """Two districts, 150 days: odour complaints in D01 jump three days after a PM2.5 episode there."""
    rng = np.random.default_rng(7)
    cases, n = [], 0
    for d in range(DAYS):
        day = FIRST + timedelta(days=d)
        for district in ("D01", "D02"):
            for category in ("environment.air", "noise.traffic", "consultation"):
                extra = 8 if district == "D01" and category == "environment.air" and 83 <= d < 86 else 0
                for _ in range(int(rng.poisson(1.0)) + extra):
                    n += 1
                    at = datetime.combine(day, datetime.min.time()) + timedelta(hours=int(rng.integers(8, 20)))
                    cases.append((n, at.isoformat(), category, 28.2, 112.9, district))
    cases_path = folder / "cases.csv"
    with cases_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("id", "created_at", "category", "lat", "lon", "district"))
        writer.writerows(cases)
    sensors_path = folder / "sensors.csv"
    with sensors_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("station", "district", "lat", "lon", "quantity", "unit", "time", "value"))
        for district in ("D01", "D02"):
            for d in range(DAYS):
                level = 40 + 8 * rng.standard_normal() + (130 if district == "D01" and 80 <= d < 83 else 0)
                for hour in (2, 8, 14, 20):
                    moment = datetime.combine(FIRST + timedelta(days=d), datetime.min.time()) + timedelta(hours=hour)
                    row = (f"AQ-{district}", district, 28.2, 112.9, "PM2.5", "µg/m³")
                    writer.writerow((*row, moment.isoformat() + "+08:00", round(level, 1)))
    return cases_path, sensors_path


def _invoke(cases: Path, sensors: Path, out: Path, *more: str) -> tuple[int, str]:
    args = ["analyze", "sensors-vs-cases", "--sensors", str(sensors), "--input", str(cases), "--json", str(out)]
    result = runner.invoke(app, [*args, *more])
    return result.exit_code, result.output


def test_file_to_json_names_the_link(tmp_path: Path) -> None:
    cases, sensors = _files(tmp_path)
    out = tmp_path / "links.json"
    code, output = _invoke(cases, sensors, out, "--seed", "4")
    assert code == 0, output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["params"]["seed"] == 4
    assert document["params"]["max_lag"] == 7
    assert document["tests"] == 2 * 2 * 8  # consultation is not a sensed category
    [link] = document["links"]
    assert (link["district"], link["category"], link["quantity"], link["lag"]) == ("D01", "environment.air", "PM2.5", 3)
    assert link["q_value"] <= 0.05
    assert link["rate_ratio"] > 1
    assert (FIRST + timedelta(days=83)).isoformat() in {d["day"] for d in link["carrying_days"]}


def test_category_chooses_what_is_tested(tmp_path: Path) -> None:
    cases, sensors = _files(tmp_path)
    out = tmp_path / "links.json"
    code, output = _invoke(cases, sensors, out, "--category", "consultation", "--category", "noise")
    assert code == 0, output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["tests"] == 2 * 2 * 8
    assert document["links"] == []


def test_from_and_to_narrow_the_days(tmp_path: Path) -> None:
    cases, sensors = _files(tmp_path)
    out = tmp_path / "links.json"
    code, output = _invoke(cases, sensors, out, "--from", str(FIRST), "--to", str(FIRST + timedelta(days=69)))
    assert code == 0, output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["days"] == 70
    assert document["links"] == []  # the episode is after --to


def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    cases, sensors = _files(tmp_path)
    out = tmp_path / "links.json"
    lines = sensors.read_text(encoding="utf-8").splitlines()
    no_value = tmp_path / "no-value.csv"
    no_value.write_text("\n".join(",".join(line.split(",")[:-1]) for line in lines) + "\n", encoding="utf-8")
    code, output = _invoke(cases, no_value, out)
    assert code == 2
    assert "missing column(s) value" in output
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("\n".join(lines).replace("D02", "D99") + "\n", encoding="utf-8")
    code, output = _invoke(cases, unknown, out)
    assert code == 2
    assert "D99" in output
    later = tmp_path / "later.csv"
    later.write_text("\n".join(lines).replace("2025-", "2031-") + "\n", encoding="utf-8")
    code, output = _invoke(cases, later, out)
    assert code == 2
    assert "no case" in output
    code, output = _invoke(cases, sensors, out, "--max-lag", "-1")
    assert code == 2
    assert not out.exists()


def test_simulate_sensors_writes_the_demo_file_and_its_key(tmp_path: Path) -> None:
    out, planted = tmp_path / "s.csv", tmp_path / "planted.json"
    result = runner.invoke(app, ["simulate", "sensors", "--out", str(out), "--days", "90", "--planted", str(planted)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert set(rows[0]) == {"station", "district", "lat", "lon", "quantity", "unit", "time", "value"}
    assert {r["quantity"] for r in rows} == {"PM2.5", "PM10", "NO2", "O3", "CO", "SO2", "occupancy"}
    key = json.loads(planted.read_text(encoding="utf-8"))
    assert key["episode"]["district"] == "D04"
    assert key["episode"]["complaint_lag"] == 2
    assert {f["kind"] for f in key["faults"]} == {"stuck", "spike", "gap", "out_of_range"}
    again = tmp_path / "again.csv"
    assert runner.invoke(app, ["simulate", "sensors", "--out", str(again), "--days", "90"]).exit_code == 0
    assert again.read_bytes() == out.read_bytes()
