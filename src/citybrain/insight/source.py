"""Open: the live database's cases as the DuckDB view ``cases`` every counting module reads.

The rows come from ``cases.repository.case_table`` (an Arrow table, read in one snapshot that takes no write lock)
and are registered by ``analytics.io.register``, so ``analytics`` never touches the database.
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
    """Register the database's cases (optionally only those created at or after ``since``) as the view ``cases``."""
    with database.reading() as session:
        table = repository.case_table(session, since=since, with_text=with_text)
    return io.register(con, table)
