"""``citybrain report kpis``: the three formats, the file output and bad input (exit 2, nothing written)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citybrain.cases.kpis import KPI_NAMES, KPIS
from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from tests.cases.kpi_factories import scenario

runner = CliRunner()
WINDOW = ["--from", "2026-01-01", "--to", "2026-02-28", "--as-of", "2026-03-01T00:00:00Z"]


@pytest.fixture
def cli_city(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CITYBRAIN_TIMEZONE", "Asia/Shanghai")
    with db.transaction() as session:
        scenario(session)
    return db


def test_json_for_machines(cli_city: Database) -> None:
    result = runner.invoke(app, ["report", "kpis", "--by", "department", "--period", "month", "-f", "json", *WINDOW])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    water_jan = next(r for r in body["rows"] if r["department"] == "water" and r["period"] == "2026-01")
    assert (water_jan["received"], water_jan["median_hours_to_accept"]) == (2, 3.0)
    assert body["total"]["satisfaction_mean"] == 3.67


def test_csv_with_a_total_row(cli_city: Database) -> None:
    result = runner.invoke(app, ["report", "kpis", "--by", "channel", "--format", "csv", *WINDOW])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["scope", "channel", *KPI_NAMES]
    by_channel = {r["channel"]: r for r in rows if r["scope"] == "group"}
    assert by_channel["phone"]["received"] == "3"
    assert by_channel["app"]["response_rate"] == "1.0"
    assert by_channel["web"]["median_hours_to_accept"] == "5.0"
    total = rows[-1]
    assert (total["scope"], total["received"], total["response_rate"]) == ("total", "7", "0.5")


def test_table_for_people_has_chinese_and_english_heads(cli_city: Database) -> None:
    result = runner.invoke(app, ["report", "kpis", "--by", "department", "--department", "power", *WINDOW])
    assert result.exit_code == 0, result.output
    for text in ("响应率", "response rate", "满意率", "合计 total", "50.0%", "power"):
        assert text in result.stdout, text


def test_wide_table_shows_the_headline_kpis(cli_city: Database) -> None:
    result = runner.invoke(app, ["report", "kpis", "--period", "day", *WINDOW])
    assert result.exit_code == 0, result.output
    assert "2026-02-01" in result.stdout
    assert "响应率" in result.stdout


def test_output_file(cli_city: Database, tmp_path: Path) -> None:
    target = tmp_path / "kpis.json"
    result = runner.invoke(app, ["report", "kpis", "-f", "json", "-o", str(target), *WINDOW])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text(encoding="utf-8"))["total"]["received"] == 7
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-1-32"], "from must be a date"),
        (["--by", "mayor"], "cannot group by mayor"),
        (["--period", "year"], "unknown period"),
        (["--format", "xml"], "unknown format"),
        (["--kpi", "happiness"], "unknown KPI"),
        (["--department", "nope"], "no department"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    cli_city: Database, tmp_path: Path, args: list[str], message: str
) -> None:
    target = tmp_path / "out.csv"
    result = runner.invoke(app, ["report", "kpis", "-f", "csv", "-o", str(target), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not target.exists()


def test_every_kpi_is_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "kpis.md").read_text(encoding="utf-8")
    missing = [k.name for k in KPIS if f"`{k.name}`" not in text or k.name_zh not in text]
    assert missing == [], f"KPIs missing from docs/kpis.md: {missing}"
