"""``citybrain import collisions`` and the blind-zone analysis over the stored records, its run kept as an insight
run (kind blind_zones) — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight import service as insight
from citybrain.models import CollisionRecord, ImportBatch
from citybrain.scenarios.traffic_safety.synthetic import planted_city, write_canonical
from tests.conftest import shared_path

runner = CliRunner()


@pytest.fixture
def cli_env(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


def _count(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(CollisionRecord)) or 0)


def _import(path: Path, fmt: str, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["import", "collisions", str(path), "--format", fmt, *extra])
    return result.exit_code, " ".join(result.output.split())


def test_import_then_analyse_stored_finds_the_planted_junctions(cli_env: Database, tmp_path: Path) -> None:
    city = planted_city(seed=2)
    path = write_canonical(tmp_path / "city.csv", city.rows)
    code, output = _import(path, "canonical")
    assert code == 0, output
    assert f"imported {len(city.rows)}" in output
    assert _count(cli_env) == len(city.rows)
    code, output = _import(path, "canonical")  # the same file again adds nothing
    assert code == 0
    assert "already imported" in output
    assert _count(cli_env) == len(city.rows)
    out = tmp_path / "stored.json"
    result = runner.invoke(app, ["analyze", "blind-zones", "--json", str(out)])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert {j["name"] for j in document["junctions"] if j["recommend"]} == city.dangerous
    with cli_env.reading() as session:
        run = insight.latest(session, "blind_zones")
    assert run["id"] == document["summary"]["run_id"]
    stored = {r["payload"]["name"] for r in run["results"] if r["payload"]["recommend"]}
    assert stored == city.dangerous
    assert all(r["payload"]["blind_zone"] > 0 for r in run["results"])


def test_the_file_and_the_stored_records_give_the_same_answer(cli_env: Database, tmp_path: Path) -> None:
    path = write_canonical(tmp_path / "city.csv", planted_city(seed=3).rows)
    assert _import(path, "canonical")[0] == 0
    outputs: list[Any] = []
    for args in (["--input", str(path), "--format", "canonical"], ["--format", "canonical", "--no-store"]):
        out = tmp_path / f"{len(outputs)}.json"
        result = runner.invoke(app, ["analyze", "blind-zones", *args, "--json", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(out.read_text(encoding="utf-8"))["junctions"])
    assert outputs[0] == outputs[1]
    with cli_env.reading() as session:
        assert insight.list_runs(session, kind="blind_zones") == []  # --no-store kept nothing


def test_rejected_rows_are_reported_and_the_rest_imported(cli_env: Database, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    head = "collision_id,lat,lon,on_street,cross_street,at_junction,vehicle_types,vulnerable_hurt\n"
    path.write_text(head + "a,25,102.7,A,B,1,Bus,1\n,25,102.7,A,B,1,Bus,1\na,25,102.7,A,B,1,Car,0\n"
                    "b,25,102.7,A,B,1,Car,0\n", encoding="utf-8")  # fmt: skip
    code, output = _import(path, "canonical")
    assert code == 0, output
    assert "imported 2" in output
    assert "rejected 2" in output
    report = Path(output.split("report: ")[1].split()[0])
    lines = report.read_text(encoding="utf-8").splitlines()
    assert "no collision id" in lines[1]
    assert "repeated" in lines[2]
    assert _count(cli_env) == 2


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        ("collision_id,lat\n1,25\n", "canonical", "missing column(s) lon, on_street"),
        ("COLLISION_ID,CRASH DATE\n1,01/01/2020\n", "nyc", "missing column(s) LATITUDE, LONGITUDE"),
        ("a,b\n1,2\n", "geojson", "unknown collision format 'geojson'"),
        ("COLLISION_ID,ON STREET NAME\n1,CAF\xc9 ST\n", "nyc", "is not utf-8-sig text"),
    ],
)
def test_a_bad_file_writes_nothing(cli_env: Database, tmp_path: Path, content: str, fmt: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content.encode("latin-1"))
    code, output = _import(path, fmt)
    assert code == 2
    assert message in output
    assert _count(cli_env) == 0
    with cli_env.reading() as session:
        assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_dry_run_writes_nothing(cli_env: Database, tmp_path: Path) -> None:
    path = write_canonical(tmp_path / "city.csv", planted_city(seed=1).rows[:50])
    code, output = _import(path, "canonical", "--dry-run")
    assert code == 0, output
    assert "dry run" in output
    assert _count(cli_env) == 0


def test_stored_analysis_needs_records_and_one_source(cli_env: Database, tmp_path: Path) -> None:
    out = tmp_path / "o.json"
    result = runner.invoke(app, ["analyze", "blind-zones", "--json", str(out)])
    assert result.exit_code == 2
    assert "no collision records stored" in result.output


@pytest.mark.slow
def test_the_real_stats19_file_round_trips(cli_env: Database, tmp_path: Path) -> None:
    """Import the Cambridgeshire file (12,108 rows, Latin-1) and analyse it stored: the same junctions as the file."""
    path = shared_path("data", "cambs_rtc_stats19", "Cambs_RTC_2012-2017.csv.gz")
    code, output = _import(path, "stats19")
    assert code == 0, output
    assert _count(cli_env) == 12108
    documents: list[Any] = []
    for args in (["--input", str(path), "--format", "stats19"], ["--format", "stats19"]):
        out = tmp_path / f"{len(documents)}.json"
        result = runner.invoke(app, ["analyze", "blind-zones", *args, "--json", str(out)])
        assert result.exit_code == 0, result.output
        documents.append(json.loads(out.read_text(encoding="utf-8")))
    assert documents[0]["junctions"] == documents[1]["junctions"]
    assert documents[1]["params"]["near_side"] == "left"
