"""Helpers shared by the bulk-import tests: run the real command, count what the database holds."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from citybrain.cli.main import app
from citybrain.core.db import Database
from citybrain.core.settings import Settings
from citybrain.models import Case, CaseContact, ImportBatch

runner = CliRunner()

CANONICAL_HEADER = [
    "id", "created_at", "channel", "request_type", "title", "text", "category", "lat", "lon", "address",
    "district", "grid", "department", "status", "accepted_at", "resolved_at", "closed_at", "satisfaction",
    "resolved", "likes", "dislikes", "duplicate_of",
]  # fmt: skip


@pytest.fixture
def cli_db(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The test database, chosen for the command the way a user chooses it: by environment."""
    monkeypatch.setenv("CITYBRAIN_DATABASE_URL", settings.resolved_database_url())
    monkeypatch.setenv("CITYBRAIN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CITYBRAIN_TIMEZONE", "Asia/Shanghai")
    yield db
    _drop_cases_fast(db)


def _drop_cases_fast(db: Database) -> None:
    """Empty the case tables in bulk before the generic wipe deletes row by row.

    cases.duplicate_of has no index, so deleting thousands of cases one foreign-key check at a time is
    quadratic (tens of seconds after the real samples).
    """
    if db.engine.dialect.name == "sqlite":
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            for table in ("case_contacts", "case_events", "callbacks", "cases"):
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
        finally:
            raw.close()
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE cases CASCADE")


def run_import(kind: str, path: Path, *extra: str) -> Result:
    return runner.invoke(app, ["import", kind, str(path), *extra])


def counts(db: Database) -> tuple[int, int, int]:
    """(cases, contacts, import batches) — the three tables an import writes."""
    with db.transaction() as session:
        return (
            int(session.scalar(select(func.count()).select_from(Case)) or 0),
            int(session.scalar(select(func.count()).select_from(CaseContact)) or 0),
            int(session.scalar(select(func.count()).select_from(ImportBatch)) or 0),
        )


def case_by_key(db: Database, source: str, key: str) -> Case:
    with db.transaction() as session:
        return session.scalars(select(Case).where(Case.source == source, Case.source_key == key)).one()


def summary_numbers(output: str) -> dict[str, int]:
    """read / imported / skipped / rejected as the command printed them."""
    flat = " ".join(output.split())
    found = {
        name: int(m.group(1))
        for name, pattern in (
            ("read", r"read (\d+)"),
            ("imported", r"imported (\d+)"),
            ("skipped", r"skipped as already present (\d+)"),
            ("rejected", r"rejected (\d+)"),
        )
        if (m := re.search(pattern, flat))
    }
    return found


def report_rows(output: str) -> list[dict[str, str]]:
    """The rows of the report file whose path the command printed."""
    match = re.search(r"report: (\S+)", output)
    assert match, f"no report path in: {output}"
    path = Path(match.group(1))
    assert path.is_file()
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def canonical_row(key: str, **values: Any) -> list[Any]:
    base: dict[str, Any] = dict.fromkeys(CANONICAL_HEADER, "")
    base.update(id=key, created_at="2025-03-01T08:00:00", title=f"case {key}", text="路面坑洼", category="roads.damage")
    base.update(values)
    return [base[c] for c in CANONICAL_HEADER]
