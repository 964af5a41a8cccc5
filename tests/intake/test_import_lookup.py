"""The per-batch "already imported?" look-up goes through the (source, source_key) index on both databases.

On PostgreSQL the planner, holding the statistics of the table from before the import's transaction, used to
probe the index on ``source`` alone and filter every row imported so far for each batch: quadratic (80k rows
in 82–96 s, bench/results/import_canonical_postgresql_80k*.json). The test records the plan of the look-up
of the last batch of a real import.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, event

from citybrain.core.db import Database
from tests.intake.import_support import CANONICAL_HEADER, canonical_row, cli_db, run_import

__all__ = ["cli_db"]

ROWS = 12_000


@pytest.fixture
def plans() -> Iterator[list[str]]:
    """The plan of every look-up by source key, explained on its own connection right after it ran."""
    seen: list[str] = []

    def explain(conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if not statement.lstrip().upper().startswith("SELECT") or not _is_lookup(statement):
            return
        prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        raw = conn.connection.dbapi_connection.cursor()
        raw.execute(prefix + statement, parameters)
        seen.append("\n".join(" ".join(str(v) for v in row) for row in raw.fetchall()))
        raw.close()

    event.listen(Engine, "after_cursor_execute", explain)
    yield seen
    event.remove(Engine, "after_cursor_execute", explain)


def _is_lookup(statement: str) -> bool:
    """The importer's look-up of a batch's keys (``IN`` list, or one probe per key on PostgreSQL)."""
    return "source_key IN" in statement or "source_key = k.key" in statement


def test_the_last_batch_is_looked_up_by_both_key_columns(cli_db: Database, tmp_path: Path, plans: list[str]) -> None:
    rows = [canonical_row(f"K{i:06d}") for i in range(ROWS)]
    table = pa.table({name: [row[i] or None for row in rows] for i, name in enumerate(CANONICAL_HEADER)})
    path = tmp_path / "many.parquet"
    pq.write_table(table, path)  # read in batches of --batch-size: one look-up, then one insert, per batch
    result = run_import("canonical", path, "--batch-size", "1000")
    assert result.exit_code == 0, result.output
    assert len(plans) >= 3
    last = plans[-1]
    if cli_db.engine.dialect.name == "sqlite":
        assert "source=? AND source_key=?" in last, last
    else:
        condition = [line for line in last.splitlines() if line.strip().startswith("Index Cond")]
        assert condition, last[:600]
        assert "source_key" in condition[0], last[:600]  # not "Filter: source_key = ANY(…)"
