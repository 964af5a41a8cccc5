"""The `citybrain classify` commands as an operator or an independent check runs them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.nlp import persistence, retraining
from citybrain.nlp.model import TextClassifier
from citybrain.nlp.normalize import normalize
from tests.nlp.conftest import Rows, write_csv
from tests.nlp.test_persistence import _rewrite_header

runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path, teddy_split: tuple[Rows, Rows], teddy_model: TextClassifier) -> dict[str, Path]:
    fit, held = teddy_split
    return {
        "train": write_csv(tmp_path / "train.csv", ["id", "text", "label"], fit[::2]),
        "held": write_csv(tmp_path / "held.csv", ["id", "text", "label"], held),
        "model": persistence.save(teddy_model, tmp_path / "model.npz"),
    }


def test_train_evaluate_predict_round_trip(files: dict[str, Path], tmp_path: Path) -> None:
    model = tmp_path / "new.npz"
    args = ["--text-col", "text", "--label-col", "label"]
    result = runner.invoke(app, ["classify", "train", "--input", str(files["train"]), *args, "--model", str(model)])
    assert result.exit_code == 0, result.output
    assert model.exists()
    report = tmp_path / "eval.json"
    result = runner.invoke(
        app,
        ["classify", "evaluate", "--model", str(model), "--input", str(files["held"]), *args, "--json", str(report)],
    )
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output
    assert "confusion matrix" in result.output
    assert "accuracy at coverage" in result.output
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert 0.6 < figures["macro_f1"] <= 1.0
    assert len(figures["confusion"]) == len(figures["classes"]) == 7
    out = tmp_path / "labels.csv"
    result = runner.invoke(
        app,
        ["classify", "predict", "--model", str(model), "--input", str(files["held"]), "--text-col", "text",
         "--id-col", "id", "--output", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["id", "label", "confidence"]
    held_ids = [r[0] for r in csv.reader(files["held"].open(encoding="utf-8"))][1:]
    assert [r[0] for r in rows[1:]] == held_ids
    assert all(0.0 <= float(r[2]) <= 1.0 and r[1] for r in rows[1:])


def test_predict_writes_empty_label_for_empty_text(files: dict[str, Path], tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "in.csv", ["id", "text"], [("a", ""), ("b", "<br>"), ("c", "孩子上学难，学校不让入学")]
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["classify", "predict", "--model", str(files["model"]), "--input", str(source), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[1] == ["a", "", "0.0000"]
    assert rows[2] == ["b", "", "0.0000"]
    assert rows[3][1] == "教育文体"


@pytest.mark.parametrize(
    "argv",
    [
        ["classify", "predict", "--input", "{held}", "--id-col", "nope", "--output", "{tmp}/o.csv"],
        ["classify", "evaluate", "--input", "{held}", "--label-col", "category"],
        ["classify", "train", "--input", "{held}", "--text-col", "body", "--model", "{tmp}/m.npz"],
        ["classify", "predict", "--input", "{tmp}/missing.csv", "--output", "{tmp}/o.csv"],
    ],
)
def test_missing_columns_or_files_exit_2_with_a_clear_message(
    files: dict[str, Path], tmp_path: Path, argv: list[str]
) -> None:
    argv = [a.format(held=files["held"], tmp=tmp_path) for a in argv]
    if argv[1] != "train":
        argv += ["--model", str(files["model"])]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2, result.output
    assert "error:" in result.output
    assert not (tmp_path / "o.csv").exists()


def test_a_model_of_another_version_exits_2(files: dict[str, Path], tmp_path: Path) -> None:
    _rewrite_header(files["model"], format_version=99)
    result = runner.invoke(
        app,
        ["classify", "predict", "--model", str(files["model"]), "--input", str(files["held"]), "--output",
         str(tmp_path / "o.csv")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "format version 99" in result.output


def test_labels_unknown_to_the_model_are_reported_and_counted_wrong(files: dict[str, Path], tmp_path: Path) -> None:
    source = write_csv(
        tmp_path / "e.csv", ["id", "text", "label"], [("1", "学校乱收费", "教育文体"), ("2", "学校乱收费", "火星事务")]
    )
    result = runner.invoke(app, ["classify", "evaluate", "--model", str(files["model"]), "--input", str(source)])
    assert result.exit_code == 0, result.output
    assert "火星事务" in result.output
    assert "never taught" in result.output


def test_corrections_are_learned_by_retrain(files: dict[str, Path], tmp_path: Path) -> None:
    store = tmp_path / "corrections.csv"
    phrase = "无人机夜间扰民飞行表演"
    learned = [f"{phrase}{s}" for s in "甲乙丙丁戊己庚辛" if not retraining.is_held_back(normalize(f"{phrase}{s}"))]
    with (tmp_path / "held.csv").open(encoding="utf-8") as handle:
        rows = [(r["text"], r["label"]) for r in csv.DictReader(handle)][:60]
    for text, label in [(t, "低空管理") for t in learned[:3]] + rows:
        result = runner.invoke(
            app, ["classify", "correct", "--text", text, "--label", label, "--corrections", str(store)]
        )
        assert result.exit_code == 0, result.output
    model = tmp_path / "re.npz"
    model.write_bytes(files["model"].read_bytes())
    result = runner.invoke(
        app,
        ["classify", "retrain", "--input", str(files["train"]), "--model", str(model), "--corrections", str(store),
         "--no-desk", "--min-held-back", "5", "--tolerance", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "installed" in result.output
    assert persistence.load(model).predict([phrase]).labels == ["低空管理"]
    assert model.with_name("re.previous.npz").read_bytes() == files["model"].read_bytes()


def test_retrain_without_corrections_exits_2(files: dict[str, Path], tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["classify", "retrain", "--input", str(files["train"]), "--model", str(files["model"]), "--corrections",
         str(tmp_path / "none.csv"), "--no-desk"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "no desk decisions or corrections yet" in result.output
