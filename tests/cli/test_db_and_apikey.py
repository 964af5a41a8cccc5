from __future__ import annotations

import pytest
from typer.testing import CliRunner

from citybrain.auth import service
from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings

runner = CliRunner()


@pytest.fixture
def cli_env(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    return db


def test_db_init_is_repeatable_and_reports_revision(cli_env: Database) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["db", "init"])
        assert result.exit_code == 0, result.output
        assert "schema at revision" in result.output


def test_apikey_create_prints_a_working_key_last(cli_env: Database) -> None:
    result = runner.invoke(app, ["apikey", "create", "FixMyStreet app", "--role", "app"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    with cli_env.transaction() as session:
        principal = service.authenticate(session=session, plaintext=key)
    assert principal.name == "FixMyStreet app"
    assert principal.role == "app"


def test_apikey_create_with_unknown_role_fails_clearly(cli_env: Database) -> None:
    result = runner.invoke(app, ["apikey", "create", "x", "--role", "mayor"])
    assert result.exit_code == 2
    assert "unknown role" in result.output
