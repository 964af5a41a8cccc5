"""``citybrain directory``: show, import-taxonomy, add-department, add-rule — exit codes and what lands in the DB."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.directory import repository, service
from tests.conftest import shared_path
from tests.directory.conftest import category_count, write_xlsx

runner = CliRunner()


@pytest.fixture
def cli_db(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


def test_show_prints_tree_departments_rules_and_sla(cli_db: Database) -> None:
    result = runner.invoke(app, ["directory", "show"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for text in ("noise.construction.night", "夜间施工噪声", "燃气集团", "traffic_police", "urgent", "360"):
        assert text in result.output
    only = runner.invoke(app, ["directory", "show", "-s", "categories", "--under", "heating"], terminal_width=200)
    assert "heating.no_heat" in only.output
    assert "noise" not in only.output
    assert "燃气集团" not in only.output


def test_show_refuses_an_unknown_section(cli_db: Database) -> None:
    result = runner.invoke(app, ["directory", "show", "-s", "everything"])
    assert result.exit_code == 2


def test_import_taxonomy_twice(cli_db: Database) -> None:
    path = shared_path("data", "teddy2020c", "taxonomy_附件1.xlsx")
    first = runner.invoke(app, ["directory", "import-taxonomy", str(path)], terminal_width=200)
    assert first.exit_code == 0, first.output
    assert "517 rows → 650 categories" in first.output
    assert "15/118/517 nodes; 15/103/390 distinct names" in first.output
    assert "added 650" in first.output
    second = runner.invoke(app, ["directory", "import-taxonomy", str(path)], terminal_width=200)
    assert second.exit_code == 0
    assert "added 0, already present 650" in second.output


def test_import_taxonomy_bad_file_exits_2_and_writes_nothing(cli_db: Database, tmp_path: Path) -> None:
    wrong = write_xlsx(tmp_path / "wrong.xlsx", [("id", "name"), (1, "x")])
    with cli_db.transaction() as s:
        before = category_count(s)
    for path in (wrong, tmp_path / "missing.xlsx"):
        result = runner.invoke(app, ["directory", "import-taxonomy", str(path)], terminal_width=200)
        assert result.exit_code == 2
        assert "error:" in result.output
    with cli_db.transaction() as s:
        assert category_count(s) == before


def test_add_department_and_rule_then_route(cli_db: Database) -> None:
    added = runner.invoke(
        app, ["directory", "add-department", "night_patrol", "夜间巡查队", "--name-en", "Night patrol"]
    )
    assert added.exit_code == 0, added.output
    rule = ["directory", "add-rule", "--category", "noise.construction.night", "--department", "night_patrol"]
    result = runner.invoke(app, rule)
    assert result.exit_code == 0, result.output
    with cli_db.transaction() as s:
        department = service.route(session=s, category_code="noise.construction.night", district_code=None)
        assert department is not None
        assert department.name_en == "Night patrol"
    again = runner.invoke(app, rule)
    assert again.exit_code == 2
    assert "already covers" in again.output


def test_add_commands_refuse_bad_input(cli_db: Database) -> None:
    bad_code = runner.invoke(app, ["directory", "add-department", "Bad Code", "某部门"])
    assert bad_code.exit_code == 2
    assert "not a department code" in bad_code.output
    duplicate = runner.invoke(app, ["directory", "add-department", "water", "水务局"])
    assert duplicate.exit_code == 2
    unknown = runner.invoke(app, ["directory", "add-rule", "--category", "noise", "--department", "nobody"])
    assert unknown.exit_code == 2
    assert "no department 'nobody'" in unknown.output
    with cli_db.transaction() as s:
        assert repository.department_by_code(s, "nobody") is None
        assert len(repository.departments(s)) == 17
