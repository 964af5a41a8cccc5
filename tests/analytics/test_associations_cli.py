"""``citybrain analyze associations``: the JSON contract, exit 2 for bad input, runs stored from the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.insight import service as insight
from citybrain.simulate.load import load_city

runner = CliRunner()
HEADER = "id,created_at,category,lat,lon\n"


def _site_file(path: Path) -> Path:
    """Ten weeks in 40 cells, each category showing (two cases) at random; in six cells, for weeks 4–6, a building
    site brings noise, site and road-works complaints together. One case has no place."""
    rng = np.random.default_rng(1)
    rows, n = [], 0
    monday = datetime(2024, 3, 4, 9)
    for cell in range(40):
        for week in range(10):
            n += 1  # everyday questions keep every cell-week non-empty, as in a real city
            rows.append(f"{n},{monday + timedelta(days=7 * week + 2)},consultation,{28.1 + cell * 0.01:.4f},112.9")
            for category in ("noise", "site", "roads", "garbage", "parking"):
                planted = cell < 6 and 3 <= week < 6 and category in ("noise", "site", "roads")
                if planted or rng.random() < 0.15:
                    for _ in range(3 if planted else 2):
                        n += 1
                        at = monday + timedelta(days=7 * week + int(rng.integers(0, 7)), hours=int(rng.integers(0, 12)))
                        rows.append(f"{n},{at},{category},{28.1 + cell * 0.01:.4f},112.9")
    rows.append(f"{n + 1},{monday},noise,,")
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_file_to_json_with_the_stable_names(tmp_path: Path) -> None:
    out = tmp_path / "rules.json"
    result = runner.invoke(
        app,
        ["analyze", "associations", "--input", str(_site_file(tmp_path / "c.csv")), "--json", str(out),
         "--min-support", "2", "--presence-share", "1", "--permutations", "19", "--seed", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert set(document) >= {"rules", "params", "summary"}
    assert document["params"]["cell_m"] == 500
    assert document["params"]["seed"] == 3
    assert document["params"]["presence_share"] == 1
    assert document["summary"]["cases_without_place"] == 1
    rule = document["rules"][0]
    assert set(rule) >= {"antecedent", "consequent", "support", "confidence", "lift", "p_value", "q_value", "examples"}
    assert set(rule["antecedent"]) | set(rule["consequent"]) <= {"noise", "site", "roads"}
    example = rule["examples"][0]
    assert set(example) >= {"cell", "window_start", "case_ids", "lat", "lon"}
    assert example["window_start"] in ("2024-03-25", "2024-04-01", "2024-04-08")  # the Mondays of the planted weeks
    assert example["lat"] < 28.1 + 6 * 0.01


def test_same_seed_same_output(tmp_path: Path) -> None:
    source = str(_site_file(tmp_path / "c.csv"))
    outputs = []
    for _ in range(2):
        result = runner.invoke(app, ["analyze", "associations", "-i", source, "--min-support", "2", "--json", "-",
                                     "--presence-share", "1", "--permutations", "19", "--seed", "9"])  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(result.stdout)["rules"])
    assert outputs[0] == outputs[1]
    assert outputs[0][0]["p_perm"] is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json", "/nonexistent/dir/rules.json"], "no such directory"),
        (["--input", "/nonexistent/cases.csv"], "no such file"),
        (["--window-days", "0"], "window"),
        (["--min-support", "2.5"], "whole basket count"),
        (["--min-support", "0"], "min support"),
        (["--cell-m", "-5"], "cell size"),
    ],
)
def test_bad_input_exits_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    if "--input" not in args:
        args = ["--input", str(_site_file(tmp_path / "c.csv")), *args]
    result = runner.invoke(app, ["analyze", "associations", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_missing_columns_and_no_coordinates_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,created_at,category\n1,2024-01-01 10:00:00,noise\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", "associations", "--input", str(bad)])
    assert result.exit_code == 2
    assert "missing column" in result.output
    nowhere = tmp_path / "nowhere.csv"
    nowhere.write_text(HEADER + "1,2024-01-01 10:00:00,noise,,\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", "associations", "--input", str(nowhere)])
    assert result.exit_code == 2
    assert "coordinates" in result.output


@pytest.fixture
def cli_env(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


@pytest.mark.slow
def test_live_database_run_is_stored(cli_env: Database, tmp_path: Path) -> None:
    with cli_env.transaction() as session:
        load_city(session, days=20, cases_per_day=60, now=datetime(2026, 3, 31, 12, tzinfo=UTC))
    out = tmp_path / "rules.json"
    result = runner.invoke(
        app,
        ["analyze", "associations", "--json", str(out), "--min-cases", "1", "--max-q", "1", "--top", "5",
         "--permutations", "0"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["params"]["source"] == "database"
    assert document["rules"]
    with cli_env.reading() as session:
        stored = insight.latest(session, "associations")
    assert stored["id"] == document["summary"]["run_id"]
    assert stored["total_results"] == len(document["rules"])
    first = stored["results"][0]
    assert first["payload"]["antecedent"] == document["rules"][0]["antecedent"]
    assert first["case_ids"] == sorted({int(c) for e in document["rules"][0]["examples"] for c in e["case_ids"]})
