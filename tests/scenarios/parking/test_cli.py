"""``citybrain parking``: car parks and gate keys that work at the API, overstays, the generator, the evaluation."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from tests.conftest import shared_path
from tests.scenarios.parking.conftest import T0, at

runner = CliRunner()
FILE = ("data", "birmingham_parking", "parking_birmingham_uci_dataset.csv.gz")


@pytest.fixture
def cli_env(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


def test_a_car_park_and_its_gate_key_made_on_the_command_line_work(cli_env: Database, app_client: TestClient) -> None:
    tariff = '{"unit_minutes": 30, "day_rate_fen": 300}'
    made = runner.invoke(app, ["parking", "car-park", "P9", "--name", "西门", "--lat", "31.2", "--lon", "121.4",
                               "--capacity", "50", "--tariff", tariff])  # fmt: skip
    assert made.exit_code == 0, made.output
    key = runner.invoke(app, ["parking", "gate-key", "P9", "P9 north gate"])
    assert key.exit_code == 0, key.output
    plaintext = key.output.strip().splitlines()[-1]
    body = {"car_park": "P9", "gate": "n", "direction": "in", "plate": "沪A12345", "time": at(0)}
    with clock.frozen(T0):
        assert app_client.post("/api/v1/parking/events", json=body, headers={"X-API-Key": plaintext}).status_code == 200
    with clock.frozen(T0 + timedelta(hours=80)):
        flagged = runner.invoke(app, ["parking", "overstays"])
    assert flagged.exit_code == 0, flagged.output
    assert "沪A12345" in flagged.output
    assert "1 session(s) flagged overstay" in flagged.output


def test_bad_input_on_the_command_line_is_one_clear_error(cli_env: Database) -> None:
    bad = runner.invoke(app, ["parking", "car-park", "P9", "--name", "x", "--lat", "31", "--lon", "121",
                              "--capacity", "5", "--tariff", '{"unit_minutes": 45}'])  # fmt: skip
    assert bad.exit_code == 2
    assert "unit_minutes" in bad.output
    unknown = runner.invoke(app, ["parking", "gate-key", "NOPE", "gate"])
    assert unknown.exit_code == 2
    assert "no car park with code 'NOPE'" in unknown.output


def test_generate_writes_reads_the_api_accepts(tmp_path: Path) -> None:
    out = tmp_path / "reads.jsonl"
    result = runner.invoke(app, ["parking", "generate", str(out), "--file", str(shared_path(*FILE)),
                                 "--day", "2016-11-08", "--seed", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) > 1000
    assert {"car_park", "gate", "direction", "plate", "time", "confidence"} == set(lines[0])
    assert "planted misreads" in result.output


def test_forecast_eval_reports_both_errors_per_horizon() -> None:
    result = runner.invoke(app, ["parking", "forecast-eval", "--file", str(shared_path(*FILE)), "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert [h["hours"] for h in found] == [1.0, 2.0, 3.0, 4.0]
    assert all(h["mae"] < h["seasonal_naive_mae"] for h in found)
    assert len(found[0]["per_car_park"]) == 30
