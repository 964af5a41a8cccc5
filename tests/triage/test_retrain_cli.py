"""`citybrain classify retrain | history | rollback` as an operator runs them, with the desk's decisions read from
the database (both backends)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory.source_labels import LABEL_CATEGORIES
from citybrain.nlp import persistence, retraining
from citybrain.nlp.dataset import read_columns
from citybrain.nlp.model import TrainConfig, train
from citybrain.nlp.normalize import normalize
from tests.conftest import shared_path
from tests.triage.conftest import AppFactory, case_of, post

runner = CliRunner()
_NO_FILE = ["--corrections", "/nonexistent/corrections.csv"]  # the desk alone


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))


def _teddy(n: int, seed: int) -> list[tuple[str, str]]:
    cols = read_columns(shared_path("data", "teddy2020c", "messages_train_full.csv"), ["text", "label"])
    return random.Random(seed).sample(list(zip(cols["text"], cols["label"], strict=True)), n)


def _model(rows: list[tuple[str, str]], path: Path) -> Path:
    return persistence.save(
        train([t for t, _ in rows], [lab for _, lab in rows], TrainConfig(calibration_folds=2)), path
    )


def _write_base(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("text", "label"), *rows])
    return path


def test_retrain_learns_from_the_desk_records_the_decision_and_rolls_back(
    env: None, make_client: AppFactory, app_key: str, db: Database, operator_headers: dict[str, str], tmp_path: Path
) -> None:
    rows = _teddy(400, seed=5)
    base, desk = rows[:200], rows[200:]
    held = [r for r in desk if retraining.is_held_back(normalize(r[0]))][:3]
    decided = held + [r for r in desk if not retraining.is_held_back(normalize(r[0]))][:9]
    model = _model(base, tmp_path / "m.npz")
    client = make_client(model=model, threshold=1.0)  # every message waits for a person
    for text, label in decided:
        case = case_of(db, post(client, app_key, description=text[:3900]))
        response = client.post(
            f"/api/v1/triage/queue/{case.id}/dispatch",
            json={"category_code": LABEL_CATEGORIES[label], "version": case.version},
            headers=operator_headers,
        )
        assert response.status_code == 200, response.text
    base_csv = _write_base(tmp_path / "base.csv", base)

    few = runner.invoke(app, ["classify", "retrain", "--input", str(base_csv), "--model", str(model), *_NO_FILE])
    assert few.exit_code == 2
    assert "held-back examples of 12" in few.output

    result = runner.invoke(
        app,
        [
            "classify",
            "retrain",
            "--input",
            str(base_csv),
            "--model",
            str(model),
            "--min-held-back",
            "3",
            "--json",
            *_NO_FILE,
        ],
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert (decision["examples"], decision["held_back"], decision["examples_learned"]) == (12, 3, 9)
    assert set(decision["running"]) == set(decision["candidate"]) == {"macro_f1", "accuracy"}

    history = runner.invoke(app, ["classify", "history", "--model", str(model), "--json"])
    assert history.exit_code == 0
    assert json.loads(history.output)[0]["candidate"] == decision["candidate"]

    rollback = runner.invoke(app, ["classify", "rollback", "--model", str(model)])
    if decision["installed"]:
        assert rollback.exit_code == 0, rollback.output
        assert persistence.load(model).info["n_train"] == 200  # the model trained on the base alone is back
    else:
        assert rollback.exit_code == 2
        assert "nothing to roll back" in rollback.output


def test_retrain_without_any_decision_says_so(env: None, db: Database, tmp_path: Path) -> None:
    rows = _teddy(60, seed=6)
    model = _model(rows, tmp_path / "m.npz")
    base_csv = _write_base(tmp_path / "base.csv", rows)
    result = runner.invoke(app, ["classify", "retrain", "--input", str(base_csv), "--model", str(model), *_NO_FILE])
    assert result.exit_code == 2
    assert "no desk decisions or corrections yet" in result.output
    assert not retraining.history_path(model).exists()
