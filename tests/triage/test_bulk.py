"""A bulk import leaves its rows triaged: classified when the file has no category, located when it has no place."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Case
from tests.triage.conftest import WAGES

runner = CliRunner()
HEADER = ["id", "message_id", "user", "time", "title", "detail", "text", "label"]


def teddy_file(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """The labelled-messages layout; an empty label means the file does not say the category."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i, (title, text, label) in enumerate(rows):
            writer.writerow([i, f"m{i}", "U1", f"2020-01-0{i + 1} 10:00:00", title, text, text, label])
    return path


@pytest.fixture
def env(db: Database, settings: Settings, model_file: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CITYBRAIN_CLASSIFY_MODEL_PATH", str(model_file))
    monkeypatch.setenv("CITYBRAIN_TRIAGE_CONFIDENCE_THRESHOLD", "0.5")
    return db


def test_rows_without_a_category_are_classified_in_one_batch_and_labelled_rows_are_kept(
    env: Database, tmp_path: Path
) -> None:
    path = teddy_file(
        tmp_path / "messages.csv",
        [
            ("讨薪", WAGES, ""),
            ("化工厂废气", "化工厂每天排放刺鼻废气，空气污染严重，请环保部门查处", ""),
            ("学校招生", "学校招生入学报名材料太多", "教育文体"),
            ("", "", ""),
        ],
    )
    result = runner.invoke(app, ["import", "teddy", str(path)])
    assert result.exit_code == 0, result.output
    with env.reading() as s:
        cases = {c.title: c for c in s.scalars(select(Case).where(Case.source == "teddy"))}
        wages, air, school = cases["讨薪"], cases["化工厂废气"], cases["学校招生"]
        assert wages.category_code == "labor"
        assert wages.triage is not None
        assert wages.triage["category"]["label"] == "劳动和社会保障"
        assert wages.triage["source"] == "bulk import"
        assert air.category_code == "environment"
        assert school.category_code == "education"  # the file's own label
        assert school.triage is None  # nothing left to decide
        assert wages.department_id is None  # history is not dispatched by an import
