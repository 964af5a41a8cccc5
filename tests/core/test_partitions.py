"""``citybrain db partition``: the conversion and its undo, and the app on the partitioned layout (PostgreSQL).

On SQLite the command is refused with a clear message; every other test here skips under the sqlite parameter.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from typer.testing import CliRunner

from citybrain.cases import search_index
from citybrain.cli.main import app as cli
from citybrain.core import backup as backups
from citybrain.core import clock, migrate, partitions
from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput
from citybrain.models import Base
from citybrain.web.app import create_app
from tests.conftest import make_key, scratch_postgres_database
from tests.core.pg_scale import FIRST, NOW, load_cases, pg_database
from tests.intake.import_support import CANONICAL_HEADER, canonical_row, run_import, summary_numbers, write_csv

runner = CliRunner()


@pytest.fixture
def city(backend: str, tmp_path: Path) -> Iterator[Database]:
    if backend != "postgresql":
        pytest.skip("partitions are a PostgreSQL feature (the SQLite refusal is tested below)")
    with pg_database(backend, tmp_path) as database:
        yield database


def test_sqlite_is_refused_with_a_clear_message(backend: str, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    if backend != "sqlite":
        pytest.skip("the refusal is SQLite's")
    with pytest.raises(InvalidInput, match="PostgreSQL feature"):
        partitions.partition(db.engine)
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", db.settings.resolved_database_url())
    result = runner.invoke(cli, ["db", "partition"])
    assert result.exit_code == 2
    assert "partitions are a PostgreSQL feature" in result.output
    status = runner.invoke(cli, ["db", "status"])
    assert status.exit_code == 0
    assert "layout: plain tables" in status.output


def _schema(conn: Connection) -> dict[str, Any]:
    """Every constraint and index of the schema, and the two id sequences' positions."""
    constraints = conn.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
        )  # fmt: skip
    ).all()
    indexes = conn.execute(
        text("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2")
    ).all()
    return {"constraints": constraints, "indexes": indexes, "tables": _tables(conn)}


def _tables(conn: Connection) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                "AND relkind IN ('r', 'p') ORDER BY 1"
            )  # fmt: skip
        ).scalars()
    )


def _rows(conn: Connection) -> dict[str, Any]:
    return {
        table: conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY 1, 2")).all()  # noqa: S608
        for table, columns in (
            ("cases", "id, created_at, source_key, token, duplicate_of"),
            ("case_events", "id, at, case_id"),
            ("case_contacts", "case_id, phone"),
        )
    }


