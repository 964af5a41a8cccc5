"""``citybrain geo``: locate and export-gazetteer — output, JSON, exit codes, the database as the default source."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.simulate.city import build_city
from citybrain.simulate.load import ensure_districts

runner = CliRunner()


@pytest.fixture
def cli_db(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


def test_export_then_locate_from_the_file(tmp_path: Path) -> None:
    out = tmp_path / "demo.geojson"
    result = runner.invoke(app, ["geo", "export-gazetteer", "--demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "8 districts" in result.output
    assert "324 grid cells" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 332
    cell = build_city(1).cell("D05-0304")
    text = f"高新区{cell.road_zh}{cell.community_zh}3栋工地凌晨打桩"
    located = runner.invoke(app, ["geo", "locate", "-g", str(out), "--text", text, "--json"])
    assert located.exit_code == 0, located.output
    body = json.loads(located.output)
    assert (body["district_code"], body["grid"], body["confidence"]) == ("D05", "D05-0304", 0.95)


def test_locate_prints_a_table_in_both_languages() -> None:
    result = runner.invoke(app, ["geo", "locate", "--demo", "--lat", "28.2", "--lon", "112.9"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for text in ("区 district", "D01", "网格 grid", "置信度 confidence", "1.00 (coordinates)"):
        assert text in result.output


def test_stdin_text() -> None:
    result = runner.invoke(app, ["geo", "locate", "--demo", "--text", "-", "--json"], input="Hi-Tech Zone, Demo City")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["district_code"] == "D05"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["geo", "locate", "--demo"], "give --text"),
        (["geo", "locate", "--demo", "--lat", "95", "--lon", "1"], "not a point on Earth"),
        (["geo", "locate", "--demo", "--lat", "28"], "give both lat and lon"),
        (["geo", "locate", "-g", "nope.geojson", "--text", "x"], "not found"),
        (["geo", "locate", "-g", "x.geojson", "--demo", "--text", "x"], "not both"),
        (["geo", "export-gazetteer", "--demo", "--out", "/nonexistent/dir/x.geojson"], "cannot write"),
    ],
)
def test_bad_input_exits_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 2
    assert message in result.output


def test_from_the_database(cli_db: Database, tmp_path: Path) -> None:
    empty = runner.invoke(app, ["geo", "locate", "--text", "高新区"], terminal_width=200)
    assert empty.exit_code == 2
    assert "no districts" in empty.output
    with cli_db.transaction() as session:
        ensure_districts(session, build_city(1))
    result = runner.invoke(app, ["geo", "locate", "--text", "高新区的工地", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["district_code"] == "D05"
    out = tmp_path / "db.geojson"
    exported = runner.invoke(app, ["geo", "export-gazetteer", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert "8 districts 区, 0 grid cells" in exported.output


def test_locate_file_writes_ids_and_places_not_texts(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    cell = build_city(1).cell("D05-0304")
    source.write_text(
        "id,text,lat,lon\n"
        f"1,高新区{cell.road_zh}{cell.community_zh}3栋 联系电话13800001234,,\n"
        "2,x,28.2,112.9\n"
        "3,y,north,1\n"
        "4,,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    args = ["geo", "locate-file", "--demo", "-i", str(source), "-o", str(out), "--lat-col", "lat", "--lon-col", "lon"]
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "4 messages → 网格 grid 2, 区 district only 0, not located 未定位 2" in result.output
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["id"], r["district_code"], r["grid"], r["confidence"]) for r in rows] == [
        ("1", "D05", "D05-0304", "0.95"),
        ("2", "D01", "D01-0303", "1.00"),
        ("3", "", "", "0.00"),
        ("4", "", "", "0.00"),
    ]
    assert "not a number" in rows[2]["reasons"]
    assert "13800001234" not in out.read_text(encoding="utf-8")


def test_locate_file_bad_input_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,body\n1,x\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["geo", "locate-file", "--demo", "-i", str(source), "-o", str(out)])
    assert result.exit_code == 2
    assert "no column 'text'" in result.output
    assert not out.exists()
    lone = runner.invoke(app, ["geo", "locate-file", "--demo", "-i", str(source), "-o", str(out), "--lat-col", "a"])
    assert lone.exit_code == 2
    assert "together" in lone.output
