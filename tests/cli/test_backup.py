"""``citybrain db backup`` / ``db restore``: a round trip taken while a real server serves and writes.

SQLite through the online backup API, PostgreSQL through pg_dump/pg_restore (the postgresql-client on PATH).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.web.app import create_app
from tests.conftest import make_key, scratch_postgres_database
from tests.live_server import serve

runner = CliRunner()
TABLES = ("cases", "case_events", "case_contacts", "api_keys", "categories", "departments", "idempotency_keys")


@pytest.fixture
def fresh_url(backend: str, settings: Settings, tmp_path: Path) -> Iterator[str]:
    """Where to restore: a new SQLite file, or a new PostgreSQL database (same schema name in search_path)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    with scratch_postgres_database(settings.resolved_database_url(), "cbrestore") as url:
        yield url


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in TABLES}  # noqa: S608
    engine.dispose()
    return found


def post(base: str, key: str, n: int, start: int = 0) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        for i in range(start, start + n):
            form = {"api_key": key, "service_code": "roads.damage", "lat": "39.9", "long": "116.4"}
            response = client.post("/open311/v2/requests.json", data={**form, "description": f"路面坑洼 {i}"})
            assert response.status_code == 200, response.text


def test_backup_while_serving_then_restore_into_a_fresh_database(
    db: Database, settings: Settings, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = make_key(db, "app")
    backup = tmp_path / "city.backup"
    with serve(create_app(settings, database=db)) as base:
        post(base, key, 30)
        writer = threading.Thread(target=post, args=(base, key, 30, 30))  # the server keeps taking requests
        writer.start()
        monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
        made = runner.invoke(app, ["db", "backup", str(backup)])
        writer.join()
    assert made.exit_code == 0, made.output
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", fresh_url)
    restored = runner.invoke(app, ["db", "restore", str(backup)])
    assert restored.exit_code == 0, restored.output
    got, source = counts(fresh_url), counts(settings.resolved_database_url())
    assert 30 <= got["cases"] <= 60
    assert got["case_events"] >= got["cases"]
    assert {t: got[t] for t in ("api_keys", "categories", "departments")} == {
        t: source[t] for t in ("api_keys", "categories", "departments")
    }
    status = runner.invoke(app, ["db", "status"])
    assert "revision: 0010" in status.output or "revision: 00" in status.output
    again = runner.invoke(app, ["db", "restore", str(backup)])  # the target is no longer fresh
    assert again.exit_code == 2
    assert "fresh database" in again.output


def test_restore_refuses_a_file_that_is_not_a_backup(
    db: Database, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"hello, not a backup")
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", fresh_url)
    result = runner.invoke(app, ["db", "restore", str(junk)])
    assert result.exit_code == 2
    assert "not a" in result.output


@pytest.mark.parametrize("problem", ["missing", "too old"])
def test_pg_dump_missing_or_older_than_the_server_is_explained(
    backend: str, db: Database, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    if backend != "postgresql":
        pytest.skip("pg_dump is the PostgreSQL backup tool")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if problem == "too old":  # a stand-in for an old client install: what `pg_dump --version` prints
        tool = bin_dir / "pg_dump"
        tool.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    result = runner.invoke(app, ["db", "backup", str(tmp_path / "x.backup")])
    assert result.exit_code == 1
    assert ("not found on PATH" if problem == "missing" else "older than the PostgreSQL") in result.output
    assert "postgresql-client" in result.output
    assert not (tmp_path / "x.backup").exists()
    assert os.environ["PATH"] == str(bin_dir)