def _next_id(engine: Engine, table: str) -> int:
    with engine.begin() as conn:
        return int(conn.execute(text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")).scalar_one())


def test_conversion_and_undo_keep_every_row_id_and_constraint(city: Database) -> None:
    engine = city.engine
    load_cases(engine, 600)  # twelve months: 2025-07 … 2026-06
    with engine.begin() as conn:
        conn.execute(text("UPDATE cases SET duplicate_of = id - 1 WHERE id % 50 = 0"))
        before, rows = _schema(conn), _rows(conn)
    last_case = _next_id(engine, "cases")

    report = partitions.partition(engine, months_ahead=2, now=NOW)
    assert report.converted
    assert report.rows == {"cases": 600, "case_events": 600}
    by_table = {t.table: t for t in report.layout}
    assert by_table["cases"].first_month.isoformat() == "2025-07-01"
    assert by_table["cases"].last_month.isoformat() == "2026-08-01"  # June + 2 months
    assert by_table["cases"].months == 14
    assert by_table["cases"].default_rows == 0
    with engine.begin() as conn:
        assert _rows(conn) == rows
        month = conn.execute(text("SELECT count(*) FROM cases_y2025m07")).scalar_one()
        expected = conn.execute(text("SELECT count(*) FROM cases WHERE created_at < '2025-08-01+00'")).scalar_one()
        assert month == expected > 0
        partitioned = _schema(conn)
    assert partitioned["constraints"] != before["constraints"]  # the keys did change…
    assert _next_id(engine, "cases") == last_case + 1  # …the sequence did not

    assert partitions.unpartition(engine) == {"cases": 600, "case_events": 600}
    with engine.begin() as conn:
        after = _schema(conn)
        assert _rows(conn) == rows
    assert after == before
    assert _next_id(engine, "cases") == last_case + 2
    assert partitions.describe(engine) == []


def test_running_again_adds_months_and_moves_waiting_rows_out_of_default(city: Database) -> None:
    engine = city.engine
    load_cases(engine, 120)
    partitions.partition(engine, months_ahead=0, now=NOW)
    later = NOW + timedelta(days=75)  # 2026-08-29: no partition yet, so the row waits in DEFAULT
    with engine.begin() as conn:
        case_id = conn.execute(text("SELECT min(id) FROM cases")).scalar_one()
        conn.execute(text("UPDATE cases SET created_at = :t WHERE id = :i"), {"t": later, "i": case_id})
        events = conn.execute(text("SELECT count(*) FROM case_events WHERE case_id = :i"), {"i": case_id}).scalar()
        assert conn.execute(text("SELECT count(*) FROM cases_default")).scalar_one() == 1
    report = partitions.partition(engine, months_ahead=3, now=NOW)
    assert not report.converted
    assert report.months_added == {"cases": 3, "case_events": 3}
    assert report.moved_from_default == {"cases": 1, "case_events": 0}
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases_default")).scalar_one() == 0
        assert conn.execute(text("SELECT id FROM cases_y2026m08")).scalars().all() == [case_id]
        # the move is not a delete: the case's events and contact are still there
        kept = conn.execute(text("SELECT count(*) FROM case_events WHERE case_id = :i"), {"i": case_id}).scalar()
        assert kept == events == 1
        assert conn.execute(text("SELECT count(*) FROM case_contacts WHERE case_id = :i"), {"i": case_id}).scalar()
    again = partitions.partition(engine, months_ahead=3, now=NOW)
    assert again.months_added == {"cases": 0, "case_events": 0}


def test_since_creates_the_history_months_before_it_is_loaded(city: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    partitions.partition(city.engine, months_ahead=0, now=NOW)  # empty tables: only this month
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", city.settings.resolved_database_url())
    bad = runner.invoke(cli, ["db", "partition", "--since", "2019/01"])
    assert bad.exit_code == 2
    assert "YYYY-MM" in bad.output
    report = partitions.partition(city.engine, months_ahead=0, since=FIRST.date(), now=NOW)
    assert report.moved_from_default == {"cases": 0, "case_events": 0}
    load_cases(city.engine, 60)  # a year of history from FIRST: every row lands in its own month
    with city.engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases_default")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM case_events_default")).scalar_one() == 0
        months = sorted(partitions.month_partitions(conn, "cases"))
    assert months[0] == FIRST.date().replace(day=1)


def _post(client: TestClient, key: str, path: str, **body: Any) -> Any:
    response = client.post(f"/api/v1/cases{path}", json=body, headers={"X-API-Key": key})
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_the_app_on_the_partitioned_layout(city: Database) -> None:
    engine = city.engine
    load_cases(engine, 50, first=FIRST, days=300)
    partitions.partition(engine)
    with engine.begin() as conn:
        department = conn.execute(text("SELECT code FROM departments ORDER BY id LIMIT 1")).scalar_one()
        highest = conn.execute(text("SELECT max(id) FROM cases")).scalar_one()
    operator, handler = make_key(city, "operator"), make_key(city, "department", department_code=department)
    with TestClient(create_app(city.settings, database=city)) as client:
        case = _post(client, operator, "", text="路灯不亮", source="crm", source_key="A-1",
                     contact={"phone": "13912345678"})  # fmt: skip
        assert case["id"] > highest
        _post(client, operator, f"/{case['id']}/dispatch", department_code=department)
        _post(client, handler, f"/{case['id']}/accept")
        _post(client, handler, f"/{case['id']}/resolve", reply="已修复")
        closed = _post(client, operator, f"/{case['id']}/callback", resolved=True, satisfaction=5)
        assert closed["status"] == "closed"
        again = client.post("/api/v1/cases", json={"text": "x", "source": "crm", "source_key": "A-1"},
                            headers={"X-API-Key": operator})  # fmt: skip
        assert again.status_code == 409
        second = _post(client, operator, "", text="噪音扰民")
        assert second["id"] == case["id"] + 1
    case_id = case["id"]
    with engine.begin() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM case_events WHERE case_id = :i"), {"i": case_id}).scalar_one() >= 4
        )
        assert conn.execute(text("SELECT count(*) FROM callbacks WHERE case_id = :i"), {"i": case_id}).scalar() == 1
    _refused(engine, "INSERT INTO cases (source, source_key, channel, title, text, status, created_at, updated_at, "
             "likes, dislikes, reopen_count, reject_count, reminder_count, version, needs_review) "
             "VALUES ('crm', 'A-1', 'web', '', '', 'received', now() - interval '400 days', now(), 0, 0, 0, 0, 0, 1, "
             "false)", "23505", "uq_cases_source_key")  # fmt: skip
    _refused(engine, f"UPDATE cases SET token = (SELECT token FROM cases WHERE token IS NOT NULL LIMIT 1) "
             f"WHERE id = {second['id']}", "23505", "uq_cases_token")  # fmt: skip
    for table in ("case_events", "callbacks", "case_contacts"):
        columns = {"case_events": "(case_id, at, actor, action) VALUES (987654321, now(), 'x', 'note')",
                   "callbacks": "(case_id, at, actor, resolved) VALUES (987654321, now(), 'x', true)",
                   "case_contacts": "(case_id) VALUES (987654321)"}  # fmt: skip
        _refused(engine, f"INSERT INTO {table} {columns[table]}", "23503", f"fk_{table}_case_id_cases")
    _refused(engine, f"UPDATE cases SET duplicate_of = 987654321 WHERE id = {case_id}", "23503", "duplicate_of")
    with engine.begin() as conn:  # a merged case's original cannot go while the duplicate names it (NO ACTION)
        conn.execute(text("UPDATE cases SET duplicate_of = :o WHERE id = :d"), {"o": case_id, "d": second["id"]})
    _refused(engine, f"DELETE FROM cases WHERE id = {case_id}", "23503", "fk_cases_duplicate_of_cases")
    with engine.begin() as conn:  # moving a case to another month is not a delete
        conn.execute(text("UPDATE cases SET created_at = created_at - interval '200 days' WHERE id = :i"),
                     {"i": case_id})  # fmt: skip
        assert conn.execute(text("SELECT count(*) FROM callbacks WHERE case_id = :i"), {"i": case_id}).scalar() == 1
        conn.execute(text("UPDATE cases SET duplicate_of = NULL WHERE id = :d"), {"d": second["id"]})
        conn.execute(text("DELETE FROM cases WHERE id = :i"), {"i": case_id})
        for table in ("case_events", "callbacks", "case_contacts", "cases_source_keys"):
            left = conn.execute(text(f"SELECT count(*) FROM {table} WHERE case_id = :i".replace(  # noqa: S608
                "case_id", "id" if table == "cases_source_keys" else "case_id")), {"i": case_id}).scalar()  # fmt: skip
            assert left == 0, table
    with engine.begin() as conn:  # the key is free again once its case is gone
        conn.execute(text("UPDATE cases SET source = 'crm', source_key = 'A-1' WHERE id = :i"), {"i": second["id"]})


