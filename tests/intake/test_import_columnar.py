"""The column-wise (Arrow) import path gives exactly what the row mapper gives: same cases, same report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sqlalchemy import delete, inspect, select

from citybrain.core.db import Database
from citybrain.intake.bulk import repository
from citybrain.models import Case, ImportBatch
from tests.intake.import_support import (
    CANONICAL_HEADER,
    canonical_row,
    cli_db,
    counts,
    report_rows,
    run_import,
    summary_numbers,
    write_csv,
)

__all__ = ["cli_db"]

#: Rows in the plain forms the column path takes, and rows in every odd form that sends a row to the mapper.
MIXED = [
    canonical_row("P1", created_at="2025-03-01T08:00:00", status="received", likes="2"),
    canonical_row("P2", created_at="2025-03-01 08:00:00.25", accepted_at="2025-03-01T09:00:00Z", lat="39.9"),
    canonical_row("P3", created_at="2025-03-01T08:00:00+08:00", closed_at="2025-03-03T08:00:00+08:00"),
    canonical_row("P4", request_type="投诉", department="urban_mgmt", satisfaction="5", resolved="是"),
    canonical_row("P5", title="长" * 400, address=" 幸福路1号 ", district="D01", grid="D01-G01", text="\u3000文本 "),
    canonical_row("O1", created_at="2025/03/01 08:00", request_type="Complaint", status="Closed"),
    canonical_row("O2", lat=" 39.9 ", satisfaction="4.0", resolved=" TRUE ", likes="1e1"),
    canonical_row("O3", created_at="2025-03-01", resolved_at="2025-02-01T00:00:00"),  # end before start: noted
    canonical_row("R1", category="no.such.code"),
    canonical_row("R2", created_at="2025-02-30T08:00:00"),  # well-formed, impossible
    canonical_row("R3", lat="91"),
    canonical_row("R4", channel="x" * 17),
    canonical_row("P1"),  # repeated key
    canonical_row("", title="no id"),
]
_COMPARED = [c for c in Case.__table__.columns.keys() if c not in ("id", "import_batch_id", "duplicate_of")]


def _snapshot(db: Database) -> dict[str | None, tuple[Any, ...]]:
    with db.transaction() as session:
        return {case.source_key: tuple(getattr(case, c) for c in _COMPARED) for case in session.scalars(select(Case))}


def _wipe(db: Database) -> None:
    with db.transaction() as session:
        session.execute(delete(Case))
        session.execute(delete(ImportBatch))


def _import_both_ways(db: Database, path: Path, row_path_file: Path) -> tuple[Any, Any]:
    """Import ``path`` (column path), then ``row_path_file`` read by the row reader; snapshots and reports."""
    columnar = run_import("canonical", path, "--batch-size", "100")
    assert columnar.exit_code == 0, columnar.output
    first = (_snapshot(db), sorted(map(tuple, (r.values() for r in report_rows(columnar.output)))))
    numbers = summary_numbers(columnar.output)
    _wipe(db)
    rows = run_import("canonical", row_path_file, "--encoding", "utf-8-sig")  # an encoding only the row reader takes
    assert rows.exit_code == 0, rows.output
    second = (_snapshot(db), sorted(map(tuple, (r.values() for r in report_rows(rows.output)))))
    assert summary_numbers(rows.output) == numbers
    return first, second


def test_csv_column_path_equals_row_path(cli_db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "mixed.csv", CANONICAL_HEADER, MIXED)
    with path.open("a", encoding="utf-8") as fh:  # a blank line and a short line keep their row numbers
        fh.write("\nP9,2025-03-01T08:00:00\nP10," + ",".join(canonical_row("P10")[1:]) + "\n")
    (columnar, by_rows) = _import_both_ways(cli_db, path, path)
    assert columnar == by_rows
    cases, report = columnar
    assert {"P1", "P2", "P3", "P4", "P5", "O1", "O2", "O3", "P10"} == set(cases)
    reasons = {(row, key): reason for row, key, _, reason in report}
    assert "unknown code" in reasons[("10", "R1")]
    assert "fields where the header has" in reasons[("17", "")]  # row 16 is the blank line
    assert "repeated within this file" in reasons[("14", "P1")]


def test_parquet_typed_and_text_columns_equal_row_path(cli_db: Database, tmp_path: Path) -> None:
    keys = [f"T{i}" for i in range(30)]
    table = pa.table(
        {
            "id": keys,
            "created_at": pa.array(
                [datetime(2025, 1, 2, 3, 4, 5, i) for i in range(30)], pa.timestamp("us")
            ),  # naive: local
            "closed_at": pa.array([datetime(2025, 1, 3, tzinfo=UTC)] * 30, pa.timestamp("ms", "UTC")),
            "category": ["sanitation.garbage"] * 29 + ["nope"],
            "lat": pa.array([31.2] * 30, pa.float64()),
            "likes": pa.array([7] * 30, pa.int32()),
            "resolved": pa.array([True, None] * 15, pa.bool_()),
            "department": ["water"] * 30,
        }
    )
    parquet = tmp_path / "typed.parquet"
    pq.write_table(table, parquet, row_group_size=7)
    text = {
        name: [None if v is None else _as_text(v) for v in table.column(name).to_pylist()]
        for name in table.schema.names
    }
    csv_path = write_csv(
        tmp_path / "typed.csv",
        table.schema.names,
        [[text[n][i] or "" for n in table.schema.names] for i in range(30)],
    )
    columnar, by_rows = _import_both_ways(cli_db, parquet, csv_path)
    assert columnar[0] == by_rows[0]
    assert len(columnar[0]) == 29


def _as_text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).lower() if isinstance(value, bool) else str(value)


def test_arrow_trims_exactly_what_python_strips() -> None:
    """The column path trims with Arrow; a row is only the same case if that equals ``str.strip``."""
    values = ["x" + chr(c) for c in (*range(0x3100), 0xFEFF, 0x180E, 0x200B)]
    trimmed = pc.utf8_trim_whitespace(pa.array(values)).to_pylist()
    assert trimmed == [v.strip() for v in values]


def _indexes(db: Database) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((str(i["name"]), tuple(map(str, i["column_names"]))) for i in inspect(db.engine).get_indexes("cases"))


def test_large_import_leaves_the_same_indexes(
    cli_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _indexes(cli_db)
    monkeypatch.setattr(repository, "_REBUILD_MIN_ROWS", 10)  # "large" for this test: the deferred-index path
    good = write_csv(tmp_path / "good.csv", CANONICAL_HEADER, [canonical_row(f"I{i}") for i in range(60)])
    assert run_import("canonical", good).exit_code == 0
    assert _indexes(cli_db) == before
    bad_rows = [canonical_row(f"J{i}", created_at="someday") for i in range(60)] + [canonical_row("J99")]
    bad = run_import("canonical", write_csv(tmp_path / "bad.csv", CANONICAL_HEADER, bad_rows))
    assert bad.exit_code == 2, bad.output
    assert _indexes(cli_db) == before
    assert counts(cli_db) == (60, 0, 1)
