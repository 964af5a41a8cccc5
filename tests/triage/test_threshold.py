"""`classify evaluate --threshold-for-accuracy`: the figure a city sets its triage threshold from."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.nlp.dataset import read_columns
from tests.conftest import shared_path

runner = CliRunner()


def test_evaluate_suggests_the_threshold_for_an_accuracy_and_reports_coverage(model_file: Path, tmp_path: Path) -> None:
    cols = read_columns(shared_path("data", "teddy2020c", "messages_labelled.csv"), ["text", "label"])
    rows = random.Random(5).sample(list(zip(cols["text"], cols["label"], strict=True)), 400)
    held = tmp_path / "held.csv"
    with held.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("text", "label"), *rows])
    report = tmp_path / "eval.json"
    args = ["--model", str(model_file), "--input", str(held), "--json", str(report)]
    result = runner.invoke(app, ["classify", "evaluate", *args, "--threshold-for-accuracy", "0.95"])
    assert result.exit_code == 0, result.output
    assert "CITYBRAIN_TRIAGE_CONFIDENCE_THRESHOLD=" in result.output
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert [p["coverage"] for p in figures["coverage"]] == [0.5, 0.8, 0.9, 1.0]
    suggested = figures["suggested"]
    assert suggested["accuracy"] >= 0.95
    assert 0 < suggested["coverage"] < 1
    assert 0 < suggested["threshold"] < 1
    bad = runner.invoke(app, ["classify", "evaluate", *args, "--threshold-for-accuracy", "1.5"])
    assert bad.exit_code == 2