def _refused(engine: Engine, statement: str, sqlstate: str, constraint: str) -> None:
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(text(statement))
    assert caught.value.orig is not None
    assert getattr(caught.value.orig, "sqlstate", None) == sqlstate
    assert constraint in str(caught.value.orig)


def test_migrations_and_status_after_conversion(city: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = city.engine
    load_cases(engine, 30)
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", city.settings.resolved_database_url())
    with clock.frozen(NOW):
        made = runner.invoke(cli, ["db", "partition", "--months-ahead", "1"])
    assert made.exit_code == 0, made.output
    assert "converted: cases 30 rows, case_events 30 rows" in made.output
    migrate.upgrade(engine)  # nothing pending breaks on the partitioned tables
    status = runner.invoke(cli, ["db", "status"])
    assert "partitioned: cases by month, 2025-07 to 2026-07 (13 months; 0 rows in DEFAULT)" in status.output
    undone = runner.invoke(cli, ["db", "partition", "--undo"])
    assert undone.exit_code == 0, undone.output
    assert "layout: plain tables" in runner.invoke(cli, ["db", "status"]).output


PARTITION = re.compile(r"^(cases|case_events)_(y\d{4}m\d{2}|default)$")


def _explained(entry: Any, saved_keys: set[str]) -> bool:
    """One difference compare_metadata finds between the models and the partitioned layout, and why it is there."""
    kind, item = entry[0], entry[1]
    name = str(getattr(item, "name", ""))
    table = str(getattr(getattr(item, "table", None), "name", ""))
    sides = {side for side, _columns in partitions.UNIQUE_KEYS.values()} | {partitions.LAYOUT_TABLE}
    if kind in ("remove_table", "remove_index") and (PARTITION.match(name) or PARTITION.match(table)):
        return True  # the months and DEFAULT, and their copies of the parent's indexes
    if kind in ("remove_table", "remove_index") and (name in sides or table in sides):
        return True  # the side tables of the unique keys, and what the undo needs
    if kind == "remove_index" and name == search_index.POSTGRESQL_INDEX:
        return True  # the word search's expression index, which no model declares (as on the plain layout)
    if kind == "add_fk":
        return name in saved_keys  # the foreign keys to cases, now triggers
    if kind == "add_constraint":
        return name in partitions.UNIQUE_KEYS  # kept in side tables
    return kind == "remove_index" and name in {f"ix_{n}" for n in partitions.UNIQUE_KEYS}  # their lookups


def test_models_differ_from_the_partitioned_layout_only_where_it_says(city: Database) -> None:
    """The drift test's question (tests/core/test_migrations.py) on a partitioned database: every difference
    between the models and the schema is one the layout makes on purpose; anything else fails here."""
    partitions.partition(city.engine, now=NOW)
    with city.engine.connect() as conn:
        saved = set(conn.execute(text("SELECT name FROM partition_layout WHERE kind = 'foreign_key'")).scalars())
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    entries = [entry for item in diff for entry in (item if isinstance(item, list) else [item])]
    assert {e[0] for e in entries} >= {"add_fk", "add_constraint", "remove_table"}
    unexplained = [str(e)[:200] for e in entries if not _explained(e, saved)]
    assert unexplained == []
    assert len(saved) == 12


@pytest.fixture
def other_database(city: Database) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (same schema name in search_path), dropped afterwards."""
    with scratch_postgres_database(city.settings.resolved_database_url(), "cbpartrestore") as url:
        yield url


def test_backup_and_restore_keep_the_partitioned_layout(city: Database, other_database: str, tmp_path: Path) -> None:
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not on PATH (postgresql-client)")
    load_cases(city.engine, 200)
    partitions.partition(city.engine, now=NOW)
    backups.backup(city.engine, tmp_path / "city.backup")
    restored = create_engine(other_database)
    try:
        backups.restore(restored, tmp_path / "city.backup")
        assert partitions.describe(restored) == partitions.describe(city.engine) != []
        with restored.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 200
            assert conn.execute(text("SELECT count(*) FROM cases_source_keys")).scalar_one() == 200
        _refused(restored, "INSERT INTO case_contacts (case_id) VALUES (987654321)", "23503", "fk_case_contacts")
        assert _next_id(restored, "cases") == _next_id(city.engine, "cases")
        assert partitions.unpartition(restored) == {"cases": 200, "case_events": 200}
    finally:
        restored.dispose()


def test_bulk_import_is_idempotent_on_the_partitioned_layout(
    city: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The importer finds already-stored keys and skips them; the side table keeps (source, source_key) unique."""
    partitions.partition(city.engine)
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", city.settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CITYBRAIN_TIMEZONE", "Asia/Shanghai")
    first = write_csv(tmp_path / "one.csv", CANONICAL_HEADER, [canonical_row(f"K{i}") for i in range(5)])
    assert run_import("canonical", first).exit_code == 0
    overlap = write_csv(tmp_path / "two.csv", CANONICAL_HEADER, [canonical_row(f"K{i}") for i in range(3, 8)])
    result = run_import("canonical", overlap)
    assert result.exit_code == 0, result.output
    assert summary_numbers(result.output) == {"read": 5, "imported": 3, "skipped": 2, "rejected": 0}
    with city.engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 8
        assert conn.execute(text("SELECT count(*) FROM cases_source_keys")).scalar_one() == 8


def test_a_case_gaining_a_child_cannot_be_deleted_meanwhile(city: Database) -> None:
    """The trigger's check locks the case as a foreign key's does: a concurrent delete waits for the insert."""
    load_cases(city.engine, 20)
    partitions.partition(city.engine, now=NOW)
    with city.engine.begin() as conn:
        case_id = conn.execute(text("SELECT min(id) FROM cases")).scalar_one()
    with city.engine.connect() as adding, city.engine.connect() as deleting:
        adding.execute(text("INSERT INTO callbacks (case_id, at, actor, resolved) VALUES (:i, now(), 'x', true)"),
                       {"i": case_id})  # fmt: skip
        deleting.execute(text("SET lock_timeout = '300ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            deleting.execute(text("DELETE FROM cases WHERE id = :i"), {"i": case_id})
        deleting.rollback()
        adding.commit()
        deleting.execute(text("DELETE FROM cases WHERE id = :i"), {"i": case_id})  # now it cascades
        deleting.commit()
    with city.engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM callbacks WHERE case_id = :i"), {"i": case_id}).scalar() == 0
