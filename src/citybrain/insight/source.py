"""Open: the live database's cases as the view ``cases`` every counting module reads (DuckDB or Spark).

The rows come from the Parquet snapshot when ``CITYBRAIN_SNAPSHOT_DIR`` is set (``cases.snapshot``), else from
``cases.repository.case_table`` (an Arrow table, read in one snapshot that takes no write lock) and are registered
by ``analytics.io.register``, so ``analytics`` never touches the database.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from citybrain.analytics import io
from citybrain.cases import repository
from citybrain.core.db import Database


def open_database(
    con: duckdb.DuckDBPyConnection, database: Database, *, since: datetime | None = None, with_text: bool = False
) -> io.CaseSource:
    """Register the database's cases (optionally only those created at or after ``since``) as the view ``cases``.

    With ``CITYBRAIN_SNAPSHOT_DIR`` set, the same cases come from its Parquet snapshot (``cases.snapshot``), which
    the connection's engine reads itself; the database is not read.
    """
    folder = database.settings.snapshot_dir
    if folder is not None:
        from citybrain.cases.snapshot import snapshot_files

        files = snapshot_files(folder)
        return io.open_snapshot(con, files, since=since, with_text=with_text, source=f"snapshot {folder}")
    with database.reading() as session:
        table = repository.case_table(session, since=since, with_text=with_text)
    return io.register(con, table)
